"""Whole-process timings of the command line against a bare ``import numpy, pandas``.

Usage::

    python benchmarks/bench_commands.py [--repeats 7] [--python .venv/bin/python]

Each command runs as a fresh process (``subprocess``), ``--repeats`` times, the commands
interleaved so that a change of machine load hits them all alike. Printed per command:
the median, min and max wall time and the median's ratio to the bare baseline
``python -c "import numpy, pandas"`` measured in the same run; and the median CPU time
(user + system) of the process with its ratio to the baseline's, which a busy machine
disturbs far less than the wall time. The targets of issue 18.6 are on the wall time of a
quiet machine: ``run`` of the baseline scenario at most 2x the bare import, ``validate``
and ``explain`` at most 1.5x. Record the output with ``uptime`` in BENCHMARKS.md.

The processes run with Python's bytecode cache on, as in a normal install (a
``PYTHONDONTWRITEBYTECODE`` in the environment is dropped for them; the warm-up run of each
command writes the ``__pycache__`` files), so no run pays for compiling the package.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = "scenarios/kamerbrief-2021.yaml"
BARE = "bare import numpy, pandas"
ENVIRONMENT = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def commands(python: str, out: str) -> dict[str, tuple[list[str], float | None]]:
    """Name -> (argv, target ratio)."""
    return {
        BARE: ([python, "-c", "import numpy, pandas"], None),
        "run (baseline, both workbooks)": ([python, "-m", "allocation", "run", SCENARIO, "--out", out], 2.0),
        "validate": ([python, "-m", "allocation", "validate", SCENARIO], 1.5),
        "explain Amsterdam": ([python, "-m", "allocation", "explain", SCENARIO, "Amsterdam"], 1.5),
        "keys": ([python, "-m", "allocation", "keys"], None),
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str]) -> tuple[float, float]:
    """(wall time, CPU time of the process) in seconds."""
    cpu, start = _children_cpu(), time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=ENVIRONMENT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed, _children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        jobs = commands(args.python, folder)
        walls: dict[str, list[float]] = {name: [] for name in jobs}
        cpus: dict[str, list[float]] = {name: [] for name in jobs}
        for argv, _ in jobs.values():  # a warm-up run each: caches and .pyc files
            timed(argv)
        for _ in range(args.repeats):
            for name, (argv, _) in jobs.items():
                wall, cpu = timed(argv)
                walls[name].append(wall)
                cpus[name].append(cpu)
    base, base_cpu = statistics.median(walls[BARE]), statistics.median(cpus[BARE])
    load = os.getloadavg()
    print(f"{args.repeats} repeats; load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
          f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
    print("| command | wall median (s) | min | max | ratio to bare | CPU median (s) | CPU ratio | target (wall) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for name, (_, target) in jobs.items():
        median, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        ratio = median / base
        verdict = "" if target is None else f"<= {target:g}x: {'met' if ratio <= target else 'missed'}"
        print(f"| {name} | {median:.2f} | {min(walls[name]):.2f} | {max(walls[name]):.2f} | {ratio:.2f} | "
              f"{cpu:.2f} | {cpu / base_cpu:.2f} | {verdict} |")


if __name__ == "__main__":
    main()
