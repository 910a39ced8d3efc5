"""Benchmark of the scenario comparison: ``python benchmarks/compare_benchmark.py [REPEATS]``.

Times, as medians over REPEATS runs (default 5), comparing the baseline (kamerbrief-2021)
with one and with three shipped variants:

* the steps apart: ``compare``, the text summary, the xlsx workbook of the comparison views
  alone, the CSVs of those views, ``negotiation_views`` (the sheets Garantie, Compromis,
  Decompositie);
* the app's full path for the comparison files (``comparison_file_bytes`` in
  ``allocation/faces/web/state.py``): ``compare`` + ``negotiation_views`` +
  ``comparison_files`` (the workbook with the negotiation sheets and every CSV), in total
  and per compared scenario.

Wall-clock and process CPU seconds (the CPU column is the steadier one on a shared machine).
Prints the machine and a Markdown table for BENCHMARKS.md.
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
from allocation.publish.comparison import (  # noqa: E402
    _csv,
    comparison_files,
    comparison_views,
    comparison_workbook,
    negotiation_views,
)

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
NAMES = ["kamerbrief-2021", "variant-vast-bedrag", "variant-migratie", "variant-inwoners"]


def medians(function, repeats: int) -> tuple[float, float]:
    """(median wall-clock seconds, median process CPU seconds) over ``repeats`` calls."""
    walls, cpus = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        cpus.append(time.process_time() - start_cpu)
        walls.append(time.perf_counter() - start)
    return statistics.median(walls), statistics.median(cpus)


def _load() -> str:
    """The 1-minute load average (other jobs on the machine make the wall-clock times noisy)."""
    return f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "?"


def app_path(chosen: list) -> dict[str, bytes]:
    """What the app does for the comparison files: compare, negotiation sheets, files."""
    comparison = compare(chosen)
    return comparison_files(comparison, extra=negotiation_views(chosen[0], chosen[1:]))


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    load_at_start = _load()
    results = [run_scenario(load_scenario(SCENARIOS / f"{name}.yaml")) for name in NAMES]
    rows = []
    for count in (2, 4):
        chosen = results[:count]
        others = count - 1
        comparison = compare(chosen)
        extra = negotiation_views(chosen[0], chosen[1:])
        rows.append((f"compare, baseline + {others}", medians(lambda: compare(chosen), repeats)))
        rows.append((f"summary_text, baseline + {others}", medians(lambda: comparison_summary(comparison), repeats)))
        rows.append((f"comparison_workbook (xlsx), baseline + {others}",
                     medians(lambda: comparison_workbook(comparison), repeats)))
        rows.append((f"CSVs, baseline + {others}",
                     medians(lambda: [_csv(f) for _, _, f in comparison_views(comparison)], repeats)))
        rows.append((f"negotiation_views, baseline + {others}",
                     medians(lambda: negotiation_views(chosen[0], chosen[1:]), repeats)))
        rows.append((f"comparison_files with the negotiation sheets (xlsx + CSVs), baseline + {others}",
                     medians(lambda: comparison_files(comparison, extra=extra), repeats)))
        wall, cpu = medians(lambda: app_path(chosen), repeats)
        rows.append((f"app path: compare + negotiation_views + comparison_files, baseline + {others}", (wall, cpu)))
        rows.append((f"app path per compared scenario, baseline + {others}", (wall / others, cpu / others)))
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, load average {load_at_start} at the start, {_load()} at the end")
    print(f"repeats: {repeats}\n")
    print("| step | median wall (s) | median CPU (s) |\n| --- | ---: | ---: |")
    for step, (wall, cpu) in rows:
        print(f"| {step} | {wall:.3f} | {cpu:.3f} |")


if __name__ == "__main__":
    main()
