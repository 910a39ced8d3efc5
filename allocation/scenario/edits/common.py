"""Layer 3 (scenario), edits: what every edit shares. An edit works on a copy of the scenario's
data (a ``dict`` as read from YAML) and labels what it changed: the user's source, or an
``assumption`` saying it was edited in the app, with the value before the edit.
"""

from __future__ import annotations

from allocation.common.errors import InputError
from allocation.common.i18n import _

#: The start of the assumption an edit without a source gets (in English; in the language: ``_("edl_label")``).
EDITED = "Edited in the app"


def label_edit(entry: dict, source: str | None, what: str) -> None:
    """Label an edited entry: the user's source, or an assumption saying it was edited."""
    before = entry.get("source") or entry.get("assumption")
    entry.pop("source", None)
    entry.pop("assumption", None)
    if source and source.strip():
        entry["source"] = source.strip()
    else:
        note = _("edl_label", what=what)
        if before:
            note += _("edl_before", before=" ".join(str(before).split()))
        entry["assumption"] = note


def pot_of(data: dict, pot_id: str) -> dict:
    pots = data.get("pots")
    if not isinstance(pots, dict) or pot_id not in pots:
        raise InputError(_("edl_no_pot", pot=pot_id))
    return pots[pot_id]


def set_constraints(pot: dict, constraints: dict) -> None:
    if constraints:
        pot["constraints"] = constraints
    else:
        pot.pop("constraints", None)
