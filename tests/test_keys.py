"""Built-in keys and user key CSVs (including the Dutch spreadsheet flavour).

The CSV contents here are FICTITIOUS test fixtures, not real ELIP counts.
"""

from __future__ import annotations

import pytest

from allocation.common.errors import InputError
from allocation.data.key_csv import normalise_code, parse_key_csv, parse_number
from allocation.data.keys import builtin_keys
from allocation.data.registers import load_municipalities_2021, load_register

# these tests assert the English wording of the library's messages and outputs
pytestmark = pytest.mark.usefixtures("english")

CODES = list(load_register("2021-01-01")["gm_code"])


def key_csv(rows: list[tuple[str, str]], separator=",", header=("gm_code", "aantal")) -> str:
    lines = [separator.join(header)] + [separator.join(row) for row in rows]
    return "\n".join(lines) + "\n"


def full_rows(value="1") -> list[tuple[str, str]]:
    return [(code, value) for code in CODES]


def parse(content, **options):
    defaults = dict(origin="elip.csv", name="elip", value_column="aantal")
    return parse_key_csv(content, **{**defaults, **options})


def test_builtin_keys_carry_metadata_and_cover_the_2021_register():
    keys = builtin_keys()
    assert set(keys) == {"inwoners", "vast_bedrag", "migratieachtergrond", "oppervlakte"}
    for key in keys.values():
        assert key.kind in ("real", "proxy", "assumption")
        assert key.source and key.label and key.unit and key.vintage
        assert list(key.values.index) == CODES
        assert (key.values >= 0).all() and key.values.sum() > 0
    assert keys["migratieachtergrond"].kind == "proxy"
    assert keys["vast_bedrag"].values.sum() == 352


def test_migration_key_is_population_times_percentage():
    frame = load_municipalities_2021().set_index("gm_code")
    key = builtin_keys()["migratieachtergrond"].values
    expected = frame["population"] * frame["pct_non_western"] / 100
    assert key.to_numpy() == pytest.approx(expected.reindex(key.index).to_numpy())
    # the population-weighted national mean is about 14% (SOURCES.md)
    assert key.sum() / frame["population"].sum() == pytest.approx(0.14, abs=0.005)


@pytest.mark.parametrize(
    ("text", "dutch", "expected"),
    [("12", False, 12.0), ("12.5", False, 12.5), ("12,5", True, 12.5), ("1.234,5", True, 1234.5),
     ("1.234", True, 1234.0), ("1,234.5", False, 1234.5), (" 7 ", True, 7.0), ("abc", True, None), ("", True, None),
     ("1,2,3", True, None)],
)
def test_numbers_in_english_and_dutch_spreadsheet_notation(text, dutch, expected):
    assert parse_number(text, dutch) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [("GM0363", "GM0363"), ("363", "GM0363"), ("0363", "GM0363"), ("gm0363", "GM0363"), ("GMX", None), ("12345", None)],
)
def test_codes_with_or_without_gm_prefix(text, code):
    assert normalise_code(text) == code


def test_dutch_flavour_semicolon_decimal_comma_bom_and_numeric_codes():
    rows = [(code.removeprefix("GM").lstrip("0"), "2,5") for code in CODES]
    content = "\ufeff".encode() + key_csv(rows, separator=";").encode("utf-8")
    key = parse(content)
    assert key.values["GM0363"] == 2.5
    assert key.values.sum() == pytest.approx(2.5 * 352)


def test_comma_separated_file_with_quoted_decimal_commas():
    rows = [(code, '"3,25"') for code in CODES]
    key = parse(key_csv(rows).encode())
    assert key.values["GM0014"] == 3.25


def test_offending_rows_are_all_listed_with_row_numbers():
    rows = full_rows()
    rows[0] = ("GM9999", "1")  # unknown
    rows[1] = (rows[2][0], "1")  # duplicate of the next row's code
    rows[3] = (rows[3][0], "-4")  # negative
    rows[4] = (rows[4][0], "veel")  # not numeric
    with pytest.raises(InputError) as info:
        parse(key_csv(rows))
    problems = "\n".join(info.value.problems)
    assert "elip.csv: row 2: gm_code 'GM9999' is not a municipality of the 2021-01-01 register" in problems
    assert f"elip.csv: row 4: {rows[2][0]} appears again (first on row 3)" in problems
    assert "row 5: aantal '-4' is negative" in problems
    assert "row 6: aantal 'veel' is not a number" in problems


def test_successor_code_gets_a_hint_about_the_key_register():
    rows = full_rows() + [("GM1982", "1")]
    with pytest.raises(InputError, match="GM1982 exists from 2022-01-01"):
        parse(key_csv(rows))


def test_missing_municipalities_are_an_error_unless_counted_as_zero():
    rows = full_rows()[:-2]
    with pytest.raises(InputError, match="2 municipalities are missing"):
        parse(key_csv(rows))
    key = parse(key_csv(rows), missing_as_zero=True)
    assert key.values[CODES[-1]] == 0 and key.values[CODES[-2]] == 0
    assert len(key.values) == 352


def test_wrong_column_name_names_the_columns_found():
    with pytest.raises(InputError, match="no value column 'aantal'; the columns are 'gm_code', 'count'"):
        parse(key_csv(full_rows(), header=("gm_code", "count")))


def test_non_utf8_file_is_refused_with_the_fix():
    content = key_csv(full_rows()).replace("gm_code", "gemeentecode_é").encode("latin-1")
    with pytest.raises(InputError, match="save it as 'CSV UTF-8'"):
        parse(content, code_column="gemeentecode_é")


def test_all_zero_key_is_refused():
    with pytest.raises(InputError, match="all values are zero"):
        parse(key_csv(full_rows("0")))
