#!/usr/bin/env python3
"""Ruyi and VROOM on the same VROOM documents, side by side.

Solves each document with VROOM (pyvroom, one thread, exploration level 5,
its maximum) and with `ruyi solve --format vroom`, and prints the summary
cost, unassigned count, routes and seconds of each. Solomon instances given
as arguments are first converted to VROOM JSON with the scaling `ruyi bench
vrptw` uses (distances x1000 rounded, durations x1000 rounded up, cost per
metre), so the costs are comparable with `bks_distance.csv` x1000.

VROOM's answers are written to OUT/<name>.vroom.json so Ruyi's independent
checker can judge them too:

    RUYI_VROOM_DOCUMENT=OUT/<name>.json RUYI_VROOM_ANSWER=OUT/<name>.vroom.json \
        cargo test --test vroom -- --ignored --nocapture

Usage: python3 benches/vroom_side_by_side.py [--ruyi target/release/ruyi]
       [--time-limit 5] [--out out/vroom-compare] [DOC.json | SOLOMON.txt ...]
(no arguments: the documents in tests/vroom that VROOM can solve without a
routing server). Needs `pip install pyvroom==1.15.2`.
"""

import argparse
import json
import math
import pathlib
import subprocess
import sys
import time

import vroom

ROOT = pathlib.Path(__file__).resolve().parent.parent


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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ruyi", default=str(ROOT / "target/release/ruyi"))
    parser.add_argument("--time-limit", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=str(ROOT / "out/vroom-compare"))
    parser.add_argument("files", nargs="*")
    args = parser.parse_args()
    files = args.files or [
        str(ROOT / "tests/vroom/field_day.json"),
        str(ROOT / "tests/vroom/costs_priority.json"),
    ]
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"{'document':<16} {'solver':<6} {'cost':>10} {'unassigned':>10} {'routes':>6} {'seconds':>8}")
    for file in files:
        path = pathlib.Path(file)
        doc = solomon_as_vroom(path) if path.suffix == ".txt" else json.load(open(path))
        doc.pop("x-ruyi", None)
        name = path.stem
        doc_path = out / f"{name}.json"
        doc_path.write_text(json.dumps(doc))

        started = time.perf_counter()
        answer = vroom.Input.from_json(str(doc_path)).solve(exploration_level=5, nb_threads=1)
        vroom_seconds = time.perf_counter() - started
        vroom_answer = answer.to_dict()
        (out / f"{name}.vroom.json").write_text(json.dumps(vroom_answer))
        summary = vroom_answer["summary"]
        print(
            f"{name:<16} {'vroom':<6} {summary['cost']:>10} {summary['unassigned']:>10}"
            f" {summary['routes']:>6} {vroom_seconds:>8.2f}"
        )

        started = time.perf_counter()
        ruyi = subprocess.run(
            [args.ruyi, "solve", "--format", "vroom", str(doc_path),
             "--time-limit", str(args.time_limit), "--seed", str(args.seed)],
            capture_output=True, text=True,
        )
        ruyi_seconds = time.perf_counter() - started
        if ruyi.returncode != 0:
            print(f"{name:<16} ruyi   refused: {ruyi.stderr.strip()}")
            continue
        ours = json.loads(ruyi.stdout)
        (out / f"{name}.ruyi.json").write_text(ruyi.stdout)
        summary = ours["summary"]
        print(
            f"{name:<16} {'ruyi':<6} {summary['cost']:>10} {summary['unassigned']:>10}"
            f" {summary['routes']:>6} {ruyi_seconds:>8.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
