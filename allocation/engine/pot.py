"""Layer 2 (engine): a pot without constraints. Pure functions over arrays; no file or UI access.

The money rules:

* a key specification combines keys: each key is normalised to shares, the shares are
  weighted (weights >= 0, summing to 1) and added;
* an optional vast bedrag (fixed amount per municipality per payment year) comes first;
  the remainder of the pot-year goes pro rata the combined key;
* amounts are whole euros, rounded by largest remainder: every municipality gets the
  floor of its exact amount, and the euros left over go one each to the largest
  fractional parts, ties broken by municipality code (ascending). Every pot-year then
  sums exactly to its budget, no amount is negative, and the result does not depend on
  the order of the rows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from allocation.common.errors import InfeasibleError
from allocation.common.i18n import _, eur, number
from allocation.engine.rounding import apportion


def normalise(values: np.ndarray) -> np.ndarray:
    """Shares that sum to one (order-independent exact sum)."""
    values = np.asarray(values, dtype=float)
    if np.any(values < 0) or not np.all(np.isfinite(values)):
        raise ValueError("key values must be finite and non-negative")
    total = math.fsum(values)
    if not total > 0:
        raise ValueError("a key needs a positive total")
    return values / total


def combine_keys(key_values: Mapping[str, np.ndarray], weights: Mapping[str, float]) -> np.ndarray:
    """Weighted combination of keys, each normalised to shares first.

    ``weights`` are >= 0 and sum to 1; keys with weight 0 may be left out of
    ``key_values``.
    """
    if any(weight < 0 for weight in weights.values()):
        raise ValueError("weights must be >= 0")
    if abs(math.fsum(weights.values()) - 1.0) > 1e-9:
        raise ValueError(f"weights must sum to 1, got {math.fsum(weights.values())}")
    combined = None
    for name in sorted(weights):
        if weights[name] == 0:
            continue
        part = weights[name] * normalise(key_values[name])
        combined = part if combined is None else combined + part
    if combined is None:
        raise ValueError("at least one weight must be positive")
    return combined


def year_budgets(total: int, profile: Mapping[int, float], kind: str) -> dict[int, int]:
    """Whole-euro budget per payment year.

    ``kind='euros'``: the profile gives whole euros that must add up to ``total``.
    ``kind='shares'``: the profile is normalised and ``total`` is divided by largest
    remainder (ties to the earliest year).
    """
    years = sorted(profile)
    if kind == "euros":
        amounts = {year: int(profile[year]) for year in years}
        if any(amounts[year] != profile[year] or amounts[year] < 0 for year in years):
            raise ValueError("year amounts must be non-negative whole euros")
        if sum(amounts.values()) != total:
            raise ValueError(f"year amounts add up to {sum(amounts.values())}, not {total}")
        return amounts
    if kind == "shares":
        shares = np.array([profile[year] for year in years], dtype=float)
        whole = apportion(shares, total, [f"{year:04d}" for year in years])
        return {year: int(amount) for year, amount in zip(years, whole)}
    raise ValueError(f"unknown profile kind {kind!r}")


@dataclass(frozen=True)
class PotAllocation:
    """One pot allocated over municipalities (rows) and payment years (columns)."""

    codes: tuple[str, ...]
    years: tuple[int, ...]
    shares: np.ndarray  # combined key share per municipality, sums to 1
    budgets: tuple[int, ...]  # whole euros per year
    vast_bedrag: int  # euros per municipality per year
    ideal: np.ndarray  # exact (unrounded) amounts, shape (n, years)
    amounts: np.ndarray  # whole euros, shape (n, years), int64


def allocate_pot(
    codes: Sequence[str],
    shares: np.ndarray,
    budgets: Mapping[int, int],
    vast_bedrag: int = 0,
    label: str = "pot",
) -> PotAllocation:
    """Distribute each year's budget: a vast bedrag per municipality, the rest pro rata ``shares``.

    Raises :class:`InfeasibleError` when the vast bedrag for all municipalities costs more
    than a year's budget, with the shortfall in euros.
    """
    codes = tuple(codes)
    shares = np.asarray(shares, dtype=float)
    n = len(codes)
    years = tuple(sorted(budgets))
    problems = []
    for year in years:
        needed = vast_bedrag * n
        if needed > budgets[year]:
            problems.append(_(
                "eng_vast_short", where=f"{label} {year}", amount=eur(vast_bedrag), count=number(n),
                needed=eur(needed), budget=eur(budgets[year]), short=eur(needed - budgets[year]),
            ))
    if problems:
        raise InfeasibleError(problems)
    ideal = np.empty((n, len(years)))
    amounts = np.empty((n, len(years)), dtype=np.int64)
    for column, year in enumerate(years):
        variable = budgets[year] - vast_bedrag * n
        ideal[:, column] = vast_bedrag + shares * variable
        amounts[:, column] = vast_bedrag + apportion(shares, variable, codes)
    return PotAllocation(
        codes=codes,
        years=years,
        shares=shares,
        budgets=tuple(budgets[year] for year in years),
        vast_bedrag=vast_bedrag,
        ideal=ideal,
        amounts=amounts,
    )
