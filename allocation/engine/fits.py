"""Layer 2 (engine): which value of an infeasible pot's minimum or maximum would fit. Pure.

When a pot's constraints cannot hold, its messages name every failing year; when the
cause is ONE minimum (or maximum) of the scenario, one more line names the largest minimum
(the smallest maximum) that fits every payment year with the pot's other constraints as
they are: in whole euros per municipality, or in cents per inhabitant (a minimum rounded
down, a maximum up). The value is found by the allocation's own feasibility checks, as a
bisection over whole euros or cents (:func:`largest_that_fits`, :func:`smallest_that_fits`):
a higher minimum (a lower maximum) never makes a pot easier to allocate.

Only computed for messages (``explain=True``), never on the feasible path.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from allocation.common.i18n import _, eur, money


@dataclass(frozen=True)
class AdjustableBound:
    """A minimum or maximum per municipality as the scenario states it: one value.

    ``label`` is its label among the pot's bounds (``PotProblem.fixed_bounds``), ``per`` the
    bound per municipality for a value of 1 (1 for euros per municipality, the population
    for euros per inhabitant; nan where it does not apply), ``years`` the payment years it
    holds in, ``note`` what the label adds (e.g. `` (municipalities with a non-zero key)``).
    """

    kind: str  # "minimum" or "maximum"
    label: str
    value: float
    per: np.ndarray
    per_inhabitant: bool
    years: tuple[int, ...]
    note: str = ""

    @property
    def steps_per_euro(self) -> int:
        """The search's unit: whole euros, or cents per inhabitant."""
        return 100 if self.per_inhabitant else 1

    def amount(self, units: int) -> float:
        """The value of ``units`` whole euros or cents (``123`` cents: exactly the float 1.23)."""
        return units / 100 if self.per_inhabitant else float(units)

    def values(self, units: int) -> np.ndarray:
        """The bound per municipality at ``units`` (nan where it does not apply)."""
        return self.amount(units) * self.per

    def current_units(self) -> int:
        """The stated value in units, rounded the way the bound is: a minimum up, a maximum down."""
        scaled = self.value * self.steps_per_euro
        return math.ceil(scaled - 1e-9) if self.kind == "minimum" else math.floor(scaled + 1e-9)

    def most_units(self, budget: int) -> int | None:
        """A maximum in units at which this maximum no longer limits anybody (no municipality
        can get more than the ``budget``); None when no value could (it is 0 for some)."""
        per = self.per[~np.isnan(self.per)]
        if len(per) == 0 or np.any(per <= 0):
            return None
        return math.ceil(budget / float(per.min()) * self.steps_per_euro) + 1


def largest_that_fits(fits: Callable[[int], bool], low: int, high: int) -> int | None:
    """The largest ``k`` in ``[low, high]`` with ``fits(k)``, for a ``fits`` that holds up to
    some value and not above it; None when nothing in the range fits. Tries ``high`` first."""
    if high < low:
        return None
    if fits(high):
        return high
    if not fits(low):
        return None
    while high - low > 1:  # fits(low), not fits(high)
        middle = (low + high) // 2
        if fits(middle):
            low = middle
        else:
            high = middle
    return low


def smallest_that_fits(fits: Callable[[int], bool], low: int, high: int) -> int | None:
    """The smallest ``k`` in ``[low, high]`` with ``fits(k)``, for a ``fits`` that fails up to
    some value and holds above it; None when nothing in the range fits. Tries ``low`` first
    (:func:`largest_that_fits` on the mirrored range)."""
    found = largest_that_fits(lambda k: fits(-k), -high, -low)
    return None if found is None else -found


def nearest_that_fits(fits: Callable[[int], bool], start: int, stop: int, tries: int) -> int | None:
    """Going from ``start`` (an estimate, e.g. from a linear programme) towards ``stop``, the
    first of the next ``tries`` values (never past ``stop``) with ``fits(k)``; None when none
    of them fits."""
    step = 1 if stop >= start else -1
    for k in range(start, start + step * tries, step):
        if (k - stop) * step > 0:
            return None
        if fits(k):
            return k
    return None


def years_text(years: list[int] | tuple[int, ...]) -> str:
    """``every year (2021-2026)``, ``every year (2021, 2023)`` or ``2026``."""
    years = sorted(years)
    if len(years) == 1:
        return str(years[0])
    if years == list(range(years[0], years[-1] + 1)):
        return _("eng_years_range", first=years[0], last=years[-1])
    return _("eng_years_list", years=", ".join(str(y) for y in years))


def fits_text(pot_label: str, bound: AdjustableBound, units: int) -> str:
    """``ELIP: a minimum of at most EUR 1,136 per municipality fits every year (2021-2026)``."""
    if bound.per_inhabitant:
        amount = _("eng_per_inhabitant", amount=money(bound.amount(units)))
    else:
        amount = _("eng_per_municipality", amount=eur(bound.amount(units)))
    key = "eng_fits_minimum" if bound.kind == "minimum" else "eng_fits_maximum"
    return _(key, pot=pot_label, amount=amount, note=bound.note, years=years_text(bound.years))
