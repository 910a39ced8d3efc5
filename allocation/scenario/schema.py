"""Layer 3 (scenario): the scenario file format, as a strict pydantic model.

A scenario is a YAML file an analyst can diff and review (see docs/scenario-format.md).
Every number in it carries a ``source`` or an ``assumption`` label. Unknown fields are
errors; messages are written by :mod:`allocation.scenario.messages`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
    model_validator,
)

from allocation.common.i18n import _, number, raw
from allocation.common.texts import clipped, quoted
from allocation.data.key_csv import key_id
from allocation.data.registers import KEY_REGISTER_DATE

FIRST_YEAR, LAST_YEAR = 2021, 2026
IDENTIFIER = r"^[a-z][a-z0-9_]*$"
RESERVED_POT_IDS = {"allocation"}  # <id>-allocation.csv is the long table

#: The largest amount of euros a scenario may state anywhere (a budget, a year, a bound):
#: far above any budget of this kind, far below where floating point loses whole euros.
MAX_EUR = 10**12
#: The largest number a scenario may state where no euros are meant (a weight, a share).
MAX_NUMBER = 10**9


def _plain_number(value: Any) -> Any:
    """Refuse what YAML reads as a number but is none: true/false, NaN, infinities, and
    integers too large to mean anything here (they would lose digits as floats)."""
    if isinstance(value, bool):
        raise ValueError(_("sch_yes_no", value=str(value).lower()))
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(_("sch_finite", value=value))
    if isinstance(value, float) and abs(value) > 10 * MAX_EUR:
        raise ValueError(_("sch_at_most", limit=number(MAX_EUR), value=f"{value:g}"))
    if isinstance(value, int) and abs(value) > 10 * MAX_EUR:
        raise ValueError(_("sch_at_most_digits", limit=number(MAX_EUR), digits=len(str(abs(value)))))
    return value


def _finite(value: float) -> float:
    """After conversion (a quoted "nan" becomes NaN only then): a finite number."""
    if not math.isfinite(value):
        raise ValueError(_("sch_finite", value=value))
    return value


def _at_most(limit: int):
    def check(value: float) -> float:
        if value > limit:
            raise ValueError(_("sch_at_most", limit=number(limit), value=f"{value:g}"))
        return value
    return check


#: Whole euros, 0 to :data:`MAX_EUR`.
Euros = Annotated[int, BeforeValidator(_plain_number), Field(ge=0), AfterValidator(_at_most(MAX_EUR))]
#: An amount in euros that may have cents (a bound per municipality or per inhabitant).
Amount = Annotated[float, BeforeValidator(_plain_number), AfterValidator(_finite), Field(ge=0),
                   AfterValidator(_at_most(MAX_EUR))]
#: A weight, a share or a percentage: a finite number >= 0.
Number = Annotated[float, BeforeValidator(_plain_number), AfterValidator(_finite), Field(ge=0),
                   AfterValidator(_at_most(MAX_NUMBER))]
#: A year written as a number in a profile (euros or a share), before the profile's checks.
YearNumber = Annotated[float, BeforeValidator(_plain_number), AfterValidator(_finite),
                       AfterValidator(_at_most(MAX_EUR))]


def assumption_text(text: str) -> str:
    """``aanname: ...`` (``ASSUMPTION: ...`` in English): a statement labelled as an assumption."""
    return _("prov_assumption", text=text)


def source_text(text: str) -> str:
    """``bron: ...`` (``source: ...`` in English)."""
    return _("prov_source", text=text)


def provenance_parts(provenance: str) -> tuple[str, str]:
    """Split a provenance text as :attr:`Sourced.provenance` writes it into its kind as the
    exports write it (``aanname`` or ``bron``; ``ASSUMPTION`` or ``source`` in English) and
    the statement itself."""
    for key, kind in (("prov_assumption", "prov_kind_assumption"), ("prov_source", "prov_kind_source")):
        for lang in ("nl", "en"):
            prefix = raw(key, lang).split("{", 1)[0]
            if provenance.startswith(prefix):
                return _(kind), provenance[len(prefix):]
    return _("prov_kind_source"), provenance


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Sourced(Strict):
    """A value with its provenance: a ``source``, or an ``assumption`` saying why."""

    source: str | None = None
    assumption: str | None = None

    @model_validator(mode="after")
    def _has_provenance(self):
        if not (self.source or "").strip() and not (self.assumption or "").strip():
            raise ValueError(_("sch_provenance"))
        return self

    @property
    def kind(self) -> str:
        """``sourced`` or ``assumption``."""
        return "assumption" if (self.assumption or "").strip() else "sourced"

    @property
    def provenance(self) -> str:
        """``source: ...`` or ``ASSUMPTION: ...``."""
        if (self.assumption or "").strip():
            return assumption_text(self.assumption.strip())
        return source_text(self.source.strip())


class Budget(Sourced):
    amount_eur: Euros = Field(description="total of the pot in whole euros")


class YearValue(Sourced):
    value: Annotated[float, BeforeValidator(_plain_number), AfterValidator(_finite), Field(ge=0),
                     AfterValidator(_at_most(MAX_EUR))]


class YearProfile(Strict):
    """Payment years: whole ``euros`` per year, or ``shares`` that are normalised."""

    euros: dict[int, YearNumber | YearValue] | None = None
    shares: dict[int, YearNumber | YearValue] | None = None
    source: str | None = None
    assumption: str | None = None

    @model_validator(mode="after")
    def _one_profile(self):
        if (self.euros is None) == (self.shares is None):
            raise ValueError(_("sch_euros_or_shares"))
        profile = self.euros if self.euros is not None else self.shares
        if not profile:
            raise ValueError(_("sch_one_year"))
        block_sourced = bool((self.source or "").strip() or (self.assumption or "").strip())
        for year, value in profile.items():
            if not FIRST_YEAR <= year <= LAST_YEAR:
                raise ValueError(_("sch_year_outside", year=year, first=FIRST_YEAR, last=LAST_YEAR))
            plain = not isinstance(value, YearValue)
            if plain and value < 0:
                raise ValueError(_("sch_year_negative", year=year, value=value))
            if plain and not block_sourced:
                raise ValueError(_("sch_year_provenance", year=year))
        if self.shares is not None and not sum(self.values().values()) > 0:
            raise ValueError(_("sch_shares_sum"))
        return self

    @property
    def kind(self) -> str:
        return "euros" if self.euros is not None else "shares"

    def values(self) -> dict[int, float]:
        profile = self.euros if self.euros is not None else self.shares
        return {year: (v.value if isinstance(v, YearValue) else float(v)) for year, v in sorted(profile.items())}

    def provenance(self, year: int) -> str:
        """``source: ...`` or ``ASSUMPTION: ...`` of one payment year's value."""
        profile = self.euros if self.euros is not None else self.shares
        value = profile[year]
        if isinstance(value, YearValue):
            return value.provenance
        if (self.assumption or "").strip():
            return assumption_text(self.assumption.strip())
        return source_text(self.source.strip())

    def year_kind(self, year: int) -> str:
        """``sourced`` or ``assumption``: the kind of one payment year's provenance."""
        profile = self.euros if self.euros is not None else self.shares
        value = profile[year]
        if isinstance(value, YearValue):
            return value.kind
        return "assumption" if (self.assumption or "").strip() else "sourced"

    def kinds(self) -> tuple[str, ...]:
        """The kinds of the payment years' provenance, sorted: ``("sourced",)``,
        ``("assumption",)`` or both (the exports say them in words)."""
        return tuple(sorted({self.year_kind(year) for year in self.values()}))


class KeySpec(Sourced):
    """A weighted combination of keys, optionally after a vast bedrag per municipality."""

    weights: dict[str, Annotated[float, BeforeValidator(_plain_number), AfterValidator(_finite)]] = Field(min_length=1)
    vast_bedrag_eur: Euros = Field(default=0, description="euros per municipality per payment year")

    @field_validator("weights")
    @classmethod
    def _weights(cls, weights: dict[str, float]):
        for name, weight in weights.items():
            if not math.isfinite(weight) or weight < 0:
                raise ValueError(_("sch_weight_negative", name=clipped(name), weight=weight))
        total = math.fsum(weights.values())
        if abs(total - 1) > 1e-9:
            raise ValueError(_("sch_weights_sum", total=f"{total:g}"))
        return weights


# --- constraints (see docs/scenario-format.md) -------------------------------------------


class AmountBound(Sourced):
    """A minimum or maximum per municipality per payment year."""

    eur: Amount | None = Field(default=None, description="euros per municipality per year")
    eur_per_inhabitant: Amount | None = Field(default=None, description="euros per inhabitant per year")
    nonzero_key_only: StrictBool = False
    years: list[int] | None = None

    @model_validator(mode="after")
    def _one_amount(self):
        if (self.eur is None) == (self.eur_per_inhabitant is None):
            raise ValueError(_("sch_eur_or_per_inhabitant"))
        for year in self.years or []:
            if not FIRST_YEAR <= year <= LAST_YEAR:
                raise ValueError(_("sch_year_outside", year=year, first=FIRST_YEAR, last=LAST_YEAR))
        return self


class Reference(Strict):
    """The reference allocation of a transition band: another scenario file, or an allocation CSV."""

    scenario: str | None = None
    allocation_csv: str | None = None
    pot: str | None = None

    @model_validator(mode="after")
    def _one_reference(self):
        if (self.scenario is None) == (self.allocation_csv is None):
            raise ValueError(_("sch_reference_one"))
        return self


class Band(Sourced):
    """At most ``max_decrease_pct`` less and ``max_increase_pct`` more than a reference amount."""

    max_decrease_pct: Number | None = Field(default=None, le=100)
    max_increase_pct: Number | None = None

    @model_validator(mode="after")
    def _some_limit(self):
        if self.max_decrease_pct is None and self.max_increase_pct is None:
            raise ValueError(_("sch_band_limits"))
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
    min_eur: Euros | None = None
    max_eur: Euros | None = None
    min_share: Number | None = Field(default=None, le=1)
    max_share: Number | None = Field(default=None, le=1)
    years: list[int] | None = None

    @model_validator(mode="after")
    def _one_group_one_limit(self):
        given = [f for f in ("province", "veiligheidsregio", "size_class", "codes") if getattr(self, f) is not None]
        if len(given) != 1:
            raise ValueError(_("sch_group_one"))
        if all(getattr(self, f) is None for f in ("min_eur", "max_eur", "min_share", "max_share")):
            raise ValueError(_("sch_group_limit"))
        if self.min_eur is not None and self.min_share is not None:
            raise ValueError(_("sch_group_min_both"))
        if self.max_eur is not None and self.max_share is not None:
            raise ValueError(_("sch_group_max_both"))
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
    eur: Amount | None = None
    eur_per_inhabitant: Amount | None = None

    @model_validator(mode="after")
    def _one_amount(self):
        if (self.eur is None) == (self.eur_per_inhabitant is None):
            raise ValueError(_("sch_eur_or_per_inhabitant"))
        return self


class Pot(Strict):
    label: str
    description: str = ""
    budget: Budget
    years: YearProfile
    key: KeySpec
    constraints: PotConstraints | None = None


class UserKeySpec(Strict):
    """A key read from a key file: CSV, text, xlsx or ODS (path relative to the scenario file;
    ``sheet`` names a workbook's sheet, the first when empty)."""

    file: str
    value_column: str
    code_column: str = "gm_code"
    sheet: str = ""
    missing_as_zero: StrictBool = False
    label: str
    unit: str = ""
    source: str
    vintage: str = ""
    kind: Literal["real", "proxy", "assumption"]
    note: str = ""


class Peildatum(Sourced):
    """The reference date whose municipality register a payment year is published on."""

    date: dt.date


class Spread(Sourced):
    """The spread of a figure: each municipality's value times an independent mean-one
    log-normal factor with this relative standard deviation (0.25: 25%)."""

    relative_sd: Number = Field(le=5)


class Uncertainty(Strict):
    """How sure the key data and year profiles are, for ``sensitivity`` (docs/sensitivity.md)."""

    draws: Annotated[int, BeforeValidator(_plain_number)] = Field(default=1000, ge=1, le=100_000)
    seed: Annotated[int, BeforeValidator(_plain_number)] = Field(default=20210428, ge=0, le=2**32 - 1)
    keys: dict[str, Spread] = Field(default_factory=dict)
    year_profiles: Spread | None = None


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
    uncertainty: Uncertainty | None = None  # for `sensitivity`; no effect on the allocation itself

    @field_validator("peildata")
    @classmethod
    def _peildata(cls, value: dict[int, Peildatum]):
        for year, peildatum in value.items():
            if not FIRST_YEAR <= year <= LAST_YEAR:
                raise ValueError(_("sch_year_outside", year=year, first=FIRST_YEAR, last=LAST_YEAR))
            if peildatum.date.year != year:
                raise ValueError(_("sch_peildatum_year", year=year, date=peildatum.date))
        return value

    def peildatum(self, year: int) -> tuple[str, str]:
        """The reference date (ISO) of payment year ``year`` and its provenance."""
        if year in self.peildata:
            return self.peildata[year].date.isoformat(), self.peildata[year].provenance
        return f"{year}-01-01", _("prov_default_peildatum")

    @field_validator("key_register")
    @classmethod
    def _register(cls, value: dt.date):
        if value.isoformat() != KEY_REGISTER_DATE:
            raise ValueError(_("sch_key_register", date=KEY_REGISTER_DATE, value=value))
        return value

    @field_validator("pots", "user_keys")
    @classmethod
    def _identifiers(cls, value: dict):
        for name in value:
            if not re.match(IDENTIFIER, str(name)):
                ident = key_id(str(name)[:80])
                hint = _("sch_identifier_hint", ident=ident) if ident else ""
                raise ValueError(_("sch_identifier", name=quoted(name), hint=hint))
        return value
