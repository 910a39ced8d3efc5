"""Benchmark of the sensitivity draws: ``python benchmarks/bench_sensitivity.py [--repeats N]``.

Times, as medians over N runs (default 3), with the peak memory the draws take
(tracemalloc, which numpy reports its arrays to):

* every draw of ``kamerbrief-2021-floor`` (3 pots, 352 municipalities x 6 years, floors on
  ELIP) with 1,000 and 10,000 draws, migratieachtergrond spread 25% and inwoners 1%;
* the batched bounded solve alone (clip-and-rescale with one factor per draw, then bounded
  rounding) at 35,000 FICTITIOUS municipalities x 6 years x 100 draws, side by side with a
  bare numpy proportional split of the same draws (floor of share x budget, no bounds, no
  exact totals): the ratio says what the rules cost over the least one could do.

Prints Markdown tables for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from allocation import load_scenario, run_scenario  # noqa: E402
from allocation.engine.batch import clip_and_rescale_rows, round_within_bounds_rows  # noqa: E402
from allocation.scenario.sensitivity import run_draws, spread_spec  # noqa: E402


def timed(function, repeats: int) -> tuple[float, float]:
    """(median seconds, peak MB of the last run)."""
    times = []
    for _ in range(repeats):
        tracemalloc.start()
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return statistics.median(times), peak / 1e6


def batched_solve(shares: np.ndarray, budgets: np.ndarray, floor: np.ndarray) -> None:
    draws, n = shares.shape
    for budget in budgets:
        weight = shares * budget
        lower = np.broadcast_to(floor, (draws, n))
        upper = np.full((draws, n), np.inf)
        exact, _, _ = clip_and_rescale_rows(np.zeros(n), weight, lower, upper, np.full(draws, float(budget)))
        round_within_bounds_rows(exact, lower, upper, np.full(draws, budget, dtype=np.int64))


def bare_split(shares: np.ndarray, budgets: np.ndarray) -> None:
    for budget in budgets:
        np.floor(shares * budget)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"numpy {np.__version__}; medians of {args.repeats}\n")
    result = run_scenario(load_scenario(ROOT / "scenarios" / "kamerbrief-2021-floor.yaml"))
    print("| case | median (s) | peak memory (MB) |\n| --- | ---: | ---: |")
    for count in (1_000, 10_000):
        spec = spread_spec(result, draws=count, seed=20210428, key_sd={"migratieachtergrond": 0.25, "inwoners": 0.01})
        seconds, peak = timed(lambda: run_draws(result, spec), args.repeats)
        print(f"| kamerbrief-2021-floor, {count:,} draws (3 pots, 352 x 6) | {seconds:.2f} | {peak:.0f} |")
    rng = np.random.default_rng(1)
    n, draws = 35_000, 100
    keys = rng.lognormal(0, 1, n)
    shares = keys[None, :] * rng.lognormal(-0.03, 0.25, (draws, n))
    shares /= shares.sum(axis=1, keepdims=True)
    budgets = np.array([30_000_000, 28_000_000, 18_000_000, 9_000_000, 6_000_000, 4_000_000])
    floor = np.full(n, 150.0)
    solve, peak = timed(lambda: batched_solve(shares, budgets, floor), args.repeats)
    bare, _ = timed(lambda: bare_split(shares, budgets), args.repeats)
    print(f"| batched bounded solve, 35,000 x 6 years x 100 draws | {solve:.2f} | {peak:.0f} |")
    print(f"| bare numpy proportional split, same draws | {bare:.3f} | |")
    print(f"\nratio batched solve / bare split: {solve / bare:.1f}x")


if __name__ == "__main__":
    main()
