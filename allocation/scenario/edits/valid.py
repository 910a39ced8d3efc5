"""Layer 3 (scenario), edits: keep every valid edit when one is not.

The app's edits (see :func:`~allocation.scenario.edits.apply.apply_edits`) are split into
units a user makes one at a time: per pot the budget with its payment years, the vast
bedrag, the key weights, the minimum, the maximum, the year band, the transition band and
the group limits; and the cross-pot caps. When the edits together are not valid,
:func:`apply_valid_edits` adds the units one by one in that order and leaves out each unit
that makes the scenario invalid, with its messages, so the page shows every valid edit and
marks the invalid field.
"""

from __future__ import annotations

from collections.abc import Callable

from allocation.scenario.edits.apply import CROSS_POT, apply_edits

#: unit -> the keys of a pot's edits that belong to it (``source`` goes with every unit)
UNITS: dict[str, tuple[str, ...]] = {
    "budget": ("budget_eur", "scale_years", "years"),
    "vast_bedrag": ("vast_bedrag_eur",),
    "weights": ("weights",),
    "minimum": ("minimum",),
    "maximum": ("maximum",),
    "year_band": ("year_band",),
    "transition": ("transition",),
    "groups": ("groups", "new_groups"),
}


def split_edits(edits: dict[str, dict]) -> list[tuple[tuple[str, str], dict[str, dict]]]:
    """The edits as ((pot id, unit), edits of that unit alone) in the order they are tried;
    the cross-pot caps are the unit ``(CROSS_POT, "caps")``."""
    units = []
    for pot_id, change in edits.items():
        if pot_id == CROSS_POT:
            continue
        for unit, keys in UNITS.items():
            part = {key: change[key] for key in keys if key in change}
            if part:
                if "source" in change:
                    part["source"] = change["source"]
                units.append(((pot_id, unit), {pot_id: part}))
    if edits.get(CROSS_POT):
        units.append(((CROSS_POT, "caps"), {CROSS_POT: edits[CROSS_POT]}))
    return units


def merge_units(units: list[dict[str, dict]]) -> dict[str, dict]:
    merged: dict[str, dict] = {}
    for unit in units:
        for pot_id, part in unit.items():
            merged.setdefault(pot_id, {}).update(part)
    return merged


def apply_valid_edits(
    data: dict, edits: dict[str, dict], problems_of: Callable[[dict], list[str]]
) -> tuple[dict, dict[tuple[str, str], list[str]]]:
    """(data with every valid edit, {(pot, unit): messages} of the units left out).

    ``problems_of(data)`` returns the messages of scenario data (empty when it is valid).
    A unit that changes nothing is not tried. When the original itself is invalid nothing
    can be attributed: every unit is kept and the messages stay with the scenario.
    """
    everything = apply_edits(data, edits)
    if everything == data or not problems_of(everything):
        return everything, {}
    if problems_of(data):
        return everything, {}
    kept: list[dict[str, dict]] = []
    rejected: dict[tuple[str, str], list[str]] = {}
    current = data
    for unit, part in split_edits(edits):
        trial = apply_edits(data, merge_units(kept + [part]))
        if trial == current:
            continue
        problems = problems_of(trial)
        if problems:
            rejected[unit] = problems
        else:
            kept.append(part)
            current = trial
    return current, rejected
