"""Layer 2 (engine): one pot with constraints, over all its payment years. Pure: plain arrays in,
plain arrays out; the scenario layer turns a scenario's ``constraints:`` block into a
:class:`PotProblem` (see :mod:`allocation.scenario.pot_problem`).

The rules (docs/solution-rules.md):

* minimums and maximums per municipality and a transition band against a reference
  allocation are bounds per municipality (``PotProblem.fixed_bounds``): clip to the bounds
  and rescale, one factor per pot-year (:mod:`allocation.engine.bounded`);
* a year band is applied in payment-year order: each year's amount stays within the band
  around the published amount of the previous payment year of the same pot. When that
  fails in some year but the constraints can hold jointly over all payment years, the pot
  is allocated jointly instead (:func:`allocation.engine.joint_lp.allocate_joint`: the
  least sum of relative deviations from the key), then rounded year by year within that
  year's bounds;
* group limits: :mod:`allocation.engine.groups`;
* a cross-pot cap is charged in the scenario's pot order: a pot's room is the cap minus
  what the earlier pots in the cap already pay in that year (``cross_pot_used``).

Messages for infeasible settings name the pot, the year, the constraint and the euros, for
every failing payment year (with a year band: the first year that fails, and each later year
whose own constraints fail without the band); when one minimum or maximum of the scenario is
the cause, one more line names the value that fits every year (:mod:`allocation.engine.fits`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from allocation.common.errors import InfeasibleError
from allocation.common.i18n import N_, _, eur
from allocation.engine import fits, joint_lp
from allocation.engine.bands import BandLimits
from allocation.engine.bounded import (
    BoundSet,
    allocate_bounded,
    check_feasible,
    combine_bounds,
)
from allocation.engine.groups import (
    GroupRule,
    allocate_with_groups,
    check_feasible_with_groups,
    groups_for_year,
    round_with_groups,
)
from allocation.engine.pot import PotAllocation, allocate_pot

REPORT_COLUMNS = ["pot", "year", "gm_code", "gm_name", "constraint", "key_amount_eur", "amount_eur", "effect_eur"]

#: Added to every bound-report label of a pot that was allocated jointly (catalogue key).
JOINT_NOTE = N_("eng_joint_note")

#: Bound-report label for a municipality of a jointly allocated pot that sits on no bound of
#: its own in that year but is moved off its key to let the constraints hold in other years.
JOINT_MOVED = N_("eng_joint_moved")

#: LP amounts within this many euros of a bound count as sitting on it (solver tolerance).
JOINT_TOLERANCE = 1e-3

#: A pot with a year band: how many values next to the joint programme's best are tried by
#: allocating the whole pot, to name a minimum or maximum that fits (none of them allocates:
#: no line). Models of more municipality-years than
#: :data:`allocation.engine.joint_lp.DIRECT_HIGHS_ABOVE` try one.
FIT_TRIALS = 3

#: A labelled bound: (the constraint in words, a value per municipality; nan: does not apply).
LabelledBound = tuple[str, np.ndarray]


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
    problem: PotProblem | None = field(default=None, repr=False)  # what was solved (reused by the draws)


@dataclass(frozen=True)
class CapRule:
    """A cross-pot cap on this pot: ``index`` in the scenario's list, the limit per
    municipality per payment year (euros) and its words."""

    index: int
    limit: np.ndarray
    label: str


@dataclass(frozen=True)
class PotProblem:
    """One pot with its constraints, as plain arrays on the key register (codes in rows).

    ``fixed_bounds[year]`` holds the bounds of that payment year that depend on nothing
    else: ``(lowers, uppers)``, each a list of :data:`LabelledBound`. ``groups`` includes
    the transition band of municipalities merged on the reference's register.
    ``adjustable`` lists the scenario's minimums and maximums as single values, so that an
    infeasible pot can say which value would fit (:mod:`allocation.engine.fits`).
    """

    pot_id: str
    label: str
    codes: tuple[str, ...]
    names: tuple[str, ...]
    shares: np.ndarray
    budgets: dict[int, int]
    vast_bedrag: int = 0
    fixed_bounds: dict[int, tuple[list[LabelledBound], list[LabelledBound]]] = field(default_factory=dict)
    caps: tuple[CapRule, ...] = ()
    year_band: BandLimits | None = None
    groups: tuple[GroupRule, ...] = ()
    solver: str = "highs"
    adjustable: tuple[fits.AdjustableBound, ...] = ()

    @property
    def years(self) -> list[int]:
        return sorted(self.budgets)


def overlapping_groups(groups: tuple[GroupRule, ...] | list[GroupRule], years: list[int]) -> list[tuple[str, str, int]]:
    """Pairs of groups that share municipalities in a common year: (name, name, how many)."""
    found = []
    for i in range(len(groups)):
        for j in range(i + 1, len(groups)):
            overlap = groups[i].mask & groups[j].mask
            years_i = set(groups[i].years or years)
            if overlap.any() and years_i & set(groups[j].years or years):
                found.append((groups[i].name, groups[j].name, int(overlap.sum())))
    return found


def _static_bounds(problem: PotProblem, year: int, cross_pot_used: dict[int, dict[int, np.ndarray]]):
    """The bounds of one pot-year that do not depend on other years of this pot: (lowers, uppers)."""
    n = len(problem.codes)
    lowers, uppers = problem.fixed_bounds.get(year, ([], []))
    lowers, uppers = list(lowers), list(uppers)
    for cap in problem.caps:
        used = cross_pot_used.setdefault(cap.index, {}).get(year, np.zeros(n))
        uppers.append((cap.label, np.maximum(np.floor(cap.limit + 1e-9) - used, 0.0)))
    return lowers, uppers


def allocate_constrained_pot(
    problem: PotProblem, cross_pot_used: dict[int, dict[int, np.ndarray]], joint_fallback: bool = True,
    explain: bool = True,
) -> tuple[PotAllocation, ConstrainedPot]:
    """Allocate a pot within its constraints, every payment year.

    ``cross_pot_used[c][year]`` holds what earlier pots already pay under cross-pot cap
    ``c``; it is updated with this pot's amounts. Raises :class:`InfeasibleError` with
    every conflict in euros, for every failing payment year. ``joint_fallback=False`` keeps to
    the year-by-year path (no joint allocation when the year band cannot hold year by year).
    ``explain=False`` skips the joint programme that explains an infeasible year band in euros
    and the search for the minimum or maximum that would fit (for many draws).
    """
    codes, names = list(problem.codes), list(problem.names)
    shares, budgets, vast, label = problem.shares, problem.budgets, problem.vast_bedrag, problem.label
    n = len(codes)
    years = problem.years
    band = problem.year_band

    key_pot = allocate_pot(codes, shares, budgets, vast, label=label)  # raises on an unpayable vast bedrag

    static = [_static_bounds(problem, year, cross_pot_used) for year in years]
    exact = np.zeros((n, len(years)))
    amounts = np.zeros((n, len(years)), dtype=np.int64)
    rows: list[tuple] = []
    scales: dict[int, float] = {}
    problems: list[str] = []
    solver_name = ""
    for column, year in enumerate(years):
        budget = budgets[year]
        where = f"{label} {year}"
        lowers, uppers = list(static[column][0]), list(static[column][1])
        if band is not None and column > 0:
            band.bounds(amounts[:, column - 1].astype(float), _("eng_year_band"), str(years[column - 1]), lowers,
                        uppers)
        bounds = combine_bounds(n, lowers, uppers)
        offset = np.full(n, float(vast))
        weight = shares * (budget - vast * n)
        year_groups = groups_for_year(list(problem.groups), year, budget)
        group_label = np.full(n, "", dtype=object)
        try:
            if year_groups:
                result = allocate_with_groups(codes, names, offset, weight, bounds, budget, year_groups, where)
                year_exact, year_amounts, mu, on_lower, on_upper, group_label = result
            else:
                found = check_feasible(codes, names, offset, weight, bounds, budget, where)
                if found:
                    raise InfeasibleError(found)
                solved = allocate_bounded(codes, offset, weight, bounds, budget)
                year_exact, year_amounts, mu = solved.exact, solved.amounts, solved.scale
                on_lower, on_upper = solved.on_lower, solved.on_upper
        except InfeasibleError as exc:
            if band is None:
                problems += exc.problems
                continue  # years are independent: check every one
            joint_problem = _joint_problem(problem, static)
            joint = None
            if column > 0 and joint_fallback:  # the year band took part: try the pot jointly
                try:
                    joint = _allocate_jointly(problem, joint_problem, static, key_pot.amounts)
                except InfeasibleError as rounding:  # the constraints hold jointly, but not in whole euros
                    problems += rounding.problems
                    break
            if joint is not None:
                exact, amounts, rows, scales, solver_name = joint
                break
            problems += exc.problems
            # later years depend on this one through the year band: check their own constraints only
            for later in range(column + 1, len(years)):
                problems += _year_problems(problem, years[later], *static[later])
            if explain:
                what = _("eng_what_band")
                problems += joint_lp.explain(label, joint_lp.diagnose(joint_problem, problem.solver), what)
            break
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
                (problem.pot_id, year, codes[i], names[i], str(constraint), int(key_amounts[i]), int(year_amounts[i]),
                 int(year_amounts[i] - key_amounts[i]))
            )
    if problems:
        if explain:
            problems += _what_fits(problem, static, cross_pot_used, joint_fallback)
        raise InfeasibleError(problems)
    for cap in problem.caps:
        for column, year in enumerate(years):
            cross_pot_used[cap.index][year] = cross_pot_used[cap.index].get(year, np.zeros(n)) + amounts[:, column]
    allocation = PotAllocation(
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
        report=report, scales=scales, key_amounts=key_pot.amounts, joint=bool(solver_name), solver=solver_name,
        problem=problem,
    )


def _year_problems(problem: PotProblem, year: int, lowers: list[LabelledBound], uppers: list[LabelledBound]
                   ) -> list[str]:
    """Every reason, in euros, why one payment year cannot hold within ``lowers`` and
    ``uppers`` and the group limits of that year (no year band); empty when it can."""
    n, budget, vast = len(problem.codes), problem.budgets[year], problem.vast_bedrag
    bounds = combine_bounds(n, lowers, uppers)
    offset = np.full(n, float(vast))
    weight = problem.shares * (budget - vast * n)
    where = f"{problem.label} {year}"
    year_groups = groups_for_year(list(problem.groups), year, budget)
    if year_groups:
        return check_feasible_with_groups(problem.codes, problem.names, offset, weight, bounds, budget, year_groups,
                                          where)
    return check_feasible(problem.codes, problem.names, offset, weight, bounds, budget, where)


def _with_bound(lowers: list[LabelledBound], uppers: list[LabelledBound], bound: fits.AdjustableBound,
                values: np.ndarray) -> tuple[list[LabelledBound], list[LabelledBound]]:
    """``lowers`` and ``uppers`` with the values of ``bound`` (found by its label) replaced."""
    def swap(entries: list[LabelledBound]) -> list[LabelledBound]:
        return [(text, values if text == bound.label else old) for text, old in entries]

    return (swap(lowers), list(uppers)) if bound.kind == "minimum" else (list(lowers), swap(uppers))


def _what_fits(problem: PotProblem, static, cross_pot_used: dict[int, dict[int, np.ndarray]],
               joint_fallback: bool) -> list[str]:
    """For an infeasible pot: per kind (minimum, maximum), when the scenario states exactly one,
    the line naming the largest minimum (smallest maximum) that fits every payment year with
    the pot's other constraints as they are; nothing where no value of it would fit.

    Without a year band the years are checked one by one (the allocation's own checks, in a
    bisection). With one, the value so found is tried by allocating the whole pot; when it
    does not fit, the joint programme names the best value and the whole pot is allocated
    with it (should whole-euro rounding refuse it: with the :data:`FIT_TRIALS` values next
    to it, and no line when none of them allocates).
    """
    lines = []
    years = problem.years
    trials = FIT_TRIALS if len(problem.codes) * len(years) <= joint_lp.DIRECT_HIGHS_ABOVE else 1
    for kind in ("minimum", "maximum"):
        stated = [bound for bound in problem.adjustable if bound.kind == kind]
        if len(stated) != 1:
            continue  # none, or several constraints: no single value to name
        bound = stated[0]
        held = [column for column, year in enumerate(years) if year in bound.years]
        if not held or any(_year_problems(problem, year, *static[column])
                           for column, year in enumerate(years) if year not in bound.years):
            continue  # another year fails whatever this value is

        def static_fit(units: int, bound=bound, held=held) -> bool:
            values = bound.values(units)
            return not any(_year_problems(problem, years[column], *_with_bound(static[column][0], static[column][1],
                                                                             bound, values))
                           for column in held)

        def whole_pot_fits(units: int, bound=bound) -> bool:
            fixed = {}
            for year, (lowers, uppers) in problem.fixed_bounds.items():
                fixed[year] = _with_bound(lowers, uppers, bound, bound.values(units)) if year in bound.years \
                    else (lowers, uppers)
            trial = replace(problem, fixed_bounds=fixed, adjustable=())
            try:
                allocate_constrained_pot(trial, {cap: dict(used) for cap, used in cross_pot_used.items()},
                                         joint_fallback, explain=False)
            except InfeasibleError:
                return False
            return True

        current, steps = bound.current_units(), bound.steps_per_euro
        if kind == "minimum":
            units = fits.largest_that_fits(static_fit, 0, current - 1)
            if units is not None and problem.year_band is not None and not whole_pot_fits(units):
                best = joint_lp.extreme_bound(*_without(problem, static, bound), "minimum", bound.amount(units))
                units = None if best is None else fits.nearest_that_fits(
                    whole_pot_fits, min(units - 1, math.floor(best * steps + 1e-6)), 0, trials)
        else:
            most = bound.most_units(max(problem.budgets.values()))
            if most is None:
                continue
            units = fits.smallest_that_fits(static_fit, current + 1, most)
            if units is not None and problem.year_band is not None and not whole_pot_fits(units):
                best = joint_lp.extreme_bound(*_without(problem, static, bound), "maximum")
                units = None if best is None else fits.nearest_that_fits(
                    whole_pot_fits, max(units + 1, math.ceil(best * steps - 1e-6)), most, trials)
        if units is not None:
            lines.append(fits.fits_text(problem.label, bound, units))
    return lines


def _without(problem: PotProblem, static, bound: fits.AdjustableBound) -> tuple[joint_lp.JointProblem, np.ndarray]:
    """The pot's joint programme without ``bound``, and ``bound`` per municipality-year for a
    value of 1 (nan where it does not hold): for :func:`allocation.engine.joint_lp.extreme_bound`."""
    others = [([e for e in lowers if e[0] != bound.label], [e for e in uppers if e[0] != bound.label])
              for lowers, uppers in static]
    per = np.column_stack([bound.per if year in bound.years else np.full(len(problem.codes), np.nan)
                           for year in problem.years])
    return _joint_problem(problem, others), per


def _joint_problem(problem: PotProblem, static) -> joint_lp.JointProblem:
    """The pot over all payment years as one LP: static bounds, the year band and the groups."""
    years, n = problem.years, len(problem.codes)
    lower = np.zeros((n, len(years)))
    upper = np.full((n, len(years)), np.inf)
    for column in range(len(years)):
        bounds = combine_bounds(n, *static[column])
        lower[:, column], upper[:, column] = bounds.lower, bounds.upper
    band = problem.year_band
    joint_groups = []
    for rule in problem.groups:
        limits = {}
        for year in years:
            for g in groups_for_year([rule], year, problem.budgets[year]):
                limits[year] = (g.lower, g.upper)
        joint_groups.append(joint_lp.JointGroup(rule.name, rule.mask, limits))
    return joint_lp.JointProblem(
        codes=tuple(problem.codes),
        years=tuple(years),
        budgets=tuple(problem.budgets[y] for y in years),
        lower=lower,
        upper=upper,
        band_decrease=None if band is None else band.decrease,
        band_increase=None if band is None else band.increase,
        groups=tuple(joint_groups),
    )


def _allocate_jointly(problem: PotProblem, joint_problem: joint_lp.JointProblem, static, key_amounts):
    """Allocate the pot over all payment years at once (the year band could not hold year by year).

    Returns ``(exact, amounts, report rows, scales, solver name)``, or None when the joint LP
    has no solution (the caller then explains the conflict in euros). Raises InfeasibleError
    when whole-euro rounding cannot keep every bound (the LP solution only holds in cents).
    """
    codes, names, shares, vast = list(problem.codes), list(problem.names), problem.shares, problem.vast_bedrag
    years, budgets, label, band = problem.years, problem.budgets, problem.label, problem.year_band
    assert band is not None, "only a pot with a year band is allocated jointly"
    n = len(codes)
    target = np.column_stack([np.full(n, float(vast)) + shares * (budgets[y] - vast * n) for y in years])
    solution = joint_lp.allocate_joint(joint_problem, target, problem.solver)
    if solution.status != "Optimal" or solution.amounts is None:
        return None
    solver_name = joint_lp.solver_name(problem.solver, n * len(years))
    solved = solution.amounts
    exact = np.zeros((n, len(years)))
    amounts = np.zeros((n, len(years)), dtype=np.int64)
    rows: list[tuple] = []
    ahead = _bounds_ahead(band, years, static, n)
    for column, year in enumerate(years):
        budget = budgets[year]
        where = _("eng_where_joint", where=f"{label} {year}", solver=solver_name)
        lowers, uppers = list(static[column][0]), list(static[column][1])
        if column > 0:
            band.bounds(amounts[:, column - 1].astype(float), _("eng_year_band"), str(years[column - 1]), lowers,
                        uppers)
        lowers.append(ahead[column][0])
        uppers.append(ahead[column][1])
        bounds = combine_bounds(n, lowers, uppers)
        offset = np.full(n, float(vast))
        weight = shares * (budget - vast * n)
        found = check_feasible(codes, names, offset, weight, bounds, budget, where)
        if found:
            raise InfeasibleError(found + [_("eng_joint_rounding", label=label, year=year)])
        exact[:, column] = np.clip(solved[:, column], bounds.lower, bounds.upper)
        year_groups = groups_for_year(list(problem.groups), year, budget)
        try:
            amounts[:, column] = round_with_groups(exact[:, column], bounds, budget, codes, year_groups)
        except ValueError:
            raise InfeasibleError([_("eng_joint_rounding_groups", where=where, budget=eur(budget))]) from None
        rows += _joint_report_rows(problem, column, solved, target, static, key_amounts, amounts)
    scales = {year: math.nan for year in years}
    return exact, amounts, rows, scales, solver_name


def _bounds_ahead(band: BandLimits, years, static, n) -> list[tuple[LabelledBound, LabelledBound]]:
    """Per year, the whole-euro bounds that later years' bounds impose through the year band.

    A minimum of EUR L in a later year needs at least ``ceil(L / (1 + b))`` the year before
    (a maximum U at most ``floor(U / (1 - a))``), and so on back to the first year. Rounding
    year by year within these keeps a whole-euro path open to every later year's bounds:
    with the previous year's amount r within them, ``floor((1 + b) r)`` still reaches L.
    """
    high = None if band.increase is None else 1 + band.increase
    low = None if band.decrease is None else 1 - band.decrease
    result = []
    need_low, need_high = np.zeros(n), np.full(n, np.inf)
    for column in range(len(years) - 1, -1, -1):
        bounds = combine_bounds(n, *static[column])
        need_low = np.maximum(bounds.lower, need_low)
        need_high = np.minimum(bounds.upper, need_high)
        result.append((  # nan: no bound (combine_bounds would read inf as the largest float)
            (_("eng_band_ahead_minimum", band=band.text()), np.where(need_low > 0, need_low, np.nan)),
            (_("eng_band_ahead_maximum", band=band.text()), np.where(np.isfinite(need_high), need_high, np.nan)),
        ))
        need_low = np.ceil(need_low / high - 1e-9) if high is not None else np.zeros(n)
        if low is not None and low > 0:
            need_high = np.floor(need_high / low + 1e-9)
        else:
            need_high = np.full(n, np.inf)
    return result[::-1]


def _joint_report_rows(problem: PotProblem, column, solved, target, static, key_amounts, amounts) -> list[tuple]:
    """Bound-report rows of one year of a jointly allocated pot.

    A municipality is on a bound when its LP amount is within :data:`JOINT_TOLERANCE` of a
    static bound of that year or of the year band around its LP amount of the previous year;
    a group member when its group's total is on a group limit; otherwise it is listed when
    its LP amount is more than half a euro off its key (:data:`JOINT_MOVED`).
    """
    codes, names, years = problem.codes, problem.names, problem.years
    year, budget = years[column], problem.budgets[years[column]]
    n = len(codes)
    x = solved[:, column]
    lowers, uppers = list(static[column][0]), list(static[column][1])
    integer: BoundSet = combine_bounds(n, lowers, uppers)  # the LP's static bounds (whole euros)
    lower, lower_label = integer.lower.copy(), integer.lower_label.copy()
    upper, upper_label = integer.upper.copy(), integer.upper_label.copy()
    if column > 0 and problem.year_band is not None:
        band_lowers: list[LabelledBound] = []
        band_uppers: list[LabelledBound] = []
        problem.year_band.bounds(solved[:, column - 1], _("eng_year_band"), str(years[column - 1]), band_lowers,
                                 band_uppers)
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
    for g in groups_for_year(list(problem.groups), year, budget):
        total = float(x[g.mask].sum())
        tolerance = JOINT_TOLERANCE * max(1, g.mask.sum())
        text = g.lower_text if abs(total - g.lower) <= tolerance else (
            g.upper_text if math.isfinite(g.upper) and abs(total - g.upper) <= tolerance else "")
        if text:
            members = g.mask & (labels == "")
            labels[members] = _("eng_group_label", name=g.name, text=text)
    moved = (labels == "") & (np.abs(x - target[:, column]) > 0.5)
    labels[moved] = _(JOINT_MOVED)
    rows = []
    for i in np.flatnonzero(labels != ""):
        rows.append((problem.pot_id, year, codes[i], names[i], _("eng_with_note", label=labels[i], note=_(JOINT_NOTE)),
                     int(key_amounts[i, column]), int(amounts[i, column]),
                     int(amounts[i, column] - key_amounts[i, column])))
    return rows
