"""Layer 4 (publishing): the files of a fit of a published table (``fit``).

* ``fit-<table>-<pot>.csv``: ``pot,year,gm_code,gm_name,published_eur,fitted_eur,difference_eur,
  difference_pct`` per point (the fitted amounts are what ``run`` gives for the fitted scenario);
* ``fit-<table>-<pot>-summary.csv``: ``section,item,value,low,high,note``: the weights with
  their ranges, the vast bedrag, the national amount per year, the quality and the notes;
* ``fit-<table>-<pot>.yaml``: the fitted scenario;
* the user keys the fitted scenario names, if any (``fit-<table>-<pot>-key-<name>.csv``);
* with ``--exact``: ``fit-<table>-<pot>-exact-key.csv`` (the table's own shares, a user key)
  and ``fit-<table>-<pot>-exact.yaml`` (the scenario that reproduces the table to the euro).

UTF-8, LF; numbers as plain decimals with a '.' (no scientific notation); text a spreadsheet would
read as a formula gets a leading apostrophe.
"""

from __future__ import annotations

import numpy as np

from allocation.analysis.fit import ExactFit, TableFit, summary_table
from allocation.publish.circular_tables import neutralise


def plain_decimal(value: float) -> str:
    """A number for a CSV: 10 significant digits as a plain decimal with a '.' (``0.000008794233286``,
    never ``8.79e-06``: a CSV is a file format, read by programs and spreadsheets alike)."""
    return np.format_float_positional(value, precision=10, unique=False, fractional=False, trim="-")


def fit_files(fit: TableFit, exact: ExactFit | None = None) -> dict[str, bytes]:
    """Every file of the fit (and of the exact scenario), by name."""
    points = fit.points.copy()
    for column in ("pot", "gm_name"):
        points[column] = points[column].map(neutralise)
    summary = summary_table(fit)
    summary["note"] = summary["note"].map(neutralise)
    files = {
        f"{fit.stem}.csv": points.to_csv(index=False, lineterminator="\n", float_format="%.4f").encode("utf-8"),
        f"{fit.stem}-summary.csv": summary.to_csv(index=False, lineterminator="\n",
                                                  float_format=plain_decimal).encode("utf-8"),
        f"{fit.stem}.yaml": fit.scenario_text.encode("utf-8"),
    }
    files.update(fit.key_files)
    if exact is not None:
        files[exact.key_file] = exact.key_csv
        files[f"{fit.stem}-exact.yaml"] = exact.scenario_text.encode("utf-8")
    return files
