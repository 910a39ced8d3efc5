"""Layer 3: running a pot with constraints (the ``constraints:`` block of a scenario).

Turns the scenario's constraint block into per-municipality bounds for each pot-year and
allocates with the closed form of :mod:`allocation.constraints`. The rules (README,
"Constraints"):

* minimums and maximums per municipality (euros or euros per inhabitant, optionally only
  for municipalities with a non-zero key) and a transition band against a reference
  allocation are bounds per municipality: clip to the bounds and rescale, one factor per
  pot-year;
* a year band is applied in payment-year order: each year's amount stays within the band
  around the published amount of the previous payment year of the same pot. When that
  fails in some year but the constraints can hold jointly over all payment years, the pot
  is allocated jointly instead (:func:`allocation.lp.allocate_joint`: the least sum of
  relative deviations from the key), then rounded year by year within that year's bounds;
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
    clip_and_rescale,
    combine_bounds,
    integer_bounds,
    round_within_bounds,
)
from allocation.errors import InfeasibleError, InputError, euro

REPORT_COLUMNS = ["pot", "year", "gm_code", "gm_name", "constraint", "key_amount_eur", "amount_eur", "effect_eur"]


@dataclass
class ConstrainedPot:
    """What the constraints did to one pot: the bound report and the scaling factor per year.

    ``scales[year]`` is the factor on the key for the municipalities no constraint holds.
    When the pot was allocated jointly over all payment years (``joint`` true, because the
    year band could not hold year by year) there is no such single factor: ``scales`` then
    holds ``nan`` for every year, and ``solver`` names the solver used (e.g. "PuLP + HiGHS").
    """

    report: pd.DataFrame
    scales: dict[int, float] = field(default_factory=dict)
    key_amounts: np.ndarray | None = None  # whole euros by the pure key, shape (n, years)
    joint: bool = False
    solver: str = ""

#: Added to every bound-report label of a pot that was allocated jointly.
JOINT_NOTE = "pot allocated jointly over all payment years"

#: Bound-report label for a municipality of a jointly allocated pot that sits on no bound of
#: its own in that year but is moved off its key to let the constraints hold in other years.
JOINT_MOVED = "the year band in other years (moved off the key by the joint allocation)"

#: LP amounts within this many euros of a bound count as sitting on it (solver tolerance).
JOINT_TOLERANCE = 1e-3


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
    solver_name = ""
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
            if spec and spec.year_band is not None:
                problem = _joint_problem(pot, years, budgets, static, groups, codes, n)
                joint = None
                if column > 0:  # the year band took part: try the pot jointly over all years
                    joint = _allocate_jointly(
                        pot_id, pot, problem, years, budgets, static, groups, codes, names, shares, vast,
                        key_pot.amounts, loaded.scenario.solver,
                    )
                if joint is not None:
                    exact, amounts, rows, scales, solver_name = joint
                    break
                problems += exc.problems
                what = "the year band and the other constraints"
                problems += lp.explain(pot.label, lp.diagnose(problem, loaded.scenario.solver), what)
            else:
                problems += exc.problems
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
    return allocation, ConstrainedPot(
        report=report, scales=scales, key_amounts=key_pot.amounts, joint=bool(solver_name), solver=solver_name
    )


def _joint_problem(pot, years, budgets, static, groups, codes, n) -> lp.JointProblem:
    """The pot over all payment years as one LP: static bounds, the year band and the groups."""
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
    return problem


def _solver_name(solver: str, n_cells: int) -> str:
    if solver == "cbc":
        return "PuLP + CBC"
    return "HiGHS (built directly)" if n_cells > 20_000 else "PuLP + HiGHS"


def _allocate_jointly(pot_id, pot, problem, years, budgets, static, groups, codes, names, shares, vast,
                      key_amounts, solver):
    """Allocate the pot over all payment years at once (the year band could not hold year by year).

    Returns ``(exact, amounts, report rows, scales, solver name)``, or None when the joint LP
    has no solution (the caller then explains the conflict in euros). Raises InfeasibleError
    when whole-euro rounding cannot keep every bound (the LP solution only holds in cents).
    """
    n, label = len(codes), pot.label
    target = np.column_stack([np.full(n, float(vast)) + shares * (budgets[y] - vast * n) for y in years])
    solution = lp.allocate_joint(problem, target, solver)
    if solution.status != "Optimal" or solution.amounts is None:
        return None
    solver_name = _solver_name(solver, n * len(years))
    band = pot.constraints.year_band
    solved = solution.amounts
    exact = np.zeros((n, len(years)))
    amounts = np.zeros((n, len(years)), dtype=np.int64)
    rows = []
    ahead = _bounds_ahead(band, years, static, n)
    for column, year in enumerate(years):
        budget = budgets[year]
        where = f"{label} {year} (allocated jointly over all payment years, {solver_name})"
        lowers, uppers = list(static[column][0]), list(static[column][1])
        if column > 0:
            _band_bounds(band, amounts[:, column - 1].astype(float), "the year band", str(years[column - 1]),
                         lowers, uppers)
        lowers.append(ahead[column][0])
        uppers.append(ahead[column][1])
        bounds = combine_bounds(n, lowers, uppers)
        offset = np.full(n, float(vast))
        weight = shares * (budget - vast * n)
        found = check_feasible(codes, names, offset, weight, bounds, budget, where)
        if found:
            raise InfeasibleError(found + [
                f"{label}: the joint solution does not survive rounding to whole euros in {year}; "
                "widen the year band by a little"
            ])
        exact[:, column] = np.clip(solved[:, column], bounds.lower, bounds.upper)
        year_groups = _groups_for_year(groups, year, budget)
        try:
            amounts[:, column] = _round_with_groups(exact[:, column], bounds, budget, codes, year_groups)
        except ValueError:
            raise InfeasibleError([
                f"{where}: the amounts cannot be rounded to whole euros within the bounds, the group limits "
                f"and the budget of {euro(budget)}; widen the year band or the group limits by a little"
            ]) from None
        rows += _joint_report_rows(pot_id, year, column, years, codes, names, solved, target, static, groups,
                                   budget, band, key_amounts, amounts)
    scales = {year: math.nan for year in years}
    return exact, amounts, rows, scales, solver_name


def _bounds_ahead(band, years, static, n) -> list[tuple[tuple[str, np.ndarray], tuple[str, np.ndarray]]]:
    """Per year, the whole-euro bounds that later years' bounds impose through the year band.

    A minimum of EUR L in a later year needs at least ``ceil(L / (1 + b))`` the year before
    (a maximum U at most ``floor(U / (1 - a))``), and so on back to the first year. Rounding
    year by year within these keeps a whole-euro path open to every later year's bounds:
    with the previous year's amount r within them, ``floor((1 + b) r)`` still reaches L.
    """
    high = None if band.max_increase_pct is None else 1 + band.max_increase_pct / 100
    low = None if band.max_decrease_pct is None else 1 - band.max_decrease_pct / 100
    result = []
    need_low, need_high = np.zeros(n), np.full(n, np.inf)
    for column in range(len(years) - 1, -1, -1):
        bounds = combine_bounds(n, *static[column])
        need_low = np.maximum(bounds.lower, need_low)
        need_high = np.minimum(bounds.upper, need_high)
        text = f"the year band with a later year's {{}} (at most {_band_text(band)} per year)"
        result.append((  # nan: no bound (combine_bounds would read inf as the largest float)
            (text.format("minimum"), np.where(need_low > 0, need_low, np.nan)),
            (text.format("maximum"), np.where(np.isfinite(need_high), need_high, np.nan)),
        ))
        need_low = np.ceil(need_low / high - 1e-9) if high is not None else np.zeros(n)
        if low is not None and low > 0:
            need_high = np.floor(need_high / low + 1e-9)
        else:
            need_high = np.full(n, np.inf)
    return result[::-1]


def _round_with_groups(exact: np.ndarray, bounds: BoundSet, budget: int, codes, groups: list[_Group]) -> np.ndarray:
    """Whole euros within the bounds and the (disjoint) group limits, summing to ``budget``.

    ``exact`` lies within the bounds but may miss the budget by a few euros (the LP's
    tolerance, and the year band taken around the previous year's rounded amounts). The
    totals of the groups and of the rest are set first (whole euros within their limits,
    the euros left over one each to the largest fractions, ties by name), then each part
    is rescaled to its total within its members' bounds (clip-and-rescale) and rounded by
    :func:`allocation.constraints.round_within_bounds`. Raises ValueError when impossible.
    """
    codes_arr = np.asarray(codes, dtype=object)
    parts = [(g.name, g.mask, g.lower, g.upper) for g in groups]
    outside = ~np.any([g.mask for g in groups], axis=0) if groups else np.ones(len(codes), bool)
    parts.append(("\uffff rest", outside, 0, math.inf))  # sorts after every group name
    part_exact = np.array([float(exact[mask].sum()) for _, mask, _, _ in parts])
    part_lower = np.array([max(float(low), float(bounds.lower[mask].sum())) for _, mask, low, _ in parts])
    part_upper = np.array([min(float(high), float(bounds.upper[mask].sum())) for _, mask, _, high in parts])
    if np.any(part_lower > part_upper):
        raise ValueError("a group's limits and its members' bounds do not meet")
    totals = np.clip(np.floor(part_exact + 1e-9), part_lower, part_upper)
    fractions = part_exact - np.floor(part_exact + 1e-9)
    order = sorted(range(len(parts)), key=lambda k: (-fractions[k], parts[k][0]))
    leftover = int(budget - totals.sum())
    while leftover:
        step = 1 if leftover > 0 else -1
        room = [k for k in (order if step > 0 else order[::-1])
                if (totals[k] + 1 <= part_upper[k] if step > 0 else totals[k] - 1 >= part_lower[k])]
        if not room:
            raise ValueError("the parts cannot take the budget")
        for k in room[:abs(leftover)]:
            totals[k] += step
            leftover -= step
    amounts = np.zeros(len(codes), dtype=np.int64)
    for (_, mask, _, _), total in zip(parts, totals):
        if not mask.any():
            if total:
                raise ValueError("an empty part cannot take euros")
            continue
        lo, hi = bounds.lower[mask], bounds.upper[mask]
        scaled, _ = clip_and_rescale(np.zeros(int(mask.sum())), exact[mask], lo, hi, float(total))
        amounts[mask] = round_within_bounds(scaled, lo, hi, int(total), list(codes_arr[mask]))
    return amounts


def _joint_report_rows(pot_id, year, column, years, codes, names, solved, target, static, groups, budget, band,
                       key_amounts, amounts) -> list[tuple]:
    """Bound-report rows of one year of a jointly allocated pot.

    A municipality is on a bound when its LP amount is within :data:`JOINT_TOLERANCE` of a
    static bound of that year or of the year band around its LP amount of the previous year;
    a group member when its group's total is on a group limit; otherwise it is listed when
    its LP amount is more than half a euro off its key (:data:`JOINT_MOVED`).
    """
    n = len(codes)
    x = solved[:, column]
    lowers, uppers = list(static[column][0]), list(static[column][1])
    integer = combine_bounds(n, lowers, uppers)  # the LP's static bounds (whole euros)
    lower, lower_label = integer.lower.copy(), integer.lower_label.copy()
    upper, upper_label = integer.upper.copy(), integer.upper_label.copy()
    if column > 0:
        previous = solved[:, column - 1]
        band_lowers, band_uppers = [], []
        _band_bounds(band, previous, "the year band", str(years[column - 1]), band_lowers, band_uppers)
        for text, values in band_lowers:
            tighter = values > lower
            lower[tighter], lower_label[tighter] = values[tighter], text
        for text, values in band_uppers:
            tighter = values < upper
            upper[tighter], upper_label[tighter] = values[tighter], text
    labels = np.full(n, "", dtype=object)
    on_lower = (lower_label != "") & (x <= lower + JOINT_TOLERANCE)
    on_upper = (upper_label != "") & (x >= upper - JOINT_TOLERANCE) & ~on_lower
    labels[on_lower] = lower_label[on_lower]
    labels[on_upper] = upper_label[on_upper]
    for g in _groups_for_year(groups, year, budget):
        total = float(x[g.mask].sum())
        text = g.lower_text if abs(total - g.lower) <= JOINT_TOLERANCE * max(1, g.mask.sum()) else (
            g.upper_text if math.isfinite(g.upper) and abs(total - g.upper) <= JOINT_TOLERANCE * max(1, g.mask.sum())
            else "")
        if text:
            members = g.mask & (labels == "")
            labels[members] = f"group {g.name}: {text}"
    moved = (labels == "") & (np.abs(x - target[:, column]) > 0.5)
    labels[moved] = JOINT_MOVED
    rows = []
    for i in np.flatnonzero(labels != ""):
        rows.append((pot_id, year, codes[i], names[i], f"{labels[i]} ({JOINT_NOTE})", int(key_amounts[i, column]),
                     int(amounts[i, column]), int(amounts[i, column] - key_amounts[i, column])))
    return rows


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
