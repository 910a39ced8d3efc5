"""Layer 3 (scenario), edits: the list of edits between two versions of a scenario, for review."""

from __future__ import annotations

from typing import Any

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
