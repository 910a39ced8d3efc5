"""What the one catalogue of texts costs a command: the first text (reading the ``.mo``) and
the first number in a text (Babel) after ``import allocation``, against a bare ``import
numpy, pandas``. (:mod:`allocation.common.i18n` itself imports only the standard library.)

Usage (from the repository's top folder)::

    .venv/bin/python benchmarks/i18n_catalogue.py [--repeat 15]

Prints the medians of fresh interpreters (each run starts a new process) and the ratio to
the bare baseline measured in the same run, with the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

CASES = {
    "bare: import numpy, pandas": "import numpy, pandas",
    "import allocation (the package, as every command)": "import allocation",
    "+ the first text (reads the .mo)": "import allocation; from allocation.common import i18n; i18n._('yes')",
    "+ a number in a text (imports Babel)": (
        "import allocation; from allocation.common import i18n; i18n._('yes'); i18n.eur(1234567)"),
}


def median_seconds(code: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()}")
    results = {name: median_seconds(code, args.repeat) for name, code in CASES.items()}
    bare = results["bare: import numpy, pandas"]
    for name, seconds in results.items():
        print(f"{name:45s} {seconds * 1000:8.1f} ms   x{seconds / bare:.3f}")


if __name__ == "__main__":
    main()
