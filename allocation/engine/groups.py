"""Layer 2 (engine): group limits in one pot-year. Pure functions over arrays.

A group (a province, a veiligheidsregio, a CBS size class or a list of codes) may be
limited to at least and/or at most an amount or a share of the pot-year. A group that
would fall outside its limit is held at that limit; its members share the group's amount
by clip-and-rescale, and the rest of the pot-year is rescaled: one factor for the group,
one for the rest. Groups of one pot must not overlap.

Share minimums are rounded up to whole euros; when they would then add up to more than
the pot-year (e.g. every province at least its population share) they are rounded by
largest remainder instead: the quotas are scaled to the rounded total of the exact shares,
so a group may get up to one euro less than its exact share.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from allocation.common.errors import InfeasibleError
from allocation.common.i18n import _, eur, number, pct
from allocation.engine.bounded import (
    ON_BOUND_TOLERANCE,
    BoundSet,
    check_feasible,
    clip_and_rescale,
    round_within_bounds,
    solve_scale,
)
from allocation.engine.rounding import largest_remainder


@dataclass(frozen=True)
class GroupRule:
    """A group limit as a scenario states it: members, limits, and the years it holds in
    (None: every payment year). Shares are of the pot-year's budget (0-1)."""

    name: str
    mask: np.ndarray
    min_eur: int | None = None
    max_eur: int | None = None
    min_share: float | None = None
    max_share: float | None = None
    years: frozenset[int] | None = None

    def applies(self, year: int) -> bool:
        return self.years is None or year in self.years


@dataclass
class GroupLimit:
    """A group's limits in one pot-year, in whole euros, with their words."""

    name: str
    mask: np.ndarray
    lower: int  # whole euros (0: none)
    upper: float  # whole euros or inf
    lower_text: str
    upper_text: str


def groups_for_year(rules: list[GroupRule], year: int, budget: int) -> list[GroupLimit]:
    """The limits of the rules that hold in ``year``, in whole euros of the pot-year's ``budget``."""
    result = []
    applying = [rule for rule in rules if rule.applies(year)]
    for spec in applying:
        lower, upper, lower_text, upper_text = 0, math.inf, "", ""
        if spec.min_eur is not None:
            lower, lower_text = spec.min_eur, _("eng_group_at_least", amount=eur(spec.min_eur))
        if spec.min_share is not None:
            lower = math.ceil(spec.min_share * budget - 1e-9)
            lower_text = _("eng_group_at_least_share", share=pct(spec.min_share * 100, 2), amount=eur(lower))
        if spec.max_eur is not None:
            upper, upper_text = spec.max_eur, _("eng_group_at_most", amount=eur(spec.max_eur))
        if spec.max_share is not None:
            upper = math.floor(spec.max_share * budget + 1e-9)
            upper_text = _("eng_group_at_most_share", share=pct(spec.max_share * 100, 2), amount=eur(upper))
        result.append(GroupLimit(spec.name, spec.mask, lower, upper, lower_text, upper_text))
    _round_share_minimums(result, applying, budget)
    return result


def _round_share_minimums(result: list[GroupLimit], specs: list[GroupRule], budget: int) -> None:
    """Share minimums rounded up to whole euros may add up to more than the pot-year
    (e.g. every province at least its population share). Then they are rounded by largest
    remainder instead (ties: group name), so that together they fit the budget; a group may
    get up to one euro less than its exact share."""
    share_groups = [(g, spec.min_share) for g, spec in zip(result, specs) if spec.min_share is not None]
    if not share_groups or sum(g.lower for g, _ in share_groups) <= budget:
        return
    exact = np.array([share * budget for _, share in share_groups])
    if math.fsum(exact) > budget + 1e-6:
        return  # the shares themselves ask for more than the pot: reported as infeasible
    total = min(budget, math.ceil(math.fsum(exact) - 1e-6))
    rounded = largest_remainder(exact * (total / math.fsum(exact)), total, [g.name for g, _ in share_groups])
    for (g, share), amount in zip(share_groups, rounded):
        g.lower = int(amount)
        g.lower_text = _("eng_group_at_least_share_rounded", share=pct(share * 100, 2), amount=eur(g.lower))


def _reach(offset: np.ndarray, weight: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> tuple[float, float]:
    """The least and the most a set of municipalities can get together: a municipality with a
    zero key stays at its offset (clipped to its bounds), the others range over their bounds."""
    fixed = ~(weight > 0)
    fixed_amount = np.clip(offset, lower, upper)
    low = math.fsum(np.where(fixed, fixed_amount, lower))
    high = math.fsum(np.where(fixed, fixed_amount, upper)) if np.all(np.isfinite(upper[~fixed])) else math.inf
    return low, high


def _group_problems(offset, weight, bounds: BoundSet, budget: int, groups: list[GroupLimit], where: str) -> list[str]:
    """Every reason, in euros, why the bounds and the (disjoint) group limits cannot give ``budget``.

    With disjoint groups the set of feasible totals is an interval per group and for the
    rest, so these checks are exact: when they find nothing, an allocation exists.
    """
    problems = []
    n = len(offset)
    for g in groups:
        members = g.mask
        room_low, room_high = _reach(offset[members], weight[members], bounds.lower[members], bounds.upper[members])
        if g.lower > room_high:
            problems.append(_(
                "eng_group_short", where=where, name=g.name, lower=g.lower_text, count=number(int(members.sum())),
                room=eur(room_high), short=eur(g.lower - room_high),
            ))
        if g.upper < room_low:
            problems.append(_(
                "eng_group_over", where=where, name=g.name, upper=g.upper_text, count=number(int(members.sum())),
                room=eur(room_low), over=eur(room_low - g.upper),
            ))
        if g.lower > g.upper:
            problems.append(_("eng_group_crossed", where=where, name=g.name, lower=g.lower_text, upper=g.upper_text))
    outside = ~np.any([g.mask for g in groups], axis=0) if groups else np.ones(n, bool)
    rest_low, rest_high = _reach(offset[outside], weight[outside], bounds.lower[outside], bounds.upper[outside])
    reach = [_reach(offset[g.mask], weight[g.mask], bounds.lower[g.mask], bounds.upper[g.mask]) for g in groups]
    needed = math.fsum([max(g.lower, low) for g, (low, _) in zip(groups, reach)] + [rest_low])
    if needed > budget:
        parts = ", ".join(f"{g.name} {eur(g.lower)}" for g in groups if g.lower)
        problems.append(_(
            "eng_groups_min_short", where=where, parts=parts, needed=eur(needed), budget=eur(budget),
            short=eur(needed - budget),
        ))
    allowed = math.fsum([min(g.upper, high) for g, (_, high) in zip(groups, reach)] + [rest_high])
    if allowed < budget:
        parts = ", ".join(f"{g.name} {eur(g.upper)}" for g in groups if math.isfinite(g.upper))
        problems.append(_(
            "eng_groups_max_short", where=where, parts=parts, allowed=eur(allowed), budget=eur(budget),
            unpaid=eur(budget - allowed),
        ))
    return problems


def check_feasible_with_groups(codes, names, offset, weight, bounds: BoundSet, budget: int,
                               groups: list[GroupLimit], where: str) -> list[str]:
    """Messages, in euros, for every reason the bounds and the (disjoint) group limits cannot
    give exactly ``budget`` (:func:`allocation.engine.bounded.check_feasible` with groups).
    Empty when an allocation exists."""
    offset = np.asarray(offset, dtype=float)
    weight = np.asarray(weight, dtype=float)
    # a municipality whose minimum is above its maximum is named first (check_feasible stops there)
    crossed = check_feasible(list(codes), list(names), offset, weight, bounds, budget, where) \
        if np.any(bounds.lower > bounds.upper) else []
    return crossed or _group_problems(offset, weight, bounds, budget, groups, where)


class _Parts:
    """The pot-year split into its groups and the rest, with the total as a function of one factor.

    ``total(mu)`` is the sum over the rest of ``clip(offset + mu * weight, L, U)`` plus, per
    group, that sum over its members held within the group's limits. Each term is continuous
    and non-decreasing in ``mu``, and so is the total: the budget is reached at a ``mu`` found
    exactly by a search over the sorted breakpoints and one linear solve, in a fixed number
    of steps (no iteration that could cycle).
    """

    def __init__(self, offset, weight, lower, upper, groups: list[GroupLimit]):
        self.offset, self.weight, self.lower, self.upper, self.groups = offset, weight, lower, upper, groups
        self.rest = ~np.any([g.mask for g in groups], axis=0) if groups else np.ones(len(offset), bool)

    def part_sum(self, mu: float, mask: np.ndarray) -> float:
        return math.fsum(np.clip(self.offset[mask] + mu * self.weight[mask], self.lower[mask], self.upper[mask]))

    def total(self, mu: float) -> float:
        parts = [self.part_sum(mu, self.rest)]
        parts += [min(max(self.part_sum(mu, g.mask), g.lower), g.upper) for g in self.groups]
        return math.fsum(parts)

    def breakpoints(self) -> np.ndarray:
        positive = self.weight > 0
        o, w = self.offset[positive], self.weight[positive]
        points = [(self.lower[positive] - o) / w, (self.upper[positive] - o) / w]
        for g in self.groups:  # where a group's own sum meets its limits
            m = g.mask
            low, high = _reach(self.offset[m], self.weight[m], self.lower[m], self.upper[m])
            for limit in (g.lower, g.upper):
                if low < limit < high:
                    points.append(np.array([solve_scale(self.offset[m], self.weight[m], self.lower[m], self.upper[m],
                                                        float(limit))]))
        values = np.concatenate(points) if points else np.array([])
        return np.unique(values[np.isfinite(values)])

    def slope(self, mu: float) -> float:
        """d total / d mu on a stretch without breakpoints around ``mu``."""
        free = self.offset + mu * self.weight
        moving = (self.weight > 0) & (free > self.lower) & (free < self.upper)
        slope = math.fsum(self.weight[moving & self.rest])
        for g in self.groups:
            if g.lower < self.part_sum(mu, g.mask) < g.upper:
                slope += math.fsum(self.weight[moving & g.mask])
        return slope

    def solve(self, budget: float) -> float:
        """The factor ``mu`` with ``total(mu) == budget`` (the smallest, on a flat stretch)."""
        free = self.offset + self.weight
        if (np.all((free >= self.lower) & (free <= self.upper))
                and all(g.lower <= self.part_sum(1.0, g.mask) <= g.upper for g in self.groups)
                and abs(math.fsum(free) - budget) <= 1e-6 * max(1.0, budget)):
            return 1.0  # nothing binds: the key itself
        points = self.breakpoints()
        if len(points) == 0:
            return 1.0
        lo_index, hi_index = -1, len(points)  # total(points[lo]) <= budget < total(points[hi])
        while hi_index - lo_index > 1:
            middle = (lo_index + hi_index) // 2
            if self.total(points[middle]) <= budget:
                lo_index = middle
            else:
                hi_index = middle
        anchor = points[0] - 1.0 if lo_index == -1 else points[lo_index]
        probe = anchor + 1.0 if hi_index == len(points) else points[hi_index]
        slope = self.slope((anchor + probe) / 2)
        if slope <= 0:
            return float(anchor)
        return float(anchor + (budget - self.total(anchor)) / slope)


def allocate_with_groups(codes, names, offset, weight, bounds, budget, groups: list[GroupLimit], where: str):
    """The pot-year closest to the key within the bounds and the (disjoint) group limits.

    One factor ``mu`` for the municipalities outside held groups; a group whose own sum at
    ``mu`` would fall outside its limits is held at the limit, its members sharing it by
    clip-and-rescale with a factor of their own. This is the solution of the quadratic
    programme min sum (x - offset)^2 / weight under every constraint (the tests check it
    against HiGHS's QP solver). Whole euros: the totals of the groups and the rest are set
    first within their limits, then each part is rounded within its members' bounds
    (:func:`round_with_groups`), so every group limit holds after rounding too.

    Returns (exact, amounts, scale of the rest, on_lower, on_upper, group label per
    municipality) or raises InfeasibleError with every conflict in euros. The result does
    not depend on the order of the rows.
    """
    codes = list(codes)
    offset = np.asarray(offset, dtype=float)
    weight = np.asarray(weight, dtype=float)
    problems = check_feasible_with_groups(codes, names, offset, weight, bounds, budget, groups, where)
    if problems:
        raise InfeasibleError(problems)
    order = np.argsort(np.asarray(codes, dtype=str), kind="stable")
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    ordered_groups = [GroupLimit(g.name, g.mask[order], g.lower, g.upper, g.lower_text, g.upper_text) for g in groups]
    lo, hi = bounds.lower[order], bounds.upper[order]
    o, w = offset[order], weight[order]
    parts = _Parts(o, w, lo, hi, ordered_groups)
    mu = parts.solve(float(budget))
    exact = np.clip(o + mu * w, lo, hi)
    factor = np.full(len(o), mu)
    label = np.full(len(o), "", dtype=object)
    for g in ordered_groups:
        total = parts.part_sum(mu, g.mask)
        limit, text = (g.lower, g.lower_text) if total < g.lower else (g.upper, g.upper_text)
        if g.lower <= total <= g.upper:
            continue
        m = g.mask
        own = solve_scale(o[m], w[m], lo[m], hi[m], float(limit))
        exact[m] = np.clip(o[m] + own * w[m], lo[m], hi[m])
        factor[m] = own
        label[m] = _("eng_group_label", name=g.name, text=text)
    ordered_bounds = BoundSet(lo, hi, bounds.lower_label[order], bounds.upper_label[order])
    amounts = round_with_groups(exact, ordered_bounds, int(budget), [codes[i] for i in order], ordered_groups)
    free = o + factor * w
    on_lower = (exact <= lo + ON_BOUND_TOLERANCE) & (free < lo - ON_BOUND_TOLERANCE)
    on_upper = (exact >= hi - ON_BOUND_TOLERANCE) & (free > hi + ON_BOUND_TOLERANCE)
    return exact[back], amounts[back], mu, on_lower[back], on_upper[back], label[back]


def round_with_groups(exact: np.ndarray, bounds: BoundSet, budget: int, codes, groups: list[GroupLimit]) -> np.ndarray:
    """Whole euros within the bounds and the (disjoint) group limits, summing to ``budget``.

    ``exact`` lies within the bounds but may miss the budget by a few euros (the LP's
    tolerance, and the year band taken around the previous year's rounded amounts). The
    totals of the groups and of the rest are set first (whole euros within their limits,
    the euros left over one each to the largest fractions, ties by name), then each part
    is rescaled to its total within its members' bounds (clip-and-rescale) and rounded by
    :func:`allocation.engine.bounded.round_within_bounds`. Raises ValueError when impossible.
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
    for (_name, mask, _low, _high), total in zip(parts, totals):
        if not mask.any():
            if total:
                raise ValueError("an empty part cannot take euros")
            continue
        lo, hi = bounds.lower[mask], bounds.upper[mask]
        scaled, _ = clip_and_rescale(np.zeros(int(mask.sum())), exact[mask], lo, hi, float(total))
        amounts[mask] = round_within_bounds(scaled, lo, hi, int(total), list(codes_arr[mask]))
    return amounts
