"""The app's words and numbers: labels from the product's catalogue, numbers through Babel.

Rules protected: a label is filled in its language (the catalogue itself is checked in
``tests/common/test_catalogue.py``); numbers on screen equal Babel's formats; typed numbers are
read in one convention per language and anything else is refused with the fix, never guessed.
"""

from __future__ import annotations

import pytest
from babel.numbers import format_currency, format_decimal
from hypothesis import given
from hypothesis import strategies as st

from allocation.faces.web.labels import Lang
from allocation.faces.web.numbers import Numbers


def test_a_label_is_filled_in_its_language():
    assert Lang("nl")("title_edited", name="X", count=2) == "X, bewerkt (2 wijzigingen)"
    assert Lang("en")("title_edited", name="X", count=2) == "X, edited (2 changes)"
    with pytest.raises(ValueError, match="unknown language"):
        Lang("de")


def test_numbers_are_written_the_dutch_way():
    n = Numbers("nl")
    assert n.eur(3_500_000) == "€ 3.500.000"
    assert n.eur(0.107, 3) == "€ 0,107"
    assert n.pct(-14.1) == "-14,1%"
    assert n.pct(2, 1, signed=True) == "+2,0%"
    assert n.delta_eur(-1234) == "-€ 1.234" and n.delta_eur(1234) == "+€ 1.234" and n.delta_eur(0) == "€ 0"
    assert Numbers("en").eur(3_500_000) == "€ 3,500,000"


@given(st.integers(min_value=-10**12, max_value=10**12) | st.floats(min_value=-1e9, max_value=1e9),
       st.integers(min_value=0, max_value=9), st.sampled_from(["nl", "en"]))
def test_numbers_on_screen_equal_babels_formats(value, decimals, lang):
    n = Numbers(lang)
    locale = n.locale
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    expected = format_decimal(value, format=pattern, locale=locale)
    if expected.lstrip("-").strip("0.,") == "":
        expected = expected.lstrip("-")  # a value that rounds to zero has no minus sign on screen
    assert n.number(value, decimals) == expected
    money = format_currency(value, "EUR", format=f"¤ {pattern};¤ -{pattern}", currency_digits=False, locale=locale)
    assert n.eur(value, decimals) == ("€ " + expected if expected == money.replace("€ -", "€ ").replace("€ ", "")
                                      else money)


@given(st.integers(min_value=0, max_value=10**11), st.sampled_from(["nl", "en"]))
def test_a_number_shown_reads_back_as_itself(value, lang):
    n = Numbers(lang)
    assert n.parse(n.number(value), whole=True) == value
    assert n.parse(n.eur(value), whole=True) == value


@pytest.mark.parametrize(("lang", "text", "value"), [
    ("nl", "9.000.000", 9_000_000), ("nl", "9000000", 9_000_000), ("nl", "0,25", 0.25), ("nl", "1.234,5", 1234.5),
    ("nl", "€ 3.500", 3500), ("en", "9,000,000", 9_000_000), ("en", "0.25", 0.25), ("nl", " 7 ", 7),
])
def test_typed_numbers_are_read_in_the_languages_convention(lang, text, value):
    assert Numbers(lang).parse(text) == value


@pytest.mark.parametrize(("lang", "text", "message"), [
    ("nl", "0.5", "is niet eenduidig"),  # 0,5 or 5? refused, not guessed
    ("nl", "12.34,5", "bedoelt u"),
    ("en", "0,5", "did you mean"),
    ("nl", "", "vul een getal in"),
    ("nl", "nan", "is geen getal"),
    ("nl", "Infinity", "is geen getal"),
    ("nl", "1e5", "is geen getal"),
    ("nl", "1_000", "is geen getal"),
    ("nl", "٣", "is geen getal"),
    ("nl", "--3", "is geen getal"),
    ("nl", "99999999999999", "te groot"),
    ("en", "true", "is not a number"),
])
def test_typed_numbers_that_are_not_clear_are_refused_with_the_fix(lang, text, message):
    with pytest.raises(ValueError, match=message):
        Numbers(lang).parse(text)


def test_euros_must_be_whole():
    with pytest.raises(ValueError, match="geheel aantal euro"):
        Numbers("nl").parse("1,5", whole=True)


def test_money_in_a_library_message_is_written_the_languages_way_and_nothing_else():
    from allocation.faces.web.numbers import money_in_text

    dutch = Numbers("nl")
    assert money_in_text("a minimum of at most EUR 1,193 fits every year", dutch) == (
        "a minimum of at most € 1.193 fits every year")
    assert money_in_text("EUR 0.205 per inhabitant; at most 26.28% of the pot", dutch) == (
        "€ 0,205 per inhabitant; at most 26,28% of the pot")
    quoted = "aantal '1.234' can be read as 1.234 or as 1234 (row 3, GM0363)"
    assert money_in_text(quoted, dutch) == quoted  # a value quoted from a file stays as written
    assert money_in_text("EUR 1,193", Numbers("en")) == "€ 1,193"
    # a cap typed with many decimals comes back in a message with all of them
    assert money_in_text("at most EUR 0.1234567 per inhabitant", dutch) == "at most € 0,1234567 per inhabitant"


def test_a_value_that_is_not_a_number_shows_as_a_dash():
    assert Numbers("nl").number(float("nan"), 3) == "–"
    assert Numbers("nl").eur(float("inf")) == "€ –"
