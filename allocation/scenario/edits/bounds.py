"""Layer 3 (scenario), edits: a pot's minimum and maximum per municipality, its year band and
transition band."""

from __future__ import annotations

import copy

from allocation.common import i18n
from allocation.common.i18n import _
from allocation.scenario.edits.common import label_edit, pot_of, set_constraints


def _amount(value, unit: str | None) -> str:
    """``€ 2.500`` or ``€ 0,20 per inwoner``."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return str(value)
    return i18n.money(value) if unit == "eur" else _("edl_per_inhabitant", eur=i18n.money(value))


def _band(pair) -> str:
    def side(value):
        return i18n.pct(value, 4, trim=True) if isinstance(value, (int, float)) else "-"
    return _("edl_band", less=side(pair[0]), more=side(pair[1]))


def set_bound(data: dict, pot_id: str, which: str, value: float | None, unit: str = "eur",
              source: str | None = None) -> dict:
    """A copy of ``data`` with the pot's first ``minimum`` or ``maximum`` (per municipality per
    payment year) set to ``value`` in ``unit`` (``eur`` or ``eur_per_inhabitant``), added if
    absent, removed when ``value`` is None. Other fields of the entry (years,
    nonzero_key_only) are kept; the edit is labelled."""
    if which not in ("minimum", "maximum") or unit not in ("eur", "eur_per_inhabitant"):
        raise ValueError(f"unknown bound {which!r} or unit {unit!r}")
    data = copy.deepcopy(data)
    pot = pot_of(data, pot_id)
    constraints = pot.get("constraints") or {}
    entries = list(constraints.get(which) or [])
    first = dict(entries[0]) if entries else None
    old_unit = next((u for u in ("eur", "eur_per_inhabitant") if first and first.get(u) is not None), None)
    old = first.get(old_unit) if first and old_unit else None
    if value is None:
        if first is None:
            return data
        entries = entries[1:]
    else:
        if first is not None and old_unit == unit and old == value and not source:
            return data
        entry = first or {}
        entry.pop("eur", None)
        entry.pop("eur_per_inhabitant", None)
        entry = {unit: value, **entry}
        was = _("edl_absent") if old is None else _amount(old, old_unit)
        label_edit(entry, source, _(f"edl_{which}", new=_amount(value, unit), old=was))
        entries = [entry] + entries[1:]
    if entries:
        constraints[which] = entries
    else:
        constraints.pop(which, None)
    set_constraints(pot, constraints)
    return data


def set_band(data: dict, pot_id: str, which: str, max_decrease_pct: float | None,
             max_increase_pct: float | None, source: str | None = None) -> dict:
    """A copy of ``data`` with the pot's ``year_band`` or ``transition`` limits changed and
    labelled. A year band is added if absent and removed when both limits are None; a
    transition band needs its reference, so it is only edited when present."""
    if which not in ("year_band", "transition"):
        raise ValueError(f"unknown band {which!r}")
    data = copy.deepcopy(data)
    pot = pot_of(data, pot_id)
    constraints = pot.get("constraints") or {}
    band = constraints.get(which)
    if band is None and (which == "transition" or (max_decrease_pct is None and max_increase_pct is None)):
        return data
    existed = band is not None
    band = dict(band or {})
    old = (band.get("max_decrease_pct"), band.get("max_increase_pct"))
    new = (max_decrease_pct, max_increase_pct)
    if old == new and not source:
        return data
    if which == "year_band" and new == (None, None):
        constraints.pop(which)
    else:
        for field_name, value in zip(("max_decrease_pct", "max_increase_pct"), new):
            if value is None:
                band.pop(field_name, None)
            else:
                band[field_name] = value
        label_edit(band, source, _(f"edl_{which}", new=_band(new), old=_band(old) if existed else _("edl_absent")))
        constraints[which] = band
    set_constraints(pot, constraints)
    return data
