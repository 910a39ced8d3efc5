"""Layer 3 (scenario), edits: a pot's key weights and vast bedrag."""

from __future__ import annotations

import copy
import math
from typing import Any

from allocation.common import i18n
from allocation.common.i18n import _
from allocation.scenario.edits.common import label_edit, pot_of


def set_weights(
    data: dict, pot_id: str, weights: dict[str, float], source: str | None = None, normalise: bool = True
) -> dict:
    """A copy of ``data`` with the pot's key weights changed and labelled.

    Keys with weight 0 are dropped. With ``normalise`` the weights are scaled to sum to 1
    (otherwise validation reports a sum other than 1, as the command line does).
    """
    data = copy.deepcopy(data)
    key = pot_of(data, pot_id).setdefault("key", {})
    kept = {name: float(w) for name, w in weights.items() if not (isinstance(w, (int, float)) and w == 0)}
    total = math.fsum(w for w in kept.values() if isinstance(w, float) and math.isfinite(w))
    if normalise and total > 0 and all(w >= 0 for w in kept.values()):
        kept = {name: w / total for name, w in kept.items()}
    old = key.get("weights") or {}
    if _same_weights(old, kept) and not source:
        return data
    key["weights"] = kept
    shown = ", ".join(f"{name} {_weight(w)}" for name, w in kept.items()) or _("edl_none")
    before = ", ".join(f"{name} {_weight(w)}" for name, w in old.items()) if isinstance(old, dict) else old
    label_edit(key, source, _("edl_key_weights", new=shown, old=before))
    return data


def _weight(value: Any) -> str:
    """A weight as a text shows it (``0,3333``); a value that is no number as written."""
    return i18n.share(value) if isinstance(value, (int, float)) and math.isfinite(value) else str(value)


def _same_weights(old: Any, new: dict[str, float]) -> bool:
    if not isinstance(old, dict) or set(old) != set(new):
        return False
    return all(isinstance(old[k], (int, float)) and abs(old[k] - new[k]) < 1e-12 for k in new)


def set_vast_bedrag(data: dict, pot_id: str, amount_eur: int, source: str | None = None) -> dict:
    """A copy of ``data`` with the pot's vast bedrag (euros per municipality per year) changed and labelled."""
    data = copy.deepcopy(data)
    key = pot_of(data, pot_id).setdefault("key", {})
    old = key.get("vast_bedrag_eur", 0)
    if old == amount_eur and not source:
        return data
    key["vast_bedrag_eur"] = amount_eur
    label_edit(key, source, _("edl_vast_bedrag", new=i18n.eur(amount_eur), old=i18n.eur(old)))
    return data
