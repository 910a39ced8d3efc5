"""Layer 3 (scenario): reading and validating a scenario file into a :class:`LoadedScenario`.

Validation is strict: unknown fields are errors, and every message names the file and the
field path, e.g. ``pots.elip.key.weights.inwoners: must be >= 0, got -0.2``.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from allocation.common import i18n
from allocation.common.errors import DataError, InputError
from allocation.common.i18n import _
from allocation.common.texts import listed, quoted
from allocation.data.key_csv import read_key_csv
from allocation.data.keys import Key, builtin_keys
from allocation.data.registers import DATA_DIR, register_in_force
from allocation.scenario.messages import format_errors
from allocation.scenario.paths import scenario_file
from allocation.scenario.schema import RESERVED_POT_IDS, Scenario
from allocation.scenario.strict_yaml import StrictYAMLError, load_strict


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with the keys it uses, ready to run."""

    scenario_id: str
    origin: str
    scenario: Scenario
    keys: dict[str, Key]
    text: str
    base_dir: Path | None = None  # where files the scenario names (key CSVs, references) are found

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def parse_scenario(
    text: str,
    *,
    origin: str,
    scenario_id: str,
    base_dir: Path | None = None,
    extra_keys: dict[str, Key] | None = None,
    data_dir: Path = DATA_DIR,
) -> LoadedScenario:
    """Validate scenario YAML text. ``origin`` names the file in messages.

    ``base_dir`` resolves user key files; ``extra_keys`` supplies keys already loaded
    (the app's uploads) by name. Raises :class:`InputError` with one message per problem.
    """
    try:
        raw = read_yaml(text, origin)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = _("ld_at_line", line=mark.line + 1, column=mark.column + 1) if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(_("ld_not_yaml", origin=origin, where=where, problem=problem)) from None
    if not isinstance(raw, dict):
        raise InputError(_("ld_top_mapping", origin=origin))
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        raise InputError(format_errors(exc, origin)) from None

    keys = dict(builtin_keys(data_dir))
    problems: list[str] = []
    for name, spec in scenario.user_keys.items():
        if name in keys and name not in (extra_keys or {}):
            problems.append(_("ld_key_taken", origin=origin, name=name))
            continue
        if extra_keys and name in extra_keys:
            keys[name] = extra_keys[name]
            continue
        try:
            path = scenario_file(base_dir or Path.cwd(), spec.file, "file")
            keys[name] = read_key_csv(
                path,
                name=name,
                value_column=spec.value_column,
                code_column=spec.code_column,
                missing_as_zero=spec.missing_as_zero,
                label=spec.label,
                unit=spec.unit,
                source=spec.source,
                vintage=spec.vintage,
                kind=spec.kind,
                note=spec.note,
                sheet=spec.sheet,
                data_dir=data_dir,
            )
        except InputError as exc:
            problems += [f"{origin}: user_keys.{name}: {p}" for p in exc.problems]
    for pot_id, pot in scenario.pots.items():
        if pot_id in RESERVED_POT_IDS:
            problems.append(_("ld_reserved_pot", origin=origin, pot=pot_id, file=f"{scenario_id}-{pot_id}.csv"))
        for key_name in pot.key.weights:
            if key_name not in keys and not any(p.startswith(f"{origin}: user_keys.{key_name}:") for p in problems):
                close = difflib.get_close_matches(key_name, list(keys), n=1)
                hint = (_("ld_did_you_mean", name=close[0]) if close
                        else _("ld_available", names=", ".join(sorted(keys))))
                problems.append(_("ld_unknown_key", origin=origin, pot=pot_id, key=key_name, hint=hint))
        years = pot.years.values()
        if pot.years.kind == "euros":
            fractional = [y for y, v in years.items() if v != int(v)]
            for year in fractional:
                problems.append(_("ld_whole_euros", origin=origin, pot=pot_id, year=year, value=years[year]))
            total = sum(int(v) for v in years.values())
            if not fractional and total != pot.budget.amount_eur:
                problems.append(_("ld_years_sum", origin=origin, pot=pot_id, total=i18n.eur(total),
                                  budget=i18n.eur(pot.budget.amount_eur),
                                  difference=i18n.eur(total - pot.budget.amount_eur)))
    for year, peildatum in scenario.peildata.items():
        try:
            register_in_force(peildatum.date.isoformat(), data_dir)
        except DataError as exc:
            problems += [f"{origin}: peildata.{year}.date: {p}" for p in exc.problems]
    if scenario.uncertainty is not None:
        for name in scenario.uncertainty.keys:
            if name not in keys:
                problems.append(_("ld_unknown_spread_key", origin=origin, key=name, names=", ".join(sorted(keys))))
    for index, cap in enumerate(scenario.cross_pot):
        if cap.pots is not None and not cap.pots:
            problems.append(_("ld_cap_no_pots", origin=origin, index=index))
        for name in cap.pots or []:
            if name not in scenario.pots:
                problems.append(_("ld_cap_unknown_pot", origin=origin, index=index, pot=quoted(name),
                                  pots=listed(scenario.pots)))
    if problems:
        raise InputError(problems)
    return LoadedScenario(
        scenario_id=scenario_id, origin=origin, scenario=scenario, keys=keys, text=text, base_dir=base_dir
    )


def load_scenario(path: Path | str, data_dir: Path = DATA_DIR) -> LoadedScenario:
    """Read and validate a scenario file; the scenario id is the file name without extension."""
    path = Path(path)
    if not path.is_file():
        raise InputError(_("msg_scenario_not_found", path=path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(_("msg_scenario_not_utf8", path=path)) from None
    return parse_scenario(text, origin=str(path), scenario_id=path.stem, base_dir=path.parent, data_dir=data_dir)


def to_yaml(data: Any) -> str:
    """Dump scenario data as YAML in a stable, reviewable form."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def scenario_data(text: str) -> dict:
    """The scenario's YAML text as plain data (validate with :func:`parse_scenario`)."""
    data = read_yaml(text, "the scenario")
    if not isinstance(data, dict):
        raise InputError(_("ld_top_mapping", origin=_("ld_the_scenario")))
    return data


def read_yaml(text: str, origin: str) -> Any:
    """YAML text read strictly (:mod:`allocation.scenario.strict_yaml`); an unacceptable text is
    an :class:`InputError` naming ``origin`` and the line. Raises ``yaml.YAMLError`` for text
    that is not YAML at all."""
    try:
        return load_strict(text)
    except StrictYAMLError as exc:
        raise InputError(f"{origin}: {exc}") from None
