"""Layer 3 (scenario), edits: the app's edits of a scenario as one typed, frozen value.

An :class:`EditPlan` holds per pot one :class:`PotEdit` (budget, payment years, vast bedrag,
weights, minimum, maximum, year band, transition band, group limits and the source of the
edited numbers) and one :class:`CrossPotEdit` for the scenario's cross-pot caps. It is
immutable and hashable (its mappings are kept as sorted tuples), so an edit is a new plan,
and it travels as JSON (:meth:`EditPlan.to_json` / :meth:`EditPlan.from_json`): into the
app's cache keys and its links. :meth:`EditPlan.from_json` checks every field and says per
field what is wrong (:class:`~allocation.common.errors.InputError`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from allocation.common.errors import InputError
from allocation.common.i18n import _
from allocation.scenario.edits.groups import GROUP_FIELDS, GROUP_LIMITS

#: a group limit's fields: its name, one membership field, its limits
GROUP_KEYS = ("name", *GROUP_FIELDS, *GROUP_LIMITS)
UNITS = ("eur", "eur_per_inhabitant")
#: the JSON's format; a plan of another version is refused
VERSION = 1

Spec = tuple[tuple[str, Any], ...]  # a group limit: (field, value) pairs, codes as a tuple
Cap = tuple[tuple[str, ...] | None, str, float]  # a cross-pot cap: (pots or None for all, unit, value)
Bound = tuple[str, float | None]  # (unit, value or None: no bound)
Band = tuple[float | None, float | None]  # (max decrease %, max increase %)


def group_spec(spec: Mapping[str, Any]) -> Spec:
    """A group limit's fields as a spec of a plan (pairs in the spec's order, so the scenario
    writes them in that order; a list of codes as a tuple)."""
    return tuple((key, tuple(value) if isinstance(value, list | tuple) else value) for key, value in spec.items())


def spec_dict(spec: Spec) -> dict[str, Any]:
    """A plan's group spec as the edits take it (codes as a list)."""
    return {key: list(value) if isinstance(value, tuple) else value for key, value in spec}


def _pairs(mapping: Mapping | Sequence | None) -> tuple:
    items = mapping.items() if isinstance(mapping, Mapping) else (mapping or ())
    return tuple(sorted(items, key=lambda pair: pair[0]))


@dataclass(frozen=True)
class PotEdit:
    """One pot's edits; a field left at its default is not edited. Values equal to the
    scenario's own change nothing (see :func:`~allocation.scenario.edits.apply.apply_edits`)."""

    budget_eur: int | None = None
    #: after a budget change, payment years in euros scaled to the new budget
    scale_years: bool = True
    years: tuple[tuple[int, float], ...] = ()  # (year, euros or share)
    vast_bedrag_eur: int | None = None
    weights: tuple[tuple[str, float], ...] | None = None  # (key, relative weight)
    minimum: Bound | None = None
    maximum: Bound | None = None
    year_band: Band | None = None
    transition: Band | None = None
    groups: tuple[tuple[int, Spec | None], ...] = ()  # (index of the pot's group, spec or None: removed)
    new_groups: tuple[Spec | None, ...] = ()  # groups added (None: added and removed again)
    source: str = ""  # where the edited numbers come from; empty: an assumption edited in the app

    def __post_init__(self) -> None:  # mappings given as dicts are kept as sorted tuples
        object.__setattr__(self, "years", _pairs(self.years))
        if self.weights is not None:
            object.__setattr__(self, "weights", _pairs(self.weights))
        object.__setattr__(self, "groups", tuple(
            (index, None if spec is None else group_spec(dict(spec))) for index, spec in _pairs(self.groups)))
        object.__setattr__(self, "new_groups", tuple(
            None if spec is None else group_spec(dict(spec)) for spec in self.new_groups))
        for which in ("minimum", "maximum", "year_band", "transition"):
            if getattr(self, which) is not None:
                object.__setattr__(self, which, tuple(getattr(self, which)))


@dataclass(frozen=True)
class CrossPotEdit:
    """The scenario's cross-pot caps: edited or removed ones by index, added ones, their source."""

    caps: tuple[tuple[int, Cap | None], ...] = ()
    new_caps: tuple[Cap | None, ...] = ()
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "caps", tuple((index, _cap(cap)) for index, cap in _pairs(self.caps)))
        object.__setattr__(self, "new_caps", tuple(_cap(cap) for cap in self.new_caps))

    @property
    def empty(self) -> bool:
        return not self.caps and not self.new_caps


def _cap(cap) -> Cap | None:
    if cap is None:
        return None
    pots, unit, value = cap
    return (None if pots is None else tuple(pots), unit, value)


@dataclass(frozen=True)
class EditPlan:
    """Every edit of a scenario: per pot a :class:`PotEdit`, and the cross-pot caps."""

    pots: tuple[tuple[str, PotEdit], ...] = ()
    cross_pot: CrossPotEdit = CrossPotEdit()

    def __post_init__(self) -> None:
        object.__setattr__(self, "pots", _pairs(self.pots))

    def pot(self, pot_id: str) -> PotEdit:
        """The pot's edits (none: an empty :class:`PotEdit`)."""
        return dict(self.pots).get(pot_id, PotEdit())

    def with_pot(self, pot_id: str, edit: PotEdit) -> EditPlan:
        return replace(self, pots={**dict(self.pots), pot_id: edit})

    def with_cross_pot(self, edit: CrossPotEdit) -> EditPlan:
        return replace(self, cross_pot=edit)

    def to_data(self) -> dict:
        """The plan as JSON data (only the fields edited): what :meth:`from_data` reads back."""
        pots = {}
        for pot_id, edit in self.pots:
            entry: dict[str, Any] = {}
            for field in fields(PotEdit):
                value = getattr(edit, field.name)
                if value == field.default:
                    continue
                if field.name in ("years", "weights", "groups"):
                    value = [[k, v if field.name != "groups" or v is None else spec_dict(v)] for k, v in value]
                elif field.name == "new_groups":
                    value = [None if spec is None else spec_dict(spec) for spec in value]
                elif isinstance(value, tuple):
                    value = list(value)
                entry[field.name] = value
            pots[pot_id] = entry
        data: dict[str, Any] = {"version": VERSION, "pots": pots}
        cross = self.cross_pot
        if cross != CrossPotEdit():
            data["cross_pot"] = {"caps": [[i, _cap_data(c)] for i, c in cross.caps],
                                 "new_caps": [_cap_data(c) for c in cross.new_caps], "source": cross.source}
        return data

    def to_json(self) -> str:
        """Compact JSON in a fixed order (a group spec in its own): one text per plan (a cache key, a link)."""
        return json.dumps(self.to_data(), separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> EditPlan:
        """The plan a JSON text of :meth:`to_json` describes; :class:`InputError` with one
        message per wrong field."""
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise InputError(_("plan_not_json", reason=str(exc)[:200])) from None
        return cls.from_data(data)

    @classmethod
    def from_data(cls, data: Any) -> EditPlan:
        checker = _Checker()
        plan = checker.plan(data)
        if checker.problems:
            raise InputError(checker.problems)
        return plan


def _cap_data(cap: Cap | None):
    return None if cap is None else [None if cap[0] is None else list(cap[0]), cap[1], cap[2]]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class _Checker:
    """Reads JSON data into a plan, collecting one message per wrong field."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def bad(self, where: str, expected: str, value: Any) -> None:
        self.problems.append(_("plan_bad_field", field=where, expected=_(expected), value=repr(value)[:60]))

    def number(self, where: str, value: Any, whole: bool = False, optional: bool = False):
        if value is None and optional:
            return None
        if not _is_number(value) or (whole and not float(value).is_integer()):
            self.bad(where, "plan_expect_whole" if whole else "plan_expect_number", value)
            return None
        return int(value) if whole else value

    def text(self, where: str, value: Any) -> str:
        if not isinstance(value, str):
            self.bad(where, "plan_expect_text", value)
            return ""
        return value

    def mapping(self, where: str, value: Any) -> dict:
        if not isinstance(value, dict):
            self.bad(where, "plan_expect_object", value)
            return {}
        return value

    def listed(self, where: str, value: Any) -> list:
        if not isinstance(value, list):
            self.bad(where, "plan_expect_list", value)
            return []
        return value

    def unknown(self, where: str, data: dict, known) -> None:
        for key in sorted(set(data) - set(known), key=str):
            self.problems.append(_("plan_unknown_field", field=f"{where}.{key}", known=", ".join(known)))

    def plan(self, data: Any) -> EditPlan:
        data = self.mapping("edits", data)
        if not data:
            return EditPlan()
        if data.get("version") != VERSION:
            self.problems.append(_("plan_version", found=repr(data.get("version"))[:20], version=VERSION))
            return EditPlan()
        self.unknown("edits", data, ("version", "pots", "cross_pot"))
        pots = {}
        for pot_id, entry in self.mapping("edits.pots", data.get("pots", {})).items():
            pots[pot_id] = self.pot_edit(f"edits.pots.{pot_id}", self.mapping(f"edits.pots.{pot_id}", entry))
        cross = CrossPotEdit()
        if "cross_pot" in data:
            cross = self.cross_pot("edits.cross_pot", self.mapping("edits.cross_pot", data["cross_pot"]))
        return EditPlan(pots=pots, cross_pot=cross)

    def pairs(self, where: str, value: Any, key_whole: bool) -> list[tuple]:
        out = []
        for number, pair in enumerate(self.listed(where, value)):
            if not isinstance(pair, list) or len(pair) != 2:
                self.bad(f"{where}.{number}", "plan_expect_pair", pair)
                continue
            key = self.number(f"{where}.{number}", pair[0], whole=True) if key_whole else \
                self.text(f"{where}.{number}", pair[0])
            if key is not None:
                out.append((key, pair[1]))
        return out

    def pot_edit(self, where: str, data: dict) -> PotEdit:
        self.unknown(where, data, [f.name for f in fields(PotEdit)])
        found: dict[str, Any] = {}
        for name in ("budget_eur", "vast_bedrag_eur"):
            if name in data:
                found[name] = self.number(f"{where}.{name}", data[name], whole=True)
        if "scale_years" in data:
            if isinstance(data["scale_years"], bool):
                found["scale_years"] = data["scale_years"]
            else:
                self.bad(f"{where}.scale_years", "plan_expect_yes_no", data["scale_years"])
        if "source" in data:
            found["source"] = self.text(f"{where}.source", data["source"])
        if "years" in data:
            found["years"] = [(year, self.number(f"{where}.years.{year}", value))
                              for year, value in self.pairs(f"{where}.years", data["years"], key_whole=True)]
        if "weights" in data:
            found["weights"] = [(key, self.number(f"{where}.weights.{key}", value))
                                for key, value in self.pairs(f"{where}.weights", data["weights"], key_whole=False)]
        for which in ("minimum", "maximum"):
            if which in data:
                value = self.listed(f"{where}.{which}", data[which])
                if len(value) != 2 or value[0] not in UNITS:
                    self.bad(f"{where}.{which}", "plan_expect_bound", data[which])
                else:
                    found[which] = (value[0], self.number(f"{where}.{which}", value[1], optional=True))
        for which in ("year_band", "transition"):
            if which in data:
                value = self.listed(f"{where}.{which}", data[which])
                if len(value) != 2:
                    self.bad(f"{where}.{which}", "plan_expect_pair", data[which])
                else:
                    found[which] = tuple(self.number(f"{where}.{which}", v, optional=True) for v in value)
        if "groups" in data:
            found["groups"] = [(index, None if spec is None else self.spec(f"{where}.groups.{index}", spec))
                               for index, spec in self.pairs(f"{where}.groups", data["groups"], key_whole=True)]
        if "new_groups" in data:
            found["new_groups"] = [None if spec is None else self.spec(f"{where}.new_groups.{number}", spec)
                                   for number, spec in enumerate(self.listed(f"{where}.new_groups",
                                                                             data["new_groups"]))]
        return PotEdit(**found)

    def spec(self, where: str, value: Any) -> dict:
        spec = self.mapping(where, value)
        self.unknown(where, spec, GROUP_KEYS)
        out: dict[str, Any] = {}
        for key, item in spec.items():
            if key not in GROUP_KEYS:
                continue
            if key in GROUP_LIMITS:
                out[key] = self.number(f"{where}.{key}", item, optional=True)
            elif key == "codes":
                codes = self.listed(f"{where}.codes", item)
                out[key] = [self.text(f"{where}.codes", code) for code in codes]
            else:
                out[key] = self.text(f"{where}.{key}", item)
        return out

    def cross_pot(self, where: str, data: dict) -> CrossPotEdit:
        self.unknown(where, data, ("caps", "new_caps", "source"))
        caps = [(index, None if cap is None else self.cap(f"{where}.caps.{index}", cap))
                for index, cap in self.pairs(f"{where}.caps", data.get("caps", []), key_whole=True)]
        new_caps = [None if cap is None else self.cap(f"{where}.new_caps.{number}", cap)
                    for number, cap in enumerate(self.listed(f"{where}.new_caps", data.get("new_caps", [])))]
        return CrossPotEdit(caps=tuple(caps), new_caps=tuple(new_caps),
                            source=self.text(f"{where}.source", data.get("source", "")))

    def cap(self, where: str, value: Any) -> Cap | None:
        cap = self.listed(where, value)
        if len(cap) != 3 or cap[1] not in UNITS or not (cap[0] is None or isinstance(cap[0], list)):
            self.bad(where, "plan_expect_cap", value)
            return None
        pots = None if cap[0] is None else tuple(self.text(f"{where}.pots", p) for p in cap[0])
        return (pots, cap[1], self.number(f"{where}.value", cap[2]))
