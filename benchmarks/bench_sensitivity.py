"""Benchmark of the sensitivity draws: ``python benchmarks/bench_sensitivity.py [--repeats N] [--skip-full]``.

Times, as medians over N runs (default 3), with the load average of the machine:

* every draw of ``kamerbrief-2021-floor`` (3 pots, 352 municipalities x 6 years, floors on
  ELIP) with 1,000 and 10,000 draws, migratieachtergrond spread 25% and inwoners 1%, with the
  peak memory the draws take (tracemalloc, which numpy reports its arrays to);
* the largest allowed run, as a user runs it: ``python -m allocation sensitivity
  scenarios/kamerbrief-2021.yaml --draws 100000 --relative-sd migratieachtergrond=0.25
  inwoners=0.01`` in a child process, once: wall time and the child's peak resident memory
  (``ru_maxrss``), beside ``python -c "import numpy, pandas"`` (skip with ``--skip-full``);
* the batched bounded solve alone (clip-and-rescale with one factor per draw, then bounded
  rounding to whole euros) at 3,500 and at 35,000 FICTITIOUS municipalities x 6 years x 100
  draws, side by side with a bare numpy proportional split of the same draws (floor of share
  x budget, no bounds, no exact totals): the ratio says what the rules cost over the least one
  could do. The floor (150 euros at 3,500, scaled down with the count) binds for a few
  percent of the municipalities in the small years and leaves every draw feasible at both
  sizes (a floor of 150 at 35,000 would need more than the budget of the last years).

Prints Markdown for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from timing import median  # noqa: E402

from allocation import load_scenario, run_scenario  # noqa: E402
from allocation.engine.batch import clip_and_rescale_rows, round_within_bounds_rows  # noqa: E402
from allocation.scenario.sensitivity import run_draws, spread_spec  # noqa: E402

BUDGETS = np.array([30_000_000, 28_000_000, 18_000_000, 9_000_000, 6_000_000, 4_000_000])


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
        exact, _, missed = clip_and_rescale_rows(np.zeros(n), weight, lower, upper, np.full(draws, float(budget)))
        _, unsettled = round_within_bounds_rows(exact, lower, upper, np.full(draws, budget, dtype=np.int64))
        assert not (missed | unsettled).any()


def bare_split(shares: np.ndarray, budgets: np.ndarray) -> None:
    for budget in budgets:
        np.floor(shares * budget)


#: Runs its arguments as a process and prints that process's wall time and peak resident memory (KB):
#: measured from a small process, since a child forked from this one would count its pages too.
WRAPPER = """
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def child(command: list[str]) -> tuple[float, float]:
    """(wall seconds, peak resident MB) of a child process."""
    done = subprocess.run([sys.executable, "-c", WRAPPER, *command], check=True, cwd=ROOT, capture_output=True,
                          text=True)
    seconds, peak = done.stdout.split()
    return float(seconds), int(peak) / 1024


def load() -> str:
    return "load average " + ", ".join(f"{value:.1f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-full", action="store_true", help="leave out the 100,000-draw run (minutes)")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"numpy {np.__version__}; medians of {args.repeats}; {load()} at the start\n")
    result = run_scenario(load_scenario(ROOT / "scenarios" / "kamerbrief-2021-floor.yaml"))
    print("| case | median (s) | peak memory (MB) |\n| --- | ---: | ---: |")
    for count in (1_000, 10_000):
        spec = spread_spec(result, draws=count, seed=20210428, key_sd={"migratieachtergrond": 0.25, "inwoners": 0.01})
        seconds, peak = timed(lambda: run_draws(result, spec), args.repeats)
        print(f"| kamerbrief-2021-floor, {count:,} draws (3 pots, 352 x 6) | {seconds:.2f} | {peak:.0f} |")
    if not args.skip_full:
        bare, _ = child([sys.executable, "-c", "import numpy, pandas"])
        with tempfile.TemporaryDirectory() as out:
            seconds, peak = child([sys.executable, "-m", "allocation", "sensitivity", "scenarios/kamerbrief-2021.yaml",
                                   "--out", out, "--draws", "100000", "--relative-sd", "migratieachtergrond=0.25",
                                   "inwoners=0.01"])
        print(f"| `sensitivity kamerbrief-2021 --draws 100000`, whole process, once | {seconds:.1f} | "
              f"{peak:.0f} (peak resident) |")
        print(f"| `python -c \"import numpy, pandas\"`, same run | {bare:.2f} | |")
    print(f"\n{load()}\n\n| batched bounded solve, x 6 years x 100 draws | solve (s) | bare split (s) | ratio |")
    print("| --- | ---: | ---: | ---: |")
    for n in (3_500, 35_000):
        rng = np.random.default_rng(1)
        draws = 100
        keys = rng.lognormal(0, 1, n)
        shares = keys[None, :] * rng.lognormal(-0.03, 0.25, (draws, n))
        shares /= shares.sum(axis=1, keepdims=True)
        floor = np.full(n, 150.0 * 3_500 / n)
        solves, bares = [], []
        for _ in range(args.repeats):  # interleaved, so that a change of load hits both
            solves.append(median(lambda: batched_solve(shares, BUDGETS, floor), 1))
            bares.append(median(lambda: bare_split(shares, BUDGETS), 1))
        solve, bare = statistics.median(solves), statistics.median(bares)
        print(f"| {n:,} FICTITIOUS municipalities | {solve:.3f} | {bare:.4f} | {solve / bare:.1f}x |")
    print(f"\n{load()} at the end")


if __name__ == "__main__":
    main()
