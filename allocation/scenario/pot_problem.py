"""Layer 3 (scenario): a pot's ``constraints:`` block (and the cross-pot caps on it) as an
engine :class:`~allocation.engine.constrained_pot.PotProblem`.

Here a constraint's words meet the data: a minimum in euros per inhabitant becomes a
bound per municipality, a province becomes a mask of its municipalities, a transition
band's reference (a scenario or a CSV) becomes amounts per year. The engine then works on
plain arrays.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from allocation.common import i18n
from allocation.common.errors import InputError
from allocation.common.i18n import _
from allocation.common.texts import quoted
from allocation.data.key_csv import normalise_code
from allocation.data.registers import DATA_DIR
from allocation.engine.bands import band_limits
from allocation.engine.constrained_pot import (
    CapRule,
    LabelledBound,
    PotProblem,
    overlapping_groups,
)
from allocation.engine.fits import AdjustableBound
from allocation.engine.groups import GroupRule
from allocation.scenario.references import (
    ReferenceAmounts,
    RunReference,
    resolve_reference,
)
from allocation.scenario.schema import AmountBound, Pot, Scenario


def is_constrained(pot_id: str, pot: Pot, scenario: Scenario) -> bool:
    """Whether a pot needs the constrained path (a constraints block or a cross-pot cap)."""
    if pot.constraints is not None:
        return True
    return any(cap.pots is None or pot_id in cap.pots for cap in scenario.cross_pot)


def amount_text(spec) -> str:
    """A bound's amount as the scenario gives it: ``€ 5.000`` or ``€ 0,205 per inwoner``."""
    if spec.eur is not None:
        return i18n.money(spec.eur)
    return _("eng_per_inhabitant", amount=i18n.money(spec.eur_per_inhabitant))


def _bound_base(spec: AmountBound, population: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """The bound per municipality for a value of 1: 1 per municipality or its population (nan: not bound)."""
    base = np.ones(len(population)) if spec.eur is not None else population.astype(float)
    return np.where(shares > 0, base, np.nan) if spec.nonzero_key_only else base


def _bound_value(spec: AmountBound) -> float:
    return float(spec.eur if spec.eur is not None else spec.eur_per_inhabitant)


def _bound_values(spec: AmountBound, population: np.ndarray, shares: np.ndarray) -> np.ndarray:
    return _bound_value(spec) * _bound_base(spec, population, shares)


def _bound_note(spec: AmountBound) -> str:
    return _("eng_nonzero_note") if spec.nonzero_key_only else ""


def _bound_label(kind: str, spec: AmountBound) -> str:
    key = "eng_minimum_of" if kind == "minimum" else "eng_maximum_of"
    return _(key, amount=amount_text(spec), note=_bound_note(spec))


def _adjustable(kind: str, spec: AmountBound, population: np.ndarray, shares: np.ndarray,
                years: list[int]) -> AdjustableBound:
    """The bound as one value the engine may vary, to say which value would fit."""
    return AdjustableBound(
        kind=kind, label=_bound_label(kind, spec), value=_bound_value(spec),
        per=_bound_base(spec, population, shares), per_inhabitant=spec.eur is None,
        years=tuple(sorted(spec.years or years)), note=_bound_note(spec),
    )


def group_members(spec, municipalities: pd.DataFrame, where: str) -> np.ndarray:
    """Boolean mask of the municipalities in a group."""
    if spec.codes is not None:
        normalised = [normalise_code(str(c)) for c in spec.codes]
        unknown = [
            str(c) for c, n in zip(spec.codes, normalised) if n is None or n not in set(municipalities["gm_code"])
        ]
        if unknown:
            raise InputError(_("pp_codes_unknown", where=where, codes=", ".join(unknown)))
        return municipalities["gm_code"].isin(normalised).to_numpy()
    for field_name, column in (
        ("province", "province_code"),
        ("veiligheidsregio", "veiligheidsregio_code"),
        ("size_class", "size_class"),
    ):
        value = getattr(spec, field_name)
        if value is None:
            continue
        if column == "province_code":
            by_name = municipalities["province_name"].str.lower() == str(value).lower()
            mask = (municipalities[column] == value) | by_name
        else:
            mask = municipalities[column] == value
        if not mask.any():
            known = ", ".join(sorted(municipalities[column].astype(str).unique()))
            raise InputError(_("pp_unknown_value", where=where, field=field_name, value=quoted(value), known=known))
        return mask.to_numpy()
    raise InputError(_("pp_no_group", where=where))


def _transition_groups(band, reference: ReferenceAmounts, reference_name: str, years: list[int]) -> list[GroupRule]:
    """The transition band for municipalities merged on the reference's register.

    A successor's predecessors together stay within the band around the successor's
    reference amount: a group limit per payment year (whole euros, rounded inwards).
    """
    limits = band_limits(band)
    groups = []
    for year in years:
        for label, mask, amount in reference.merged.get(year, []):
            low = None if limits.decrease is None else math.ceil(amount * (1 - limits.decrease) - 1e-9)
            high = None if limits.increase is None else math.floor(amount * (1 + limits.increase) + 1e-9)
            groups.append(GroupRule(
                name=_("eng_transition_group", label=label, reference=reference_name),
                mask=mask, min_eur=low, max_eur=high, years=frozenset([year]),
            ))
    return groups


def pot_problem(
    *,
    pot_id: str,
    pot: Pot,
    scenario: Scenario,
    origin: str,
    base_dir: Path,
    municipalities: pd.DataFrame,
    shares: np.ndarray,
    budgets: dict[int, int],
    run_reference: RunReference,
    chain: tuple[Path, ...] = (),
    data_dir: Path = DATA_DIR,
) -> PotProblem:
    """The engine's problem for one pot; raises :class:`InputError` naming the field."""
    codes = list(municipalities["gm_code"])
    population = municipalities["population"].to_numpy(dtype=float)
    n = len(codes)
    spec = pot.constraints
    years = sorted(budgets)
    field_path = f"{origin}: pots.{pot_id}.constraints"

    for kind, entries in (
        ("minimum", spec.minimum if spec else []),
        ("maximum", spec.maximum if spec else []),
        ("groups", spec.groups if spec else []),
    ):
        for index, entry in enumerate(entries):
            for year in entry.years or []:
                if year not in budgets:
                    raise InputError(_("pp_not_payment_year", where=f"{field_path}.{kind}.{index}.years", year=year))

    reference, reference_name = None, ""
    if spec and spec.transition is not None:
        reference, reference_name = resolve_reference(
            spec.transition.reference, pot_id, base_dir, codes, f"{field_path}.transition", run_reference, chain,
            data_dir,
        )
        if not set(reference) & set(years):
            raise InputError(_("pp_reference_years", where=field_path, reference=sorted(reference), years=years))

    groups: list[GroupRule] = []
    for index, entry in enumerate(spec.groups if spec else []):
        groups.append(GroupRule(
            name=entry.name,
            mask=group_members(entry, municipalities, f"{field_path}.groups.{index}"),
            min_eur=entry.min_eur, max_eur=entry.max_eur, min_share=entry.min_share, max_share=entry.max_share,
            years=None if entry.years is None else frozenset(entry.years),
        ))
    if reference is not None:
        groups += _transition_groups(spec.transition, reference, reference_name, years)
    for first, second, shared in overlapping_groups(groups, years):
        raise InputError(_("pp_groups_overlap", where=field_path, first=first, second=second, count=shared))

    fixed: dict[int, tuple[list[LabelledBound], list[LabelledBound]]] = {}
    for year in years:
        lowers: list[LabelledBound] = []
        uppers: list[LabelledBound] = []
        for entry in spec.minimum if spec else []:
            if entry.years is None or year in entry.years:
                lowers.append((_bound_label("minimum", entry), _bound_values(entry, population, shares)))
        for entry in spec.maximum if spec else []:
            if entry.years is None or year in entry.years:
                uppers.append((_bound_label("maximum", entry), _bound_values(entry, population, shares)))
        if reference is not None and year in reference:
            band_limits(spec.transition).bounds(reference[year], _("eng_transition_band"), reference_name, lowers,
                                                uppers)
        fixed[year] = (lowers, uppers)

    caps = []
    for index, cap in enumerate(scenario.cross_pot):
        if cap.pots is None or pot_id in cap.pots:
            limit = np.full(n, float(cap.eur)) if cap.eur is not None else cap.eur_per_inhabitant * population
            pots_text = ", ".join(cap.pots) if cap.pots else _("eng_all_pots")
            caps.append(CapRule(index, limit, _("eng_cap_label", amount=amount_text(cap), pots=pots_text)))

    return PotProblem(
        pot_id=pot_id,
        label=pot.label,
        codes=tuple(codes),
        names=tuple(municipalities["gm_name"]),
        shares=shares,
        budgets=dict(budgets),
        vast_bedrag=pot.key.vast_bedrag_eur,
        fixed_bounds=fixed,
        caps=tuple(caps),
        year_band=band_limits(spec.year_band) if spec and spec.year_band is not None else None,
        groups=tuple(groups),
        solver=scenario.solver,
        adjustable=tuple(
            _adjustable(kind, entry, population, shares, years)
            for kind, entries in (("minimum", spec.minimum if spec else []), ("maximum", spec.maximum if spec else []))
            for entry in entries
        ),
    )
