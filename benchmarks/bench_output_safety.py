"""What "no formula leaves the product" costs: the comparison files (workbook and CSVs) of
the baseline against variant-migratie, written as the product writes them (text cells
forced to text, formula-like texts quote-prefixed, every CSV text cell escaped,
:mod:`allocation.common.cells`), against the same frames written bare (XlsxWriter with its
default options, ``DataFrame.to_csv``) in the same run.

Run: ``.venv/bin/python benchmarks/bench_output_safety.py [--repeats N]``. Prints the
median of each and the ratio, with the load average; record results in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def bare_files(views) -> int:
    """The same sheets and CSVs without any of the escaping: the reference."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for sheet, _, frame in views:
        worksheet = book.add_worksheet(sheet)
        worksheet.write_row(0, 0, [str(c) for c in frame.columns])
        for index, column in enumerate(frame.columns):
            values = [None if v is None or v != v else (v if not isinstance(v, str) else str(v))
                      for v in frame[column].tolist()]
            worksheet.write_column(1, index, values)
    book.close()
    size = len(buffer.getvalue())
    for _, _, frame in views:
        size += len(frame.to_csv(index=False, lineterminator="\n", float_format="%.6f").encode("utf-8"))
    return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    from allocation import load_scenario, run_scenario
    from allocation.analysis.compare import compare
    from allocation.publish.comparison import comparison_files, comparison_views, negotiation_views

    base, other = (run_scenario(load_scenario(ROOT / "scenarios" / f"{stem}.yaml"))
                   for stem in ("kamerbrief-2021", "variant-migratie"))
    comparison = compare([base, other])
    extra = negotiation_views(base, [other])
    views = comparison_views(comparison)
    views = views[:-1] + extra + views[-1:]
    timings: dict[str, list[float]] = {"product (escaped)": [], "bare (no escaping)": []}
    for _ in range(args.repeats):
        for name, job in (("product (escaped)", lambda: comparison_files(comparison, None, extra)),
                          ("bare (no escaping)", lambda: bare_files(views))):
            start = time.perf_counter()
            job()
            timings[name].append(time.perf_counter() - start)
    print(f"load average {os.getloadavg()}; {args.repeats} repeats")
    medians = {name: statistics.median(values) for name, values in timings.items()}
    for name, median in medians.items():
        print(f"{name:20s} median {median:.3f} s")
    print(f"ratio product / bare: {medians['product (escaped)'] / medians['bare (no escaping)']:.2f}")


if __name__ == "__main__":
    main()
