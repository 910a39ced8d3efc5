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
from allocation.common.texts import euro
from allocation.engine.bounded import (
    BoundSet,
    allocate_bounded,
    check_feasible,
    clip_and_rescale,
    round_within_bounds,
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
            lower, lower_text = spec.min_eur, f"at least {euro(spec.min_eur)}"
        if spec.min_share is not None:
            lower = math.ceil(spec.min_share * budget - 1e-9)
            lower_text = f"at least {spec.min_share:.2%} of the pot ({euro(lower)})"
        if spec.max_eur is not None:
            upper, upper_text = spec.max_eur, f"at most {euro(spec.max_eur)}"
        if spec.max_share is not None:
            upper = math.floor(spec.max_share * budget + 1e-9)
            upper_text = f"at most {spec.max_share:.2%} of the pot ({euro(upper)})"
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
        g.lower_text = f"at least {share:.2%} of the pot ({euro(g.lower)}, shares rounded by largest remainder)"


def _subset(bounds: BoundSet, mask: np.ndarray) -> BoundSet:
    return BoundSet(bounds.lower[mask], bounds.upper[mask], bounds.lower_label[mask], bounds.upper_label[mask])


def allocate_with_groups(codes, names, offset, weight, bounds, budget, groups: list[GroupLimit], where: str):
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
            free_total = float(
                np.clip(offset[g.mask] + mu * weight[g.mask], bounds.lower[g.mask], bounds.upper[g.mask]).sum()
            )
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
    for (_, mask, _, _), total in zip(parts, totals):
        if not mask.any():
            if total:
                raise ValueError("an empty part cannot take euros")
            continue
        lo, hi = bounds.lower[mask], bounds.upper[mask]
        scaled, _ = clip_and_rescale(np.zeros(int(mask.sum())), exact[mask], lo, hi, float(total))
        amounts[mask] = round_within_bounds(scaled, lo, hi, int(total), list(codes_arr[mask]))
    return amounts
