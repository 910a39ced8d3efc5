"""Layer 3 (scenario), edits: the app's edits of one rerun, applied in one go."""

from __future__ import annotations

import copy
from typing import Any

from allocation.scenario.edits.bounds import set_band, set_bound
from allocation.scenario.edits.budget import scale_years, set_budget, set_year_value
from allocation.scenario.edits.common import pot_of
from allocation.scenario.edits.cross_pot import remove_cross_pot, set_cross_pot
from allocation.scenario.edits.groups import remove_group, set_group
from allocation.scenario.edits.key import set_vast_bedrag, set_weights

#: edits under this key of :func:`apply_edits` are for the scenario's top-level ``cross_pot``
#: caps (pot ids are lowercase identifiers, so it cannot be a pot)
CROSS_POT = "*cross_pot"


def apply_edits(data: dict, edits: dict[str, dict]) -> dict:
    """A copy of ``data`` with the app's edits applied, pot by pot.

    ``edits`` maps a pot id to any of: ``budget_eur`` (int), ``vast_bedrag_eur`` (int),
    ``weights`` (key name -> weight, normalised to sum 1), ``years`` (year -> euros or
    share), ``scale_years`` (default true: after a budget change, payment years in euros
    are scaled to the new budget unless they already add up to it, see
    :func:`scale_years`), ``minimum`` / ``maximum`` (``(unit, value or None)``, see
    :func:`set_bound`), ``year_band`` / ``transition`` (``(max_decrease_pct,
    max_increase_pct)``, see :func:`set_band`), ``groups`` (index of one of the pot's
    groups -> a spec for :func:`set_group`, or None to remove it) and ``new_groups`` (specs
    to add), and ``source`` (where the edited numbers come from; without one
    each edited number is labelled as an assumption edited in the app). Values equal to
    the scenario's own leave it untouched, so its provenance stays as it was. Years are
    applied before the budget. Under the key :data:`CROSS_POT` the scenario's cross-pot caps:
    ``caps`` (index -> ``(pots, unit, value)`` for :func:`set_cross_pot`, or None to remove),
    ``new_caps`` (such tuples to add) and their ``source``.
    """
    for pot_id, change in edits.items():
        if pot_id == CROSS_POT:
            continue
        source = change.get("source") or None
        for year, value in (change.get("years") or {}).items():
            if _differs(data, pot_id, "year", value, year):
                data = set_year_value(data, pot_id, int(year), value, source)
        if "budget_eur" in change and _differs(data, pot_id, "budget", change["budget_eur"]):
            data = set_budget(data, pot_id, int(change["budget_eur"]), source)
            if change.get("scale_years", True):
                data = scale_years(data, pot_id, source)
        if "vast_bedrag_eur" in change and _differs(data, pot_id, "vast", change["vast_bedrag_eur"]):
            data = set_vast_bedrag(data, pot_id, int(change["vast_bedrag_eur"]), source)
        for which in ("minimum", "maximum"):
            if which in change:
                unit, value = change[which]
                data = set_bound(data, pot_id, which, value, unit, source)
        for which in ("year_band", "transition"):
            if which in change:
                data = set_band(data, pot_id, which, *change[which], source=source)
        if "weights" in change:
            before = copy.deepcopy(pot_of(data, pot_id).get("key", {}).get("weights"))
            trial = set_weights(data, pot_id, change["weights"])
            if pot_of(trial, pot_id)["key"].get("weights") != before:
                data = set_weights(data, pot_id, change["weights"], source=source)
        data = _apply_group_edits(data, pot_id, change, source)
    if edits.get(CROSS_POT):
        data = _apply_cross_pot_edits(data, edits[CROSS_POT])
    return data


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


def _apply_group_edits(data: dict, pot_id: str, change: dict, source: str | None) -> dict:
    """``groups``: original index -> spec (edit) or None (remove); ``new_groups``: specs to add
    (None entries skipped). Edits first, then removals from the last index, then additions."""
    groups = change.get("groups") or {}
    for index, spec in sorted(groups.items()):
        if spec is not None:
            data = set_group(data, pot_id, int(index), spec, source)
    for index in sorted((i for i, spec in groups.items() if spec is None), reverse=True):
        data = remove_group(data, pot_id, int(index))
    for spec in change.get("new_groups") or []:
        if spec is not None:
            data = set_group(data, pot_id, None, spec, source)
    return data


def _apply_cross_pot_edits(data: dict, change: dict) -> dict:
    """``caps``: original index -> (pots, unit, value) or None (remove); ``new_caps``: the
    same tuples to add (None skipped); ``source``."""
    source = change.get("source") or None
    caps = change.get("caps") or {}
    for index, cap in sorted(caps.items()):
        if cap is not None:
            data = set_cross_pot(data, int(index), *cap, source=source)
    for index in sorted((i for i, cap in caps.items() if cap is None), reverse=True):
        data = remove_cross_pot(data, int(index))
    for cap in change.get("new_caps") or []:
        if cap is not None:
            data = set_cross_pot(data, None, *cap, source=source)
    return data
