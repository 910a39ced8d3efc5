"""Layer 3 (scenario), edits: a pot's group limits (a province, veiligheidsregio, size class or
list of codes, at least or at most an amount or a share of the pot)."""

from __future__ import annotations

import copy

from allocation.common.errors import InputError
from allocation.common.texts import euro
from allocation.scenario.edits.common import label_edit, pot_of, set_constraints

GROUP_FIELDS = ("province", "veiligheidsregio", "size_class", "codes")


GROUP_LIMITS = ("min_eur", "min_share", "max_eur", "max_share")


def _limits_text(entry: dict) -> str:
    parts = []
    for field, words in (("min_eur", "at least"), ("min_share", "at least"),
                         ("max_eur", "at most"), ("max_share", "at most")):
        value = entry.get(field)
        if value is None:
            continue
        parts.append(f"{words} {euro(value)}" if field.endswith("eur") else f"{words} {value:.2%} of the pot")
    return ", ".join(parts) or "no limit"


def _group_text(entry: dict) -> str:
    member = next((f"{f} {entry[f]}" for f in GROUP_FIELDS if entry.get(f) is not None), "no members")
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
        label_edit(entry, source, f"group {entry.get('name')} added: {_group_text(entry)}")
        groups.append(entry)
    else:
        if not 0 <= index < len(groups):
            raise InputError(f"pots.{pot_id}.constraints.groups.{index}: no such group")
        old = dict(groups[index])
        kept = {k: v for k, v in old.items() if k not in ("name", *GROUP_FIELDS, *GROUP_LIMITS)}
        compared = {k: old.get(k) for k in ("name", *GROUP_FIELDS, *GROUP_LIMITS) if old.get(k) is not None}
        if compared == new and not source:
            return data
        entry = {**new, **kept}
        label_edit(entry, source, f"group {new.get('name')} set to {_group_text(new)} "
                                   f"(was {old.get('name')}: {_group_text(old)})")
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
        raise InputError(f"pots.{pot_id}.constraints.groups.{index}: no such group")
    del groups[index]
    if groups:
        constraints["groups"] = groups
    else:
        constraints.pop("groups", None)
    set_constraints(pot, constraints)
    return data
