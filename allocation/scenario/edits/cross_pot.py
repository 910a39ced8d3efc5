"""Layer 3 (scenario), edits: the scenario's cross-pot caps."""

from __future__ import annotations

import copy

from allocation.common import i18n
from allocation.common.errors import InputError
from allocation.common.i18n import _
from allocation.scenario.edits.common import label_edit


def _cap_text(entry: dict) -> str:
    if entry.get("eur") is not None:
        amount = i18n.money(entry["eur"])
    else:
        amount = _("edl_per_inhabitant", eur=i18n.money(entry.get("eur_per_inhabitant") or 0))
    pots = entry.get("pots")
    return _("edl_cap", amount=amount, pots=", ".join(pots) if pots else _("edl_all_pots"))


def set_cross_pot(data: dict, index: int | None, pots: list[str] | None, unit: str, value: float,
                  source: str | None = None) -> dict:
    """A copy of ``data`` with a cross-pot cap added (``index`` None) or changed: at most
    ``value`` in ``unit`` (``eur`` or ``eur_per_inhabitant``) per municipality per payment
    year for ``pots`` together (None: every pot). Labelled like every edit; an unchanged cap
    (the same pots, every pot counting as the same as None) keeps its provenance."""
    if unit not in ("eur", "eur_per_inhabitant"):
        raise ValueError(f"unknown unit {unit!r}")
    data = copy.deepcopy(data)
    caps = list(data.get("cross_pot") or [])
    all_pots = list((data.get("pots") or {}).keys())
    new = {"pots": list(pots) if pots is not None else None, unit: value}
    if index is None:
        entry = {k: v for k, v in new.items() if v is not None}
        label_edit(entry, source, _("edl_cap_added", cap=_cap_text(entry)))
        caps.append(entry)
    else:
        if not 0 <= index < len(caps):
            raise InputError(_("edl_no_cap", index=index))
        old = dict(caps[index])
        effective = lambda chosen: set(chosen) if chosen is not None else set(all_pots)
        if effective(old.get("pots")) == effective(pots) and old.get(unit) == value and not source:
            return data
        if old.get("pots") is None and effective(pots) == set(all_pots):
            pots = None  # every pot, as before
        entry = {k: v for k, v in old.items() if k not in ("pots", "eur", "eur_per_inhabitant")}
        entry = {**({"pots": list(pots)} if pots is not None else {}), unit: value, **entry}
        label_edit(entry, source, _("edl_cap_set", cap=_cap_text(entry), old=_cap_text(old)))
        caps[index] = entry
    data["cross_pot"] = caps
    return data


def remove_cross_pot(data: dict, index: int) -> dict:
    """A copy of ``data`` without cross-pot cap number ``index``."""
    data = copy.deepcopy(data)
    caps = list(data.get("cross_pot") or [])
    if not 0 <= index < len(caps):
        raise InputError(_("edl_no_cap", index=index))
    del caps[index]
    if caps:
        data["cross_pot"] = caps
    else:
        data.pop("cross_pot", None)
    return data
