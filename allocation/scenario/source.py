"""Layer 3 (scenario): where a scenario to run comes from, as one frozen, hashable value.

A :class:`ScenarioSource` is the scenario's YAML text, the name messages give it (its file,
or ``<file> (bewerkt)``), its id (the files' names) and the key files uploaded with it: all
that :func:`allocation.scenario.build.build` needs, and what the app caches a run on.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

#: the suffix of an edited scenario's id, so downloads never carry the shipped file's name
EDITED_SUFFIX = "-bewerkt"


@dataclass(frozen=True)
class ScenarioSource:
    text: str  # the scenario's YAML
    origin: str  # its name in messages
    scenario_id: str  # its id: the names of its files
    #: uploaded key files, each the fields of a :class:`~allocation.scenario.build.KeyUpload`
    uploads: tuple[tuple, ...] = ()
    #: a label to show the result under instead of its id (``None``: its id)
    label: str | None = None

    def edited(self, edited_text: str) -> ScenarioSource:
        """The source of this scenario edited into ``edited_text``: named ``<origin> (bewerkt)``
        in messages and ``<id>-bewerkt`` in its files, with the same uploads."""
        return replace(self, text=edited_text, origin=f"{self.origin} (bewerkt)",
                       scenario_id=f"{self.scenario_id}{EDITED_SUFFIX}")

    def with_uploads(self, uploads: tuple[tuple, ...]) -> ScenarioSource:
        return replace(self, uploads=uploads)
