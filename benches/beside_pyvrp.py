#!/usr/bin/env python3
"""Ruyi and PyVRP on the same Solomon / Gehring & Homberger instances at
equal CPU time.

Each instance is solved by `ruyi bench vrptw --time-limit T` and by PyVRP
(default `pyvrp.solve`, seed 0) stopped after T seconds of *CPU* time of its
own process (not wall time: on a shared, loaded machine a wall-clock limit
gives a solver whatever CPU the others leave it). Ruyi's CPU time is read
from the kernel for its process (getrusage of the child), PyVRP's with
`time.process_time()`; both are printed, so "equal CPU" can be checked.

Both answers are re-checked and their distances recomputed in double
precision by the peers' independent checker (`run_peers.py check`): Ruyi's
from the `.sol` file it writes.

Usage (from the project root, release build):
    python3 benches/beside_pyvrp.py --time-limit 60 \\
        ../shared/benchmarks/homberger/{c1_4_6,r1_4_6,...}.txt
Needs `pip install pyvrp==0.14.1` and the peers' script beside the project
(`--peers`, default ../shared/peers/run_peers.py).
"""

import argparse
import importlib.util
import pathlib
import resource
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


class MaxCpu:
    """PyVRP stopping criterion: stop after `seconds` of this process's CPU."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.started = None

    def __call__(self, best_cost):
        if self.started is None:
            self.started = time.process_time()
        return time.process_time() - self.started > self.seconds


def load_peers(path):
    spec = importlib.util.spec_from_file_location("run_peers", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["run_peers"] = module
    spec.loader.exec_module(module)
    return module


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def solve_ruyi(args, path, name):
    out = pathlib.Path(args.out) / "ruyi"
    out.mkdir(parents=True, exist_ok=True)
    before = children_cpu()
    done = subprocess.run(
        [args.ruyi, "bench", "vrptw", "--time-limit", str(args.time_limit),
         "--seed", str(args.seed), "--out", str(out), str(path)],
        capture_output=True, text=True,
    )
    cpu = children_cpu() - before
    if done.returncode != 0:
        raise RuntimeError(f"ruyi failed on {name}: {done.stderr.strip()}")
    routes = []
    for line in (out / f"{name}.sol").read_text().splitlines():
        if line.startswith("Route"):
            routes.append([int(c) for c in line.split(":", 1)[1].split()])
    return cpu, routes


def solve_pyvrp(peers, inst, seconds, seed):
    import pyvrp

    cost, dur = peers.scaled_matrices(inst)
    scale = peers.SCALE
    model = pyvrp.Model()
    model.add_vehicle_type(
        num_available=inst.fleet,
        capacity=[inst.capacity],
        tw_early=inst.ready[0] * scale,
        tw_late=inst.due[0] * scale,
    )
    nodes = []
    for i in range(inst.n + 1):
        location = model.add_location(x=inst.x[i], y=inst.y[i])
        if i == 0:
            model.add_depot(location, tw_early=inst.ready[0] * scale, tw_late=inst.due[0] * scale)
        else:
            model.add_client(location, delivery=[inst.demand[i]],
                             service_duration=inst.service[i] * scale,
                             tw_early=inst.ready[i] * scale, tw_late=inst.due[i] * scale)
        nodes.append(location)
    for i, a in enumerate(nodes):
        for j, b in enumerate(nodes):
            model.add_edge(a, b, distance=cost[i][j], duration=dur[i][j])
    data = model.data()
    started = time.process_time()
    result = pyvrp.solve(data, stop=MaxCpu(seconds), seed=seed, display=False)
    cpu = time.process_time() - started
    routes = [[a.idx + 1 for a in route if a.is_client()] for route in result.best.routes()]
    return cpu, routes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ruyi", default=str(ROOT / "target/release/ruyi"))
    parser.add_argument("--peers", default=str(ROOT / "../shared/peers/run_peers.py"))
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pyvrp-seed", type=int, default=0)
    parser.add_argument("--out", default=str(ROOT / "out/beside-pyvrp"))
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    peers = load_peers(args.peers)
    print(f"{'instance':<10} {'ruyi_cpu':>8} {'ruyi_veh':>8} {'ruyi_dist':>11}"
          f" {'pyvrp_cpu':>9} {'pyvrp_veh':>9} {'pyvrp_dist':>11} {'gap%':>7}")
    gaps = []
    for file in args.files:
        path = pathlib.Path(file)
        inst = peers.read_solomon(str(path))
        ruyi_cpu, ruyi_routes = solve_ruyi(args, path, inst.name)
        ruyi_dist, ruyi_veh, ruyi_errors = peers.check(inst, ruyi_routes)
        py_cpu, py_routes = solve_pyvrp(peers, inst, args.time_limit, args.pyvrp_seed)
        py_dist, py_veh, py_errors = peers.check(inst, py_routes)
        for solver, errors in (("ruyi", ruyi_errors), ("pyvrp", py_errors)):
            if errors:
                print(f"# {inst.name} {solver} infeasible: {errors[:3]}", file=sys.stderr)
        gap = 100.0 * (ruyi_dist - py_dist) / py_dist
        if not ruyi_errors and not py_errors:
            gaps.append(gap)
        print(f"{inst.name:<10} {ruyi_cpu:>8.1f} {ruyi_veh:>8} {ruyi_dist:>11.2f}"
              f" {py_cpu:>9.1f} {py_veh:>9} {py_dist:>11.2f} {gap:>7.2f}", flush=True)
    if gaps:
        print(f"mean gap of Ruyi to PyVRP over {len(gaps)} instances: {sum(gaps) / len(gaps):.2f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
