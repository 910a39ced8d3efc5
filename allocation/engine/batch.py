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
    """Whole euros: ``base`` (whole numbers) plus one for the ``leftover`` largest fractions of
    each row (ties: lowest column first), as a stable sort of each row by fraction, largest
    first, would give; ``fractions`` are finite (in [-1, 1] as the callers make them) and
    ``leftover`` in [0, columns].

    Without sorting the rows: a counting pass puts each row's fractions in buckets in fraction
    order (``columns / 16`` per unit: about 16 fractions a bucket when they spread evenly); every
    fraction in a bucket above the one that holds the row's ``leftover``-th largest gets one,
    and only that bucket's fractions are sorted (fraction largest first, then column) to give
    out the rest of the row's leftover. A handful of passes over the array, one new array.
    """
    rows, n = fractions.shape
    leftover = np.asarray(leftover, dtype=np.int64)
    half = max(1, n // 16)  # buckets per unit of fraction
    width = 2 * half + 1  # [-1, 1] in this many buckets per row
    first = np.arange(rows, dtype=np.int64) * width  # the row's first bucket, counted over all rows
    # bucket (counted over all rows): trunc(fraction * half) + half + first, monotone in the fraction
    bucket = np.empty(fractions.shape, dtype=np.int64)
    np.multiply(fractions, float(half), out=bucket, casting="unsafe")
    np.clip(bucket, -half, half, out=bucket)  # a fraction beyond [-1, 1] shares an end bucket, sorted in it
    bucket += (first + half)[:, None]
    counts = np.bincount(bucket.ravel(), minlength=rows * width).reshape(rows, width)
    from_top = np.cumsum(counts[:, ::-1], axis=1)  # [r, j]: fractions in the row's top j + 1 buckets
    top = np.argmax(from_top >= leftover[:, None], axis=1)
    edge = width - 1 - top  # the bucket of the row's leftover-th largest fraction
    need = leftover - (from_top[np.arange(rows), top] - counts[np.arange(rows), edge])
    edge += first
    row, column = np.nonzero(bucket == edge[:, None])
    above = bucket > edge[:, None]
    result = np.add(base, above, out=bucket, casting="unsafe")  # the buckets are no longer needed
    order = np.lexsort((column, -fractions[row, column], row))
    row, column = row[order], column[order]
    rank = np.arange(len(row)) - np.searchsorted(row, row)  # place in its row, largest fraction first
    take = rank < need[row]
    result[row[take], column[take]] += 1
    return result


def largest_remainder_rows(ideal: np.ndarray, totals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whole euros per row summing to ``totals`` (largest remainder, ties by column), and a mask
    of the rows left to the one-by-one rounding (floating-point noise past the floors)."""
    ideal = np.asarray(ideal, dtype=float)
    floors = np.floor(ideal)
    leftover = np.asarray(totals, dtype=np.int64) - floors.sum(axis=1).astype(np.int64)
    unsettled = (leftover < 0) | (leftover > ideal.shape[1])
    fractions = np.subtract(ideal, floors)
    amounts = _give_to_largest(floors, fractions, np.clip(leftover, 0, ideal.shape[1]))
    return amounts, unsettled


def _at(mu: np.ndarray, offset: np.ndarray, weight: np.ndarray, lower: np.ndarray, upper: np.ndarray,
        free: np.ndarray, clipped: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row at ``mu``: the sum of ``clip(offset + mu * weight, lower, upper)`` (the amounts left
    in ``clipped``), and its slope there: the weights of the municipalities between their bounds."""
    np.multiply(weight, mu[:, None], out=free)
    free += offset
    np.clip(free, lower, upper, out=clipped)
    total = clipped.sum(axis=1)
    between = clipped == free
    np.multiply(weight, between, out=free)
    return total, free.sum(axis=1)


def clip_and_rescale_rows(offset: np.ndarray, weight: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                          budget: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row ``clip(offset + mu * weight, lower, upper)`` summing to the row's budget, ``mu``, and
    a mask of the rows whose sum misses the budget (left to the one-by-one solve).

    Assumes every row is feasible (:func:`feasible_rows`; a row that is not costs every step).
    The sum is non-decreasing and piecewise linear in ``mu``: a bracket that holds the budget is
    kept, and each step solves the linear stretch around the current ``mu`` exactly (a Newton
    step), falling back to halving the bracket (or to widening it, while one side is open) when
    that step leaves it. When the set of municipalities between their bounds stops changing,
    the step is exact: a handful of steps, each a few passes over the array, and one last
    Newton step from where the sum is within ``1e-9`` of the budget.
    """
    rows = weight.shape[0]
    budget = np.broadcast_to(np.asarray(budget, dtype=float), (rows,))
    low, high = np.full(rows, -np.inf), np.full(rows, np.inf)
    mu = np.ones(rows)  # the key itself, where no bound binds
    free, clipped = np.empty(weight.shape), np.empty(weight.shape)
    tolerance = 1e-9 * np.maximum(budget, 1.0)
    for _ in range(BISECTION_STEPS):
        total, slope = _at(mu, offset, weight, lower, upper, free, clipped)
        done = np.abs(total - budget) <= tolerance
        if done.all():
            break
        low = np.where(~done & (total < budget), mu, low)
        high = np.where(~done & (total > budget), mu, high)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = mu + (budget - total) / slope
            wider = np.where(np.isfinite(high), high - np.maximum(1.0, np.abs(high)),
                             low + np.maximum(1.0, np.abs(low)))
            halved = np.where(np.isfinite(low) & np.isfinite(high), (low + high) / 2, wider)
        inside = np.isfinite(step) & (step > low) & (step < high)
        mu = np.where(done, mu, np.where(inside, step, halved))
    else:
        total, slope = _at(mu, offset, weight, lower, upper, free, clipped)
    with np.errstate(divide="ignore", invalid="ignore"):
        step = mu + (budget - total) / slope  # exact on the final stretch
    mu = np.where(np.isfinite(step), np.clip(step, low, high), mu)
    np.multiply(weight, mu[:, None], out=free)
    free += offset
    exact = np.clip(free, lower, upper, out=clipped)
    unsettled = np.abs(exact.sum(axis=1) - budget) > 1e-6 * np.maximum(budget, 1.0)
    return exact, mu, unsettled


def round_within_bounds_rows(exact: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                             totals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whole euros within whole-euro bounds summing to ``totals`` per row (largest remainder
    among those with room, ties by column), and a mask of rows left to the one-by-one rounding."""
    base = exact + 1e-9
    np.floor(base, out=base)
    np.clip(base, lower, upper, out=base)
    fractions = base + 1.0
    full = fractions > upper  # no room for one more euro: last in line
    np.subtract(exact, base, out=fractions)
    np.maximum(fractions, 0.0, out=fractions)
    np.copyto(fractions, -1.0, where=full)
    leftover = np.asarray(totals, dtype=np.int64) - base.sum(axis=1).astype(np.int64)
    unsettled = (leftover < 0) | (leftover > exact.shape[1] - full.sum(axis=1))
    return _give_to_largest(base, fractions, np.clip(leftover, 0, exact.shape[1])), unsettled


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
