"""How amounts, percentages and plain tables are written in messages and summaries.

The one home of these texts, so that every message quotes money the same way:
:func:`euro` for whole euros (``EUR 1,234,567``), :func:`money` for an amount that may
have cents or a finer per-inhabitant value (``EUR 0.205``: the value that applies, never
rounded to a value that does not), :func:`pct` for a percentage limit, and
:func:`text_table` for the aligned tables the command line prints.
"""

from __future__ import annotations

import math
from typing import Any


def euro(amount: float) -> str:
    """An amount as ``EUR 1,234,567`` (whole euros, English separators)."""
    return f"EUR {amount:,.0f}"


def money(value: float) -> str:
    """An amount as written in a scenario: whole euros as ``EUR 5,000``; otherwise with
    at least two decimals and as many more as the value has (``EUR 0.205``, ``EUR 1.50``)."""
    value = float(value)
    if value.is_integer():
        return euro(value)
    text = f"{value:,.10f}".rstrip("0")
    decimals = len(text.split(".")[1])
    return f"EUR {value:,.{max(2, decimals)}f}"


def per_inhabitant(value: float) -> str:
    """``EUR 0.205 per inhabitant``."""
    return f"{money(value)} per inhabitant"


def pct(value: float) -> str:
    """A percentage limit as written in a scenario: ``5%``, ``2.5%``."""
    return f"{value:g}%"


def signed_pct(value: float) -> str:
    """A percentage change: ``+1.25%``; ``n/a`` where it is undefined (NaN)."""
    return "n/a" if value != value else f"{value:+.2f}%"


def plain_number(value: Any) -> str:
    """A number in an edit note: whole values with thousands separators, others as given."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) \
            and float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def text_table(rows: list[list[str]], right: set[int], indent: str = "  ") -> list[str]:
    """Rows of cells as aligned text lines; the columns in ``right`` are right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        indent + "  ".join(c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(row)).rstrip()
        for row in rows
    ]
