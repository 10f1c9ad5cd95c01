#!/usr/bin/env python3
"""Ruyi and VROOM on the same VROOM documents, side by side.

Solves each document with VROOM (pyvroom, one thread, exploration level 5,
its maximum) and with `ruyi solve --format vroom`, and prints for each:
the priority sum and the number of jobs assigned (VROOM's objective ranks
priority first, then assigned jobs, then cost), the cost, and the time.
VROOM stops by itself; its wall and CPU seconds are recorded, and Ruyi's
time limit is VROOM's own CPU time by default (`--time-limit vroom`),
which is at most its wall time, or a fixed number of seconds. Ruyi's CPU
seconds are read from the kernel (getrusage of the child), not the wall
clock: the machine may be shared.

Every answer, VROOM's too, is judged by Ruyi's independent VROOM-rules
checker (`ruyi solve --format vroom DOC --check ANSWER`); the `rules`
column says whether it keeps them.

Solomon instances given as arguments are first converted to VROOM JSON with
the scaling `ruyi bench vrptw` uses (distances x1000 rounded, durations
x1000 rounded up, cost per metre). One-day field-service documents come
from `benches/vroom_field_days.py` (`--field-days SEED,...` generates them
here) or from `ruyi export --format vroom --hub H --date D`.

Usage: python3 benches/vroom_side_by_side.py [--ruyi target/release/ruyi]
       [--time-limit vroom|SECONDS] [--out out/vroom-compare]
       [--field-days 1,2,3] [DOC.json | SOLOMON.txt ...]
Needs `pip install pyvroom==1.15.2`.
"""

import argparse
import json
import math
import pathlib
import resource
import subprocess
import sys
import time

import vroom

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benches"))


def solomon_as_vroom(path):
    lines = [l.split() for l in open(path) if l.strip()]
    vehicles = capacity = None
    rows = []
    for i, parts in enumerate(lines):
        if parts[0].upper() == "NUMBER" and parts[1].upper() == "CAPACITY":
            vehicles, capacity = int(lines[i + 1][0]), int(lines[i + 1][1])
        if parts[0].isdigit() and len(parts) == 7:
            rows.append([float(p) for p in parts])
    size = len(rows)
    dist = lambda a, b: math.hypot(rows[a][1] - rows[b][1], rows[a][2] - rows[b][2]) * 1000
    distances = [[round(dist(a, b)) for b in range(size)] for a in range(size)]
    durations = [[max(0, math.ceil(dist(a, b) - 1e-9)) for b in range(size)] for a in range(size)]
    scaled = lambda t: round(t * 1000)
    depot = rows[0]
    return {
        "vehicles": [
            {
                "id": v + 1,
                "start_index": 0,
                "end_index": 0,
                "capacity": [capacity],
                "time_window": [scaled(depot[4]), scaled(depot[5])],
                "costs": {"per_hour": 0, "per_km": 1},
            }
            for v in range(vehicles)
        ],
        "jobs": [
            {
                "id": int(r[0]),
                "location_index": i + 1,
                "service": scaled(r[6]),
                "delivery": [int(r[3])],
                "time_windows": [[scaled(r[4]), scaled(r[5])]],
            }
            for i, r in enumerate(rows[1:])
        ],
        "matrices": {"car": {"durations": durations, "distances": distances}},
    }


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def figures(doc, answer):
    """(priority sum, jobs assigned, cost) of an answer, from its routes."""
    priority = {job["id"]: job.get("priority", 0) for job in doc["jobs"]}
    served = [step["id"] for route in answer["routes"] for step in route["steps"]
              if step["type"] == "job"]
    return sum(priority[j] for j in served), len(served), answer["summary"]["cost"]


def judge(ruyi, doc_path, answer_path):
    checked = subprocess.run([ruyi, "solve", "--format", "vroom", str(doc_path),
                              "--check", str(answer_path)], capture_output=True, text=True)
    if checked.returncode == 0:
        return "ok"
    first = (checked.stdout.strip().splitlines() or ["?"])[0]
    print(f"# {answer_path.name}: {first}", file=sys.stderr)
    return "broken"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ruyi", default=str(ROOT / "target/release/ruyi"))
    parser.add_argument("--time-limit", default="vroom",
                        help="Ruyi's time limit: 'vroom' (VROOM's CPU seconds) or seconds")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=str(ROOT / "out/vroom-compare"))
    parser.add_argument("--field-days", default="",
                        help="also generate these seeds with vroom_field_days.py")
    parser.add_argument("files", nargs="*")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    documents = []
    for seed in [s for s in args.field_days.split(",") if s]:
        import vroom_field_days
        documents.append((f"field-day-{seed}", vroom_field_days.generate(int(seed))))
    for file in args.files:
        path = pathlib.Path(file)
        doc = solomon_as_vroom(path) if path.suffix == ".txt" else json.load(open(path))
        documents.append((path.stem, doc))
    print(f"{'document':<16} {'jobs':>5} {'veh':>4} {'solver':<6} {'priority':>9} {'assigned':>8}"
          f" {'cost':>10} {'limit_s':>8} {'wall_s':>7} {'cpu_s':>7} {'rules':>6}")
    verdicts = []
    for name, doc in documents:
        doc.pop("x-ruyi", None)
        doc_path = out / f"{name}.json"
        doc_path.write_text(json.dumps(doc))
        jobs, fleet = len(doc["jobs"]), len(doc["vehicles"])

        wall, cpu = time.perf_counter(), time.process_time()
        solution = vroom.Input.from_json(str(doc_path)).solve(exploration_level=5, nb_threads=1)
        vroom_wall, vroom_cpu = time.perf_counter() - wall, time.process_time() - cpu
        vroom_answer = solution.to_dict()
        vroom_path = out / f"{name}.vroom.json"
        vroom_path.write_text(json.dumps(vroom_answer))
        theirs = figures(doc, vroom_answer)
        print(f"{name:<16} {jobs:>5} {fleet:>4} {'vroom':<6} {theirs[0]:>9} {theirs[1]:>8}"
              f" {theirs[2]:>10} {'-':>8} {vroom_wall:>7.2f} {vroom_cpu:>7.2f}"
              f" {judge(args.ruyi, doc_path, vroom_path):>6}", flush=True)

        limit = round(vroom_cpu, 2) if args.time_limit == "vroom" else float(args.time_limit)
        limit = max(limit, 0.05)
        wall, cpu = time.perf_counter(), children_cpu()
        ruyi = subprocess.run(
            [args.ruyi, "solve", "--format", "vroom", str(doc_path),
             "--time-limit", str(limit), "--seed", str(args.seed)],
            capture_output=True, text=True,
        )
        ruyi_wall, ruyi_cpu = time.perf_counter() - wall, children_cpu() - cpu
        if ruyi.returncode != 0:
            print(f"{name:<16} ruyi   refused: {ruyi.stderr.strip()}")
            verdicts.append((name, False))
            continue
        ruyi_path = out / f"{name}.ruyi.json"
        ruyi_path.write_text(ruyi.stdout)
        ours = figures(doc, json.loads(ruyi.stdout))
        print(f"{name:<16} {jobs:>5} {fleet:>4} {'ruyi':<6} {ours[0]:>9} {ours[1]:>8}"
              f" {ours[2]:>10} {limit:>8.2f} {ruyi_wall:>7.2f} {ruyi_cpu:>7.2f}"
              f" {judge(args.ruyi, doc_path, ruyi_path):>6}", flush=True)
        # The bar: priority sum at least VROOM's and, at equal priority, cost
        # at most VROOM's.
        bar = ours[0] > theirs[0] or (ours[0] == theirs[0] and ours[2] <= theirs[2])
        verdicts.append((name, bar))
    won = sum(1 for _, ok in verdicts if ok)
    print(f"Ruyi's priority sum >= VROOM's, and cost <= VROOM's at equal priority,"
          f" on {won} of {len(verdicts)} documents"
          + ("" if won == len(verdicts) else ": not on " + ", ".join(n for n, ok in verdicts if not ok)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
