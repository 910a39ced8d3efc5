"""Layer 3 (scenario), edits: declaring a user key (an uploaded CSV)."""

from __future__ import annotations

import copy


def add_user_key(data: dict, name: str, spec: dict) -> dict:
    """A copy of ``data`` declaring a user key (an uploaded CSV) under ``user_keys``.

    ``spec`` holds the fields of a scenario's ``user_keys`` entry (file, value_column,
    code_column, missing_as_zero, label, unit, source, vintage, kind, note).
    """
    data = copy.deepcopy(data)
    user_keys = data.get("user_keys") or {}
    user_keys[name] = {k: v for k, v in spec.items() if v not in (None, "")}
    data["user_keys"] = user_keys
    return data
