"""Layer 6 (faces): what every view of the app gets: the scenario as shown, the scenario it
started from, the one pot-and-year selection, and the language."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from allocation.faces.web.labels import Lang
from allocation.scenario.source import ScenarioSource


@dataclass(frozen=True)
class Page:
    lang: Lang
    result: object  # ScenarioResult as shown (every valid edit applied)
    origin: object  # ScenarioResult the edits started from
    source: ScenarioSource  # the scenario as shown
    origin_source: ScenarioSource  # the scenario it started from
    pot_id: str
    year: int
    changes: list[str] = field(default_factory=list)  # the edits, one line each
    scenario_key: str = ""  # the scenario's id and text hash: fields of one scenario stay with it

    @property
    def edited(self) -> bool:
        return self.source != self.origin_source


def scenario_key_of(scenario_id: str, text: str) -> str:
    """The key the edits of a scenario are kept under: its id and a hash of its own text (an
    uploaded key, which adds user_keys to the run's text, keeps them)."""
    return f"{scenario_id}:{hashlib.sha256(text.encode('utf-8')).hexdigest()[:12]}"
