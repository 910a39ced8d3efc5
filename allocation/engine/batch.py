"""Layer 2 (engine): the allocation rules batched over many draws at once. Pure numpy.

Arrays have one row per draw and one column per municipality, the columns in ascending
code order (the key register's order), so that "ties broken by code" is "ties broken by
column". Each function gives, row by row, what its one-draw counterpart gives:

* :func:`largest_remainder_rows` as :func:`allocation.engine.rounding.largest_remainder`;
* :func:`clip_and_rescale_rows` as :func:`allocation.engine.bounded.clip_and_rescale`
  (one factor per draw, found for all draws together by safeguarded Newton steps on the
  piecewise-linear sum, exact on the stretch that holds the budget);
* :func:`round_within_bounds_rows` as :func:`allocation.engine.bounded.round_within_bounds`.

Rows they cannot settle in the batch (a rare floating-point leftover outside the usual
range) are marked in a returned mask; the caller computes those draws one by one.
"""

from __future__ import annotations

import numpy as np

#: At most this many steps per solve (each a Newton step on the linear stretch, or a halving
#: of the bracket); a few suffice.
BISECTION_STEPS = 100


def _give_to_largest(base: np.ndarray, fractions: np.ndarray, leftover: np.ndarray) -> np.ndarray:
    """Add one to the ``leftover`` largest fractions of each row (ties: lowest column first)."""
    order = np.argsort(-fractions, axis=1, kind="stable")
    rank = np.empty_like(order)
    rows = np.arange(order.shape[0])[:, None]
    rank[rows, order] = np.arange(order.shape[1])[None, :]
    return base + (rank < leftover[:, None])


def largest_remainder_rows(ideal: np.ndarray, totals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whole euros per row summing to ``totals`` (largest remainder, ties by column), and a mask
    of the rows left to the one-by-one rounding (floating-point noise past the floors)."""
    ideal = np.asarray(ideal, dtype=float)
    floors = np.floor(ideal).astype(np.int64)
    leftover = np.asarray(totals, dtype=np.int64) - floors.sum(axis=1)
    unsettled = (leftover < 0) | (leftover > ideal.shape[1])
    amounts = _give_to_largest(floors, ideal - floors, np.clip(leftover, 0, None))
    return amounts, unsettled


def _clipped_sum(mu: np.ndarray, offset: np.ndarray, weight: np.ndarray, lower: np.ndarray,
                 upper: np.ndarray) -> np.ndarray:
    return np.clip(offset + mu[:, None] * weight, lower, upper).sum(axis=1)


def _linear_step(mu: np.ndarray, offset: np.ndarray, weight: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                 budget: np.ndarray) -> np.ndarray:
    """The ``mu`` that gives the budget if the municipalities between their bounds at ``mu``
    stayed between them (exact on the stretch around ``mu``); NaN where none moves."""
    free = offset + mu[:, None] * weight
    moving = (weight > 0) & (free > lower) & (free < upper)
    fixed = np.where(moving, 0.0, np.clip(free, lower, upper)).sum(axis=1)
    slope = np.where(moving, weight, 0.0).sum(axis=1)
    base = np.where(moving, offset, 0.0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(slope > 0, (budget - fixed - base) / slope, np.nan)


def clip_and_rescale_rows(offset: np.ndarray, weight: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                          budget: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row ``clip(offset + mu * weight, lower, upper)`` summing to the row's budget, ``mu``, and
    a mask of the rows whose sum misses the budget (left to the one-by-one solve).

    Assumes every row is feasible. The sum is non-decreasing and piecewise linear in ``mu``:
    a bracket that holds the budget is kept, and each step solves the linear stretch around
    the current ``mu`` exactly (a Newton step), falling back to halving the bracket when that
    step leaves it. When the set of municipalities between their bounds stops changing, the
    step is exact: a handful of steps, each one pass over the array.
    """
    rows = weight.shape[0]
    budget = np.broadcast_to(np.asarray(budget, dtype=float), (rows,))
    offset = np.broadcast_to(offset, weight.shape)
    low, high = np.zeros(rows), np.ones(rows)
    for _ in range(200):  # grow the bracket until it holds the budget
        short = _clipped_sum(high, offset, weight, lower, upper) < budget
        if not short.any():
            break
        high = np.where(short, high * 2, high)
    for _ in range(200):
        over = _clipped_sum(low, offset, weight, lower, upper) > budget
        if not over.any():
            break
        low = np.where(over, 2 * low - 1, low)
    mu = np.clip(np.ones(rows), low, high)  # the key itself, where no bound binds
    tolerance = 1e-9 * np.maximum(budget, 1.0)
    for _ in range(BISECTION_STEPS):
        total = _clipped_sum(mu, offset, weight, lower, upper)
        done = np.abs(total - budget) <= tolerance
        if done.all():
            break
        low = np.where(~done & (total < budget), mu, low)
        high = np.where(~done & (total > budget), mu, high)
        step = _linear_step(mu, offset, weight, lower, upper, budget)
        inside = np.isfinite(step) & (step > low) & (step < high)
        mu = np.where(done, mu, np.where(inside, step, (low + high) / 2))
    step = _linear_step(mu, offset, weight, lower, upper, budget)  # exact on the final stretch
    mu = np.where(np.isfinite(step), np.clip(step, low, high), mu)
    exact = np.clip(offset + mu[:, None] * weight, lower, upper)
    unsettled = np.abs(exact.sum(axis=1) - budget) > 1e-6 * np.maximum(budget, 1.0)
    return exact, mu, unsettled


def round_within_bounds_rows(exact: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                             totals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whole euros within whole-euro bounds summing to ``totals`` per row (largest remainder
    among those with room, ties by column), and a mask of rows left to the one-by-one rounding."""
    base = np.clip(np.floor(exact + 1e-9), lower, upper)
    amounts = base.astype(np.int64)
    fractions = np.clip(exact - base, 0.0, None)
    leftover = np.asarray(totals, dtype=np.int64) - amounts.sum(axis=1)
    room = amounts + 1 <= upper
    unsettled = (leftover < 0) | (leftover > room.sum(axis=1))
    ranked = np.where(room, fractions, -1.0)  # no room: last in line
    return _give_to_largest(amounts, ranked, np.clip(leftover, 0, None)), unsettled


def feasible_rows(offset: np.ndarray, weight: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                  budget: np.ndarray) -> np.ndarray:
    """Per row: whether the bounds can give exactly the budget (zero-key municipalities stay at
    their offset, clipped), as :func:`allocation.engine.bounded.check_feasible` decides."""
    offset = np.broadcast_to(offset, weight.shape)
    fixed = ~(weight > 0)
    fixed_amount = np.clip(offset, lower, upper)
    smallest = np.where(fixed, fixed_amount, lower).sum(axis=1)
    largest = np.where(fixed, fixed_amount, upper).sum(axis=1)
    return (lower <= upper).all(axis=1) & (smallest <= budget + 1e-6) & (largest >= budget - 1e-6)
