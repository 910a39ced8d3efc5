"""Layer 4 (analysis): what an edit does, per municipality, in one pot and payment year.

:func:`edit_effect` takes the amounts before and after an edit (one row per municipality,
whole euros, on the same register) and returns the figures the app shows beside the edit:
the euros redistributed (half the sum of the absolute differences, as in
:mod:`allocation.analysis.compare`), how many municipalities lose more than 5% (decided in
whole-euro integer arithmetic, as the comparison's bands), and the largest loss and gain in
euros with their percentage, and the largest loss in percent. Ties go to the lowest
municipality code. The app's views compute their headline on the 2021 key register (the
register the amounts are computed on and ``compare`` works on), so one edit has one
"Herverdeeld" figure in every view.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: a loss "more than 5%": diff * 100 < -LOSS_PCT * before (integer arithmetic)
LOSS_PCT = 5


@dataclass(frozen=True)
class Change:
    """One municipality's change: code, name, euros (after minus before), percent of before
    (None when before is 0)."""

    code: str
    name: str
    eur: int
    pct: float | None


@dataclass(frozen=True)
class EditEffect:
    redistributed_eur: float
    losing_over_5pct: int
    gaining_over_5pct: int
    largest_loss: Change | None  # None when nobody loses
    largest_gain: Change | None  # None when nobody gains
    total_before: int
    total_after: int
    table: pd.DataFrame  # gm_code, before_eur, after_eur, diff_eur, diff_pct
    largest_loss_pct: Change | None = None  # the largest loss in percent (None when nobody loses)

    @property
    def changed(self) -> bool:
        return bool((self.table["diff_eur"] != 0).any())


def edit_effect(before: pd.DataFrame, after: pd.DataFrame) -> EditEffect:
    """``before`` and ``after``: frames with gm_code, gm_name, amount_eur (whole euros). A
    municipality in only one of them counts as 0 in the other."""
    left = before[["gm_code", "gm_name", "amount_eur"]].rename(columns={"amount_eur": "before_eur"})
    right = after[["gm_code", "gm_name", "amount_eur"]].rename(columns={"amount_eur": "after_eur", "gm_name": "_name"})
    table = left.merge(right, on="gm_code", how="outer")
    table["gm_name"] = table["gm_name"].fillna(table["_name"])
    table = table.drop(columns="_name")
    table[["before_eur", "after_eur"]] = table[["before_eur", "after_eur"]].fillna(0).astype(np.int64)
    table = table.sort_values("gm_code", kind="stable").reset_index(drop=True)
    diff = (table["after_eur"] - table["before_eur"]).to_numpy(np.int64)
    base = table["before_eur"].to_numpy(np.int64)
    table["diff_eur"] = diff
    with np.errstate(divide="ignore", invalid="ignore"):
        table["diff_pct"] = np.where(base != 0, diff / np.where(base != 0, base, 1) * 100, np.nan)
    losing = int(np.sum((base > 0) & (diff * 100 < -LOSS_PCT * base)))
    gaining = int(np.sum(((base > 0) & (diff * 100 > LOSS_PCT * base)) | ((base == 0) & (diff > 0))))

    def pick(index: int) -> Change:
        row = table.iloc[index]
        pct = None if row["before_eur"] == 0 else float(row["diff_pct"])
        return Change(str(row["gm_code"]), str(row["gm_name"]), int(row["diff_eur"]), pct)

    # argmin/argmax return the first of equal values: the lowest code (the table is in code order)
    loss = pick(int(np.argmin(diff))) if len(diff) and diff.min() < 0 else None
    gain = pick(int(np.argmax(diff))) if len(diff) and diff.max() > 0 else None
    pct = table["diff_pct"].to_numpy(dtype=float)
    losing_pct = np.where((base > 0) & (diff < 0), pct, np.inf)
    loss_pct = pick(int(np.argmin(losing_pct))) if len(diff) and np.isfinite(losing_pct).any() else None
    return EditEffect(
        redistributed_eur=float(np.abs(diff).sum()) / 2,
        losing_over_5pct=losing,
        gaining_over_5pct=gaining,
        largest_loss=loss,
        largest_gain=gain,
        total_before=int(base.sum()),
        total_after=int(table["after_eur"].sum()),
        table=table[["gm_code", "before_eur", "after_eur", "diff_eur", "diff_pct"]],
        largest_loss_pct=loss_pct,
    )


def comparison_effect(frame: pd.DataFrame) -> EditEffect:
    """:func:`edit_effect` of a comparison's rows (``base_eur`` before, ``other_eur`` after):
    the one "Herverdeeld" and largest losses that the allocation and compare views both show."""
    return edit_effect(frame[["gm_code", "gm_name", "base_eur"]].rename(columns={"base_eur": "amount_eur"}),
                       frame[["gm_code", "gm_name", "other_eur"]].rename(columns={"other_eur": "amount_eur"}))
