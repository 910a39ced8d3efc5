"""Layer 0 (common): numbers written the Dutch way, through Babel (``€ 3.500.000``, ``12,5%``).

For the Dutch texts made below the faces (the compromise key in words, the brief); the app
has its own bilingual helpers in :mod:`allocation.faces.web.numbers`."""

from __future__ import annotations

from babel.numbers import format_currency, format_decimal, format_percent

LOCALE = "nl_NL"


def eur(amount: float) -> str:
    """Whole euros: ``€ 3.500.000``, ``-€ 238.423``."""
    return format_currency(round(amount), "EUR", format="¤ #,##0", locale=LOCALE, currency_digits=False)


def signed_eur(amount: float) -> str:
    """Whole euros with their sign, ``+€ 1.200`` / ``-€ 238.423`` (``€ 0`` for nothing)."""
    return ("+" if round(amount) > 0 else "") + eur(amount)


def pct(value: float, decimals: int = 1, signed: bool = False, fixed: bool = False) -> str:
    """A percentage given in percent (``12.5`` -> ``12,5%``), at most ``decimals`` decimals
    (exactly that many with ``fixed``: ``-19,0%``, for columns)."""
    digits = ("0" if fixed else "#") * decimals
    text = format_percent(value / 100, "#,##0" + ("." + digits if decimals else "") + "%", locale=LOCALE)
    return ("+" if signed and value > 0 else "") + text


def number(value: float, decimals: int = 0) -> str:
    """A plain number: ``1.234``, ``18,16``."""
    return format_decimal(value, "#,##0" + ("." + "0" * decimals if decimals else ""), locale=LOCALE)
