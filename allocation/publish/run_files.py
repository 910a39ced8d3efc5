"""Layer 4 (publishing): the set of files ``run --out`` writes, and their names (one home for both)."""

from __future__ import annotations

import datetime as dt

from allocation.publish.circular_tables import allocation_csv, pot_csv
from allocation.publish.meicirculaire import meicirculaire_workbook
from allocation.scenario.result import ScenarioResult


def export_names(scenario_id: str, pot_ids: list[str]) -> list[str]:
    """The file names of a scenario's export, in this order: the long CSV, the meicirculaire
    workbook, and the wide CSV of each pot."""
    return ([f"{scenario_id}-allocation.csv", f"{scenario_id}-meicirculaire.xlsx"]
            + [f"{scenario_id}-{pot_id}.csv" for pot_id in pot_ids])


def export_files(result: ScenarioResult, dutch: bool = False, generated_on: dt.date | None = None) -> dict[str, bytes]:
    """Every file ``run --out`` writes, by file name: ``<id>-allocation.csv`` (long, on the
    payment-year registers), ``<id>-meicirculaire.xlsx`` and ``<id>-<pot>.csv`` per pot.

    ``dutch`` applies to the per-pot CSVs only; the long CSV keeps its fixed format.
    """
    pot_ids = list(result.scenario.pots)
    long_name, workbook_name, *pot_names = export_names(result.loaded.scenario_id, pot_ids)
    files = {long_name: allocation_csv(result), workbook_name: meicirculaire_workbook(result, generated_on)}
    for pot_id, name in zip(pot_ids, pot_names):
        files[name] = pot_csv(result, pot_id, dutch=dutch)
    return files
