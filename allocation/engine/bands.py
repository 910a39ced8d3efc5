"""Layer 2 (engine): a band around reference amounts (at most x% less, at most y% more).

Used for the transition band (ingroeiregeling: against a reference allocation) and the
year band (against the previous payment year of the same pot). One home for the band's
bounds and its words.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from allocation.common.i18n import _, pct


@dataclass(frozen=True)
class BandLimits:
    """At most ``max_decrease_pct`` less and ``max_increase_pct`` more (None: no limit that way)."""

    max_decrease_pct: float | None = None
    max_increase_pct: float | None = None

    @property
    def decrease(self) -> float | None:
        """The decrease as a fraction (0.1 for 10%)."""
        return None if self.max_decrease_pct is None else self.max_decrease_pct / 100

    @property
    def increase(self) -> float | None:
        """The increase as a fraction."""
        return None if self.max_increase_pct is None else self.max_increase_pct / 100

    def text(self) -> str:
        """``at most 5% less, at most 10% more``."""
        parts = []
        if self.max_decrease_pct is not None:
            parts.append(_("eng_band_less", pct=_pct(self.max_decrease_pct)))
        if self.max_increase_pct is not None:
            parts.append(_("eng_band_more", pct=_pct(self.max_increase_pct)))
        return ", ".join(parts)

    def bounds(self, base: np.ndarray, what: str, against: str, lowers: list, uppers: list) -> None:
        """Add the band's labelled bounds around ``base`` to the lists of ``(label, values)``."""
        if self.max_decrease_pct is not None:
            lowers.append((_("eng_band_lower", what=what, pct=_pct(self.max_decrease_pct), against=against),
                           base * (1 - self.max_decrease_pct / 100)))
        if self.max_increase_pct is not None:
            uppers.append((_("eng_band_upper", what=what, pct=_pct(self.max_increase_pct), against=against),
                           base * (1 + self.max_increase_pct / 100)))


def _pct(value: float) -> str:
    """A percentage limit as written in a scenario: ``5%``, ``2,5%`` (Dutch) or ``2.5%``."""
    return pct(value, 4, trim=True)


def band_limits(band) -> BandLimits:
    """The limits of any band-like object (``max_decrease_pct``, ``max_increase_pct``)."""
    return BandLimits(band.max_decrease_pct, band.max_increase_pct)
