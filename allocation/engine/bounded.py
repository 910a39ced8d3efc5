"""Layer 2 (engine): one pot-year within per-municipality bounds, in closed form. Pure functions over arrays.

One pot-year: municipality ``i`` would get ``key_i = offset_i + weight_i`` without
constraints (``offset`` is the vast bedrag, ``weight`` the key share of the variable
budget). With lower bounds ``L`` and upper bounds ``U`` (whole euros) the amount is

    x_i = clip(offset_i + mu * weight_i, L_i, U_i)

with ONE scaling factor ``mu`` per pot-year, chosen so that the amounts add up to the
budget. This is the solution closest to the key (it minimises
``sum (x_i - offset_i)^2 / weight_i``): every municipality that no bound holds keeps the
key's proportions. ``mu`` is found exactly: the sum is piecewise linear and
non-decreasing in ``mu``; a bisection over the sorted breakpoints finds the segment and a
linear solve the value. When no bound binds, ``mu`` is exactly 1 and the result equals
the unconstrained allocation.

Rounding (:func:`round_within_bounds`): every municipality gets the whole euros of its
exact amount, clipped to its (whole-euro) bounds; the euros left over go one each to the
largest fractions among municipalities that stay within their upper bound (ties: lowest
code first); euros to take back come from the smallest fractions among those above their
lower bound (ties: highest code first). Bounds therefore hold after rounding and every
pot-year sums exactly to its budget.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from allocation.common.i18n import _, eur, number

#: At most this many municipalities are listed by name in one message.
MAX_LISTED = 5

#: Amounts within this many euros of a bound count as sitting on it.
ON_BOUND_TOLERANCE = 1e-6


def integer_bounds(lower: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whole-euro bounds: a minimum rounds up, a maximum rounds down.

    A bound within 1e-9 euro of a whole euro is taken as that euro, so that bounds
    computed in floating point (e.g. 5% below a reference) do not lose a euro to noise.
    ``lower`` may be ``-inf``-free (use 0 for no minimum); ``upper`` may be ``inf``.
    """
    lower = np.asarray(lower, dtype=float)
    upper = np.asarray(upper, dtype=float)
    lo = np.ceil(lower - 1e-9)
    hi = np.where(np.isfinite(upper), np.floor(upper + 1e-9), np.inf)
    return np.maximum(lo, 0.0), hi


def _clipped_sum(mu: float, offset, weight, lower, upper) -> float:
    return math.fsum(np.clip(offset + mu * weight, lower, upper))


def solve_scale(
    offset: np.ndarray, weight: np.ndarray, lower: np.ndarray, upper: np.ndarray, budget: float
) -> float:
    """The scaling factor ``mu`` with ``sum clip(offset + mu*weight, lower, upper) == budget``.

    The caller checks feasibility first (see :func:`check_feasible`). Where several
    values of ``mu`` give the budget (a flat stretch), the smallest is returned; the
    amounts are the same for all of them.
    """
    offset = np.asarray(offset, dtype=float)
    weight = np.asarray(weight, dtype=float)
    if np.all(np.clip(offset + weight, lower, upper) == offset + weight) and abs(
        math.fsum(offset + weight) - budget
    ) <= 1e-6 * max(1.0, budget):
        return 1.0
    positive = weight > 0
    w = weight[positive]
    points = np.concatenate(
        [(lower[positive] - offset[positive]) / w, (upper[positive] - offset[positive]) / w]
    )
    points = np.unique(points[np.isfinite(points)])
    if len(points) == 0:
        return 1.0
    # S(mu) is non-decreasing; find the last breakpoint with S <= budget
    lo_index, hi_index = -1, len(points)  # S(points[lo]) <= budget < S(points[hi])
    while hi_index - lo_index > 1:
        middle = (lo_index + hi_index) // 2
        if _clipped_sum(points[middle], offset, weight, lower, upper) <= budget:
            lo_index = middle
        else:
            hi_index = middle
    if lo_index == -1:
        anchor = points[0] - 1.0
    else:
        anchor = points[lo_index]
    if hi_index == len(points):
        probe = anchor + 1.0
    else:
        probe = points[hi_index]
    # on [anchor, probe] the sum is linear: the municipalities strictly between bounds move
    middle = (anchor + probe) / 2
    moving = positive & (offset + middle * weight > lower) & (offset + middle * weight < upper)
    slope = math.fsum(weight[moving])
    base = _clipped_sum(anchor, offset, weight, lower, upper)
    if slope <= 0:
        return float(anchor)
    return float(anchor + (budget - base) / slope)


def clip_and_rescale(
    offset: np.ndarray, weight: np.ndarray, lower: np.ndarray, upper: np.ndarray, budget: float
) -> tuple[np.ndarray, float]:
    """Exact amounts ``clip(offset + mu*weight, lower, upper)`` summing to ``budget``, and ``mu``."""
    mu = solve_scale(offset, weight, lower, upper, budget)
    exact = np.clip(offset + mu * weight, lower, upper)
    return exact, mu


def round_within_bounds(
    exact: np.ndarray, lower: np.ndarray, upper: np.ndarray, total: int, codes: Sequence[str]
) -> np.ndarray:
    """Whole euros within whole-euro ``[lower, upper]`` that sum to ``total`` (largest remainder)."""
    exact = np.asarray(exact, dtype=float)
    n = len(exact)
    lo = np.asarray(lower, dtype=float)
    hi = np.asarray(upper, dtype=float)
    base = np.clip(np.floor(exact + 1e-9), lo, hi)
    amounts = base.astype(np.int64)
    fractions = np.clip(exact - base, 0.0, None)
    leftover = int(total) - int(amounts.sum())
    code_rank = np.empty(n, dtype=np.int64)
    code_rank[np.argsort(np.asarray(codes, dtype=str), kind="stable")] = np.arange(n)
    if leftover > 0:
        candidates = np.flatnonzero(amounts + 1 <= hi)
        order = candidates[np.lexsort((code_rank[candidates], -fractions[candidates]))]
        if len(order) < leftover:
            raise ValueError("the upper bounds cannot take the budget")
        amounts[order[:leftover]] += 1
    elif leftover < 0:
        candidates = np.flatnonzero(amounts - 1 >= lo)
        order = candidates[np.lexsort((-code_rank[candidates], fractions[candidates]))]
        if len(order) < -leftover:
            raise ValueError("the lower bounds need more than the budget")
        amounts[order[:-leftover]] -= 1
    return amounts


@dataclass(frozen=True)
class BoundSet:
    """Per-municipality bounds of one pot-year, with the constraint each comes from.

    ``lower_label[i]`` / ``upper_label[i]`` name the constraint that sets the bound
    (empty: no bound). ``lower`` is 0 where there is no minimum, ``upper`` is ``inf``
    where there is no maximum. Amounts are whole euros (see :func:`integer_bounds`).
    """

    lower: np.ndarray
    upper: np.ndarray
    lower_label: np.ndarray
    upper_label: np.ndarray


def combine_bounds(n: int, lowers: list[tuple[str, np.ndarray]], uppers: list[tuple[str, np.ndarray]]) -> BoundSet:
    """The tightest of several bounds per municipality, remembering which constraint set it.

    Each entry is ``(label, values)`` with ``nan`` where the constraint does not apply.
    Ties keep the first constraint listed.
    """
    lower = np.zeros(n)
    upper = np.full(n, np.inf)
    lower_label = np.full(n, "", dtype=object)
    upper_label = np.full(n, "", dtype=object)
    for label, values in lowers:
        values = np.asarray(values, dtype=float)
        lo = integer_bounds(np.nan_to_num(values, nan=0.0), np.full(n, np.inf))[0]
        tighter = ~np.isnan(values) & (lo > lower)
        lower[tighter] = lo[tighter]
        lower_label[tighter] = label
    for label, values in uppers:
        values = np.asarray(values, dtype=float)
        hi = integer_bounds(np.zeros(n), np.nan_to_num(values, nan=np.inf))[1]
        tighter = ~np.isnan(values) & (hi < upper)
        upper[tighter] = hi[tighter]
        upper_label[tighter] = label
    return BoundSet(lower, upper, lower_label, upper_label)


def _describe_labels(labels: np.ndarray, mask: np.ndarray) -> str:
    names = sorted({str(label) for label in labels[mask] if label})
    return "; ".join(names) if names else _("eng_no_constraint")


def check_feasible(
    codes: Sequence[str],
    names: Sequence[str],
    offset: np.ndarray,
    weight: np.ndarray,
    bounds: BoundSet,
    budget: int,
    where: str,
) -> list[str]:
    """Messages, in euros, for every reason the bounds cannot give exactly ``budget``.

    ``where`` starts each message, e.g. ``"ELIP 2023"``. Empty when feasible.
    """
    problems = []
    lower, upper = bounds.lower, bounds.upper
    crossed = np.flatnonzero(lower > upper)
    for i in crossed[:MAX_LISTED]:
        problems.append(_(
            "eng_crossed", where=where, code=codes[i], name=names[i], lower=eur(lower[i]),
            lower_label=bounds.lower_label[i], upper=eur(upper[i]), upper_label=bounds.upper_label[i],
        ))
    if len(crossed) > MAX_LISTED:
        problems.append(_(
            "eng_crossed_more", where=where, count=number(len(crossed) - MAX_LISTED),
            gap=eur(float((lower - upper)[crossed[MAX_LISTED:]].sum())),
        ))
    if problems:
        return problems
    # what the allocation can reach: key-less municipalities stay at clip(offset)
    fixed = ~(weight > 0)
    fixed_amount = np.clip(offset, lower, upper)
    smallest = math.fsum(np.where(fixed, fixed_amount, lower))
    largest = math.fsum(np.where(fixed, fixed_amount, upper)) if np.all(np.isfinite(upper[~fixed])) else math.inf
    if smallest > budget:
        bound = lower > 0
        labels = {str(label) for label in bounds.lower_label[bound] if label}
        count = int(bound.sum())
        if len(labels) == 1 and len(np.unique(lower[bound])) == 1 and not np.any(fixed & (fixed_amount > lower)):
            label = labels.pop()
            problems.append(_(
                "eng_minimum_short", where=where, label=label, count=number(count), needed=eur(smallest),
                budget=eur(budget), short=eur(smallest - budget),
            ))
        else:
            problems.append(_(
                "eng_minimums_short", where=where, labels=_describe_labels(bounds.lower_label, bound),
                count=number(count), needed=eur(smallest), budget=eur(budget), short=eur(smallest - budget),
            ))
    elif largest < budget:
        bound = np.isfinite(upper) & ~fixed
        zero_key = int(fixed.sum())
        reason = (
            _("eng_maximums_reason", labels=_describe_labels(bounds.upper_label, bound), count=number(int(bound.sum())))
            if bound.any() else _("eng_key_reason")
        )
        if zero_key:
            reason += _("eng_zero_key", count=number(zero_key))
        problems.append(_(
            "eng_maximums_short", where=where, reason=reason, largest=eur(largest), budget=eur(budget),
            unpaid=eur(budget - largest),
        ))
    return problems


@dataclass(frozen=True)
class BoundedYear:
    """The constrained allocation of one pot-year."""

    exact: np.ndarray  # continuous amounts
    amounts: np.ndarray  # whole euros
    scale: float  # mu: the factor on the key for municipalities no bound holds
    on_lower: np.ndarray  # bool: sits on its minimum (and the key would give less)
    on_upper: np.ndarray  # bool: sits on its maximum (and the key would give more)


def allocate_bounded(
    codes: Sequence[str],
    offset: np.ndarray,
    weight: np.ndarray,
    bounds: BoundSet,
    budget: int,
) -> BoundedYear:
    """Clip-and-rescale one pot-year, then round within the bounds. Assumes feasibility.

    The result does not depend on the order of the rows: the computation runs in code
    order and is mapped back.
    """
    codes = list(codes)
    order = np.argsort(np.asarray(codes, dtype=str), kind="stable")
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    o, w = np.asarray(offset, float)[order], np.asarray(weight, float)[order]
    lo, hi = bounds.lower[order], bounds.upper[order]
    exact, mu = clip_and_rescale(o, w, lo, hi, budget)
    amounts = round_within_bounds(exact, lo, hi, budget, [codes[i] for i in order])
    free = o + mu * w
    on_lower = (exact <= lo + ON_BOUND_TOLERANCE) & (free < lo - ON_BOUND_TOLERANCE)
    on_upper = (exact >= hi - ON_BOUND_TOLERANCE) & (free > hi + ON_BOUND_TOLERANCE)
    return BoundedYear(
        exact=exact[back], amounts=amounts[back], scale=mu, on_lower=on_lower[back], on_upper=on_upper[back]
    )
