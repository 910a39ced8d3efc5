"""Layer 3: scenario files, their validation, and running a scenario through the core.

A scenario is a YAML file an analyst can diff and review (see README.md for a tour).
Every number in it carries a ``source`` or an ``assumption`` label. Validation is
strict: unknown fields are errors, and every message names the file and the field path,
e.g. ``pots.elip.key.weights.inwoners: must be >= 0, got -0.2``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from allocation import constrained, core, restate
from allocation.data import (
    DATA_DIR,
    KEY_REGISTER_DATE,
    load_mergers,
    load_municipalities_2021,
    load_register,
    register_in_force,
)
from allocation.errors import DataError, InfeasibleError, InputError, euro
from allocation.keys import Key, builtin_keys, read_key_csv

FIRST_YEAR, LAST_YEAR = 2021, 2026
IDENTIFIER = r"^[a-z][a-z0-9_]*$"
RESERVED_POT_IDS = {"allocation"}  # <id>-allocation.csv is the long table


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sourced(Strict):
    """A value with its provenance: a ``source``, or an ``assumption`` saying why."""

    source: str | None = None
    assumption: str | None = None

    @model_validator(mode="after")
    def _has_provenance(self):
        if not (self.source or "").strip() and not (self.assumption or "").strip():
            raise ValueError("give a `source:` or label it with `assumption:` (every number needs one)")
        return self

    @property
    def kind(self) -> str:
        return "assumption" if (self.assumption or "").strip() else "sourced"

    @property
    def provenance(self) -> str:
        if (self.assumption or "").strip():
            return f"ASSUMPTION: {self.assumption.strip()}"
        return f"source: {self.source.strip()}"


class Budget(Sourced):
    amount_eur: int = Field(ge=0, description="total of the pot in whole euros")


class YearValue(Sourced):
    value: float = Field(ge=0)


class YearProfile(Strict):
    """Payment years: whole ``euros`` per year, or ``shares`` that are normalised."""

    euros: dict[int, float | YearValue] | None = None
    shares: dict[int, float | YearValue] | None = None
    source: str | None = None
    assumption: str | None = None

    @model_validator(mode="after")
    def _one_profile(self):
        if (self.euros is None) == (self.shares is None):
            raise ValueError("give exactly one of `euros:` (amount per year) or `shares:` (normalised)")
        profile = self.euros if self.euros is not None else self.shares
        if not profile:
            raise ValueError("list at least one payment year")
        block_sourced = bool((self.source or "").strip() or (self.assumption or "").strip())
        for year, value in profile.items():
            if not FIRST_YEAR <= year <= LAST_YEAR:
                raise ValueError(f"year {year} is outside {FIRST_YEAR}-{LAST_YEAR}")
            plain = not isinstance(value, YearValue)
            if plain and value < 0:
                raise ValueError(f"year {year}: must be >= 0, got {value}")
            if plain and not block_sourced:
                raise ValueError(
                    f"year {year} has no provenance: give the profile a `source:` or `assumption:`, "
                    "or write the year as {value: ..., source: ...}"
                )
        if self.shares is not None and not sum(self.values().values()) > 0:
            raise ValueError("the shares must have a positive sum")
        return self

    @property
    def kind(self) -> str:
        return "euros" if self.euros is not None else "shares"

    def values(self) -> dict[int, float]:
        profile = self.euros if self.euros is not None else self.shares
        return {year: (v.value if isinstance(v, YearValue) else float(v)) for year, v in sorted(profile.items())}

    def provenance(self, year: int) -> str:
        profile = self.euros if self.euros is not None else self.shares
        value = profile[year]
        if isinstance(value, YearValue):
            return value.provenance
        if (self.assumption or "").strip():
            return f"ASSUMPTION: {self.assumption.strip()}"
        return f"source: {self.source.strip()}"


class KeySpec(Sourced):
    """A weighted combination of keys, optionally after a vast bedrag per municipality."""

    weights: dict[str, float] = Field(min_length=1)
    vast_bedrag_eur: int = Field(default=0, ge=0, description="euros per municipality per payment year")

    @field_validator("weights")
    @classmethod
    def _weights(cls, weights: dict[str, float]):
        for name, weight in weights.items():
            if not math.isfinite(weight) or weight < 0:
                raise ValueError(f"weight {name}: must be >= 0, got {weight}")
        total = math.fsum(weights.values())
        if abs(total - 1) > 1e-9:
            raise ValueError(f"weights must sum to 1, got {total:g}")
        return weights


# --- constraints (see README "Constraints") -------------------------------------------


class AmountBound(Sourced):
    """A minimum or maximum per municipality per payment year."""

    eur: float | None = Field(default=None, ge=0, description="euros per municipality per year")
    eur_per_inhabitant: float | None = Field(default=None, ge=0, description="euros per inhabitant per year")
    nonzero_key_only: bool = False
    years: list[int] | None = None

    @model_validator(mode="after")
    def _one_amount(self):
        if (self.eur is None) == (self.eur_per_inhabitant is None):
            raise ValueError("give exactly one of `eur:` or `eur_per_inhabitant:`")
        for year in self.years or []:
            if not FIRST_YEAR <= year <= LAST_YEAR:
                raise ValueError(f"year {year} is outside {FIRST_YEAR}-{LAST_YEAR}")
        return self


class Reference(Strict):
    """The reference allocation of a transition band: another scenario file, or an allocation CSV."""

    scenario: str | None = None
    allocation_csv: str | None = None
    pot: str | None = None

    @model_validator(mode="after")
    def _one_reference(self):
        if (self.scenario is None) == (self.allocation_csv is None):
            raise ValueError("give exactly one of `scenario:` (a scenario file) or `allocation_csv:` (a `run` output)")
        return self


class Band(Sourced):
    """At most ``max_decrease_pct`` less and ``max_increase_pct`` more than a reference amount."""

    max_decrease_pct: float | None = Field(default=None, ge=0, le=100)
    max_increase_pct: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _some_limit(self):
        if self.max_decrease_pct is None and self.max_increase_pct is None:
            raise ValueError("give `max_decrease_pct:`, `max_increase_pct:` or both")
        return self


class TransitionBand(Band):
    reference: Reference


class GroupConstraint(Sourced):
    """The total of a group of municipalities at least or at most an amount or a share of the pot-year."""

    name: str
    province: str | None = None
    veiligheidsregio: str | None = None
    size_class: str | None = None
    codes: list[str] | None = None
    min_eur: int | None = Field(default=None, ge=0)
    max_eur: int | None = Field(default=None, ge=0)
    min_share: float | None = Field(default=None, ge=0, le=1)
    max_share: float | None = Field(default=None, ge=0, le=1)
    years: list[int] | None = None

    @model_validator(mode="after")
    def _one_group_one_limit(self):
        given = [f for f in ("province", "veiligheidsregio", "size_class", "codes") if getattr(self, f) is not None]
        if len(given) != 1:
            raise ValueError("define the group by exactly one of `province:`, `veiligheidsregio:`, `size_class:`, `codes:`")
        if all(getattr(self, f) is None for f in ("min_eur", "max_eur", "min_share", "max_share")):
            raise ValueError("give a limit: `min_eur:`, `max_eur:`, `min_share:` or `max_share:`")
        if self.min_eur is not None and self.min_share is not None:
            raise ValueError("give `min_eur:` or `min_share:`, not both")
        if self.max_eur is not None and self.max_share is not None:
            raise ValueError("give `max_eur:` or `max_share:`, not both")
        return self


class PotConstraints(Strict):
    minimum: list[AmountBound] = Field(default_factory=list)
    maximum: list[AmountBound] = Field(default_factory=list)
    transition: TransitionBand | None = None
    year_band: Band | None = None
    groups: list[GroupConstraint] = Field(default_factory=list)


class CrossPotCap(Sourced):
    """A maximum per municipality per payment year for several pots together."""

    pots: list[str] | None = None
    eur: float | None = Field(default=None, ge=0)
    eur_per_inhabitant: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_amount(self):
        if (self.eur is None) == (self.eur_per_inhabitant is None):
            raise ValueError("give exactly one of `eur:` or `eur_per_inhabitant:`")
        return self


class Pot(Strict):
    label: str
    description: str = ""
    budget: Budget
    years: YearProfile
    key: KeySpec
    constraints: PotConstraints | None = None


class UserKeySpec(Strict):
    """A key read from a CSV file (path relative to the scenario file)."""

    file: str
    value_column: str
    code_column: str = "gm_code"
    missing_as_zero: bool = False
    label: str
    unit: str = ""
    source: str
    vintage: str = ""
    kind: Literal["real", "proxy", "assumption"]
    note: str = ""


class Peildatum(Sourced):
    """The reference date whose municipality register a payment year is published on."""

    date: dt.date


class Scenario(Strict):
    name: str
    description: str
    key_register: dt.date = dt.date.fromisoformat(KEY_REGISTER_DATE)
    #: per payment year, the reference date of its register (default: 1 January)
    peildata: dict[int, Peildatum] = Field(default_factory=dict)
    user_keys: dict[str, UserKeySpec] = Field(default_factory=dict)
    pots: dict[str, Pot] = Field(min_length=1)
    cross_pot: list[CrossPotCap] = Field(default_factory=list)
    solver: Literal["highs", "cbc"] = "highs"  # for the joint LP: year-band fallback, and explaining coupled conflicts

    @field_validator("peildata")
    @classmethod
    def _peildata(cls, value: dict[int, Peildatum]):
        for year, peildatum in value.items():
            if not FIRST_YEAR <= year <= LAST_YEAR:
                raise ValueError(f"year {year} is outside {FIRST_YEAR}-{LAST_YEAR}")
            if peildatum.date.year != year:
                raise ValueError(
                    f"year {year}: the peildatum {peildatum.date} is not in {year}; give a date within the payment year"
                )
        return value

    def peildatum(self, year: int) -> tuple[str, str]:
        """The reference date (ISO) of payment year ``year`` and its provenance."""
        if year in self.peildata:
            return self.peildata[year].date.isoformat(), self.peildata[year].provenance
        return f"{year}-01-01", "ASSUMPTION: default peildatum, the register in force on 1 January of the payment year"

    @field_validator("key_register")
    @classmethod
    def _register(cls, value: dt.date):
        if value.isoformat() != KEY_REGISTER_DATE:
            raise ValueError(f"keys are available on the {KEY_REGISTER_DATE} register only, got {value}")
        return value

    @field_validator("pots", "user_keys")
    @classmethod
    def _identifiers(cls, value: dict):
        for name in value:
            if not re.match(IDENTIFIER, str(name)):
                raise ValueError(f"{name!r} must be a lowercase identifier like `elip` (letters, digits, _)")
        return value


# --- loading and validation messages -------------------------------------------------


def _field_names(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)


_MODELS_BY_PATH_END = {
    "": Scenario,
    "pots.*": Pot,
    "pots.*.budget": Budget,
    "pots.*.years": YearProfile,
    "pots.*.key": KeySpec,
    "user_keys.*": UserKeySpec,
    "peildata.*": Peildatum,
    "pots.*.years.euros.*": YearValue,
    "pots.*.years.shares.*": YearValue,
    "pots.*.constraints": PotConstraints,
    "pots.*.constraints.minimum.*": AmountBound,
    "pots.*.constraints.maximum.*": AmountBound,
    "pots.*.constraints.transition": TransitionBand,
    "pots.*.constraints.transition.reference": Reference,
    "pots.*.constraints.year_band": Band,
    "pots.*.constraints.groups.*": GroupConstraint,
    "cross_pot.*": CrossPotCap,
}


def _model_at(location: tuple) -> type[BaseModel] | None:
    parts = [str(p) for p in location]
    for pattern, model in _MODELS_BY_PATH_END.items():
        pattern_parts = pattern.split(".") if pattern else []
        if len(pattern_parts) == len(parts) and all(p == "*" or p == q for p, q in zip(pattern_parts, parts)):
            return model
    return None


def _describe(error: dict) -> tuple[str, str]:
    location = [str(part) for part in error["loc"] if part not in ("YearValue", "float", "int")]
    # pydantic adds the union member's type name to the location: drop it
    location = [part for part in location if not part.startswith("function-")]
    if location and location[-1] in ("float", "YearValue"):
        location = location[:-1]
    kind = error["type"]
    given = error.get("input")
    if kind == "extra_forbidden":
        field_name = location[-1]
        model = _model_at(tuple(location[:-1]))
        allowed = _field_names(model) if model else []
        close = difflib.get_close_matches(field_name, allowed, n=1)
        hint = f"; did you mean `{close[0]}`?" if close else (f"; allowed: {', '.join(allowed)}" if allowed else "")
        return ".".join(location), f"unknown field{hint}"
    if kind == "missing":
        return ".".join(location), "required field is missing"
    if kind in ("greater_than_equal", "greater_than"):
        bound = error["ctx"].get("ge", error["ctx"].get("gt"))
        sign = ">=" if kind == "greater_than_equal" else ">"
        return ".".join(location), f"must be {sign} {bound:g}, got {given}"
    if kind in ("int_from_float", "int_parsing"):
        return ".".join(location), f"must be a whole number of euros, got {given!r}"
    if kind in ("float_parsing", "float_type", "int_type"):
        return ".".join(location), f"must be a number, got {given!r}"
    if kind == "too_short":
        return ".".join(location), "must not be empty"
    message = error["msg"].removeprefix("Value error, ")
    return ".".join(location), message


def _format_errors(exc: ValidationError, origin: str) -> list[str]:
    seen, problems = set(), []
    for error in exc.errors():
        path, message = _describe(error)
        # A union (number or {value, source}) reports both branches; keep the clearest.
        if error["type"] == "model_type" or (error["type"] == "float_type" and any(
            other["type"] != "float_type" and other["loc"][:len(error["loc"]) - 1] == error["loc"][:-1]
            for other in exc.errors()
        )):
            continue
        line = f"{origin}: {path}: {message}" if path else f"{origin}: {message}"
        if line not in seen:
            seen.add(line)
            problems.append(line)
    return problems


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
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(f"{origin}: not valid YAML{where}: {problem}") from None
    if not isinstance(raw, dict):
        raise InputError(f"{origin}: expected a mapping with name, description and pots at the top level")
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        raise InputError(_format_errors(exc, origin)) from None

    keys = dict(builtin_keys(data_dir))
    problems: list[str] = []
    for name, spec in scenario.user_keys.items():
        if name in keys and name not in (extra_keys or {}):
            problems.append(f"{origin}: user_keys.{name}: the name is taken by a built-in key; choose another")
            continue
        if extra_keys and name in extra_keys:
            keys[name] = extra_keys[name]
            continue
        path = Path(spec.file)
        if not path.is_absolute():
            path = (base_dir or Path.cwd()) / path
        try:
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
                data_dir=data_dir,
            )
        except InputError as exc:
            problems += [f"{origin}: user_keys.{name}: {p}" for p in exc.problems]
    for pot_id, pot in scenario.pots.items():
        if pot_id in RESERVED_POT_IDS:
            problems.append(
                f"{origin}: pots.{pot_id}: the pot id would overwrite {scenario_id}-{pot_id}.csv "
                "(the long table); rename the pot"
            )
        for key_name in pot.key.weights:
            if key_name not in keys and not any(p.startswith(f"{origin}: user_keys.{key_name}:") for p in problems):
                close = difflib.get_close_matches(key_name, list(keys), n=1)
                hint = f"did you mean `{close[0]}`?" if close else f"available: {', '.join(sorted(keys))}"
                problems.append(f"{origin}: pots.{pot_id}.key.weights.{key_name}: unknown key; {hint}")
        years = pot.years.values()
        if pot.years.kind == "euros":
            fractional = [y for y, v in years.items() if v != int(v)]
            for year in fractional:
                problems.append(f"{origin}: pots.{pot_id}.years.euros.{year}: must be whole euros, got {years[year]}")
            total = sum(int(v) for v in years.values())
            if not fractional and total != pot.budget.amount_eur:
                problems.append(
                    f"{origin}: pots.{pot_id}.years.euros: the years add up to {euro(total)} but the budget "
                    f"is {euro(pot.budget.amount_eur)} (difference {euro(total - pot.budget.amount_eur)}); "
                    "make them equal"
                )
    for year, peildatum in scenario.peildata.items():
        try:
            register_in_force(peildatum.date.isoformat(), data_dir)
        except DataError as exc:
            problems += [f"{origin}: peildata.{year}.date: {p}" for p in exc.problems]
    for index, cap in enumerate(scenario.cross_pot):
        if cap.pots is not None and not cap.pots:
            problems.append(f"{origin}: cross_pot.{index}.pots: no pots listed; list the pots the cap is for, "
                            "or leave `pots:` out for every pot")
        for name in cap.pots or []:
            if name not in scenario.pots:
                problems.append(f"{origin}: cross_pot.{index}.pots: unknown pot {name!r}; pots: {', '.join(scenario.pots)}")
    if problems:
        raise InputError(problems)
    return LoadedScenario(
        scenario_id=scenario_id, origin=origin, scenario=scenario, keys=keys, text=text, base_dir=base_dir
    )


def load_scenario(path: Path | str, data_dir: Path = DATA_DIR) -> LoadedScenario:
    """Read and validate a scenario file; the scenario id is the file name without extension."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: scenario file not found")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; save the scenario as UTF-8") from None
    return parse_scenario(text, origin=str(path), scenario_id=path.stem, base_dir=path.parent, data_dir=data_dir)


# --- running --------------------------------------------------------------------------


@dataclass
class ScenarioResult:
    """The allocation of every pot of a scenario on the key register.

    ``allocation``: long table with columns pot, year, gm_code, gm_name, amount_eur, on
    the key register (2021) for every year.
    ``pots``: the core's :class:`~allocation.core.PotAllocation` per pot id.
    ``published``: the same amounts restated on each payment year's register (the one in
    force on the year's peildatum): columns pot, year, gm_code, gm_name, amount_eur.
    ``peildata``: payment year -> (peildatum ISO date, provenance).
    ``registers``: payment year -> that year's register (gm_code, gm_name, province_code,
    province_name).
    ``successors``: payment year -> :func:`allocation.restate.successor_map` of the key
    register's codes (the predecessor-to-successor mapping used).
    """

    loaded: LoadedScenario
    municipalities: pd.DataFrame
    pots: dict[str, core.PotAllocation]
    allocation: pd.DataFrame
    key_shares: dict[str, pd.DataFrame] = field(default_factory=dict)
    published: pd.DataFrame | None = None
    peildata: dict[int, tuple[str, str]] = field(default_factory=dict)
    registers: dict[int, pd.DataFrame] = field(default_factory=dict)
    successors: dict[int, pd.DataFrame] = field(default_factory=dict)
    constrained: dict[str, Any] = field(default_factory=dict)  # pot id -> constrained.ConstrainedPot

    def bound_report(self, pot_id: str) -> pd.DataFrame:
        """Per pot-year, the municipalities that sit on a constraint and what it cost or gave them.

        Columns: pot, year, gm_code, gm_name, constraint, key_amount_eur (the pure key),
        amount_eur, effect_eur (amount minus key amount). Empty for a pot without constraints.
        """
        if pot_id not in self.scenario.pots:
            raise KeyError(pot_id)
        info = self.constrained.get(pot_id)
        if info is None:
            return pd.DataFrame(columns=constrained.REPORT_COLUMNS)
        return info.report.copy()

    @property
    def scenario(self) -> Scenario:
        return self.loaded.scenario

    def explanation(self, pot_id: str) -> pd.DataFrame:
        """Per municipality and year: key values and shares, and how the amount follows.

        Columns: gm_code, gm_name, one ``value:<key>`` and ``share:<key>`` pair per key
        used, combined_share, year, year_budget, vast_bedrag, variable_budget,
        exact_amount, amount_eur, rounding_eur.
        """
        pot = self.pots[pot_id]
        base = self.key_shares[pot_id]
        rows = []
        for column, year in enumerate(pot.years):
            frame = base.copy()
            frame["year"] = year
            frame["year_budget"] = pot.budgets[column]
            frame["vast_bedrag"] = pot.vast_bedrag
            frame["variable_budget"] = pot.budgets[column] - pot.vast_bedrag * len(pot.codes)
            frame["exact_amount"] = pot.ideal[:, column]
            frame["amount_eur"] = pot.amounts[:, column]
            frame["rounding_eur"] = frame["amount_eur"] - frame["exact_amount"]
            rows.append(frame)
        return pd.concat(rows, ignore_index=True)


def run_scenario(loaded: LoadedScenario, data_dir: Path = DATA_DIR) -> ScenarioResult:
    """Allocate every pot of the scenario over the key register and its payment years."""
    municipalities = load_municipalities_2021(data_dir)
    codes = list(municipalities["gm_code"])
    names = municipalities.set_index("gm_code")["gm_name"]
    scenario = loaded.scenario
    pots: dict[str, core.PotAllocation] = {}
    key_shares: dict[str, pd.DataFrame] = {}
    frames = []
    problems: list[str] = []
    constrained_info: dict[str, constrained.ConstrainedPot] = {}
    cross_pot_used: dict = {}
    for pot_id, pot in scenario.pots.items():
        used = {name: w for name, w in pot.key.weights.items()}
        values = {name: loaded.keys[name].values.reindex(codes).to_numpy(dtype=float) for name in used}
        shares = core.combine_keys(values, used)
        budgets = core.year_budgets(pot.budget.amount_eur, pot.years.values(), pot.years.kind)
        try:
            if constrained.is_constrained(pot_id, pot, scenario):
                allocated, constrained_info[pot_id] = constrained.allocate_constrained_pot(
                    pot_id=pot_id, pot=pot, loaded=loaded, municipalities=municipalities, shares=shares,
                    budgets=budgets, cross_pot_used=cross_pot_used,
                )
            else:
                allocated = core.allocate_pot(codes, shares, budgets, pot.key.vast_bedrag_eur, label=pot.label)
        except InfeasibleError as exc:
            problems += [
                p if loaded.origin and p.startswith(f"{loaded.origin}: ") else f"{loaded.origin}: pots.{pot_id}: {p}"
                for p in exc.problems
            ]
            continue
        pots[pot_id] = allocated
        detail = pd.DataFrame({"gm_code": codes, "gm_name": names.reindex(codes).to_numpy()})
        for name in sorted(used):
            detail[f"value:{name}"] = values[name]
            detail[f"share:{name}"] = core.normalise(values[name])
        detail["combined_share"] = shares
        key_shares[pot_id] = detail
        for column, year in enumerate(allocated.years):
            frames.append(
                pd.DataFrame(
                    {
                        "pot": pot_id,
                        "year": year,
                        "gm_code": codes,
                        "gm_name": names.reindex(codes).to_numpy(),
                        "amount_eur": allocated.amounts[:, column],
                    }
                )
            )
    if problems:
        raise InfeasibleError(problems)
    allocation = pd.concat(frames, ignore_index=True)
    allocation["amount_eur"] = allocation["amount_eur"].astype("int64")
    published, peildata, registers, successors = _publish(allocation, scenario, codes, data_dir)
    return ScenarioResult(
        loaded=loaded,
        municipalities=municipalities,
        pots=pots,
        allocation=allocation,
        key_shares=key_shares,
        published=published,
        peildata=peildata,
        registers=registers,
        successors=successors,
        constrained=constrained_info,
    )


def refresh_published(result: ScenarioResult, data_dir: Path = DATA_DIR) -> None:
    """Recompute ``published``, ``peildata``, ``registers`` and ``successors`` from
    ``result.allocation``; call it after changing the allocation of a result."""
    codes = list(result.municipalities["gm_code"])
    published, peildata, registers, successors = _publish(result.allocation, result.scenario, codes, data_dir)
    result.published, result.peildata, result.registers, result.successors = published, peildata, registers, successors


def _publish(allocation: pd.DataFrame, scenario: Scenario, codes: list[str], data_dir: Path):
    """Restate the key-register amounts on each payment year's register (see allocation.restate)."""
    mergers = load_mergers(data_dir)
    path = Path(data_dir) / "herindelingen.csv"
    frames, peildata, registers, successors = [], {}, {}, {}
    for year in sorted(allocation["year"].unique()):
        year = int(year)
        date, provenance = scenario.peildatum(year)
        register = load_register(date, data_dir)
        peildata[year], registers[year] = (date, provenance), register
        in_year = allocation[allocation["year"] == year]
        wide = in_year.pivot(index="gm_code", columns="pot", values="amount_eur").reindex(codes)
        try:
            restated = restate.restate(wide, mergers, after=KEY_REGISTER_DATE, until=date)
            successors[year] = restate.successor_map(codes, mergers, after=KEY_REGISTER_DATE, until=date)
        except restate.RestatementError as exc:
            raise DataError([f"{path}: {p}" for p in exc.problems]) from None
        expected = set(register["gm_code"])
        if set(restated.index) != expected:
            extra = sorted(set(restated.index) - expected)
            missing = sorted(expected - set(restated.index))
            raise DataError(
                f"{path}: restating the {KEY_REGISTER_DATE} register to {date} gives "
                f"{len(restated)} municipalities, the register in force has {len(expected)} "
                f"(not in the register: {', '.join(extra) or 'none'}; missing: {', '.join(missing) or 'none'}); "
                "fix herindelingen.csv or register.csv"
            )
        names = register.set_index("gm_code")["gm_name"]
        for pot_id in wide.columns:
            frames.append(
                pd.DataFrame(
                    {
                        "pot": pot_id,
                        "year": year,
                        "gm_code": restated.index,
                        "gm_name": names.reindex(restated.index).to_numpy(),
                        "amount_eur": restated[pot_id].to_numpy(),
                    }
                )
            )
    pot_order = {pot_id: i for i, pot_id in enumerate(scenario.pots)}
    published = pd.concat(frames, ignore_index=True)
    published["amount_eur"] = published["amount_eur"].astype("int64")
    published["year"] = published["year"].astype("int64")
    published = published.sort_values(
        ["pot", "year", "gm_code"], key=lambda c: c.map(pot_order) if c.name == "pot" else c, kind="stable"
    ).reset_index(drop=True)
    return published, peildata, registers, successors


def used_keys(loaded: LoadedScenario) -> list[Key]:
    """The keys any pot of the scenario uses, in name order."""
    names = sorted({name for pot in loaded.scenario.pots.values() for name in pot.key.weights})
    return [loaded.keys[name] for name in names]


def to_yaml(data: Any) -> str:
    """Dump scenario data as YAML in a stable, reviewable form."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
