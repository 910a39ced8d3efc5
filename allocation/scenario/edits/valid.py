"""Layer 3 (scenario), edits: keep every valid edit when one is not.

The app's edits (an :class:`~allocation.scenario.edits.plan.EditPlan`) are split into units a
user makes one at a time: per pot the budget with its payment years, the vast bedrag, the key
weights, the minimum, the maximum, the year band, the transition band and the group limits;
and the cross-pot caps. When the edits together are not valid, :func:`apply_valid_edits`
adds the units one by one in that order and leaves out each unit that makes the scenario
invalid, with its messages, so the page shows every valid edit and marks the invalid field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace

from allocation.scenario.edits.apply import apply_edits
from allocation.scenario.edits.plan import EditPlan, PotEdit

#: unit -> the fields of a pot's edits that belong to it (``source`` goes with every unit)
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
#: the unit of the scenario's cross-pot caps: no pot (None) and ``caps``
CROSS_POT_UNIT: tuple[str | None, str] = (None, "caps")

Unit = tuple[str | None, str]  # (pot id, or None for the cross-pot caps; unit)
_DEFAULTS = {field.name: field.default for field in fields(PotEdit)}


def split_edits(plan: EditPlan) -> list[tuple[Unit, EditPlan]]:
    """The edits as ((pot id, unit), a plan of that unit alone) in the order they are tried;
    the cross-pot caps are the unit :data:`CROSS_POT_UNIT`. A unit with nothing edited is left out
    (``scale_years`` alone edits nothing)."""
    units: list[tuple[Unit, EditPlan]] = []
    for pot_id, change in plan.pots:
        for unit, names in UNITS.items():
            part = {name: getattr(change, name) for name in names
                    if name != "scale_years" and getattr(change, name) != _DEFAULTS[name]}
            if part:
                part["scale_years"] = change.scale_years
                units.append(((pot_id, unit), EditPlan(pots={pot_id: PotEdit(**part, source=change.source)})))
    if not plan.cross_pot.empty:
        units.append((CROSS_POT_UNIT, EditPlan(cross_pot=plan.cross_pot)))
    return units


def merge_units(units: list[EditPlan]) -> EditPlan:
    """One plan with the edits of every unit (later units' fields over earlier ones')."""
    merged = EditPlan()
    for unit in units:
        for pot_id, part in unit.pots:
            edited = {name: getattr(part, name) for name in _DEFAULTS if getattr(part, name) != _DEFAULTS[name]}
            merged = merged.with_pot(pot_id, replace(merged.pot(pot_id), **edited))
        if not unit.cross_pot.empty:
            merged = merged.with_cross_pot(unit.cross_pot)
    return merged


def apply_valid_edits(
    data: dict, plan: EditPlan, problems_of: Callable[[dict], list[str]]
) -> tuple[dict, dict[Unit, list[str]]]:
    """(data with every valid edit, {(pot, unit): messages} of the units left out).

    ``problems_of(data)`` returns the messages of scenario data (empty when it is valid).
    A unit that changes nothing is not tried. When the original itself is invalid nothing
    can be attributed: every unit is kept and the messages stay with the scenario.
    """
    everything = apply_edits(data, plan)
    if everything == data or not problems_of(everything):
        return everything, {}
    if problems_of(data):
        return everything, {}
    kept: list[EditPlan] = []
    rejected: dict[Unit, list[str]] = {}
    current = data
    for unit, part in split_edits(plan):
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
