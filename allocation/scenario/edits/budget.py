"""Layer 3 (scenario), edits: a pot's budget and its payment years."""

from __future__ import annotations

import copy

import numpy as np

from allocation.common import i18n
from allocation.common.i18n import _
from allocation.engine.rounding import apportion
from allocation.scenario.edits.common import label_edit, pot_of


def set_budget(data: dict, pot_id: str, amount_eur: int, source: str | None = None) -> dict:
    """A copy of ``data`` with the pot's budget changed (and labelled); unchanged if equal."""
    data = copy.deepcopy(data)
    budget = pot_of(data, pot_id).setdefault("budget", {})
    old = budget.get("amount_eur")
    if old == amount_eur and not source:
        return data
    budget["amount_eur"] = amount_eur
    label_edit(budget, source, _("edl_budget", new=i18n.eur(amount_eur),
                                 old=i18n.eur(old) if isinstance(old, (int, float)) else old))
    return data


def scale_years(data: dict, pot_id: str, source: str | None = None) -> dict:
    """A copy of ``data`` whose payment years in ``euros`` are scaled to the pot's budget.

    The years keep their proportions; whole euros by largest remainder (ties to the
    earliest year), so they add up to the budget exactly. Each changed year is labelled.
    A profile in ``shares`` is left as it is (it follows the budget anyway).
    """
    pot = pot_of(data, pot_id)
    years = pot.get("years") or {}
    budget = (pot.get("budget") or {}).get("amount_eur")
    if "euros" not in years or not isinstance(budget, int) or budget < 0:
        return copy.deepcopy(data)
    profile = years["euros"] or {}
    values = {int(y): (v.get("value") if isinstance(v, dict) else v) for y, v in profile.items()}
    if not all(isinstance(v, (int, float)) and v >= 0 for v in values.values()) or not values:
        return copy.deepcopy(data)
    if sum(values.values()) == budget:
        return copy.deepcopy(data)
    for year, amount in scaled_profile(values, budget).items():
        if amount != values[year]:
            data = set_year_value(data, pot_id, year, amount, source)
    return data


def scaled_profile(values: dict[int, float], total: int) -> dict[int, int]:
    """Whole euros per year in the proportions of ``values``, adding up to ``total``
    (largest remainder, ties to the earliest year; equal parts when all are zero)."""
    ordered = sorted(values)
    weights = np.array([values[y] for y in ordered], dtype=float)
    if not weights.sum() > 0:
        weights = np.ones(len(ordered))
    return {
        year: int(amount)
        for year, amount in zip(ordered, apportion(weights, int(total), [f"{y:04d}" for y in ordered]))
    }


def _shown(show, value) -> str:
    return show(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


def set_year_value(data: dict, pot_id: str, year: int, value: float, source: str | None = None) -> dict:
    """A copy of ``data`` with one payment year's value (euros or share) changed and labelled."""
    data = copy.deepcopy(data)
    years = pot_of(data, pot_id).get("years") or {}
    kind = "euros" if "euros" in years else "shares"
    profile = years.setdefault(kind, {})
    current = profile.get(year)
    old = current.get("value") if isinstance(current, dict) else current
    if old == value and not source:
        return data
    entry = dict(current) if isinstance(current, dict) else {}
    if not isinstance(current, dict):  # a plain number takes the profile's provenance
        if years.get("source"):
            entry["source"] = years["source"]
        elif years.get("assumption"):
            entry["assumption"] = years["assumption"]
    entry["value"] = value
    shown = (lambda v: i18n.money(v)) if kind == "euros" else (lambda v: _("edl_share", value=i18n.share(v)))
    label_edit(entry, source, _("edl_year", year=year, new=_shown(shown, value),
                                old=_shown(shown, old) if old is not None else _("edl_absent")))
    profile[year] = {"value": entry["value"], **{k: v for k, v in entry.items() if k != "value"}}
    return data
