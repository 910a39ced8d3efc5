"""Layer 4 (publishing): the set of files ``run --out`` writes, and their names (one home for both)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from allocation.common.side_process import started
from allocation.publish.circular_tables import allocation_csv, pot_csv, pot_table
from allocation.publish.meicirculaire import workbook_writers
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
    ``side_process``: the command line's files written on two cores: the second workbook and
    the long CSV in a side process (:mod:`allocation.common.side_process`) while this one
    writes the first workbook and the pots' CSVs; the same bytes.
    """
    pot_ids = list(result.scenario.pots)
    formats = FORMATS[workbook_format]
    names = export_names(result.loaded.scenario_id, pot_ids, workbook_format)
    long_name, workbook_names, pot_names = names[0], names[1:1 + len(formats)], names[1 + len(formats):]
    tables = {pot_id: pot_table(result, pot_id) for pot_id in pot_ids}  # for the workbooks and the CSVs
    writers = workbook_writers(result, generated_on, bands, tables)  # the sheets built once

    def pot_files() -> dict[str, bytes]:
        return {name: pot_csv(result, pot_id, dutch=dutch, table=tables[pot_id])
                for pot_id, name in zip(pot_ids, pot_names)}

    def the_rest() -> dict[str, bytes]:  # the side process's share: about half of the work
        files = {name: writers[suffix]() for suffix, name in zip(formats[1:], workbook_names[1:])}
        files[long_name] = allocation_csv(result)
        return files

    if not side_process:
        made = {workbook_names[0]: writers[formats[0]]()} | pot_files() | the_rest()
        return {name: made[name] for name in names}
    rest = started(the_rest)
    try:
        made = {workbook_names[0]: writers[formats[0]]()} | pot_files()
    except BaseException:
        rest.cancel()  # no side process left behind
        raise
    made.update(rest())
    return {name: made[name] for name in names}
