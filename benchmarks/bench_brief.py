"""Benchmark of the brief and the Negotiation: ``python benchmarks/bench_brief.py [--repeats N]``.

Times, as medians over N runs (default 3), on this machine, after the two shipped scenarios
(kamerbrief-2021 and variant-migratie) are run once:

* a bare baseline in the same run: ``import numpy, pandas`` in a fresh interpreter;
* ``negotiate`` (the guarantee at 5% with its table over LEVELS and who pays, the compromise of
  every shared pot at 5% with its frontier);
* ``compare`` of the two;
* ``brief_pdf`` alone (the map, the tables, the PDF) and ``brief_files`` (all three together,
  what the command and the app's button do).

Prints a Markdown table for BENCHMARKS.md, each step also as a ratio to the bare baseline; record
``uptime``'s load with it.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from timing import median  # noqa: E402

from allocation import compare, load_scenario, run_scenario  # noqa: E402
from allocation.analysis.negotiation import negotiate  # noqa: E402
from allocation.publish.brief import brief_files, brief_pdf  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"medians of {args.repeats}; load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n")
    bare = median(lambda: subprocess.run([sys.executable, "-c", "import numpy, pandas"], check=True), args.repeats)
    base = run_scenario(load_scenario(ROOT / "scenarios" / "kamerbrief-2021.yaml"))
    other = run_scenario(load_scenario(ROOT / "scenarios" / "variant-migratie.yaml"))
    found = negotiate(base, other, max_loss_pct=5.0, compromise_pct=5.0)
    comparison = compare([base, other])
    rows = [
        ("bare baseline: python -c 'import numpy, pandas'", bare),
        ("negotiate (guarantee at 5% + table, compromise of 3 pots at 5%)",
         median(lambda: negotiate(base, other, max_loss_pct=5.0, compromise_pct=5.0), args.repeats)),
        ("compare, baseline + 1", median(lambda: compare([base, other]), args.repeats)),
        ("brief_pdf (map, tables, PDF)", median(lambda: brief_pdf(base, other, comparison, found), args.repeats)),
        ("brief_files (compare + negotiate + brief_pdf)", median(lambda: brief_files(base, other), args.repeats)),
    ]
    print("| step (shipped scenarios) | median (s) | ratio to bare |\n| --- | ---: | ---: |")
    for step, seconds in rows:
        print(f"| {step} | {seconds:.3f} | {seconds / bare:.1f} |")


if __name__ == "__main__":
    main()
