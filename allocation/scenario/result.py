"""Layer 3 (scenario): the result of running a scenario, and its long tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from allocation.data.keys import Key
from allocation.data.registers import DATA_DIR
from allocation.engine.constrained_pot import REPORT_COLUMNS, ConstrainedPot
from allocation.engine.pot import PotAllocation
from allocation.scenario.loading import LoadedScenario
from allocation.scenario.schema import Scenario

ALLOCATION_COLUMNS = ["pot", "year", "gm_code", "gm_name", "amount_eur"]


@dataclass
class ScenarioResult:
    """The allocation of every pot of a scenario on the key register.

    ``allocation``: long table with columns pot, year, gm_code, gm_name, amount_eur, on
    the key register (2021) for every year.
    ``pots``: the engine's :class:`~allocation.engine.pot.PotAllocation` per pot id.
    ``published``: the same amounts restated on each payment year's register (the one in
    force on the year's peildatum): columns pot, year, gm_code, gm_name, amount_eur.
    ``peildata``: payment year -> (peildatum ISO date, provenance).
    ``registers``: payment year -> that year's register (gm_code, gm_name, province_code,
    province_name).
    ``successors``: payment year -> :func:`allocation.engine.restate.successor_map` of the key
    register's codes (the predecessor-to-successor mapping used).
    ``data_dir``: the data folder (registers, mergers, indicators) the result was computed
    on; whatever is computed from the result later reads that folder, never the default one.
    """

    loaded: LoadedScenario
    municipalities: pd.DataFrame
    pots: dict[str, PotAllocation]
    allocation: pd.DataFrame
    key_shares: dict[str, pd.DataFrame] = field(default_factory=dict)
    published: pd.DataFrame | None = None
    peildata: dict[int, tuple[str, str]] = field(default_factory=dict)
    registers: dict[int, pd.DataFrame] = field(default_factory=dict)
    successors: dict[int, pd.DataFrame] = field(default_factory=dict)
    constrained: dict[str, ConstrainedPot] = field(default_factory=dict)  # pot id -> what its constraints did
    data_dir: Path = DATA_DIR

    def bound_report(self, pot_id: str) -> pd.DataFrame:
        """Per pot-year, the municipalities that sit on a constraint and what it cost or gave them.

        Columns: pot, year, gm_code, gm_name, constraint, key_amount_eur (the pure key),
        amount_eur, effect_eur (amount minus key amount). Empty for a pot without constraints.
        """
        if pot_id not in self.scenario.pots:
            raise KeyError(pot_id)
        info = self.constrained.get(pot_id)
        if info is None:
            return pd.DataFrame(columns=REPORT_COLUMNS)
        return info.report.copy()

    @property
    def scenario(self) -> Scenario:
        return self.loaded.scenario

    def explanation(self, pot_id: str, gm_code: str | None = None) -> pd.DataFrame:
        """Per municipality and year: key values and shares, and how the amount follows
        (``gm_code``: that municipality's rows only).

        Columns: gm_code, gm_name, one ``value:<key>`` and ``share:<key>`` pair per key
        used, combined_share, year, year_budget, vast_bedrag, variable_budget,
        exact_amount, amount_eur, rounding_eur.
        """
        pot = self.pots[pot_id]
        base = self.key_shares[pot_id]
        chosen = slice(None)
        if gm_code is not None:
            chosen = np.flatnonzero(base["gm_code"].to_numpy(dtype=object) == gm_code)
            base = base.iloc[chosen]
        years = list(pot.years)
        if len(base) and years:  # every year's rows at once (year by year, then code), as below
            count = len(base)
            frame = base.iloc[np.tile(np.arange(count), len(years))].reset_index(drop=True)
            budgets = np.array([int(budget) for budget in pot.budgets], dtype=np.int64)
            frame["year"] = np.repeat(np.array(years, dtype=np.int64), count)
            frame["year_budget"] = np.repeat(budgets, count)
            frame["vast_bedrag"] = np.full(len(frame), pot.vast_bedrag, dtype=np.int64)
            frame["variable_budget"] = np.repeat(budgets - pot.vast_bedrag * len(pot.codes), count)
            frame["exact_amount"] = pot.ideal[chosen].T.reshape(-1)
            frame["amount_eur"] = pot.amounts[chosen].T.reshape(-1)
            frame["rounding_eur"] = frame["amount_eur"] - frame["exact_amount"]
            return frame
        rows = []
        for column, year in enumerate(pot.years):
            frame = base.copy()
            frame["year"] = year
            frame["year_budget"] = pot.budgets[column]
            frame["vast_bedrag"] = pot.vast_bedrag
            frame["variable_budget"] = pot.budgets[column] - pot.vast_bedrag * len(pot.codes)
            frame["exact_amount"] = pot.ideal[chosen, column]
            frame["amount_eur"] = pot.amounts[chosen, column]
            frame["rounding_eur"] = frame["amount_eur"] - frame["exact_amount"]
            rows.append(frame)
        return pd.concat(rows, ignore_index=True)


def used_keys(loaded: LoadedScenario) -> list[Key]:
    """The keys any pot of the scenario uses, in name order."""
    names = sorted({name for pot in loaded.scenario.pots.values() for name in pot.key.weights})
    return [loaded.keys[name] for name in names]




def _in_pot_order(frame: pd.DataFrame, result: ScenarioResult) -> pd.DataFrame:
    frame = frame[ALLOCATION_COLUMNS]
    pot_order = {pot_id: i for i, pot_id in enumerate(result.scenario.pots)}
    pots = frame["pot"].tolist()
    if not set(pots) <= pot_order.keys():  # not the scenario's pots: the general sort
        frame = frame.copy()
        frame["_pot"] = frame["pot"].map(pot_order)
        frame = frame.sort_values(["_pot", "year", "gm_code"], kind="stable").drop(columns="_pot")
        return frame.reset_index(drop=True)
    # a stable sort on (pot's place, year, code), as above; a run's tables are in this order
    # already, then the frame is only copied
    codes, _ = pd.factorize(frame["gm_code"], sort=True)
    order = np.lexsort((codes, frame["year"].to_numpy(), np.array([pot_order[p] for p in pots])))
    if (order == np.arange(len(order))).all():
        return frame.reset_index(drop=True)
    return frame.take(order).reset_index(drop=True)


def allocation_table(result: ScenarioResult) -> pd.DataFrame:
    """The long allocation table on the key register, in scenario pot order, then year, then code."""
    return _in_pot_order(result.allocation, result)


def published_table(result: ScenarioResult) -> pd.DataFrame:
    """The long table as published: each payment year on the register in force on its
    peildatum (mergers applied), in scenario pot order, then year, then code."""
    if result.published is None:
        return allocation_table(result)
    return _in_pot_order(result.published, result)
