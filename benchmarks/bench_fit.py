"""Benchmark of ``fit`` (which key made this table): ``python benchmarks/bench_fit.py [--repeats N]``.

Times, as medians over N runs (default 5; the 35,000 case 3 at most), on this machine:

* a bare baseline in the same run: ``python -c "import numpy, pandas"`` (a fresh process);
* the whole library fit (``allocation.analysis.fit.fit_table``) of a complete 352 x 6 table
  (the shipped ``variant-migratie`` scenario's ondertussengroep pot, as ``run`` writes it:
  2,065 points on the payment-year registers), with every built-in key: least squares,
  least squares with a vast bedrag, least absolute deviations (``--robust``), and the
  exact key (``--exact``) after it;
* the fit's mathematics alone (``allocation.engine.key_fit.fit_key``) on 35,000 FICTITIOUS
  municipalities x 6 years (210,000 points; four random log-normal keys, a known mix, a vast
  bedrag and a profile, fixed seed, whole euros), least squares with and without a vast
  bedrag, and least absolute deviations on one year (35,000 points; timed once).

Prints Markdown tables for BENCHMARKS.md with the machine and its load (``uptime``).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from timing import bare, median  # noqa: E402

from allocation import load_scenario, run_scenario  # noqa: E402
from allocation.analysis.fit import exact_fit, fit_table  # noqa: E402
from allocation.engine.key_fit import fit_key  # noqa: E402


def fictitious(n: int, years: int, seed: int = 21):
    rng = np.random.default_rng(seed)
    values = np.column_stack([rng.lognormal(9, 1, n), rng.lognormal(7, 1.5, n), rng.lognormal(3, 1, n),
                              rng.lognormal(5, 0.5, n)])
    shares = values / values.sum(axis=0)
    weights = np.array([0.4, 0.3, 0.0, 0.3])
    budgets = rng.uniform(0.5, 1.5, years) * 100.0 * n
    vast = 20.0
    amounts = np.round(vast + np.outer(shares @ weights, budgets - vast * n)).T.reshape(-1)
    year = np.repeat(np.arange(years), n)
    return np.tile(shares, (years, 1)), np.ones(n * years), year, amounts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    repeats = args.repeats
    load = os.popen("uptime").read().strip()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; {load}")
    baseline = bare(repeats)
    result = run_scenario(load_scenario(ROOT / "scenarios" / "variant-migratie.yaml"))
    table = result.published.drop(columns="gm_name")
    fit_table(table, "warm-up.csv", pot="ondertussengroep")  # loads the data files once
    rows = [("bare baseline: python -c 'import numpy, pandas' (fresh process)", baseline)]
    cases = [
        ("fit_table, 352 x 6 (2,065 points), least squares, 4 keys", {}),
        ("fit_table, 352 x 6, least squares with a vast bedrag, 3 keys", {"vast": True}),
        ("fit_table, 352 x 6, least absolute deviations (--robust), 4 keys", {"robust": True}),
    ]
    for label, options in cases:
        rows.append((label, median(lambda: fit_table(table, "t.csv", pot="ondertussengroep", **options), repeats)))
    fitted = fit_table(table, "t.csv", pot="ondertussengroep")
    rows.append(("exact key after it (LP over the rounding windows + a run to check)",
                 median(lambda: exact_fit(fitted, table), repeats)))
    print()
    print("| step | median (s) | ratio to the bare baseline |")
    print("| --- | ---: | ---: |")
    for label, seconds in rows:
        print(f"| {label} | {seconds:.3f} | {seconds / baseline:.1f} |")

    big = min(repeats, 3)
    n, years = 35_000, 6
    shares, counts, year, amounts = fictitious(n, years)
    print()
    print(f"| fit_key on {n:,} FICTITIOUS municipalities | median (s) |")
    print("| --- | ---: |")
    cases = [
        (f"x {years} years, least squares, 4 keys", lambda: fit_key(shares, counts, year, amounts, years=years,
                                                                    municipalities=n)),
        (f"x {years} years, least squares with a vast bedrag", lambda: fit_key(
            shares, counts, year, amounts, years=years, municipalities=n, vast=True)),
    ]
    one = year == 0
    cases.append(("x 1 year, least absolute deviations", lambda: fit_key(
        shares[one], counts[one], year[one], amounts[one], years=1, municipalities=n, robust=True)))
    for label, call in cases:  # the programme on 35,000 points takes about a minute: timed once
        print(f"| {label} | {median(call, 1 if 'absolute' in label else big):.2f} |")

if __name__ == "__main__":
    main()
