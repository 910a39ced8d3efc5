"""Whole-process timings of the command line against a bare ``import numpy, pandas``.

Usage::

    python benchmarks/bench_commands.py [--repeats 7] [--python .venv/bin/python] [--before DIR]

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

The CPU time of ``run`` includes its side process (the ODS is written in a forked process
while the xlsx is written, see allocation/common/side_process.py): on a quiet machine with
two cores its wall time is below its CPU time.

``--before DIR``: a copy of an earlier commit (``git archive <commit> | tar -x -C DIR``); each
command runs there too (``python -m allocation`` from that folder imports its package),
interleaved with this checkout's, so a change of load hits before and after alike; its rows
are marked "(before)".
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


def timed(argv: list[str], cwd: Path = ROOT) -> tuple[float, float]:
    """(wall time, CPU time of the process) in seconds."""
    cpu, start = _children_cpu(), time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=ENVIRONMENT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed, _children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--before", help="a copy of an earlier commit, its commands run interleaved with these")
    args = parser.parse_args()
    before = Path(args.before).resolve() if args.before else None
    start_load = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryDirectory() as other:
        jobs = commands(args.python, folder)
        runs: dict[str, tuple[list[str], Path, float | None]] = {}
        for name, (argv, target) in jobs.items():
            runs[name] = (argv, ROOT, target)
            if before is not None and name != BARE:
                runs[f"{name} (before)"] = (commands(args.python, other)[name][0], before, None)
        walls: dict[str, list[float]] = {name: [] for name in runs}
        cpus: dict[str, list[float]] = {name: [] for name in runs}
        for argv, cwd, _ in runs.values():  # a warm-up run each: caches and .pyc files
            timed(argv, cwd)
        for _ in range(args.repeats):
            for name, (argv, cwd, _) in runs.items():
                wall, cpu = timed(argv, cwd)
                walls[name].append(wall)
                cpus[name].append(cpu)
    base, base_cpu = statistics.median(walls[BARE]), statistics.median(cpus[BARE])
    load = os.getloadavg()
    print(f"{args.repeats} repeats; load average at the start {start_load[0]:.2f} {start_load[1]:.2f} "
          f"{start_load[2]:.2f}, at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
          f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
    print("| command | wall median (s) | min | max | ratio to bare | CPU median (s) | CPU ratio | target (wall) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for name, (_, _, target) in runs.items():
        median, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        ratio = median / base
        verdict = "" if target is None else f"<= {target:g}x: {'met' if ratio <= target else 'missed'}"
        print(f"| {name} | {median:.2f} | {min(walls[name]):.2f} | {max(walls[name]):.2f} | {ratio:.2f} | "
              f"{cpu:.2f} | {cpu / base_cpu:.2f} | {verdict} |")


if __name__ == "__main__":
    main()
