"""No formula leaves the product: user text reaches every workbook as a text cell and every
CSV with a leading apostrophe when a spreadsheet would run it (docs/exports.md).

The attacks of issue 18 first (a scenario whose name, pot label and assumption are a
``=HYPERLINK`` formula, through ``compare`` and ``run``; a published table named
``=1+2.csv`` through compare's mutaties workbook), then a property test that writes random
texts through every writer and reads them back with openpyxl, python-calamine and odfpy.
Scenario texts here are FICTITIOUS attack strings, not real figures.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from odf import teletype
from odf.opendocument import load as load_ods
from odf.table import TableCell
from odf.text import P
from python_calamine import CalamineWorkbook

from allocation.analysis.mutaties import COLUMNS as MUTATIE_COLUMNS
from allocation.analysis.mutaties import TOTAL_COLUMNS, Mutaties
from allocation.common.cells import FORMULA_STARTS, frame_csv, neutralise
from allocation.common.i18n import _
from allocation.publish.circular_tables import _format_cell
from allocation.publish.comparison import comparison_workbook
from allocation.publish.meicirculaire import _bands_sheet, _bounds_sheet
from allocation.publish.mutaties import mutaties_files
from allocation.publish.ods import sheets_to_ods
from allocation.publish.sheets import Sheet, to_xlsx
from tests.conftest import GOLDEN, SCENARIOS
from tests.faces.test_cli import cli

pytestmark = pytest.mark.usefixtures("english")  # asserts the English wording of messages

HYPERLINK = '=HYPERLINK("http://example.invalid","klik")'


# --- reading back ------------------------------------------------------------------------


#: The functions of the product's own formulas (the meicirculaire workbook's recomputation).
OUR_FUNCTIONS = {"SUM", "INT", "MIN", "MAX", "IF", "AND", "ABS", "SUMPRODUCT", "RANK", "COUNTIFS"}
_TOKEN = re.compile(r"""(?P<ref>(?:'(?:[^']|'')*'!)?\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)
                     |(?P<call>[A-Z]+)\(|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|\d+(?:\.\d+)?|[-+*/<>=&(),]|"<" """,
                    re.VERBOSE)
_ODS_REF = re.compile(r"\[\$?(?:'((?:[^']|'')*)')?\.\$?[A-Z]+\$?\d+(?::\.\$?[A-Z]+\$?\d+)?\]")


def foreign(formula: str, names: set[str], sheets: set[str]) -> bool:
    """Whether an xlsx formula is not one of the product's own: only references (to the workbook's
    ``sheets``), the ``names`` the workbook defines, :data:`OUR_FUNCTIONS`, numbers, operators and
    the criterion ``"<"``; no other text (so no user text) and nothing else."""
    text, at = formula.removeprefix("="), 0
    while at < len(text):
        found = _TOKEN.match(text, at)
        if found is None or (found["call"] and found["call"] not in OUR_FUNCTIONS) or (
                found["name"] and found["name"] not in names) or (
                found["ref"] and "'" in found["ref"] and found["ref"][1:].rsplit("'!", 1)[0].replace("''", "'")
                not in sheets):
            return True
        at = found.end()
    return False


def xlsx_formulas(content: bytes) -> list[str]:
    """Every formula that is not the product's own (:func:`foreign`) or hyperlink in an xlsx: in the
    sheets' XML and as openpyxl reads it."""
    found = []
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = archive.read(name)
                if b't="str"' in xml or b"<hyperlink" in xml:
                    found.append(name)
    book = openpyxl.load_workbook(io.BytesIO(content))
    names = set(book.defined_names)
    found += [f"{sheet.title}!{cell.coordinate}" for sheet in book.worksheets for row in sheet.iter_rows()
              for cell in row if cell.data_type == "f" and foreign(str(cell.value), names, set(book.sheetnames))]
    return found


def ods_cells(content: bytes) -> list[TableCell]:
    return load_ods(io.BytesIO(content)).spreadsheet.getElementsByType(TableCell)


def ods_text(cell: TableCell) -> str:
    return "\n".join(teletype.extractText(p) for p in cell.getElementsByType(P))


def ods_formulas(content: bytes) -> list[str]:
    """Every ODS cell with a formula that is not the product's own, or with text that is not a string cell."""
    from odf.table import NamedRange, Table

    document = load_ods(io.BytesIO(content))
    names = {str(r.getAttrNS("urn:oasis:names:tc:opendocument:xmlns:table:1.0", "name"))
             for r in document.spreadsheet.getElementsByType(NamedRange)}
    sheets = {str(t.getAttrNS("urn:oasis:names:tc:opendocument:xmlns:table:1.0", "name"))
              for t in document.spreadsheet.getElementsByType(Table)}
    found = []
    for cell in document.spreadsheet.getElementsByType(TableCell):
        kind = cell.getAttrNS("urn:oasis:names:tc:opendocument:xmlns:office:1.0", "value-type")
        formula = cell.getAttrNS("urn:oasis:names:tc:opendocument:xmlns:table:1.0", "formula")
        if formula is not None:
            plain = _ODS_REF.sub(lambda ref: "A1" if ref[1] is None else "'" + ref[1] + "'!A1",
                                 formula.removeprefix("of:=")).replace(";", ",")
            if not formula.startswith("of:=") or foreign(plain, names, sheets):
                found.append(formula)
        elif kind not in (None, "string", "float", "boolean"):
            found.append(f"{kind}: {cell}")
    return found


def calamine_values(content: bytes) -> set:
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return {value for name in book.sheet_names for row in book.get_sheet_by_name(name).to_python() for value in row}


def openpyxl_values(content: bytes) -> set:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return {cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row}


def csv_cells(content: bytes, delimiter: str = ",") -> list[str]:
    text = content.decode("utf-8").lstrip("\ufeff")
    return [cell for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) for cell in row]


def risky_csv_cells(content: bytes, delimiter: str = ",") -> list[str]:
    """CSV cells a spreadsheet would run: text starting with a formula character (a number,
    such as a negative amount, is not one)."""
    def number(cell: str) -> bool:
        try:
            float(cell.replace(",", ".") if delimiter == ";" else cell)
        except ValueError:
            return False
        return True

    return [cell for cell in csv_cells(content, delimiter) if cell.startswith(FORMULA_STARTS) and not number(cell)]


# --- the attacks of issue 18 -------------------------------------------------------------


def evil_scenario(folder: Path, stem: str = "evil") -> Path:
    data = yaml.safe_load((SCENARIOS / "variant-vast-bedrag.yaml").read_text(encoding="utf-8"))
    data["name"] = HYPERLINK
    data["description"] = "+cmd|' /C calc'!A0"
    data["pots"]["elip"]["label"] = HYPERLINK
    data["pots"]["elip"]["key"]["assumption"] = HYPERLINK
    data["pots"]["invoering"]["label"] = "@SUM(1+1)"
    path = folder / f"{stem}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_scenario_whose_texts_are_formulas_reaches_the_comparison_workbook_and_csvs_as_text(tmp_path):
    out = tmp_path / "out"
    result = cli("compare", str(SCENARIOS / "kamerbrief-2021.yaml"), str(evil_scenario(tmp_path)), "--out", str(out))
    assert result.returncode == 0, result.stderr
    stem = "comparison-kamerbrief-2021-vs-evil"
    workbook = (out / f"{stem}.xlsx").read_bytes()
    assert xlsx_formulas(workbook) == []
    notes = openpyxl.load_workbook(io.BytesIO(workbook))["Notes"]
    texts = [row[2].value for row in notes.iter_rows(min_row=2)]
    assert HYPERLINK in texts  # the name, intact, as a text cell
    assert HYPERLINK in calamine_values(workbook)
    for path in out.glob("*.csv"):
        assert risky_csv_cells(path.read_bytes()) == [], path.name
    assert "'" + HYPERLINK in csv_cells((out / f"{stem}-notes.csv").read_bytes())


def test_a_published_table_named_like_a_formula_reaches_the_mutaties_workbook_as_text(tmp_path):
    table = tmp_path / "=1+2.csv"
    shutil.copyfile(GOLDEN / "kamerbrief-2021-allocation.csv", table)
    out = tmp_path / "out"
    result = cli("compare", str(table), str(SCENARIOS / "variant-vast-bedrag.yaml"), "--out", str(out))
    assert result.returncode == 0, result.stderr
    workbook = (out / "mutaties-=1+2-vs-variant-vast-bedrag.xlsx").read_bytes()
    assert xlsx_formulas(workbook) == []
    assert "=1+2.csv" in openpyxl_values(workbook) and "=1+2.csv" in calamine_values(workbook)
    content = (out / "mutaties-=1+2-vs-variant-vast-bedrag.csv").read_bytes()
    assert risky_csv_cells(content) == []
    frame = pd.read_csv(io.BytesIO(content))
    assert frame["mutatie_eur"].min() < 0 and frame["mutatie_eur"].dtype.kind == "i", "negative amounts stay numbers"


def test_a_scenario_whose_texts_are_formulas_reaches_runs_workbooks_and_csvs_as_text(tmp_path):
    out = tmp_path / "out"
    result = cli("run", str(evil_scenario(tmp_path)), "--out", str(out), "--dutch")
    assert result.returncode == 0, result.stderr
    xlsx = (out / "evil-meicirculaire.xlsx").read_bytes()
    ods = (out / "evil-meicirculaire.ods").read_bytes()
    assert xlsx_formulas(xlsx) == [] and ods_formulas(ods) == []
    for values in (openpyxl_values(xlsx), calamine_values(xlsx), calamine_values(ods)):
        assert {HYPERLINK, "+cmd|' /C calc'!A0", "@SUM(1+1)"} <= values
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    notes = book[_("mc_sheet_notes")]
    quoted = [cell.quotePrefix for row in notes.iter_rows() for cell in row if cell.value == HYPERLINK]
    assert quoted and all(quoted), "a text that looks like a formula keeps its quote prefix when edited"
    for path in out.glob("*.csv"):
        assert risky_csv_cells(path.read_bytes(), ";" if path.name != "evil-allocation.csv" else ",") == []


# --- every writer, random texts ----------------------------------------------------------

#: Texts as users write them, and the ones that start like a formula; no control characters
#: other than tab, line feed and carriage return (an xlsx cannot hold them).
ALPHABET = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Co", "Cn"), include_characters="\t\n\r")
TEXTS = st.one_of(
    st.sampled_from(list(FORMULA_STARTS) + [HYPERLINK, "=1+2", "-", "+31 6 1234", "@x", "'s-Gravenhage",
                                            "<r>Kosten & baten</r>", "<r><t>x</t></r>", " <r>x</r>"]),
    st.builds(lambda start, rest: start + rest, st.sampled_from(FORMULA_STARTS), st.text(ALPHABET, max_size=40)),
    st.text(ALPHABET, min_size=1, max_size=40),
)


def same_text(read, written: str, reader: str) -> bool:
    """The text read back equals the text written, up to what the file format itself does to
    line ends (XML reads a carriage return as a line feed; openpyxl leaves ``_x000D_``
    escaped) and the whitespace-only cells python-calamine reads as empty."""
    def canonical(text: str) -> str:
        return text.replace("_x000D_", "\r").replace("\r\n", "\n").replace("\r", "\n")

    if read is None or read == "":
        return reader == "calamine" and not written.strip()
    return isinstance(read, str) and canonical(read) == canonical(written)


def check_workbook(content: bytes, texts: list[str], kind: str) -> None:
    if kind == "xlsx":
        assert xlsx_formulas(content) == []
        book = openpyxl.load_workbook(io.BytesIO(content))
        cells = {(sheet.title, cell.row, cell.column): cell.value for sheet in book.worksheets
                 for row in sheet.iter_rows() for cell in row}
        read = {"openpyxl": cells}
    else:
        assert ods_formulas(content) == []
        read = {"odfpy": {i: ods_text(cell) for i, cell in enumerate(ods_cells(content))}}
    calamine = CalamineWorkbook.from_filelike(io.BytesIO(content))
    read["calamine"] = {(name, r, c): value for name in calamine.sheet_names
                        for r, row in enumerate(calamine.get_sheet_by_name(name).to_python())
                        for c, value in enumerate(row)}
    for reader, values in read.items():
        for text in texts:
            assert any(same_text(value, text, reader) for value in values.values()), (reader, text)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(TEXTS, min_size=1, max_size=6))
def test_no_writer_turns_a_text_into_a_formula_and_every_text_comes_back_intact(texts):
    numbers = [-208620 + i for i in range(len(texts))]
    frame = pd.DataFrame({"text": texts, "amount_eur": numbers, "mixed": [t if i % 2 else -i for i, t in
                                                                        enumerate(texts)]})
    # CSV: every pandas CSV writer, and the cells of the per-pot circular tables
    for content in (frame_csv(frame), frame_csv(frame, float_format="%.2f")):
        assert risky_csv_cells(content) == []
        cells = csv_cells(content)
        for text in texts:
            assert neutralise(text) in cells
        assert "-208620" in cells and "0" in cells, "numbers are never prefixed"
    assert [_format_cell(text, dutch) for text in texts for dutch in (False, True)] == [
        neutralise(text) for text in texts for _ in (False, True)]
    assert _format_cell(-208620, True) == "-208620"
    # the comparison workbook (XlsxWriter), with texts in a sheet and in the notes
    notes = pd.DataFrame({"about": texts, "item": texts, "text": texts})
    views = [("Per municipality", "x", frame.assign(gm_name=texts)), ("Notes", "notes", notes)]
    check_workbook(comparison_workbook(None, views), texts, "xlsx")
    # the mutaties workbook (XlsxWriter): file name, scenario, notes and table texts
    table = pd.DataFrame({column: (texts if column in ("pot", "gm_code", "gm_name") else numbers)
                          for column in MUTATIE_COLUMNS})
    totals = pd.DataFrame({column: (texts if column == "pot" else numbers) for column in TOTAL_COLUMNS})
    found = Mutaties(baseline=texts[0], scenario=texts[-1], table=table, totals=totals, notes=texts)
    files = mutaties_files(found)
    for name, content in files.items():
        if name.endswith(".xlsx"):
            check_workbook(content, texts, "xlsx")
        else:
            assert risky_csv_cells(content) == []
    # the meicirculaire workbook's sheets (the sheet model), as xlsx and as ODS
    sheets = [Sheet("Zekerheid"), Sheet("Begrenzingen")]
    bands = pd.DataFrame({"pot": texts, "year": 2022, "gm_code": texts, "gm_name": texts, "amount_eur": numbers,
                          "p5_eur": numbers, "p50_eur": numbers, "p95_eur": numbers, "band_pct": 1.5})
    _bands_sheet(sheets[0], bands)
    bounds = pd.DataFrame({"pot": texts, "year": 2022, "gm_code": texts, "gm_name": texts, "constraint": "minimum",
                           "pure_key_eur": numbers, "amount_eur": numbers, "effect_eur": numbers})
    _bounds_sheet(sheets[1], bounds)
    check_workbook(to_xlsx(sheets, "test", "test", dt.date(2021, 4, 28)), texts, "xlsx")
    check_workbook(sheets_to_ods(sheets), texts, "ods")


def test_the_csv_prefix_leaves_numbers_and_harmless_text_alone():
    frame = pd.DataFrame({"gm_name": ["'s-Gravenhage", "-5", "=A1", None], "amount_eur": [-208620, 0, 5, 7],
                          "pct": [-1.5, 0.0, float("nan"), 2.25], "mixed": [-3, "@x", None, 1.5]})
    rows = list(csv.reader(io.StringIO(frame_csv(frame).decode("utf-8"))))
    assert rows[0] == ["gm_name", "amount_eur", "pct", "mixed"]
    assert [row[0] for row in rows[1:]] == ["'s-Gravenhage", "'-5", "'=A1", ""]
    assert [row[1] for row in rows[1:]] == ["-208620", "0", "5", "7"]
    assert [row[2] for row in rows[1:]] == ["-1.5", "0.0", "", "2.25"]
    assert [row[3] for row in rows[1:]] == ["-3", "'@x", "", "1.5"]


def test_run_writes_the_same_files_for_harmless_scenarios(tmp_path):
    """The rule changes nothing for ordinary texts: the long CSV of the baseline is the golden file."""
    result = cli("run", str(SCENARIOS / "kamerbrief-2021.yaml"), "--out", str(tmp_path), "--format", "xlsx")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "kamerbrief-2021-allocation.csv").read_bytes() == \
        (GOLDEN / "kamerbrief-2021-allocation.csv").read_bytes()
    assert xlsx_formulas((tmp_path / "kamerbrief-2021-meicirculaire.xlsx").read_bytes()) == []



# --- nothing silently overwritten or lost ------------------------------------------------


def listing(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())} if folder.exists() else {}


def test_two_scenarios_with_the_same_id_against_a_table_are_refused_naming_both(tmp_path):
    first, second = tmp_path / "a" / "x.yaml", tmp_path / "b" / "x.yaml"
    for path, source in ((first, "variant-inwoners.yaml"), (second, "variant-migratie.yaml")):
        path.parent.mkdir()
        shutil.copyfile(SCENARIOS / source, path)
    out = tmp_path / "out"
    result = cli("compare", str(GOLDEN / "kamerbrief-2021-allocation.csv"), str(first), str(second), "--out", str(out))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and lines[-1] == "error: nothing was written"
    assert str(first) in lines[0] and str(second) in lines[0] and "rename one of the files" in lines[0]
    assert "mutaties-kamerbrief-2021-allocation-vs-x.xlsx" in lines[0]
    assert not out.exists()


def test_two_scenarios_with_the_same_id_in_a_comparison_are_named_apart_and_said(tmp_path):
    first, second = tmp_path / "a" / "x.yaml", tmp_path / "b" / "x.yaml"
    for path, source in ((first, "variant-inwoners.yaml"), (second, "variant-migratie.yaml")):
        path.parent.mkdir()
        shutil.copyfile(SCENARIOS / source, path)
    out = tmp_path / "out"
    result = cli("compare", str(SCENARIOS / "kamerbrief-2021.yaml"), str(first), str(second), "--out", str(out),
                 "--registers", "payment")
    assert result.returncode == 0, result.stderr
    assert f"NOTE: {second} has the scenario id x of an earlier file; it is called x#2" in result.stdout
    stem = "comparison-kamerbrief-2021-vs-x-x#2"
    for suffix in ("bands", "guarantee", "decomposition", "mutaties"):
        frame = pd.read_csv(out / f"{stem}-{suffix}.csv")
        assert set(frame["scenario"]) == {"x", "x#2"}, suffix


def test_an_output_that_would_replace_the_reference_scenario_is_refused(tmp_path):
    reference = tmp_path / "compromise-elip.yaml"
    shutil.copyfile(SCENARIOS / "kamerbrief-2021.yaml", reference)
    before = listing(tmp_path)
    result = cli("compromise", str(reference), str(SCENARIOS / "variant-migratie.yaml"), "--pot", "elip",
                 "--max-loss-pct", "5", "--out", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {reference}: this output would replace the input file {reference}; give another output folder "
        "(--out) or rename the input",
        "error: nothing was written",
    ]
    assert listing(tmp_path) == before


def test_an_output_that_would_replace_a_key_file_of_the_scenario_is_refused(tmp_path):
    codes = sorted(pd.read_csv(GOLDEN / "kamerbrief-2021-allocation.csv", dtype={"gm_code": str})
                   .query("year == 2021")["gm_code"].unique())
    key = tmp_path / "s-elip.csv"  # the name run gives the wide table of pot elip of scenario s
    key.write_text("gm_code,aantal\n" + "".join(f"{c},{1 + i % 7}\n" for i, c in enumerate(codes)), encoding="utf-8")
    text = (SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8").replace(
        "key_register: 2021-01-01", "key_register: 2021-01-01\nuser_keys:\n  telling:\n    file: s-elip.csv\n"
        "    value_column: aantal\n    label: FICTITIOUS test counts\n    source: test fixture (FICTITIOUS)\n"
        "    kind: assumption", 1)
    (tmp_path / "s.yaml").write_text(text, encoding="utf-8")
    before = listing(tmp_path)
    result = cli("run", str(tmp_path / "s.yaml"), "--out", str(tmp_path))
    assert result.returncode == 2
    assert f"this output would replace the input file {key}" in result.stderr
    assert listing(tmp_path) == before


def test_two_outputs_of_one_command_with_the_same_path_are_refused(tmp_path):
    from allocation.common.errors import InputError
    from allocation.publish.files import write_files

    with pytest.raises(InputError) as refused:
        write_files({"a-elip.csv": b"1", "A-elip.csv": b"2"}, tmp_path / "out")
    assert "the same name (up to case)" in refused.value.problems[0]
    assert refused.value.problems[-1] == "nothing was written" and not (tmp_path / "out").exists()
    given = tmp_path / "given.csv"
    given.write_bytes(b"mine")
    (tmp_path / "link").symlink_to(tmp_path)
    with pytest.raises(InputError):  # the same file by another path
        write_files({"given.csv": b"theirs"}, tmp_path / "link", inputs=[given])
    assert given.read_bytes() == b"mine"


# --- every echo bounded ------------------------------------------------------------------

#: The longest line a message may print: the documented cut of a quoted value (80
#: characters, docs/input-rules.md) plus the message around it.
LONGEST_LINE = 400


def long_lines(result) -> list[int]:
    return [len(line) for line in (result.stdout + result.stderr).splitlines() if len(line) > LONGEST_LINE]


def test_quoted_user_text_is_cut_at_the_documented_length():
    from allocation.common.texts import QUOTE_LIMIT, capped, clipped, listed, quoted

    assert QUOTE_LIMIT == 80
    assert quoted("Amsterdam") == "'Amsterdam'" and clipped("Amsterdam") == "Amsterdam"
    assert quoted("A" * 10_000) == "'" + "A" * 80 + "...'"
    assert quoted("a\nb") == "'a\\nb'", "a quoted value stays on one line"
    assert capped([str(i) for i in range(25)], "and {count} more") == [str(i) for i in range(20)] + ["and 5 more"]
    assert capped(["a"], "and {count} more") == ["a"]
    assert listed(["x" * 100] + [str(i) for i in range(30)]).startswith("x" * 80 + "...,")
    assert listed([str(i) for i in range(30)]).endswith("19 ... and 10 more")


def test_explain_with_a_very_long_name_prints_no_long_line():
    for text in ("A" * 10_000, "GM" + "9" * 10_000, "Amster" + " " * 10_000 + "dam", "x\n" * 5_000):
        result = cli("explain", str(SCENARIOS / "kamerbrief-2021.yaml"), text)
        assert result.returncode == 2 and result.stderr.startswith("error: ")
        assert long_lines(result) == [] and len(result.stderr.splitlines()) == 1


def test_a_table_with_many_unknown_pots_prints_a_bounded_number_of_notes_with_a_summary(tmp_path):
    table = tmp_path / "many.csv"
    rows = "".join(f"onbekend_{i}{'x' * (i % 3) * 200},2021,GM0363,Amsterdam,1\n" for i in range(2_000))
    table.write_text((GOLDEN / "kamerbrief-2021-allocation.csv").read_text(encoding="utf-8") + rows,
                     encoding="utf-8")
    result = cli("compare", str(table), str(SCENARIOS / "kamerbrief-2021.yaml"), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stdout.splitlines() if line.startswith("NOTE:")]
    assert len(notes) == 21
    assert notes[-1] == "NOTE: And 1,980 more pots of many.csv not in the scenario; left out."
    assert long_lines(result) == []
    workbook = openpyxl.load_workbook(tmp_path / "out" / "mutaties-many-vs-kamerbrief-2021.xlsx")
    assert sum(1 for row in workbook["Notes"].iter_rows(values_only=True) if row[0] == "note") == 21


def test_errors_are_capped_with_a_summary_and_long_yaml_values_and_fields_cut(tmp_path):
    text = (SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    for i in range(50):
        data["pots"]["elip"][f"extra_{i}_" + "y" * 5_000] = 1
    data["pots"]["elip"]["budget"]["amount_eur"] = "x" * 10_000
    path = tmp_path / "noisy.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = cli("validate", str(path))
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 21 and lines[-1] == "error: and 31 more problems"
    assert long_lines(result) == []
    assert any("amount_eur: must be" in line and "x" * 80 + "..." in line for line in lines)


def test_a_second_run_into_the_same_folder_says_which_files_it_replaced(tmp_path):
    """Nothing is overwritten silently: a file left by an earlier run is named as replaced."""
    scenario = str(SCENARIOS / "kamerbrief-2021.yaml")
    first = cli("run", scenario, "--out", str(tmp_path))
    assert first.returncode == 0 and "replaced" not in first.stdout
    assert first.stdout.count("wrote ") >= 4
    (tmp_path / "kept.txt").write_text("a file of the user's own")
    second = cli("run", scenario, "--out", str(tmp_path))
    assert second.returncode == 0 and "wrote " not in second.stdout
    assert second.stdout.count("replaced ") == first.stdout.count("wrote ")
    assert (tmp_path / "kept.txt").read_text() == "a file of the user's own"


def test_only_the_products_own_formulas_pass_the_formula_check():
    """The check above lets the meicirculaire workbook's own formulas through and nothing else."""
    names, sheets = {"Vast_elip", "Budget_elip_2021"}, {"Verdeelsleutels"}
    assert not foreign("=Vast_elip+'Verdeelsleutels'!J2*(Budget_elip_2021-SUM($A$1:$A$9))", names, sheets)
    assert not foreign('=F2+IF(RANK(G2,$G$2:$G$353,0)+COUNTIFS($G$2:$G$353,G2,$B$2:$B$353,"<"&B2)<=$H$9,1,0)',
                       names, sheets)
    for bad in (HYPERLINK, "=WEBSERVICE(A1)", '=A1&"x"', "=Other_name*2", "='Evil'!A1", "=cmd|' /C calc'!A0"):
        assert foreign(bad, names, sheets), bad
