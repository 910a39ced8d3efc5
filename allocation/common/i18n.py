"""Layer 0 (common): every text a user reads, from one gettext catalogue per language.

Dutch is the default everywhere; English is one switch away: ``--lang en`` on the command
line (or ``ALLOCATION_LANG=en``), the language switch in the app.

**Messages are stable keys** (``_("app_title")``), not English sentences:
the product has two first-class languages and neither is the source of the other, a key
stays the same when the Dutch wording is polished (the English is not marked fuzzy, the
code does not change), and the app's catalogue was already keyed. Placeholders are
:meth:`str.format` fields (``{name}``), filled by :func:`_` itself; both languages must
have the same ones (``tests/common/test_catalogue.py``).

**The language is a context variable**, not process state: the app serves several users
at once, each session sets its language at the top of every rerun
(:func:`set_language`), and a rerun runs in its own thread with its own context. Functions
that are cached across sessions and return text take the language as an argument.
:func:`using` sets it for a block (tests, the command line).

**Compiled catalogues are committed** (``locale/<lang>/LC_MESSAGES/allocation.mo`` beside
each ``.po``), and a test checks that each ``.mo`` holds exactly its ``.po``. An editable
install (``pip install -e .``, which the README uses) runs no build hook, and compiling
lazily into a cache needs a writable place and Babel at run time; reading a ``.mo`` with
the standard library's :mod:`gettext` costs about a millisecond and happens only at the
first text asked for (nothing is read at import: ``validate`` and ``explain`` stay quick).

The catalogues, from the repository's top folder::

    pybabel extract -F babel.cfg --no-default-keywords -k _ -k N_ -k lang -k ngettext:1,2 \\
        -o allocation/common/locale/allocation.pot .
    pybabel update -i allocation/common/locale/allocation.pot -d allocation/common/locale \\
        -D allocation --no-fuzzy-matching
    # fill msgstr in locale/nl and locale/en, then
    pybabel compile -d allocation/common/locale -D allocation

Keys built at run time (``f"kind_{kind}"``) are declared where they are built with
:func:`N_` so that ``extract`` finds them.

**Numbers in texts** go through Babel in the language's locale (:func:`number`,
:func:`eur`, :func:`pct`, :func:`share`), imported at first use.

**The pseudo-locale** ``qps`` (for the test of untranslated text) shows the Dutch texts
with every literal part of a catalogue text between ``⟦`` and ``⟧``; a value filled into
a placeholder stays outside the marks, so an English word that reaches the user through
a placeholder is caught too.
"""

from __future__ import annotations

import gettext
import os
import string
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES = {"nl": "Nederlands", "en": "English"}
PSEUDO = "qps"  #: the test language: Dutch with every catalogue text marked
LOCALES = {"nl": "nl_NL", "en": "en_GB", PSEUDO: "nl_NL"}
DEFAULT = "nl"
DOMAIN = "allocation"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
MARK_OPEN, MARK_CLOSE = "⟦", "⟧"
ENV = "ALLOCATION_LANG"

_current: ContextVar[str | None] = ContextVar("allocation_language", default=None)


def check_language(lang: str) -> str:
    """``lang`` when the product speaks it; otherwise a ValueError naming the choices."""
    if lang not in LOCALES:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    return lang


def default_language() -> str:
    """``ALLOCATION_LANG`` when set (refused when unknown), otherwise Dutch."""
    return check_language(os.environ.get(ENV, "").strip() or DEFAULT)


def language() -> str:
    """The language of this context: the one set last in it, otherwise the default."""
    return _current.get() or default_language()


def set_language(lang: str | None) -> None:
    """Set this context's language (``None``: back to the default)."""
    _current.set(None if lang is None else check_language(lang))


@contextmanager
def using(lang: str | None) -> Iterator[None]:
    """Speak ``lang`` inside the block (``None``: the current language)."""
    token = _current.set(None if lang is None else check_language(lang))
    try:
        yield
    finally:
        _current.reset(token)


@cache
def _catalogue(lang: str) -> gettext.NullTranslations:
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    with open(path, "rb") as handle:
        return gettext.GNUTranslations(handle)


def N_(key: str) -> str:
    """Mark a key that is used later (built at run time) for ``pybabel extract``."""
    return key


def _pseudo(template: str, values: dict[str, Any]) -> str:
    """Every literal part of ``template`` between marks, the values outside."""
    out = []
    for literal, field, spec, conversion in string.Formatter().parse(template):
        if literal:
            out.append(MARK_OPEN + literal + MARK_CLOSE)
        if field is not None:
            piece = "{" + field + ("!" + conversion if conversion else "") + (":" + spec if spec else "") + "}"
            out.append(piece.format(**values))
    return "".join(out)


def _fill(template: str, lang: str, values: dict[str, Any]) -> str:
    if lang == PSEUDO:
        return _pseudo(template, values)
    return template.format(**values) if values else template


def raw(key: str, lang: str | None = None) -> str:
    """The catalogue text of ``key`` unfilled (the key itself when the catalogue lacks it)."""
    lang = language() if lang is None else check_language(lang)
    return _catalogue("nl" if lang == PSEUDO else lang).gettext(key)


def _(key: str, /, lang: str | None = None, **values: Any) -> str:
    """The text of ``key`` in ``lang`` (default: this context's language), its ``{fields}``
    filled from ``values``."""
    lang = language() if lang is None else check_language(lang)
    template = _catalogue("nl" if lang == PSEUDO else lang).gettext(key)
    if template == key:
        return key  # not in the catalogue: shown as the key, unmarked (the pseudo test finds it)
    return _fill(template, lang, values)


def ngettext(singular: str, plural: str, n: int, /, lang: str | None = None, **values: Any) -> str:
    """The singular or plural text by ``n`` (the language's plural rule); ``n`` is also
    available as ``{n}``."""
    lang = language() if lang is None else check_language(lang)
    template = _catalogue("nl" if lang == PSEUDO else lang).ngettext(singular, plural, n)
    if template in (singular, plural):
        return template
    return _fill(template, lang, {"n": n, **values})


def locale(lang: str | None = None) -> str:
    """The Babel locale of ``lang`` (default: this context's language)."""
    return LOCALES[language() if lang is None else check_language(lang)]


def number(value: float, decimals: int = 0, lang: str | None = None) -> str:
    """``1.234.567`` / ``0,25``: grouped, exactly ``decimals`` decimals."""
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=locale(lang), decimal_quantization=True)


def eur(value: float, decimals: int = 0, lang: str | None = None) -> str:
    """``€ 1.234.567`` (``-€ 1.234`` below zero)."""
    text = number(abs(value), decimals, lang)
    return ("-€ " if value < 0 and text.strip("0.,") else "€ ") + text


def signed(value: float, decimals: int = 0, lang: str | None = None) -> str:
    """``+1.234`` / ``-0,37`` / ``+0``: a change, always with its sign."""
    text = number(abs(value), decimals, lang)
    return ("-" if value < 0 and text.strip("0.,") else "+") + text


def signed_eur(value: float, decimals: int = 0, lang: str | None = None) -> str:
    """``+€ 1.200`` / ``-€ 238.423`` (``€ 0`` for nothing): a change in euros."""
    text = eur(value, decimals, lang)
    return ("+" if value > 0 and text.strip("€ 0.,") else "") + text


def money(value: float, lang: str | None = None) -> str:
    """An amount as written in a scenario: whole euros without decimals, otherwise with at
    least two and as many more as the value has (``€ 0,205``), never rounded."""
    value = float(value)
    if value.is_integer():
        return eur(value, 0, lang)
    decimals = len(f"{abs(value):.10f}".rstrip("0").split(".")[1])
    return eur(value, max(2, decimals), lang)


def pct(value: float, decimals: int = 1, lang: str | None = None, signed: bool = False, trim: bool = False) -> str:
    """``12,5%`` from 12.5 (a value in percent); ``+2,0%`` when ``signed``; ``–`` when NaN;
    with ``trim`` at most ``decimals`` decimals (``5%``, ``2,5%``: a level as written)."""
    if value != value:
        return "–"
    text = number(abs(value), decimals, lang)
    if trim and decimals:
        sep = "," if locale(lang).startswith("nl") else "."
        text = text.rstrip("0").rstrip(sep)
    sign = "-" if value < 0 and text.strip("0.,") else ("+" if signed and text.strip("0.,") else "")
    return f"{sign}{text}%"


def share(value: float, lang: str | None = None) -> str:
    """A share or weight for a text: at most 4 significant decimals, trailing zeros dropped
    (``0,3333``, ``0,5``, ``1``)."""
    value = float(value)
    if value == 0 or not (value == value):
        return number(0, 0, lang) if value == 0 else "–"
    from math import floor, log10

    decimals = max(0, min(10, 4 - 1 - floor(log10(abs(value)))))
    text = number(round(value, decimals), decimals, lang)
    sep = "," if locale(lang).startswith("nl") else "."
    if sep in text:
        text = text.rstrip("0").rstrip(sep)
    return text


def yes_no(value: bool, lang: str | None = None) -> str:
    """``ja`` / ``nee``."""
    return _("yes" if value else "no", lang=lang)
