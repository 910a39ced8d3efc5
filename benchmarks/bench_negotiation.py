"""Benchmark of the negotiation toolkit: ``python benchmarks/bench_negotiation.py [--repeats N]``.

Times, as medians over N runs (default 5), on this machine:

* the guarantee table (6 levels), the Shapley decomposition and the compromise frontier
  (6 levels) on the shipped scenarios, whole library calls after the two scenarios are run;
* the compromise LP of one level at 352, 3,500 and 35,000 municipalities (build and solve
  apart). The larger sizes are FICTITIOUS: the 352 municipalities' keys repeated with
  random noise (fixed seed), the reference and target made from them.

Prints Markdown tables for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from timing import median  # noqa: E402

from allocation import load_scenario, run_scenario  # noqa: E402
from allocation.analysis.compromise import (  # noqa: E402
    CompromiseProblem,
    compromise_problem,
    frontier,
    least_max_loss,
    solve_level,
)
from allocation.analysis.decompose import decompose  # noqa: E402
from allocation.analysis.guarantee import guarantee_table  # noqa: E402
from allocation.analysis.negotiation import LEVELS  # noqa: E402


def scaled(problem: CompromiseProblem, n: int, seed: int = 7) -> CompromiseProblem:
    rng = np.random.default_rng(seed)
    repeat = -(-n // len(problem.codes))
    shares = np.tile(problem.shares, (repeat, 1))[:n] * rng.lognormal(0, 0.1, (n, problem.shares.shape[1]))
    shares = shares / shares.sum(axis=0)
    budget = problem.budget * n // len(problem.codes)
    reference = np.floor(shares[:, 0] * budget)
    target = shares[:, -1] * budget
    return CompromiseProblem(tuple(f"GM{i:06d}" for i in range(n)), problem.keys, shares, reference, target, budget)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"medians of {args.repeats}\n")
    base = run_scenario(load_scenario(ROOT / "scenarios" / "kamerbrief-2021.yaml"))
    rows = []
    for name in ("variant-migratie", "kamerbrief-2021-ingroei"):
        other = run_scenario(load_scenario(ROOT / "scenarios" / f"{name}.yaml"))
        rows.append((f"guarantee table, 6 levels, against {name}", median(lambda: guarantee_table(base, other, LEVELS),
                                                                          args.repeats)))
        rows.append((f"decompose against {name}", median(lambda: decompose(base, other), args.repeats)))
    target = run_scenario(load_scenario(ROOT / "scenarios" / "variant-migratie.yaml"))
    problem, _ = compromise_problem(base, target, "ondertussengroep", None, None)
    levels = LEVELS
    rows.append(("compromise frontier, 6 levels + least max loss, 352 municipalities",
                 median(lambda: (frontier(problem, levels), least_max_loss(problem)), args.repeats)))
    print("| step (shipped scenarios, kamerbrief-2021 as reference) | median (s) |\n| --- | ---: |")
    for step, seconds in rows:
        print(f"| {step} | {seconds:.3f} |")
    print("\n| municipalities | build (s) | solve (s) | whole level (s) |\n| ---: | ---: | ---: | ---: |")
    for n in (352, 3_500, 35_000):
        sized = problem if n == 352 else scaled(problem, n)
        points = [solve_level(sized, 5.0) for _ in range(max(1, args.repeats if n < 35_000 else 3))]
        build = statistics.median(p.build_seconds for p in points)
        solve = statistics.median(p.solve_seconds for p in points)
        print(f"| {n:,} | {build:.3f} | {solve:.3f} | {build + solve:.3f} |")


if __name__ == "__main__":
    main()
