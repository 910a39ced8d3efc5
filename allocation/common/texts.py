"""Plain tables and bounded echoes of a user's text in messages and summaries.

Amounts and percentages are written through the catalogue's helpers in
:mod:`allocation.common.i18n` (the language's way); here :func:`text_table` makes the aligned
tables the command line prints.

Every echo of a user's text is bounded: :func:`quoted` (and :func:`clipped`, without
quotes) cut a value at :data:`QUOTE_LIMIT` characters with "...", and :func:`capped` lists
at most :data:`LIST_LIMIT` problems or notes of one kind, the rest in one summary line.
"""

from __future__ import annotations

import math
from typing import Any

#: How many characters of a user's text (a name, a pot, a cell, a YAML value) a message quotes.
QUOTE_LIMIT = 80
#: How many problems or notes of one kind are listed; the rest are summed up in one line.
LIST_LIMIT = 20


def clipped(value: Any, limit: int = QUOTE_LIMIT) -> str:
    """A user's text as a message shows it: cut at ``limit`` characters with "..."."""
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[:limit] + "..."


def quoted(value: Any, limit: int = QUOTE_LIMIT) -> str:
    """A user's text quoted in a message (``'Amsterdam'``): cut at ``limit`` characters with
    "...", control characters shown escaped, so it stays on one line."""
    return repr(clipped(value, limit))


def listed(values: Any, limit: int = LIST_LIMIT) -> str:
    """Values a message lists (pots, columns): each cut like :func:`clipped`, at most
    ``limit`` of them, then how many more (``a, b, ... and 3 more``)."""
    from allocation.common.i18n import _, number

    values = [clipped(value) for value in values]
    more = _("txt_and_more", count=number(len(values) - limit)) if len(values) > limit else ""
    return ", ".join(values[:limit]) + more


def capped(lines: list[str], more: str, limit: int = LIST_LIMIT) -> list[str]:
    """The first ``limit`` lines and, when there are more, one line saying how many:
    ``more`` with ``{count}`` (e.g. ``"and {count} more problems"``)."""
    if len(lines) <= limit:
        return list(lines)
    return list(lines[:limit]) + [more.replace("{count}", f"{len(lines) - limit:,}")]


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
