"""Built-in keys and user key CSVs (including the Dutch spreadsheet flavour).

The key files here (CSV, text, xlsx, ODS) are FICTITIOUS test fixtures, not real ELIP counts.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from allocation.common.errors import InputError
from allocation.data.key_csv import key_file_choices, key_id, normalise_code, parse_key_csv, parse_number
from allocation.data.keys import builtin_keys
from allocation.data.registers import load_municipalities_2021, load_register
from allocation.scenario.build import KeyUpload, build, read_upload
from allocation.scenario.loading import load_scenario
from tests.conftest import SCENARIOS

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
    assert f"elip.csv: row 4: Stadskanaal ({rows[2][0]}) appears again (first on row 3)" in problems
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


def test_a_file_in_no_supported_encoding_is_refused_with_the_byte_offset_and_the_fix():
    content = key_csv(full_rows()).encode() + b"GM0014,\x81\x8d\n"  # not UTF-8, and 0x81 is no Windows-1252 byte
    with pytest.raises(InputError, match=r"byte \d+ \(0x81\) fits no supported encoding .*save it as 'CSV UTF-8'"):
        parse(content)


def test_all_zero_key_is_refused():
    with pytest.raises(InputError, match="all values are zero"):
        parse(key_csv(full_rows("0")))


# --- key files as people keep them (FICTITIOUS values: 1 + the row's position modulo 7) -------------

REGISTER = load_register("2021-01-01")
NAMES = dict(zip(REGISTER["gm_code"], REGISTER["gm_name"]))


def fictitious_value(index: int) -> int:
    return 1 + index % 7


def identified(index: int, code: str) -> str:
    """Municipalities written every way people write them: names, codes, CBS numbers."""
    return [NAMES[code], code, code.removeprefix("GM"), code.removeprefix("GM").lstrip("0")][index % 4]


def dutch_rows() -> list[list[object]]:
    return [["Gemeente", "Aantal ELIP (FICTITIOUS)"]] + [
        [identified(i, code), fictitious_value(i)] for i, code in enumerate(CODES)]


def text_file(encoding: str, separator: str, bom: bool = False) -> bytes:
    lines = [separator.join(str(c) for c in row) for row in dutch_rows()]
    text = "\r\n".join(lines) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def workbook_file(engine: str, sheet: str = "Telling") -> bytes:
    import pandas as pd

    rows = dutch_rows()
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine=engine) as writer:
        pd.DataFrame([["notes", "not the key"]]).to_excel(writer, sheet_name="Toelichting", index=False, header=False)
        pd.DataFrame(rows[1:], columns=rows[0]).to_excel(writer, sheet_name=sheet, index=False)
    return buffer.getvalue()


KEY_FILES = {
    "utf8.csv": (lambda: text_file("utf-8", ";"), "UTF-8 text, ';'-separated"),
    "utf8-bom.csv": (lambda: text_file("utf-8", ";", bom=True), "UTF-8 text with BOM, ';'-separated"),
    "unicode.txt": (lambda: text_file("utf-16", "\t"), "UTF-16 text (Excel's Unicode text), tab-separated"),
    "dutch-excel.csv": (lambda: text_file("cp1252", ";"), "Windows-1252 text, ';'-separated"),
    "key.xlsx": (lambda: workbook_file("openpyxl"), "sheet 'Telling' of an XLSX workbook"),
    "key.ods": (lambda: workbook_file("odf"), "sheet 'Telling' of an ODS workbook"),
}


def expected_values():
    return {code: float(fictitious_value(i)) for i, code in enumerate(CODES)}


def scenario_with_key(tmp_path, filename: str, content: bytes, **spec) -> Path:
    (tmp_path / filename).write_bytes(content)
    text = (SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8")
    fields = {"file": filename, "value_column": "Aantal ELIP (FICTITIOUS)", "code_column": "Gemeente",
              "label": "ELIP (FICTITIOUS)", "source": "test fixture", "kind": "assumption", **spec}
    block = "".join(f"    {k}: {json.dumps(v)}\n" for k, v in fields.items())
    text = text.replace("key_register: 2021-01-01", f"key_register: 2021-01-01\nuser_keys:\n  elip_duo:\n{block}")
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("filename", sorted(KEY_FILES))
def test_a_key_file_in_each_encoding_and_format_loads_through_the_scenario_with_its_encoding_named(
        tmp_path, filename):
    make, read_as = KEY_FILES[filename]
    spec = {"sheet": "Telling"} if filename.endswith((".xlsx", ".ods")) else {}
    loaded = load_scenario(scenario_with_key(tmp_path, filename, make(), **spec))
    key = loaded.keys["elip_duo"]
    assert key.values.to_dict() == expected_values()
    assert key.source == f"test fixture; file {filename}, read as {read_as}"


@pytest.mark.parametrize("filename", sorted(KEY_FILES))
def test_a_key_file_in_each_encoding_and_format_loads_as_an_upload(filename):
    make, read_as = KEY_FILES[filename]
    sheet = "Telling" if filename.endswith((".xlsx", ".ods")) else ""
    upload = KeyUpload(name="ELIP DUO", filename=filename, content=make(), value_column="Aantal ELIP (FICTITIOUS)",
                       code_column="Gemeente", source="test fixture", kind="assumption", sheet=sheet)
    key = read_upload(upload)
    assert key.name == "elip_duo" and key.values.to_dict() == expected_values()
    assert read_as in key.source


def test_a_workbook_key_is_read_from_its_first_sheet_unless_one_is_named():
    with pytest.raises(InputError, match="no value column 'Aantal ELIP"):
        parse(workbook_file("openpyxl"), origin="key.xlsx", value_column="Aantal ELIP (FICTITIOUS)",
              code_column="Gemeente")  # the first sheet holds notes
    with pytest.raises(InputError, match="no sheet 'Blad9'; the sheets are 'Toelichting', 'Telling'"):
        parse(workbook_file("openpyxl"), origin="key.xlsx", value_column="x", sheet="Blad9")


def test_the_columns_of_a_two_column_file_are_guessed_only_when_the_file_leaves_no_doubt():
    choices = key_file_choices(text_file("cp1252", ";"), "ELIP DUO.csv")
    assert (choices.code_column, choices.value_column) == ("Gemeente", "Aantal ELIP (FICTITIOUS)")
    assert choices.read_as == "Windows-1252 text, ';'-separated"
    book = key_file_choices(workbook_file("openpyxl"), "k.xlsx", sheet="Telling")
    assert book.sheets == ["Toelichting", "Telling"] and book.value_column == "Aantal ELIP (FICTITIOUS)"
    doubt = key_file_choices(b"gm_code,inwoners,aantal\nGM0363,5,6\n", "k.csv")
    assert doubt.code_column == "gm_code" and doubt.value_column is None  # two number columns: the user chooses


def test_a_name_that_fits_several_or_none_is_refused_with_suggestions():
    rows = [(code, "1") for code in CODES]
    rows[0] = ("Bergen", "1")
    rows[1] = ("Amsterdm", "1")
    rows[2] = ("Súdwest", "1")
    with pytest.raises(InputError) as info:
        parse(key_csv(rows), missing_as_zero=True)
    problems = "\n".join(info.value.problems)
    assert "row 2: gm_code 'Bergen' is not a municipality code like GM0363 or 363, nor a municipality's name (the " \
           "name fits several municipalities: Bergen (NH.) (GM0373), Bergen op Zoom (GM0748), Bergen (L.) (GM0893); " \
           "give the code)" in problems
    assert "row 3: gm_code 'Amsterdm' is not a municipality code like GM0363 or 363, nor a municipality's name; " \
           "did you mean Amsterdam (GM0363)," in problems
    assert "row 4: gm_code 'Súdwest' is not a municipality code like GM0363 or 363, nor a municipality's name " \
           "(did you mean Súdwest-Fryslân (GM1900)? write the full name or the code)" in problems


def test_names_are_matched_on_every_register_without_accents_or_case():
    rows = [(code, "1") for code in CODES]
    rows[CODES.index("GM1900")] = ("sudwest-fryslan", "5")
    rows[CODES.index("GM0164")] = ("Hengelo (O.)", "7")  # the name of later registers
    key = parse(key_csv(rows))
    assert key.values["GM1900"] == 5 and key.values["GM0164"] == 7


def test_a_missing_municipality_is_named_with_its_name_and_code():
    rows = [(code, "1") for code in CODES if code != "GM0014"]
    with pytest.raises(InputError, match=r"1 municipality is missing: Groningen \(GM0014\)\. Add it"):
        parse(key_csv(rows))


def test_a_display_name_gets_an_id_and_labels_the_key():
    assert key_id("ELIP DUO") == "elip_duo" and key_id("Telling 2021 (DUO)") == "telling_2021_duo"
    assert key_id("elip_duo") == "elip_duo" and key_id("2021") is None
    upload = KeyUpload(name="ELIP DUO", filename="ELIP DUO.csv", content=text_file("cp1252", ";"),
                       value_column="Aantal ELIP (FICTITIOUS)", code_column="Gemeente", source="test fixture")
    text = (SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8")
    result = build(text.replace("weights: {migratieachtergrond: 1.0}", "weights: {elip_duo: 1.0}"),
                   origin="k.yaml", scenario_id="k", uploads=(upload,))
    assert result.scenario.user_keys["elip_duo"].label == "ELIP DUO"
    assert result.loaded.keys["elip_duo"].values.to_dict() == expected_values()


def test_a_workbook_key_under_a_title_is_read_from_its_header_naming_the_sheets_own_row_numbers():
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet["A1"] = "Telling ELIP (FICTITIOUS)"
    sheet.append([])
    sheet.append(["gm_code", "aantal"])  # the header on row 3
    for code in CODES:
        sheet.append([code, 1])
    sheet["B5"] = "veel"
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(InputError, match=r"k.xlsx: row 5: aantal 'veel' is not a number"):
        parse(buffer.getvalue(), origin="k.xlsx")  # the title above the header is skipped
    choices = key_file_choices(buffer.getvalue(), "k.xlsx")
    assert choices.columns == ["gm_code", "aantal"] and choices.code_column == "gm_code"


def test_a_display_name_as_a_scenario_key_id_is_refused_with_the_id_to_write(tmp_path):
    path = scenario_with_key(tmp_path, "elip.csv", text_file("utf-8", ";"))
    path.write_text(path.read_text(encoding="utf-8").replace("  elip_duo:\n", "  ELIP DUO:\n"), encoding="utf-8")
    with pytest.raises(InputError, match="'ELIP DUO' must be a lowercase identifier .*; write `elip_duo` and put the "
                                         "name in `label:`"):
        load_scenario(path)
