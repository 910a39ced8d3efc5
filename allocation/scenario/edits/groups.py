"""Layer 3 (scenario), edits: a pot's group limits (a province, veiligheidsregio, size class or
list of codes, at least or at most an amount or a share of the pot)."""

from __future__ import annotations

import copy

from allocation.common import i18n
from allocation.common.errors import InputError
from allocation.common.i18n import _
from allocation.scenario.edits.common import label_edit, pot_of, set_constraints

GROUP_FIELDS = ("province", "veiligheidsregio", "size_class", "codes")


GROUP_LIMITS = ("min_eur", "min_share", "max_eur", "max_share")


def _limits_text(entry: dict) -> str:
    parts = []
    for field in GROUP_LIMITS:
        value = entry.get(field)
        if value is None:
            continue
        shown = i18n.eur(value) if field.endswith("eur") else _("edl_of_the_pot", pct=i18n.pct(value * 100, 2))
        parts.append(_(f"edl_group_{field}", value=shown))
    return ", ".join(parts) or _("edl_no_limit")


def _member(field: str, value) -> str:
    """``provincie PV22``, ``codes GM0014, GM0034``: who is in the group, in words."""
    shown = ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
    return _(f"edl_member_{field}", value=shown)


def _group_text(entry: dict) -> str:
    member = next((_member(f, entry[f]) for f in GROUP_FIELDS if entry.get(f) is not None), _("edl_no_members"))
    return f"{member}: {_limits_text(entry)}"


def _group_spec(spec: dict) -> dict:
    """The membership and limit fields of a group edit, in scenario form (no Nones)."""
    unknown = set(spec) - {"name", *GROUP_FIELDS, *GROUP_LIMITS}
    if unknown:
        raise ValueError(f"unknown group fields {sorted(unknown)}")
    clean = {k: v for k, v in spec.items() if v is not None}
    for field in ("min_eur", "max_eur"):
        if isinstance(clean.get(field), float) and clean[field].is_integer():
            clean[field] = int(clean[field])
    return clean


def _groups(pot: dict) -> tuple[dict, list]:
    constraints = pot.get("constraints") or {}
    return constraints, list(constraints.get("groups") or [])


def set_group(data: dict, pot_id: str, index: int | None, spec: dict, source: str | None = None) -> dict:
    """A copy of ``data`` with a group limit of the pot added (``index`` None) or changed.

    ``spec`` holds ``name``, the group as one of ``province`` / ``veiligheidsregio`` /
    ``size_class`` / ``codes``, and its limits ``min_eur`` or ``min_share`` and/or
    ``max_eur`` or ``max_share`` (a share of the pot-year's budget, 0-1); None or absent
    means none. An edited group keeps its other fields (``years``); its membership and
    limits are replaced by the spec's. The entry is labelled (the user's source, or an
    assumption edited in the app with the group before the edit); an unchanged group keeps
    its provenance. Validate the result with :func:`build`.
    """
    data = copy.deepcopy(data)
    pot = pot_of(data, pot_id)
    constraints, groups = _groups(pot)
    new = _group_spec(spec)
    if index is None:
        entry = dict(new)
        label_edit(entry, source, _("edl_group_added", name=entry.get("name"), group=_group_text(entry)))
        groups.append(entry)
    else:
        if not 0 <= index < len(groups):
            raise InputError(_("edl_no_group", pot=pot_id, index=index))
        old = dict(groups[index])
        kept = {k: v for k, v in old.items() if k not in ("name", *GROUP_FIELDS, *GROUP_LIMITS)}
        compared = {k: old.get(k) for k in ("name", *GROUP_FIELDS, *GROUP_LIMITS) if old.get(k) is not None}
        if compared == new and not source:
            return data
        entry = {**new, **kept}
        label_edit(entry, source, _("edl_group_set", name=new.get("name"), group=_group_text(new),
                                    old_name=old.get("name"), old=_group_text(old)))
        groups[index] = entry
    constraints["groups"] = groups
    set_constraints(pot, constraints)
    return data


def remove_group(data: dict, pot_id: str, index: int) -> dict:
    """A copy of ``data`` without the pot's group limit number ``index``."""
    data = copy.deepcopy(data)
    pot = pot_of(data, pot_id)
    constraints, groups = _groups(pot)
    if not 0 <= index < len(groups):
        raise InputError(_("edl_no_group", pot=pot_id, index=index))
    del groups[index]
    if groups:
        constraints["groups"] = groups
    else:
        constraints.pop("groups", None)
    set_constraints(pot, constraints)
    return data
