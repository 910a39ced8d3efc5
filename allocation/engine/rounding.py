"""Layer 2 (engine): whole-euro rounding by largest remainder. Pure functions over arrays.

Every municipality gets the floor of its exact amount, and the euros left over go one
each to the largest fractional parts, ties broken by municipality code (ascending). The
amounts then sum exactly to the total, none is negative, and the result does not depend
on the order of the rows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def largest_remainder(ideal: np.ndarray, total: int, codes: Sequence[str]) -> np.ndarray:
    """Round non-negative exact amounts to whole euros that sum to ``total``.

    ``ideal`` must sum to ``total`` up to floating-point noise. Ties between equal
    fractional parts are broken by ``codes`` (ascending), so the result is the same for
    any order of the rows.
    """
    ideal = np.asarray(ideal, dtype=float)
    if ideal.ndim != 1 or len(ideal) != len(codes):
        raise ValueError("ideal and codes must be one-dimensional and of equal length")
    if total < 0 or int(total) != total:
        raise ValueError(f"total must be a non-negative whole number, got {total}")
    if np.any(ideal < 0) or not np.all(np.isfinite(ideal)):
        raise ValueError("ideal amounts must be finite and non-negative")
    total = int(total)
    floors = np.floor(ideal).astype(np.int64)
    leftover = total - int(floors.sum())
    n = len(ideal)
    if leftover > n or leftover < -n:
        raise ValueError(f"ideal amounts sum to {math.fsum(ideal)}, not to {total}")
    fractions = ideal - floors
    code_rank = np.argsort(np.asarray(codes, dtype=str), kind="stable")
    rank_of = np.empty(n, dtype=np.int64)
    rank_of[code_rank] = np.arange(n)
    if leftover > 0:
        # largest fraction first; equal fractions: lowest code first
        order = np.lexsort((rank_of, -fractions))
        floors[order[:leftover]] += 1
    elif leftover < 0:
        # floating-point noise pushed the floors over the total: take back from the
        # smallest fractions among positive amounts, highest code first
        candidates = np.flatnonzero(floors > 0)
        if len(candidates) < -leftover:
            raise ValueError(f"ideal amounts sum to {math.fsum(ideal)}, not to {total}")
        order = candidates[np.lexsort((-rank_of[candidates], fractions[candidates]))]
        floors[order[:-leftover]] -= 1
    return floors


def apportion(weights: np.ndarray, total: int, codes: Sequence[str]) -> np.ndarray:
    """Divide ``total`` whole euros pro rata non-negative ``weights`` (largest remainder)."""
    weights = np.asarray(weights, dtype=float)
    weight_sum = math.fsum(weights)
    if not weight_sum > 0:
        if total == 0:
            return np.zeros(len(weights), dtype=np.int64)
        raise ValueError("weights must have a positive sum")
    ideal = weights / weight_sum * total
    return largest_remainder(ideal, total, codes)
