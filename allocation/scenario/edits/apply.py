"""Layer 3 (scenario), edits: the app's edits of one rerun (an :class:`EditPlan`), applied in one go."""

from __future__ import annotations

import copy
from typing import Any

from allocation.scenario.edits.bounds import set_band, set_bound
from allocation.scenario.edits.budget import scale_years, set_budget, set_year_value
from allocation.scenario.edits.common import pot_of
from allocation.scenario.edits.cross_pot import remove_cross_pot, set_cross_pot
from allocation.scenario.edits.groups import remove_group, set_group
from allocation.scenario.edits.key import set_vast_bedrag, set_weights
from allocation.scenario.edits.plan import CrossPotEdit, EditPlan, PotEdit, spec_dict


def apply_edits(data: dict, plan: EditPlan) -> dict:
    """A copy of ``data`` with the plan's edits applied, pot by pot (see :class:`PotEdit`).

    ``budget_eur`` and ``vast_bedrag_eur``; ``weights`` (normalised to sum 1); ``years``
    (euros or share); ``scale_years`` (after a budget change, payment years in euros are
    scaled to the new budget unless they already add up to it, see :func:`scale_years`);
    ``minimum`` / ``maximum`` (see :func:`set_bound`), ``year_band`` / ``transition`` (see
    :func:`set_band`); ``groups`` (a spec for :func:`set_group`, or None to remove) and
    ``new_groups``; and ``source`` (where the edited numbers come from; without one each
    edited number is labelled as an assumption edited in the app). Values equal to the
    scenario's own leave it untouched, so its provenance stays as it was. Years are applied
    before the budget. Then the scenario's cross-pot caps (:class:`CrossPotEdit`).
    """
    for pot_id, change in plan.pots:
        data = _apply_pot_edit(data, pot_id, change)
    if not plan.cross_pot.empty:
        data = _apply_cross_pot_edits(data, plan.cross_pot)
    return data


def _apply_pot_edit(data: dict, pot_id: str, change: PotEdit) -> dict:
    source = change.source or None
    for year, value in change.years:
        if _differs(data, pot_id, "year", value, year):
            data = set_year_value(data, pot_id, int(year), value, source)
    if change.budget_eur is not None and _differs(data, pot_id, "budget", change.budget_eur):
        data = set_budget(data, pot_id, int(change.budget_eur), source)
        if change.scale_years:
            data = scale_years(data, pot_id, source)
    if change.vast_bedrag_eur is not None and _differs(data, pot_id, "vast", change.vast_bedrag_eur):
        data = set_vast_bedrag(data, pot_id, int(change.vast_bedrag_eur), source)
    for which in ("minimum", "maximum"):
        bound = getattr(change, which)
        if bound is not None:
            unit, value = bound
            data = set_bound(data, pot_id, which, value, unit, source)
    for which in ("year_band", "transition"):
        band = getattr(change, which)
        if band is not None:
            data = set_band(data, pot_id, which, *band, source=source)
    if change.weights is not None:
        weights = dict(change.weights)
        before = copy.deepcopy(pot_of(data, pot_id).get("key", {}).get("weights"))
        trial = set_weights(data, pot_id, weights)
        if pot_of(trial, pot_id)["key"].get("weights") != before:
            data = set_weights(data, pot_id, weights, source=source)
    return _apply_group_edits(data, pot_id, change, source)


def _differs(data: dict, pot_id: str, what: str, value: Any, year: int | None = None) -> bool:
    pot = pot_of(data, pot_id)
    if what == "budget":
        return (pot.get("budget") or {}).get("amount_eur") != value
    if what == "vast":
        return (pot.get("key") or {}).get("vast_bedrag_eur", 0) != value
    years = pot.get("years") or {}
    profile = years.get("euros", years.get("shares")) or {}
    current = profile.get(int(year))
    current = current.get("value") if isinstance(current, dict) else current
    return current != value


def _apply_group_edits(data: dict, pot_id: str, change: PotEdit, source: str | None) -> dict:
    """``groups``: original index -> spec (edit) or None (remove); ``new_groups``: specs to add
    (None entries skipped). Edits first, then removals from the last index, then additions."""
    for index, spec in change.groups:
        if spec is not None:
            data = set_group(data, pot_id, int(index), spec_dict(spec), source)
    for index in sorted((i for i, spec in change.groups if spec is None), reverse=True):
        data = remove_group(data, pot_id, int(index))
    for spec in change.new_groups:
        if spec is not None:
            data = set_group(data, pot_id, None, spec_dict(spec), source)
    return data


def _apply_cross_pot_edits(data: dict, change: CrossPotEdit) -> dict:
    """``caps``: original index -> (pots, unit, value) or None (remove); ``new_caps``: the
    same tuples to add (None skipped); ``source``."""
    source = change.source or None
    for index, cap in change.caps:
        if cap is not None:
            pots, unit, value = cap
            data = set_cross_pot(data, int(index), None if pots is None else list(pots), unit, value, source=source)
    for index in sorted((i for i, cap in change.caps if cap is None), reverse=True):
        data = remove_cross_pot(data, int(index))
    for cap in change.new_caps:
        if cap is not None:
            pots, unit, value = cap
            data = set_cross_pot(data, None, None if pots is None else list(pots), unit, value, source=source)
    return data
