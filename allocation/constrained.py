"""Layer 3: running a pot with constraints (the ``constraints:`` block of a scenario).

Turns the scenario's constraint block into per-municipality bounds for each pot-year and
allocates with the closed form of :mod:`allocation.constraints`. The rules (README,
"Constraints"):

* minimums and maximums per municipality (euros or euros per inhabitant, optionally only
  for municipalities with a non-zero key) and a transition band against a reference
  allocation are bounds per municipality: clip to the bounds and rescale, one factor per
  pot-year;
* a year band is applied in payment-year order: each year's amount stays within the band
  around the published amount of the previous payment year of the same pot;
* a group that would fall outside its limit is held at that limit; its members share the
  group's amount by clip-and-rescale, and the rest of the pot-year is rescaled (one factor
  for the group, one for the rest). Groups of one pot must not overlap;
* a cross-pot cap is charged in the scenario's pot order: a pot's room is the cap minus
  what the earlier pots in the cap already pay in that year.

Messages for infeasible settings name the pot, the year, the constraint and the euros.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

from allocation import core, lp, restate
from allocation.data import KEY_REGISTER_DATE, load_mergers, load_register, register_dates
from allocation.constraints import (
    BoundSet,
    allocate_bounded,
    check_feasible,
    combine_bounds,
    integer_bounds,
)
from allocation.errors import InfeasibleError, InputError, euro

REPORT_COLUMNS = ["pot", "year", "gm_code", "gm_name", "constraint", "key_amount_eur", "amount_eur", "effect_eur"]


@dataclass
class ConstrainedPot:
    """What the constraints did to one pot: the bound report and the scaling factor per year."""

    report: pd.DataFrame
    scales: dict[int, float] = field(default_factory=dict)
    key_amounts: np.ndarray | None = None  # whole euros by the pure key, shape (n, years)


def _money(value: float) -> str:
    return euro(value) if float(value).is_integer() else f"EUR {value:,.2f}"


def _pct(value: float) -> str:
    return f"{value:g}%"


def _bound_values(spec, population: np.ndarray, shares: np.ndarray) -> np.ndarray:
    if spec.eur is not None:
        values = np.full(len(population), float(spec.eur))
    else:
        values = spec.eur_per_inhabitant * population.astype(float)
    if spec.nonzero_key_only:
        values = np.where(shares > 0, values, np.nan)
    return values


def _bound_label(kind: str, spec) -> str:
    amount = _money(spec.eur) if spec.eur is not None else f"{_money(spec.eur_per_inhabitant)} per inhabitant"
    suffix = " (municipalities with a non-zero key)" if spec.nonzero_key_only else ""
    return f"a {kind} of {amount}{suffix}"


# --- reference allocations for the transition band --------------------------------------


@dataclass
class ReferenceAmounts:
    """Reference amounts of one pot per payment year, on the 2021 key register.

    ``amounts[year]`` has one value per 2021 municipality, ``nan`` where the reference is
    on a later register and the municipality has merged: ``merged[year]`` then lists, per
    successor, ``(successor code and name, mask of its 2021 predecessors, amount)``, and the
    transition band holds for the predecessors together (the merger table restates the new
    allocation onto the reference's register: a merged municipality is the sum of its
    predecessors).
    """

    amounts: dict[int, np.ndarray]
    merged: dict[int, list[tuple[str, np.ndarray, float]]] = field(default_factory=dict)

    def __contains__(self, year: int) -> bool:
        return year in self.amounts

    def __getitem__(self, year: int) -> np.ndarray:
        return self.amounts[year]

    def __iter__(self):
        return iter(self.amounts)


def read_reference_csv(path: Path, pot: str, codes: list[str], where: str) -> ReferenceAmounts:
    """Amounts per year of ``pot`` from a long allocation CSV (the format ``run`` writes)."""
    if not path.is_file():
        raise InputError(f"{where}: reference file {path} not found")
    try:
        frame = pd.read_csv(path, dtype={"gm_code": str, "pot": str})
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{where}: {path} cannot be read as an allocation CSV ({exc})") from None
    missing = [c for c in ("pot", "year", "gm_code", "amount_eur") if c not in frame.columns]
    if missing:
        raise InputError(
            f"{where}: {path} lacks column(s) {', '.join(missing)}; use the long format that `run` writes "
            "(pot,year,gm_code,gm_name,amount_eur)"
        )
    return _reference_amounts(frame, pot, codes, where, str(path))


def _reference_register(year_codes: set[str], codes: list[str]) -> str | None:
    """The register date whose municipalities are exactly ``year_codes`` (the key register first)."""
    if year_codes == set(codes):
        return KEY_REGISTER_DATE
    for date in register_dates():
        if set(load_register(date)["gm_code"]) == year_codes:
            return date
    return None


def _reference_amounts(frame: pd.DataFrame, pot: str, codes: list[str], where: str, origin: str) -> ReferenceAmounts:
    rows = frame[frame["pot"] == pot]
    if rows.empty:
        pots = ", ".join(sorted(frame["pot"].astype(str).unique()))
        raise InputError(f"{where}: {origin} has no pot {pot!r}; it has: {pots}. Set `reference.pot:`")
    index_of = {code: i for i, code in enumerate(codes)}
    reference = ReferenceAmounts(amounts={})
    for year, part in rows.groupby("year"):
        amounts = part.set_index("gm_code")["amount_eur"]
        if amounts.index.duplicated().any():
            raise InputError(f"{where}: {origin}: pot {pot} year {year} lists a municipality more than once")
        values = pd.to_numeric(amounts, errors="coerce")
        if values.isna().any() or (values < 0).any():
            raise InputError(f"{where}: {origin}: pot {pot} year {year}: amount_eur must be numbers >= 0")
        register = _reference_register(set(amounts.index), codes)
        if register is None:
            foreign = sorted(set(amounts.index) - set(codes))
            absent = sorted(set(codes) - set(amounts.index))
            detail = []
            if foreign:
                detail.append(f"codes {', '.join(foreign[:5])}{' ...' if len(foreign) > 5 else ''} are not 2021 municipalities")
            if absent:
                detail.append(f"{len(absent)} municipalities of the 2021 register are missing ({', '.join(absent[:5])}{' ...' if len(absent) > 5 else ''})")
            raise InputError(
                f"{where}: {origin}: pot {pot} year {year} matches no municipality register ({'; '.join(detail)}); "
                "give one row per municipality of one register (the 2021 register or a payment-year register)"
            )
        per_code = np.full(len(codes), np.nan)
        merged = []
        if register == KEY_REGISTER_DATE:
            per_code[:] = values.reindex(codes).to_numpy(dtype=float)
        else:
            mapping = restate.successor_map(codes, load_mergers(), after=KEY_REGISTER_DATE, until=register)
            split = mapping[mapping["share"] != "1"]
            if not split.empty:
                raise InputError(
                    f"{where}: {origin}: pot {pot} year {year} is on the {register} register, after a split of "
                    f"{', '.join(sorted(set(split['predecessor'])))}; give the reference on the 2021 register"
                )
            changed = set(mapping["predecessor"])
            for code in codes:
                if code not in changed:
                    per_code[index_of[code]] = float(values[code])
            names = part.set_index("gm_code")["gm_name"] if "gm_name" in part.columns else {}
            for successor, group in mapping.groupby("successor", sort=True):
                mask = np.zeros(len(codes), bool)
                mask[[index_of[c] for c in group["predecessor"]]] = True
                label = f"{successor} {names.get(successor, '')}".strip()
                merged.append((label, mask, float(values[successor])))
            reference.merged[int(year)] = merged
        reference.amounts[int(year)] = per_code
    return reference


_RESOLVING: set[Path] = set()  # scenario files whose references are being resolved (cycle guard)


def load_reference(spec, pot_id: str, loaded, codes: list[str], where: str) -> tuple[ReferenceAmounts, str]:
    """Reference amounts per year for a transition band, and a short name for messages."""
    reference = spec.reference
    pot = reference.pot or pot_id
    base_dir = loaded.base_dir or (Path(loaded.origin).parent if loaded.origin else Path.cwd())
    if reference.allocation_csv is not None:
        path = Path(reference.allocation_csv)
        path = path if path.is_absolute() else base_dir / path
        return read_reference_csv(path, pot, codes, where), path.stem
    from allocation.scenario import load_scenario, run_scenario  # same layer; avoids an import cycle

    path = Path(reference.scenario)
    path = path if path.is_absolute() else base_dir / path
    me = Path(loaded.origin).resolve()
    if path.resolve() == me or path.resolve() in _RESOLVING:
        raise InputError(f"{where}: the reference scenario {path} refers back to this scenario; use another one or a CSV")
    added = me not in _RESOLVING
    _RESOLVING.add(me)
    try:
        other = run_scenario(load_scenario(path))
    except InputError as exc:
        raise InputError([f"{where}: reference scenario: {p}" for p in exc.problems]) from None
    finally:
        if added:
            _RESOLVING.discard(me)
    return _reference_amounts(other.allocation, pot, codes, where, str(path)), path.stem


# --- groups ------------------------------------------------------------------------------


def group_members(spec, municipalities: pd.DataFrame, where: str) -> np.ndarray:
    """Boolean mask of the municipalities in a group."""
    if spec.codes is not None:
        from allocation.keys import normalise_code

        normalised = [normalise_code(str(c)) for c in spec.codes]
        unknown = [str(c) for c, n in zip(spec.codes, normalised) if n is None or n not in set(municipalities["gm_code"])]
        if unknown:
            raise InputError(f"{where}.codes: not municipalities of the 2021 register: {', '.join(unknown)}")
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
            raise InputError(f"{where}.{field_name}: unknown {field_name} {value!r}; available: {known}")
        return mask.to_numpy()
    raise InputError(f"{where}: no group given")


@dataclass
class _Group:
    name: str
    mask: np.ndarray
    lower: int  # whole euros (0: none)
    upper: float  # whole euros or inf
    lower_text: str
    upper_text: str


def _groups_for_year(groups: list[tuple[object, np.ndarray]], year: int, budget: int) -> list[_Group]:
    result = []
    for spec, mask in groups:
        if spec.years is not None and year not in spec.years:
            continue
        lower, upper, lower_text, upper_text = 0, math.inf, "", ""
        if spec.min_eur is not None:
            lower, lower_text = spec.min_eur, f"at least {euro(spec.min_eur)}"
        if spec.min_share is not None:
            lower = math.ceil(spec.min_share * budget - 1e-9)
            lower_text = f"at least {spec.min_share:.2%} of the pot ({euro(lower)})"
        if spec.max_eur is not None:
            upper, upper_text = spec.max_eur, f"at most {euro(spec.max_eur)}"
        if spec.max_share is not None:
            upper = math.floor(spec.max_share * budget + 1e-9)
            upper_text = f"at most {spec.max_share:.2%} of the pot ({euro(upper)})"
        result.append(_Group(spec.name, mask, lower, upper, lower_text, upper_text))
    _round_share_minimums(result, [spec for spec, _ in groups if spec.years is None or year in spec.years], budget)
    return result


def _round_share_minimums(result: list[_Group], specs: list, budget: int) -> None:
    """Share minimums rounded up to whole euros may add up to more than the pot-year
    (e.g. every province at least its population share). Then they are rounded by largest
    remainder instead (ties: group name), so that together they fit the budget; a group may
    get up to one euro less than its exact share."""
    share_groups = [(g, spec) for g, spec in zip(result, specs) if spec.min_share is not None]
    if not share_groups or sum(g.lower for g, _ in share_groups) <= budget:
        return
    exact = np.array([spec.min_share * budget for _, spec in share_groups])
    if math.fsum(exact) > budget + 1e-6:
        return  # the shares themselves ask for more than the pot: reported as infeasible
    total = min(budget, math.ceil(math.fsum(exact) - 1e-6))
    rounded = core.largest_remainder(exact * (total / math.fsum(exact)), total, [g.name for g, _ in share_groups])
    for (g, spec), amount in zip(share_groups, rounded):
        g.lower = int(amount)
        g.lower_text = f"at least {spec.min_share:.2%} of the pot ({euro(g.lower)}, shares rounded by largest remainder)"


def _subset(bounds: BoundSet, mask: np.ndarray) -> BoundSet:
    return BoundSet(bounds.lower[mask], bounds.upper[mask], bounds.lower_label[mask], bounds.upper_label[mask])


def _allocate_with_groups(codes, names, offset, weight, bounds, budget, groups: list[_Group], where: str):
    """Clip-and-rescale with disjoint group limits (active set over the groups).

    Returns (exact, amounts, scale of the rest, on_lower, on_upper, group label per
    municipality) or raises InfeasibleError.
    """
    n = len(codes)
    codes_arr = np.asarray(codes, dtype=object)
    names_arr = np.asarray(names, dtype=object)
    problems = []
    for g in groups:
        members = g.mask
        room_low = float(bounds.lower[members].sum())
        room_high = float(bounds.upper[members].sum())
        if g.lower > room_high:
            problems.append(
                f"{where}: group {g.name} must get {g.lower_text}, but the maximums of its {int(members.sum())} "
                f"municipalities allow {euro(room_high)} (short {euro(g.lower - room_high)})"
            )
        if g.upper < room_low:
            problems.append(
                f"{where}: group {g.name} may get {g.upper_text}, but the minimums of its {int(members.sum())} "
                f"municipalities need {euro(room_low)} (over by {euro(room_low - g.upper)})"
            )
        if g.lower > g.upper:
            problems.append(f"{where}: group {g.name}: {g.lower_text} is above {g.upper_text}")
    outside = ~np.any([g.mask for g in groups], axis=0) if groups else np.ones(n, bool)
    needed = sum(max(g.lower, float(bounds.lower[g.mask].sum())) for g in groups) + float(bounds.lower[outside].sum())
    if needed > budget:
        parts = ", ".join(f"{g.name} {euro(g.lower)}" for g in groups if g.lower)
        problems.append(
            f"{where}: the group minimums ({parts}) and the other municipalities' minimums need {euro(needed)}; "
            f"the budget is {euro(budget)} (short {euro(needed - budget)})"
        )
    allowed = sum(min(g.upper, float(bounds.upper[g.mask].sum())) for g in groups) + float(bounds.upper[outside].sum())
    if allowed < budget:
        parts = ", ".join(f"{g.name} {euro(g.upper)}" for g in groups if math.isfinite(g.upper))
        problems.append(
            f"{where}: the group maximums ({parts}) and the other municipalities' maximums allow at most "
            f"{euro(allowed)}; the budget is {euro(budget)} ({euro(budget - allowed)} cannot be paid out)"
        )
    if problems:
        raise InfeasibleError(problems)

    held: dict[int, int] = {}  # group index -> amount it is held at
    for _ in range(4 * len(groups) + 4):
        free_mask = np.ones(n, bool)
        for index in held:
            free_mask &= ~groups[index].mask
        rest_budget = budget - sum(held.values())
        sub = _subset(bounds, free_mask)
        feasibility = check_feasible(
            list(codes_arr[free_mask]), list(names_arr[free_mask]), offset[free_mask], weight[free_mask], sub,
            rest_budget, f"{where} (outside the groups held at their limit)",
        )
        if feasibility:
            raise InfeasibleError(feasibility)
        rest = allocate_bounded(list(codes_arr[free_mask]), offset[free_mask], weight[free_mask], sub, rest_budget)
        mu = rest.scale
        changed = False
        # release held groups whose limit no longer binds at the rest's factor
        for index in list(held):
            g = groups[index]
            free_total = float(np.clip(offset[g.mask] + mu * weight[g.mask], bounds.lower[g.mask], bounds.upper[g.mask]).sum())
            if g.lower <= free_total <= g.upper:
                del held[index]
                changed = True
        # hold groups that fall outside their limits
        exact_rest = np.zeros(n)
        exact_rest[free_mask] = rest.exact
        for index, g in enumerate(groups):
            if index in held:
                continue
            total = float(exact_rest[g.mask].sum())
            if total < g.lower - 1e-6:
                held[index] = g.lower
                changed = True
            elif total > g.upper + 1e-6:
                held[index] = int(g.upper)
                changed = True
        if not changed:
            break
    else:  # pragma: no cover - the active set settles within a few rounds
        raise InfeasibleError([f"{where}: the group limits could not be settled; check them for conflicts"])

    exact = np.zeros(n)
    amounts = np.zeros(n, dtype=np.int64)
    on_lower = np.zeros(n, bool)
    on_upper = np.zeros(n, bool)
    group_label = np.full(n, "", dtype=object)
    exact[free_mask] = rest.exact
    amounts[free_mask] = rest.amounts
    on_lower[free_mask] = rest.on_lower
    on_upper[free_mask] = rest.on_upper
    for index, amount in held.items():
        g = groups[index]
        sub = _subset(bounds, g.mask)
        text = g.lower_text if amount == g.lower else g.upper_text
        feasibility = check_feasible(
            list(codes_arr[g.mask]), list(names_arr[g.mask]), offset[g.mask], weight[g.mask], sub, amount,
            f"{where} (group {g.name}, {text})",
        )
        if feasibility:
            raise InfeasibleError(feasibility)
        part = allocate_bounded(list(codes_arr[g.mask]), offset[g.mask], weight[g.mask], sub, amount)
        exact[g.mask] = part.exact
        amounts[g.mask] = part.amounts
        on_lower[g.mask] = part.on_lower
        on_upper[g.mask] = part.on_upper
        group_label[g.mask] = f"group {g.name}: {text}"
    return exact, amounts, mu, on_lower, on_upper, group_label


def _band_bounds(band, base: np.ndarray, what: str, against: str, lowers: list, uppers: list) -> None:
    """Add a band's bounds around ``base`` (at most x% less, at most y% more) to the lists."""
    if band.max_decrease_pct is not None:
        lowers.append((f"{what} (at most {_pct(band.max_decrease_pct)} less than {against})",
                       base * (1 - band.max_decrease_pct / 100)))
    if band.max_increase_pct is not None:
        uppers.append((f"{what} (at most {_pct(band.max_increase_pct)} more than {against})",
                       base * (1 + band.max_increase_pct / 100)))


def _static_bounds(spec, year, population, shares, reference, reference_name, caps, cross_pot_used, n):
    """The bounds of one pot-year that do not depend on other years: (lowers, uppers)."""
    lowers: list[tuple[str, np.ndarray]] = []
    uppers: list[tuple[str, np.ndarray]] = []
    for entry in spec.minimum if spec else []:
        if entry.years is None or year in entry.years:
            lowers.append((_bound_label("minimum", entry), _bound_values(entry, population, shares)))
    for entry in spec.maximum if spec else []:
        if entry.years is None or year in entry.years:
            uppers.append((_bound_label("maximum", entry), _bound_values(entry, population, shares)))
    if reference is not None and year in reference:
        _band_bounds(spec.transition, reference[year], "the transition band", reference_name, lowers, uppers)
    for index, cap in caps:
        limit = np.full(n, float(cap.eur)) if cap.eur is not None else cap.eur_per_inhabitant * population
        used = cross_pot_used.setdefault(index, {}).get(year, np.zeros(n))
        amount_text = _money(cap.eur) if cap.eur is not None else f"{_money(cap.eur_per_inhabitant)} per inhabitant"
        pots_text = ", ".join(cap.pots) if cap.pots else "all pots"
        uppers.append(
            (f"the cross-pot maximum of {amount_text} ({pots_text}; earlier pots first)",
             np.maximum(np.floor(limit + 1e-9) - used, 0.0))
        )
    return lowers, uppers


def _transition_groups(band, reference: ReferenceAmounts, reference_name: str, years: list[int]) -> list[tuple[object, np.ndarray]]:
    """The transition band for municipalities merged on the reference's register.

    A successor's predecessors together stay within the band around the successor's
    reference amount: a group limit per payment year (whole euros, rounded inwards).
    """
    groups = []
    for year in years:
        for label, mask, amount in reference.merged.get(year, []):
            low = None if band.max_decrease_pct is None else math.ceil(amount * (1 - band.max_decrease_pct / 100) - 1e-9)
            high = None if band.max_increase_pct is None else math.floor(amount * (1 + band.max_increase_pct / 100) + 1e-9)
            spec = SimpleNamespace(
                name=f"{label} (transition band against {reference_name}, predecessors together)",
                years=[year], min_eur=low, max_eur=high, min_share=None, max_share=None,
            )
            groups.append((spec, mask))
    return groups


# --- one pot -----------------------------------------------------------------------------


def allocate_constrained_pot(
    *,
    pot_id: str,
    pot,
    loaded,
    municipalities: pd.DataFrame,
    shares: np.ndarray,
    budgets: dict[int, int],
    cross_pot_used: dict[int, dict[int, np.ndarray]],
) -> tuple[core.PotAllocation, ConstrainedPot]:
    """Allocate a pot with a ``constraints:`` block (or under a cross-pot cap).

    ``cross_pot_used[c][year]`` holds what earlier pots already pay under cross-pot cap
    ``c``; it is updated with this pot's amounts. Raises InputError/InfeasibleError.
    """
    origin = loaded.origin
    codes = list(municipalities["gm_code"])
    names = list(municipalities["gm_name"])
    population = municipalities["population"].to_numpy(dtype=float)
    n = len(codes)
    spec = pot.constraints
    years = sorted(budgets)
    vast = pot.key.vast_bedrag_eur
    label = pot.label
    field_path = f"{origin}: pots.{pot_id}.constraints"

    key_pot = core.allocate_pot(codes, shares, budgets, vast, label=label)  # raises on an unpayable vast bedrag

    for kind, entries in (
        ("minimum", spec.minimum if spec else []),
        ("maximum", spec.maximum if spec else []),
        ("groups", spec.groups if spec else []),
    ):
        for index, entry in enumerate(entries):
            for year in entry.years or []:
                if year not in budgets:
                    raise InputError(f"{field_path}.{kind}.{index}.years: {year} is not a payment year of this pot")

    reference, reference_name = None, ""
    if spec and spec.transition is not None:
        reference, reference_name = load_reference(spec.transition, pot_id, loaded, codes, f"{field_path}.transition")
        if not set(reference) & set(years):
            raise InputError(
                f"{field_path}.transition: the reference has no payment year of this pot "
                f"(reference years {sorted(reference)}, pot years {years})"
            )

    groups = []
    for index, entry in enumerate(spec.groups if spec else []):
        groups.append((entry, group_members(entry, municipalities, f"{field_path}.groups.{index}")))
    if reference is not None:
        groups += _transition_groups(spec.transition, reference, reference_name, years)
    for i in range(len(groups)):
        for j in range(i + 1, len(groups)):
            overlap = groups[i][1] & groups[j][1]
            years_i = set(groups[i][0].years or years)
            if overlap.any() and years_i & set(groups[j][0].years or years):
                raise InputError(
                    f"{field_path}.groups: groups {groups[i][0].name} and {groups[j][0].name} share "
                    f"{int(overlap.sum())} municipalities; groups of one pot must not overlap"
                )

    caps = [
        (index, cap)
        for index, cap in enumerate(loaded.scenario.cross_pot)
        if cap.pots is None or pot_id in cap.pots
    ]

    static = [_static_bounds(spec, year, population, shares, reference, reference_name, caps, cross_pot_used, n)
              for year in years]
    exact = np.zeros((n, len(years)))
    amounts = np.zeros((n, len(years)), dtype=np.int64)
    rows = []
    scales = {}
    problems: list[str] = []
    for column, year in enumerate(years):
        budget = budgets[year]
        where = f"{label} {year}"
        lowers, uppers = list(static[column][0]), list(static[column][1])
        if spec and spec.year_band is not None and column > 0:
            previous = amounts[:, column - 1].astype(float)
            _band_bounds(spec.year_band, previous, "the year band", str(years[column - 1]), lowers, uppers)
        bounds = combine_bounds(n, lowers, uppers)
        offset = np.full(n, float(vast))
        weight = shares * (budget - vast * n)
        year_groups = _groups_for_year(groups, year, budget)
        group_label = np.full(n, "", dtype=object)
        try:
            if year_groups:
                result = _allocate_with_groups(codes, names, offset, weight, bounds, budget, year_groups, where)
                year_exact, year_amounts, mu, on_lower, on_upper, group_label = result
            else:
                found = check_feasible(codes, names, offset, weight, bounds, budget, where)
                if found:
                    raise InfeasibleError(found)
                solved = allocate_bounded(codes, offset, weight, bounds, budget)
                year_exact, year_amounts, mu = solved.exact, solved.amounts, solved.scale
                on_lower, on_upper = solved.on_lower, solved.on_upper
        except InfeasibleError as exc:
            problems += exc.problems
            if spec and spec.year_band is not None:
                problems += _joint_explanation(pot, years, budgets, static, groups, codes, n, loaded.scenario.solver)
            break  # later years depend on this one (year band)
        exact[:, column] = year_exact
        amounts[:, column] = year_amounts
        scales[year] = mu
        key_amounts = key_pot.amounts[:, column]
        for i in np.flatnonzero(on_lower | on_upper | (group_label != "")):
            if on_lower[i]:
                constraint = bounds.lower_label[i]
            elif on_upper[i]:
                constraint = bounds.upper_label[i]
            else:
                constraint = group_label[i]
            rows.append(
                (pot_id, year, codes[i], names[i], str(constraint), int(key_amounts[i]), int(year_amounts[i]),
                 int(year_amounts[i] - key_amounts[i]))
            )
    if problems:
        raise InfeasibleError(problems)
    for index, _cap in caps:
        for column, year in enumerate(years):
            cross_pot_used[index][year] = cross_pot_used[index].get(year, np.zeros(n)) + amounts[:, column]
    allocation = core.PotAllocation(
        codes=tuple(codes),
        years=tuple(years),
        shares=shares,
        budgets=tuple(budgets[y] for y in years),
        vast_bedrag=vast,
        ideal=exact,
        amounts=amounts,
    )
    report = pd.DataFrame(rows, columns=REPORT_COLUMNS)
    report = report.sort_values(["year", "gm_code"], kind="stable").reset_index(drop=True)
    return allocation, ConstrainedPot(report=report, scales=scales, key_amounts=key_pot.amounts)


def _joint_explanation(pot, years, budgets, static, groups, codes, n, solver) -> list[str]:
    """The joint LP over all years: can the constraints hold together, and if not, by how many euros?"""
    lower = np.zeros((n, len(years)))
    upper = np.full((n, len(years)), np.inf)
    for column in range(len(years)):
        bounds = combine_bounds(n, *static[column])
        lower[:, column], upper[:, column] = bounds.lower, bounds.upper
    band = pot.constraints.year_band
    joint_groups = []
    for entry, mask in groups:
        limits = {}
        for year in years:
            for g in _groups_for_year([(entry, mask)], year, budgets[year]):
                limits[year] = (g.lower, g.upper)
        joint_groups.append(lp.JointGroup(entry.name, mask, limits))
    problem = lp.JointProblem(
        codes=tuple(codes),
        years=tuple(years),
        budgets=tuple(budgets[y] for y in years),
        lower=lower,
        upper=upper,
        band_decrease=None if band.max_decrease_pct is None else band.max_decrease_pct / 100,
        band_increase=None if band.max_increase_pct is None else band.max_increase_pct / 100,
        groups=tuple(joint_groups),
    )
    what = "the year band and the other constraints"
    return lp.explain(pot.label, lp.diagnose(problem, solver), what)


def is_constrained(pot_id: str, pot, scenario) -> bool:
    """Whether a pot needs the constrained path (a constraints block or a cross-pot cap)."""
    if pot.constraints is not None:
        return True
    return any(cap.pots is None or pot_id in cap.pots for cap in scenario.cross_pot)


def _band_text(band) -> str:
    parts = []
    if band.max_decrease_pct is not None:
        parts.append(f"at most {_pct(band.max_decrease_pct)} less")
    if band.max_increase_pct is not None:
        parts.append(f"at most {_pct(band.max_increase_pct)} more")
    return ", ".join(parts)


def describe_constraints(pot_id: str, pot, scenario) -> list[tuple[str, str, object]]:
    """Every constraint on a pot in words: (item, value, the constraint with its provenance).

    Used by the exports and the app so that each constraint is listed with its source or
    assumption next to the amounts it shaped.
    """
    lines: list[tuple[str, str, object]] = []
    spec = pot.constraints
    if spec is not None:
        for kind, entries in (("minimum", spec.minimum), ("maximum", spec.maximum)):
            for entry in entries:
                amount = _money(entry.eur) if entry.eur is not None else f"{_money(entry.eur_per_inhabitant)} per inhabitant"
                scope = " (municipalities with a non-zero key)" if entry.nonzero_key_only else ""
                years = f" in {', '.join(map(str, entry.years))}" if entry.years else ""
                lines.append((f"{kind} per municipality", f"{amount}{scope}{years}", entry))
        if spec.transition is not None:
            band = spec.transition
            ref = band.reference.scenario or band.reference.allocation_csv
            limits = _band_text(band)
            pot_text = f" (pot {band.reference.pot})" if band.reference.pot else ""
            lines.append(("transition band (ingroeiregeling)", f"{limits} than {ref}{pot_text}", band))
        if spec.year_band is not None:
            lines.append(("year band", f"{_band_text(spec.year_band)} than the previous payment year", spec.year_band))
        for group in spec.groups:
            members = next(
                f"{field_name} {value}"
                for field_name in ("province", "veiligheidsregio", "size_class", "codes")
                if (value := getattr(group, field_name)) is not None
            )
            limits = []
            if group.min_eur is not None:
                limits.append(f"at least {euro(group.min_eur)}")
            if group.min_share is not None:
                limits.append(f"at least {group.min_share:.2%} of the pot")
            if group.max_eur is not None:
                limits.append(f"at most {euro(group.max_eur)}")
            if group.max_share is not None:
                limits.append(f"at most {group.max_share:.2%} of the pot")
            years = f" in {', '.join(map(str, group.years))}" if group.years else ""
            lines.append((f"group {group.name}", f"{members}: {', '.join(limits)}{years}", group))
    for cap in scenario.cross_pot:
        if cap.pots is None or pot_id in cap.pots:
            amount = _money(cap.eur) if cap.eur is not None else f"{_money(cap.eur_per_inhabitant)} per inhabitant"
            pots = ", ".join(cap.pots) if cap.pots else "all pots"
            lines.append(("cross-pot maximum", f"{amount} per municipality per year for {pots} together", cap))
    return lines
