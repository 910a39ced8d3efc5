"""Benchmark of the scenario comparison: ``python benchmarks/compare_benchmark.py [REPEATS]``.

Times, as medians over REPEATS runs (default 5): comparing the baseline with one and with
three shipped variants, the text summary, the xlsx workbook, and the CSVs. Prints a
Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from allocation import comparison_summary, load_scenario, run_scenario  # noqa: E402
from allocation.analysis.compare import compare  # noqa: E402
from allocation.publish.comparison import _csv, comparison_views, comparison_workbook  # noqa: E402

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def median_seconds(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    names = ["kamerbrief-2021", "variant-vast-bedrag", "variant-migratie", "variant-inwoners"]
    results = [run_scenario(load_scenario(SCENARIOS / f"{name}.yaml")) for name in names]
    rows = []
    for count in (2, 4):
        chosen = results[:count]
        comparison = compare(chosen)
        rows.append((f"compare, baseline + {count - 1}", median_seconds(lambda: compare(chosen), repeats)))
        rows.append(
            (f"summary_text, baseline + {count - 1}", median_seconds(lambda: comparison_summary(comparison), repeats))
        )
        rows.append(
            (
                f"comparison_workbook (xlsx), baseline + {count - 1}",
                median_seconds(lambda: comparison_workbook(comparison), repeats),
            )
        )
        rows.append(
            (
                f"CSVs, baseline + {count - 1}",
                median_seconds(lambda: [_csv(f) for _, _, f in comparison_views(comparison)], repeats),
            )
        )
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}"
    )
    print(f"repeats: {repeats}\n")
    print("| step | median (s) |\n| --- | ---: |")
    for step, seconds in rows:
        print(f"| {step} | {seconds:.3f} |")


if __name__ == "__main__":
    main()
