"""Layer 4 (publishing): the set of files ``run --out`` writes, and their names (one home for both)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from allocation.publish.circular_tables import allocation_csv, pot_csv, pot_table
from allocation.publish.meicirculaire import begun_files
from allocation.scenario.result import ScenarioResult

#: The workbook formats ``run --format`` writes: both by default.
FORMATS = {"xlsx": ("xlsx",), "ods": ("ods",), "both": ("xlsx", "ods")}


def export_names(scenario_id: str, pot_ids: list[str], workbook_format: str = "both") -> list[str]:
    """The file names of a scenario's export, in this order: the long CSV, the meicirculaire
    workbook(s) (xlsx, then ods), and the wide CSV of each pot."""
    return ([f"{scenario_id}-allocation.csv"]
            + [f"{scenario_id}-meicirculaire.{suffix}" for suffix in FORMATS[workbook_format]]
            + [f"{scenario_id}-{pot_id}.csv" for pot_id in pot_ids])


def export_files(result: ScenarioResult, dutch: bool = False, generated_on: dt.date | None = None,
                 workbook_format: str = "both", bands: pd.DataFrame | None = None,
                 side_process: bool = False) -> dict[str, bytes]:
    """Every file ``run --out`` writes, by file name: ``<id>-allocation.csv`` (long, on the
    payment-year registers), ``<id>-meicirculaire.xlsx`` and/or ``.ods`` (``workbook_format``:
    ``xlsx``, ``ods`` or ``both``) and ``<id>-<pot>.csv`` per pot.

    ``dutch`` applies to the per-pot CSVs only; the long CSV keeps its fixed format.
    ``bands`` (:func:`allocation.analysis.sensitivity.band_table`) adds the sheet "Zekerheid".
    ``side_process``: the command line's two workbooks written at once (see
    :func:`~allocation.publish.meicirculaire.begun_files`); the same bytes.
    """
    pot_ids = list(result.scenario.pots)
    formats = FORMATS[workbook_format]
    names = export_names(result.loaded.scenario_id, pot_ids, workbook_format)
    long_name, workbook_names, pot_names = names[0], names[1:1 + len(formats)], names[1 + len(formats):]
    tables = {pot_id: pot_table(result, pot_id) for pot_id in pot_ids}  # for the workbooks and the CSVs
    finish = begun_files(result, formats, generated_on, bands, tables, side_process)  # the sheets built once
    files = {long_name: allocation_csv(result)}  # made while a side process writes a workbook
    pot_files = {name: pot_csv(result, pot_id, dutch=dutch, table=tables[pot_id])
                 for pot_id, name in zip(pot_ids, pot_names)}
    workbooks = finish()
    for suffix, name in zip(formats, workbook_names):
        files[name] = workbooks[suffix]
    return files | pot_files
