"""Layer 3 (scenario), edits: the list of edits between two versions of a scenario, for review."""

from __future__ import annotations

from typing import Any

from allocation.common import i18n
from allocation.common.i18n import _
from allocation.common.texts import plain_number


def changes(before: Any, after: Any, path: str = "") -> list[str]:
    """One line per value that differs between two scenario data trees (``path: old -> new``),
    leaving out the provenance texts, for a review of the edits."""
    def number(value: Any) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool)

    # a year written as {value: ..., source: ...} against a plain number: compare the numbers
    if isinstance(before, dict) and number(after) and number(before.get("value")):
        return changes(before["value"], after, path)
    if isinstance(after, dict) and number(before) and number(after.get("value")):
        return changes(before, after["value"], path)
    if isinstance(before, dict) or isinstance(after, dict):
        if (before is not None and not isinstance(before, dict)) or (after is not None and not isinstance(after, dict)):
            return [f"{path}: {before!r} -> {after!r}"]
        old, new = before or {}, after or {}
        lines = []
        for key in list(old) + [k for k in new if k not in old]:
            if key in ("source", "assumption", "description"):
                continue
            child = path if key == "value" else (f"{path}.{key}" if path else str(key))
            lines += changes(old.get(key), new.get(key), child)
        return lines
    if isinstance(before, list) and isinstance(after, list) or (
        (isinstance(before, list) or isinstance(after, list)) and any(
            isinstance(item, dict) for item in (before or []) + (after or []))):
        old, new = before or [], after or []
        if not any(isinstance(item, dict) for item in old + new):
            return [] if old == new else [f"{path}: {old} -> {new}"]
        lines = []
        for index in range(max(len(old), len(new))):
            lines += changes(old[index] if index < len(old) else None, new[index] if index < len(new) else None,
                             f"{path}.{index}")
        return lines
    if before == after:
        return []

    def shown(value: Any) -> str:
        return "absent" if value is None else (plain_number(value) if number(value) else str(value))

    return [f"{path}: {shown(before)} -> {shown(after)}"]


def _value(text: str) -> str:
    """A value of a :func:`changes` line in the language: numbers the language's way."""
    if text == "absent":
        return _("change_absent")
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return text
    return i18n.number(value) if value.is_integer() else i18n.share(value)


def _percent(text: str) -> str:
    """A key weight as a percentage; an absent weight is 0%."""
    if text == "absent":
        return i18n.pct(0, 0)
    try:
        value = float(text.replace(",", "")) * 100
    except ValueError:
        return _value(text)
    return i18n.pct(value, 0 if value.is_integer() else 1)


def _money(text: str) -> str:
    try:
        return i18n.money(float(text.replace(",", "")))
    except ValueError:
        return _value(text)


def change_words(before: dict, after: dict) -> list[str]:
    """One line in words per change the user made (``ELIP: weging inwoners van 0% naar
    50%``), in the language; a change without its own words names the scenario field."""
    lines = []
    for line in changes(before, after):
        path, _sep, rest = line.partition(": ")
        old, _arrow, new = rest.partition(" -> ")
        parts = path.split(".")
        pot_id = parts[1] if parts[0] == "pots" and len(parts) > 1 else None
        pot = ((after.get("pots") or {}).get(pot_id) or {}) if pot_id else {}
        label = str(pot.get("label") or pot_id or "").split(" (")[0]
        field = ".".join(parts[2:])
        if field.startswith("key.weights.") and len(parts) == 5:
            lines.append(_("edit_weight", pot=label, key=parts[-1], old=_percent(old), new=_percent(new)))
        elif field == "budget.amount_eur":
            lines.append(_("edit_budget", pot=label, old=_money(old), new=_money(new)))
        elif field.startswith("years.euros.") and len(parts) == 5:
            lines.append(_("edit_year_eur", pot=label, year=parts[-1], old=_money(old), new=_money(new)))
        elif field.startswith("years.shares.") and len(parts) == 5:
            lines.append(_("edit_year_share", pot=label, year=parts[-1], old=_value(old), new=_value(new)))
        elif field == "key.vast_bedrag_eur":
            lines.append(_("edit_vast_bedrag", pot=label, old=_money(old), new=_money(new)))
        elif pot_id:
            lines.append(_("edit_other", pot=label, field=field, old=_value(old), new=_value(new)))
        else:
            lines.append(_("edit_field", field=path, old=_value(old), new=_value(new)))
    return lines


def named_as_edited(before: dict, after: dict) -> dict:
    """``after`` (the edited data) named as edited: ``<name>, bewerkt``, and its description
    saying the origin ("uitgangspunt") and listing the changes in words, one line each, so
    that every output of the edited scenario (workbook, PDF, notes) says what it is."""
    name = str(before.get("name") or "")
    words = change_words(before, after)
    named = dict(after)
    named["name"] = _("edited_name", name=name)
    description = str(before.get("description") or "").strip()
    named["description"] = "\n".join(
        [_("edited_origin", name=name), _("edited_changes", count=len(words))] + [f"- {w}" for w in words]
        + ([_("edited_origin_description", description=description)] if description else []))
    return named
