"""The product's one catalogue of texts (gettext, ``allocation/common/locale``).

Rules protected: every text has Dutch and English with the same placeholders; the compiled
``.mo`` files hold exactly their ``.po`` files (they are committed: an editable install
compiles nothing); every key the code asks for exists and none is unused; the language is
Dutch by default, English one switch away, per context (one app session cannot change
another's); numbers in texts are written the language's way.
"""

from __future__ import annotations

import gettext
import re
import string
import threading
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from allocation.common import i18n

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "allocation"


def _po(lang: str):
    with open(i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "allocation.po", "rb") as handle:
        return read_po(handle, locale=lang)


def _flat(value):
    return value if isinstance(value, str) else tuple(value)


def _texts(lang: str) -> dict[str, str | tuple]:
    """Texts by key (a plural text by its singular key, as a tuple of its forms)."""
    return {m.id if isinstance(m.id, str) else m.id[0]: _flat(m.string) for m in _po(lang) if m.id}


def _keys(lang: str) -> set[str]:
    """Every key, the plural keys too."""
    return {k for m in _po(lang) if m.id for k in ((m.id,) if isinstance(m.id, str) else m.id)}


def _placeholders(text) -> set[str]:
    texts = text if isinstance(text, (tuple, list)) else (text,)
    return {name for t in texts for _, name, _, _ in string.Formatter().parse(t) if name}


def _sources() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(PACKAGE.rglob("*.py")))


def test_every_text_has_dutch_and_english_with_the_same_placeholders():
    dutch, english = _texts("nl"), _texts("en")
    assert set(dutch) == set(english), "keys in one language only"
    for key in dutch:
        for text in (dutch[key], english[key]):
            assert text and all(t.strip() for t in (text if isinstance(text, tuple) else (text,))), key
        assert _placeholders(dutch[key]) == _placeholders(english[key]), key
    for lang in ("nl", "en"):
        assert not [m.id for m in _po(lang) if m.id and m.fuzzy], f"fuzzy texts in {lang}: compile would skip them"


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_committed_mo_holds_exactly_its_po(lang):
    """Run ``pybabel compile -d allocation/common/locale -D allocation`` when this fails."""
    folder = i18n.LOCALE_DIR / lang / "LC_MESSAGES"
    with open(folder / "allocation.mo", "rb") as handle:
        compiled = {_flat(m.id): _flat(m.string) for m in read_mo(handle) if m.id}
    assert compiled == {_flat(m.id): _flat(m.string) for m in _po(lang) if m.id}
    with open(folder / "allocation.mo", "rb") as handle:
        assert gettext.GNUTranslations(handle).gettext("app_title") == _texts(lang)["app_title"]


def test_every_key_the_code_asks_for_exists_and_none_is_unused():
    source = _sources()
    known = _keys("nl")
    call = r"""(?<![\w.])(?:_|N_|lang|say|i18n\._)\(\s*["']([a-z0-9_]+)["']\s*[,)]"""
    asked = set(re.findall(call, source))
    asked |= {k for pair in re.findall(r"""ngettext\(\s*["']([a-z0-9_]+)["']\s*,\s*["']([a-z0-9_]+)["']""", source)
              for k in pair}
    missing = asked - known
    assert missing == set(), "keys asked for but missing from the catalogue"
    literals = set(re.findall(r"""["']([a-z0-9_]+)["']""", source))
    prefixes = set(re.findall(r"""(?:lang|_)\(\s*f["']([a-z0-9_]+)\{""", source))
    prefixes |= set(re.findall(r"""(?:lang|_)\(\s*["']([a-z0-9_]+)["']\s*\+""", source))
    prefixes |= set(re.findall(r"""f["']([a-z0-9_]+_)\{""", source))  # keys built as f"unit_{unit}"
    unused = {key for key in known if key not in literals and not key.startswith(tuple(prefixes))}
    assert unused == set(), "texts nobody asks for"


def test_dutch_is_the_default_and_english_one_switch_away(monkeypatch):
    monkeypatch.delenv(i18n.ENV, raising=False)
    assert i18n._("yes") == "ja"
    with i18n.using("en"):
        assert i18n._("yes") == "yes"
    monkeypatch.setenv(i18n.ENV, "en")
    assert i18n._("yes") == "yes"
    monkeypatch.setenv(i18n.ENV, "de")
    with pytest.raises(ValueError, match="unknown language 'de'"):
        i18n._("yes")


def test_one_sessions_language_does_not_change_anothers():
    seen = {}
    start = threading.Barrier(2)

    def session(name, lang):
        i18n.set_language(lang)
        start.wait()
        seen[name] = i18n._("yes")

    threads = [threading.Thread(target=session, args=(n, lang)) for n, lang in (("a", "nl"), ("b", "en"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"a": "ja", "b": "yes"}


def test_the_pseudo_locale_marks_the_texts_and_leaves_the_values_outside():
    text = i18n._("download", lang=i18n.PSEUDO, name="x.xlsx")
    assert text == "⟦Download ⟧x.xlsx"
    assert i18n._("no_such_key", lang=i18n.PSEUDO) == "no_such_key"  # unmarked: the pseudo test finds it


@pytest.mark.parametrize(("lang", "value", "decimals", "text"), [
    ("nl", 3_500_000, 0, "€ 3.500.000"), ("en", 3_500_000, 0, "€ 3,500,000"), ("nl", -1234, 0, "-€ 1.234"),
    ("nl", 0.107, 3, "€ 0,107"),
])
def test_money_in_texts_is_written_the_languages_way(lang, value, decimals, text):
    assert i18n.eur(value, decimals, lang=lang) == text


@pytest.mark.parametrize(("value", "text"), [
    (1 / 3, "0,3333"), (0.5, "0,5"), (1.0, "1"), (0.0, "0"), (0.000123456, "0,0001235"), (12.34567, "12,35"),
])
def test_shares_in_texts_have_at_most_four_significant_digits(value, text):
    assert i18n.share(value, lang="nl") == text


def test_amounts_as_in_a_scenario_are_never_rounded():
    assert i18n.money(0.205, lang="nl") == "€ 0,205" and i18n.money(5000, lang="nl") == "€ 5.000"
    assert i18n.money(1.5, lang="en") == "€ 1.50"
