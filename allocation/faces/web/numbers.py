"""Layer 6 (faces): numbers on screen and in the app's inputs, the Dutch way by default
(``€ 3.500.000``, ``0,107``, ``-14,1%``), the English way one switch away, through Babel.

Pure functions (no Streamlit), so every format is tested. Reading an input is strict:
one convention per language (``9.000.000`` or ``9000000`` in Dutch, ``9,000,000`` in
English), no exponent, no ``nan`` or infinity, nothing but digits, one sign, group and
decimal marks; a number written the other language's way is refused with a suggestion.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache

from babel.numbers import (
    NumberFormatError,
    get_decimal_symbol,
    get_group_symbol,
    parse_decimal,
)

from allocation.common import i18n
from allocation.common.i18n import LOCALES

_ALLOWED = re.compile(r"^[+-]?[0-9.,]+$")


@dataclass(frozen=True)
class Numbers:
    """Formats for one language (``nl`` or ``en``)."""

    lang: str = "nl"

    @property
    def locale(self) -> str:
        return LOCALES[self.lang]

    @property
    def separators(self) -> str:
        """Plotly's ``separators``: the decimal mark, then the thousands mark."""
        return "".join(_symbols(self.locale))

    def number(self, value: float, decimals: int = 0) -> str:
        """``3.500.000``; ``0,107`` with three decimals. The same text as Babel's
        ``format_decimal`` with the pattern ``#,##0.000`` (half-even rounding of the number as
        written), with Babel's decimal and group marks, at a fraction of the cost; only a value
        that rounds to zero gets no minus sign, and a value that is not a number shows as ``–``."""
        if isinstance(value, float) and not math.isfinite(value):
            return "–"
        rounded = Decimal(repr(float(value)) if isinstance(value, float) else str(value)).quantize(
            _quantum(decimals), rounding=ROUND_HALF_EVEN)
        decimal, group = _symbols(self.locale)
        text = f"{abs(rounded):,.{decimals}f}".translate(str.maketrans({",": group, ".": decimal}))
        return ("-" + text) if rounded < 0 else text

    def eur(self, value: float, decimals: int = 0) -> str:
        """``€ 3.500.000``, ``€ -1.234``, ``€ 0,107`` (three decimals): Babel's
        ``format_currency`` with the pattern ``¤ #,##0``."""
        return "€ " + self.number(value, decimals)

    def delta_eur(self, value: float, decimals: int = 0) -> str:
        """A change with its sign first (``-€ 114.682``, ``+€ 5.367``, ``€ 0``): in tables and as
        a metric's delta (Streamlit colours a delta by its first character)."""
        text = self.number(abs(value), decimals)
        if not any(c in "123456789" for c in text):
            return "€ " + text
        return ("-€ " if value < 0 else "+€ ") + text

    def pct(self, value: float, decimals: int = 1, signed: bool = False) -> str:
        """A value in percent points: ``-14,1%``; ``+2,0%`` when ``signed``."""
        text = self.number(value, decimals) + "%"
        return ("+" + text) if signed and not text.startswith("-") and any(c in "123456789" for c in text) else text

    def column(self, values, decimals: int = 0) -> list[str]:
        """Many numbers at once (a table column or hover texts); empty for a missing value."""
        return ["" if value is None or (isinstance(value, float) and not math.isfinite(value))
                else self.number(value, decimals) for value in values]

    def parse(self, text: str, whole: bool = False) -> float:
        """Read a number typed in this language's convention; ValueError with the fix.

        ``whole``: only whole numbers (euros). Refuses an empty text, exponents, ``nan``,
        infinity and anything but digits, one sign and the marks of this language.
        """
        def say(key: str, **values) -> str:
            return i18n._(key, lang=self.lang, **values)

        raw = (text or "").strip().replace("€", "").strip()
        if not raw:
            raise ValueError(say("number_empty"))
        quoted = repr(raw[:40])
        if not _ALLOWED.match(raw) or raw.count("+") + raw.count("-") > 1:
            raise ValueError(say("number_not_a_number", text=quoted))
        try:
            value = parse_decimal(raw, locale=self.locale, strict=True)
        except NumberFormatError as exc:
            suggestions = getattr(exc, "suggestions", None) or []
            hint = say("number_did_you_mean", options=say("number_or").join(suggestions)) if suggestions else ""
            raise ValueError(say("number_ambiguous", text=quoted) + hint) from None
        number = float(value)
        if not math.isfinite(number) or abs(number) > 1e12:
            raise ValueError(say("number_too_large"))
        if whole and number != int(number):
            raise ValueError(say("number_whole"))
        return int(number) if whole else number


_MONEY = re.compile(r"\bEUR (-?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\d,.]*\d)")
_PERCENT = re.compile(r"(?<![\w.,'])(\d+)\.(\d+)%")


def money_in_text(text: str, numbers: Numbers) -> str:
    """The euro amounts (``EUR 1,136``, ``EUR 0.50``) and percentages (``26.28%``) of a library
    message in the language's way (``€ 1.136``, ``€ 0,50``, ``26,28%``); nothing else is
    touched, so a value quoted from a file stays as it was written."""
    def money(match: re.Match) -> str:
        sign, whole, fraction = match.group(1), match.group(2).replace(",", ""), match.group(3) or ""
        return numbers.eur(float(sign + whole + fraction), len(fraction) - 1 if fraction else 0)

    def percent(match: re.Match) -> str:
        return numbers.number(float(f"{match.group(1)}.{match.group(2)}"), len(match.group(2))) + "%"

    return _PERCENT.sub(percent, _MONEY.sub(money, text))


@lru_cache(maxsize=32)
def _quantum(decimals: int) -> Decimal:
    return Decimal(1).scaleb(-decimals)


@lru_cache(maxsize=4)
def _symbols(locale: str) -> tuple[str, str]:
    return get_decimal_symbol(locale), get_group_symbol(locale)
