"""The meicirculaire export: the xlsx read back (openpyxl and LibreOffice), the per-pot CSVs.

Every amount and total in the files must equal the allocation the scenario produced, on
each payment year's register. The LibreOffice check converts the workbook with a real
spreadsheet program; it must run in CI (CI=true), elsewhere it may skip with a reason.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from allocation import __version__, load_scenario, parse_scenario, run_scenario
from allocation.common import i18n
from allocation.common.errors import InputError
from allocation.publish.circular_tables import neutralise, pot_csv, pot_table
from allocation.publish.meicirculaire import meicirculaire_workbook, write_workbook
from allocation.publish.run_files import export_files
from tests.conftest import ROOT, SCENARIOS, shipped

FIXED_DATE = dt.date(2026, 5, 31)
YEAR_COUNTS = {2021: 352, 2022: 345, 2023: 342, 2024: 342, 2025: 342, 2026: 342}
BASE_TEXT = (SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def result():
    return shipped("kamerbrief-2021")


@pytest.fixture(scope="module")
def files(result):
    return export_files(result, generated_on=FIXED_DATE)


@pytest.fixture(scope="module")
def workbook(files):
    """The xlsx as a spreadsheet shows it without recalculating: formulas by their cached values."""
    return openpyxl.load_workbook(io.BytesIO(files["kamerbrief-2021-meicirculaire.xlsx"]), data_only=True)


#: The sheets after the pots: the keys, a calculation sheet per pot, the parameters, the notes.
def other_sheets(pots) -> list[str]:
    return ["Verdeelsleutels"] + [f"Berekening {pot}" for pot in pots] + ["Rekenparameters", "Toelichting"]


def expected_amounts(result, pot_id: str) -> dict[int, dict[str, int]]:
    published = result.published[result.published["pot"] == pot_id]
    return {
        int(year): dict(zip(group["gm_code"], group["amount_eur"].astype(int)))
        for year, group in published.groupby("year")
    }


def budgets(result, pot_id: str) -> dict[int, int]:
    pot = result.pots[pot_id]
    return dict(zip(pot.years, pot.budgets))


def check_pot_rows(rows: list[list], result, pot_id: str) -> None:
    """Header, one row per municipality, total row: everything against the allocation."""
    header, body, total = rows[0], rows[1:-1], rows[-1]
    years = sorted(budgets(result, pot_id))
    assert [str(h) for h in header[4:]] == [str(y) for y in years] + [header[-1]]
    expected = expected_amounts(result, pot_id)
    seen: dict[int, dict[str, int]] = {year: {} for year in years}
    for row in body:
        code, number = row[0], int(row[1])
        assert number == int(code[2:])
        amounts = [None if cell in (None, "") else int(cell) for cell in row[4 : 4 + len(years)]]
        for year, value in zip(years, amounts):
            if value is not None:
                seen[year][code] = value
        assert int(row[-1]) == sum(a for a in amounts if a is not None)
    for year in years:
        assert seen[year] == expected[year], f"{pot_id} {year}"
        assert len(seen[year]) == YEAR_COUNTS[year]
    assert [int(v) for v in total[4 : 4 + len(years)]] == [budgets(result, pot_id)[y] for y in years]
    assert int(total[-1]) == result.scenario.pots[pot_id].budget.amount_eur


# --- the workbook read back with openpyxl ------------------------------------------------


def test_workbook_has_a_sheet_per_pot_then_keys_and_explanation(workbook, result):
    assert workbook.sheetnames == list(result.scenario.pots) + other_sheets(result.scenario.pots)


def test_every_amount_and_total_in_the_workbook_equals_the_allocation(workbook, result):
    for pot_id in result.scenario.pots:
        sheet = workbook[pot_id]
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        check_pot_rows(rows, result, pot_id)
        assert rows[-1][2] == "Totaal"


def test_pot_sheets_look_like_a_circular_annex(workbook, result):
    sheet = workbook["ondertussengroep"]
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]][:4] == ["Code", "Nummer", "Gemeente", "Provincie"]
    amsterdam = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == "GM0363")
    assert amsterdam[1].value == 363 and amsterdam[3].value == "Noord-Holland"
    assert all(cell.number_format == "#,##0" for cell in amsterdam[4:])
    names = [row[2] for row in sheet.iter_rows(min_row=2, max_row=sheet.max_row - 1, values_only=True)]
    assert names[0] == "Aa en Hunze" and names[-1] == "Zwolle"
    plain = [name.lstrip("'").casefold().replace("ú", "u").replace("â", "a") for name in names]
    assert plain == sorted(plain)


def test_verdeelsleutels_lets_a_municipality_recompute_its_share(workbook, result):
    sheet = workbook["Verdeelsleutels"]
    header = [c.value for c in sheet[1]]
    assert sheet.cell(row=354, column=3).value == "Totaal"  # 352 municipalities, then the total row
    body = [
        row
        for row in sheet.iter_rows(min_row=2, values_only=True)
        if isinstance(row[0], str) and row[0].startswith("GM") and isinstance(row[1], int)
    ]
    assert len(body) == 352
    by_code = {row[0]: dict(zip(header, row)) for row in body}
    inwoners = result.loaded.keys["inwoners"]
    value_column = next(h for h in header if h.startswith("inwoners [echt] waarde (personen)"))
    assert any(h.startswith("migratieachtergrond [proxy]") for h in header)
    assert by_code["GM0363"][value_column] == pytest.approx(inwoners.values["GM0363"])
    assert by_code["GM0363"]["inwoners aandeel"] == pytest.approx(inwoners.values["GM0363"] / inwoners.values.sum())
    assert sum(row["elip: gecombineerd aandeel"] for row in by_code.values()) == pytest.approx(1.0)
    mapping = [
        row
        for row in sheet.iter_rows(values_only=True)
        if row[2] in ("GM0756", "GM0501") and row[4] in ("GM1982", "GM1992")
    ]
    assert ("2022", "GM0756", "GM1982") in {(r[0], r[2], r[4]) for r in mapping}
    assert ("2023, 2024, 2025, 2026", "GM0501", "GM1992") in {(r[0], r[2], r[4]) for r in mapping}


def test_toelichting_lists_parameters_provenance_hashes_version_and_date(workbook, result):
    rows = [row for row in workbook["Toelichting"].iter_rows(values_only=True)]
    text = "\n".join(" | ".join("" if v is None else str(v) for v in row) for row in rows)
    scenario = result.scenario
    assert scenario.name in text and scenario.description in text
    for pot_id, pot in scenario.pots.items():
        # amounts are numbers in the cells (shown with the reader's thousands separator), never text
        assert f"Pot {pot_id} | budget (€) | {pot.budget.amount_eur} | bron" in text
        shown = {row[1].split(" (€)")[0]: row[2] for row in rows if row[0] == f"Pot {pot_id}" and row[1]}
        for year, budget in budgets(result, pot_id).items():
            assert shown[f"budget {year}"] == budget
    assert "Pot invoering | vast bedrag per gemeente per jaar (€) | 5000 | aanname" in text
    assert "sleutel migratieachtergrond gewicht | 1 | proxy" in text
    assert "Peildatum | betaaljaar 2022 | 2022-01-01 (register met 345 gemeenten) | aanname" in text
    assert "ontstaan uit herindeling" in "\n".join(str(c) for row in workbook["Verdeelsleutels"].iter_rows(
        values_only=True) for c in row if c) and "merged_new_municipality" not in text
    assert f"inburgering-allocation {__version__}" in text
    assert f"sha256 scenario | {result.loaded.content_hash}" in text
    assert "sha256 data/herindelingen.csv" in text and "peildatum: 30 april 2021" in text
    assert f"gegenereerd op | {FIXED_DATE.isoformat()}" in text


def test_the_meicirculaire_workbook_in_english(result):
    with i18n.using("en"):
        book = openpyxl.load_workbook(io.BytesIO(meicirculaire_workbook(result, FIXED_DATE)))
    assert book.sheetnames[3:] == ["Keys", "Calculation ondertussengroep", "Calculation elip", "Calculation invoering",
                                   "Parameters", "Notes"]
    text = "\n".join(" | ".join("" if v is None else str(v) for v in row) for row in book["Notes"].iter_rows(
        values_only=True))
    assert "Pot invoering | vast bedrag per municipality per year (€) | 5000 | ASSUMPTION" in text
    assert any(str(h).startswith("inwoners [real] value (persons)") for h in next(book["Keys"].iter_rows(
        values_only=True)))


def test_workbooks_written_at_once_are_the_same_bytes(result, files):
    """The command line writes the ODS in a side process while it writes the xlsx: every
    file the same bytes as written one after the other."""
    assert export_files(result, generated_on=FIXED_DATE, side_process=True) == files


def test_workbooks_written_here_when_the_side_process_fails(result, files, monkeypatch):
    """A side process that cannot deliver (here: no fork) costs time, never a file."""
    monkeypatch.setattr(os, "fork", lambda: (_ for _ in ()).throw(OSError("no processes left")))
    assert export_files(result, generated_on=FIXED_DATE, side_process=True) == files


def test_a_side_process_that_dies_is_replaced_by_the_job_here():
    """The side process's bytes are checked for their length: a job that fails there is run here."""
    from allocation.common.side_process import started

    parent = os.getpid()

    def job() -> bytes:
        if os.getpid() != parent:
            raise RuntimeError("fails in the side process")
        return b"made here"

    assert started(job)() == b"made here"
    assert started(lambda: b"x" * 200_000)() == b"x" * 200_000  # more than a pipe holds


def test_same_input_gives_the_same_files(result, files):
    again = export_files(result, generated_on=FIXED_DATE)
    assert again == files
    later = export_files(result, generated_on=FIXED_DATE + dt.timedelta(days=1))
    for name in files:
        if name.endswith(".csv"):
            assert later[name] == files[name], name

    def cells(content: bytes) -> list:
        book = openpyxl.load_workbook(io.BytesIO(content))
        return [[list(row) for row in book[s].iter_rows(values_only=True)] for s in book.sheetnames]

    first, second = (
        cells(files["kamerbrief-2021-meicirculaire.xlsx"]),
        cells(later["kamerbrief-2021-meicirculaire.xlsx"]),
    )
    differing = [
        (s, r) for s in range(len(first)) for r in range(len(first[s])) if first[s][r] != second[s][r]
    ]
    assert differing == [(len(first) - 1, len(first[-1]) - 1)], "only the generation date may differ"


def test_workbook_can_be_written_to_a_file(result, files, tmp_path):
    path = write_workbook(result, tmp_path / "sub" / "annex.xlsx", generated_on=FIXED_DATE)
    assert path.read_bytes() == files["kamerbrief-2021-meicirculaire.xlsx"]


def test_source_date_epoch_fixes_the_generation_date(result, files, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(dt.datetime(2026, 5, 31, 12, tzinfo=dt.UTC).timestamp())))
    assert meicirculaire_workbook(result) == files["kamerbrief-2021-meicirculaire.xlsx"]


# --- formula neutralisation ------------------------------------------------------------


def test_text_a_spreadsheet_would_run_as_a_formula_is_neutralised():
    """In a CSV with an apostrophe; in the workbook as a text cell, intact, with the quote prefix."""
    assert neutralise("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert [neutralise(t) for t in ("+1", "-1", "@SUM(A1)", "Amsterdam", "'s-Gravenhage")] == [
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "Amsterdam",
        "'s-Gravenhage",
    ]
    data = yaml.safe_load(BASE_TEXT)
    data["name"] = "=HYPERLINK(\"http://example.invalid\",\"click\")"
    data["description"] = "+cmd|' /C calc'!A0"
    data["pots"]["elip"]["label"] = "@SUM(1+1)"
    data["pots"]["elip"]["key"]["assumption"] = "-2+3"
    result = run_scenario(parse_scenario(yaml.safe_dump(data), origin="evil.yaml", scenario_id="evil"))
    book = openpyxl.load_workbook(io.BytesIO(meicirculaire_workbook(result, FIXED_DATE)))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    texts = {value for value in (data["name"], data["description"], "@SUM(1+1)", "-2+3")}
    assert not [cell.coordinate for cell in cells if cell.data_type == "f" and any(t in str(cell.value) for t in texts)]
    risky = [cell for cell in cells if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@"))
             and cell.data_type != "f"]  # the product's own formulas aside (test_output_safety.py checks them)
    assert risky and all(cell.data_type == "s" and cell.quotePrefix for cell in risky)
    values = {cell.value for row in book["Toelichting"].iter_rows() for cell in row}
    assert data["name"] in values and "@SUM(1+1)" in values and "-2+3" in values


# --- per-pot CSVs ------------------------------------------------------------------------


def read_csv_rows(content: bytes, dutch: bool) -> list[list[str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff") == dutch
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";" if dutch else ","))


@pytest.mark.parametrize("dutch", [False, True], ids=["plain", "dutch"])
def test_pot_csvs_hold_every_amount_and_total(result, dutch):
    for pot_id in result.scenario.pots:
        content = pot_csv(result, pot_id, dutch=dutch)
        rows = read_csv_rows(content, dutch)
        if dutch:  # the circulars' headers, as in the workbook
            assert rows[0][:4] == ["Code", "Nummer", "Gemeente", "Provincie"] and rows[0][-1] == "Totaal"
            assert rows[-1][2] == "Totaal"
        else:
            assert rows[0][:4] == ["gm_code", "gm_number", "gm_name", "province"] and rows[0][-1] == "total"
            assert rows[-1][2] == "Total"
        check_pot_rows(rows, result, pot_id)
        assert b"\r" not in content


def test_dutch_flavour_writes_decimal_commas():
    from allocation.publish.circular_tables import _format_cell

    assert _format_cell(0.25, dutch=True) == "0,25" and _format_cell(0.25, dutch=False) == "0.25"
    assert _format_cell(1234567, dutch=True) == "1234567"


def test_export_files_names_every_file_run_writes(result, files):
    assert sorted(files) == sorted(
        ["kamerbrief-2021-allocation.csv", "kamerbrief-2021-meicirculaire.xlsx", "kamerbrief-2021-meicirculaire.ods"]
        + [f"kamerbrief-2021-{pot}.csv" for pot in result.scenario.pots]
    )
    assert files["kamerbrief-2021-elip.csv"] == pot_csv(result, "elip")


def test_a_pot_named_allocation_would_overwrite_the_long_table_and_is_refused():
    data = yaml.safe_load(BASE_TEXT)
    data["pots"]["allocation"] = data["pots"].pop("invoering")
    with pytest.raises(InputError) as info:
        parse_scenario(yaml.safe_dump(data), origin="clash.yaml", scenario_id="clash")
    assert info.value.problems == [  # Dutch by default
        "clash.yaml: pots.allocation: de pot-id zou clash-allocation.csv (de lange tabel) overschrijven; "
        "geef de pot een andere naam"
    ]


def test_weesp_register_choice_reaches_the_pot_table():
    data = yaml.safe_load(BASE_TEXT)
    data["peildata"] = {2022: {"date": "2022-03-24", "assumption": "test: the register after Weesp joined"}}
    result = run_scenario(parse_scenario(yaml.safe_dump(data), origin="w.yaml", scenario_id="w"))
    table = pot_table(result, "elip")
    weesp = table[table["gm_code"] == "GM0457"].iloc[0]
    assert pd.isna(weesp["2022"]) and not pd.isna(weesp["2021"])
    assert table["2022"].notna().sum() == 344
    rows = read_csv_rows(pot_csv(result, "elip"), dutch=False)
    assert rows[0][5] == "2022" and sum(1 for row in rows[1:-1] if row[5]) == 344


def test_run_writes_the_xlsx_and_csvs_and_dutch_flag_changes_only_the_pot_csvs(tmp_path):
    def run(*extra):
        out = tmp_path / ("dutch" if extra else "plain")
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "allocation",
                "run",
                str(SCENARIOS / "kamerbrief-2021.yaml"),
                "--out",
                str(out),
                *extra,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        return out

    plain, dutch = run(), run("--dutch")
    names = sorted(p.name for p in plain.iterdir())
    assert names == sorted(p.name for p in dutch.iterdir())
    assert "kamerbrief-2021-meicirculaire.xlsx" in names and "kamerbrief-2021-ondertussengroep.csv" in names
    assert (plain / "kamerbrief-2021-allocation.csv").read_bytes() == (
        dutch / "kamerbrief-2021-allocation.csv"
    ).read_bytes()
    assert (dutch / "kamerbrief-2021-elip.csv").read_bytes().startswith("\ufeffCode;Nummer;Gemeente;".encode())


# --- LibreOffice: the workbook opens in a real spreadsheet program ------------------------


def convert_with_libreoffice(soffice: str, workbook: Path, out: Path, *, as_shown: bool) -> dict[str, list[list[str]]]:
    """Every sheet of the workbook as CSV rows, converted by LibreOffice headless."""
    out.mkdir(parents=True, exist_ok=True)
    # separator ';', quote '"', UTF-8, from line 1, en-US, as shown or raw, all sheets (-1)
    options = f"59,34,76,1,,1033,false,true,{'true' if as_shown else 'false'},false,false,-1"
    done = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{out / 'profile'}",
            "--headless",
            "--convert-to",
            f"csv:Text - txt - csv (StarCalc):{options}",
            "--outdir",
            str(out),
            str(workbook),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    sheets = {}
    for path in sorted(out.glob(f"{workbook.stem}-*.csv")):
        text = path.read_text(encoding="utf-8")
        sheets[path.stem.removeprefix(f"{workbook.stem}-")] = list(csv.reader(io.StringIO(text), delimiter=";"))
    return sheets


def test_libreoffice_opens_the_workbook_and_every_total_holds(soffice, result, files, tmp_path):
    workbook = tmp_path / "kamerbrief-2021-meicirculaire.xlsx"
    workbook.write_bytes(files[workbook.name])
    raw = convert_with_libreoffice(soffice, workbook, tmp_path / "raw", as_shown=False)
    assert set(raw) == set(result.scenario.pots) | set(other_sheets(result.scenario.pots))
    for pot_id in result.scenario.pots:
        check_pot_rows(raw[pot_id], result, pot_id)
    toelichting = "\n".join(";".join(row) for row in raw["Toelichting"])
    assert result.loaded.content_hash in toelichting and "aanname" in toelichting and "proxy" in toelichting

    shown = convert_with_libreoffice(soffice, workbook, tmp_path / "shown", as_shown=True)
    total_row = shown["ondertussengroep"][-1]
    assert total_row[2] == "Totaal" and total_row[4] == "3,500,000" and total_row[-1] == "21,000,000"


def test_libreoffice_opens_the_ods_with_every_amount_and_total_of_the_long_csv(soffice, result, files, tmp_path):
    ods = tmp_path / "kamerbrief-2021-meicirculaire.ods"
    ods.write_bytes(files[ods.name])
    raw = convert_with_libreoffice(soffice, ods, tmp_path / "raw", as_shown=False)
    assert set(raw) == set(result.scenario.pots) | set(other_sheets(result.scenario.pots))
    for pot_id in result.scenario.pots:  # every amount and total against the long CSV
        check_pot_rows(raw[pot_id], result, pot_id)
    toelichting = "\n".join(";".join(row) for row in raw["Toelichting"])
    assert result.loaded.content_hash in toelichting and "aanname" in toelichting
    shown = convert_with_libreoffice(soffice, ods, tmp_path / "shown", as_shown=True)
    total_row = shown["ondertussengroep"][-1]
    assert total_row[2] == "Totaal" and total_row[4] == "3,500,000" and total_row[-1] == "21,000,000"


def test_the_ods_has_the_same_cells_as_the_xlsx(files):
    from python_calamine import CalamineWorkbook

    xlsx = CalamineWorkbook.from_filelike(io.BytesIO(files["kamerbrief-2021-meicirculaire.xlsx"]))
    ods = CalamineWorkbook.from_filelike(io.BytesIO(files["kamerbrief-2021-meicirculaire.ods"]))
    assert ods.sheet_names == xlsx.sheet_names
    for name in xlsx.sheet_names:
        ods_rows = ods.get_sheet_by_name(name).to_python()
        xlsx_rows = xlsx.get_sheet_by_name(name).to_python()
        assert len(ods_rows) == len(xlsx_rows), name
        for ods_row, xlsx_row in zip(ods_rows, xlsx_rows):  # xlsx keeps floats to 15 digits
            assert len(ods_row) == len(xlsx_row), name
            for a, b in zip(ods_row, xlsx_row):
                assert a == (pytest.approx(b, rel=1e-14) if isinstance(b, float) else b), (name, a, b)


def test_odfpy_reads_the_ods_back_with_text_as_text_and_numbers_cached(files):
    """The streamed ODS is read by odfpy too: every cell with text is a string cell, never a formula;
    a formula cell holds its computed number; the numbers are those the xlsx holds."""
    from odf.namespaces import OFFICENS, TABLENS
    from odf.opendocument import load
    from odf.table import Table, TableCell, TableRow
    from python_calamine import CalamineWorkbook

    document = load(io.BytesIO(files["kamerbrief-2021-meicirculaire.ods"]))
    xlsx = CalamineWorkbook.from_filelike(io.BytesIO(files["kamerbrief-2021-meicirculaire.xlsx"]))
    tables = document.spreadsheet.getElementsByType(Table)
    assert [t.getAttrNS(TABLENS, "name") for t in tables] == xlsx.sheet_names
    texts = numbers = formulas = 0
    for table in tables:
        expected = xlsx.get_sheet_by_name(table.getAttrNS(TABLENS, "name")).to_python()
        for r, row in enumerate(table.getElementsByType(TableRow)):
            for c, cell in enumerate(row.getElementsByType(TableCell)):
                kind = cell.getAttrNS(OFFICENS, "value-type")
                formula = cell.getAttrNS(TABLENS, "formula")
                if formula is not None:  # the product's own (tests/publish/test_output_safety.py), with a number cached
                    formulas += 1
                    assert formula.startswith("of:=") and kind in ("float", "boolean"), formula
                if kind == "boolean":
                    assert expected[r][c] is (cell.getAttrNS(OFFICENS, "boolean-value") == "true")
                elif kind == "float":
                    numbers += 1
                    assert float(cell.getAttrNS(OFFICENS, "value")) == pytest.approx(expected[r][c], rel=1e-14)
                elif str(cell):
                    texts += 1
                    assert kind == "string" and str(cell) == expected[r][c]
    assert texts > 4000 and numbers > 9000 and formulas > 10000


def test_the_ods_is_deterministic(result):
    from allocation.publish.meicirculaire import meicirculaire_ods

    assert meicirculaire_ods(result, FIXED_DATE) == meicirculaire_ods(result, FIXED_DATE)


def test_run_format_writes_xlsx_ods_or_both(tmp_path):
    from tests.faces.test_cli import cli

    for chosen, suffixes in (("xlsx", {".xlsx"}), ("ods", {".ods"}), ("both", {".xlsx", ".ods"})):
        out = tmp_path / chosen
        done = cli("run", str(SCENARIOS / "kamerbrief-2021.yaml"), "--out", str(out), "--format", chosen)
        assert done.returncode == 0, done.stderr
        assert {p.suffix for p in out.glob("*-meicirculaire.*")} == suffixes


def pdf_texts(soffice: str, workbook: Path, out: Path) -> list[str]:
    """The text of every page of the workbook printed to PDF by LibreOffice headless (its own
    profile in ``out``), read with pypdf."""
    from pypdf import PdfReader

    out.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{out / 'profile'}", "--headless", "--convert-to", "pdf",
         "--outdir", str(out), str(workbook)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return [page.extract_text() for page in PdfReader(out / f"{workbook.stem}.pdf").pages]


#: Pages of the baseline's workbook printed by LibreOffice before the print layout (A4 portrait,
#: the amounts on other pages than the names), measured on 2026-11-29 at commit 93d91b6.
PAGES_BEFORE = 107


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_the_workbook_prints_landscape_one_page_wide_with_the_header_row_on_every_page(soffice, files, tmp_path,
                                                                                      suffix):
    book = tmp_path / f"kamerbrief-2021-meicirculaire{suffix}"
    book.write_bytes(files[book.name])
    texts = pdf_texts(soffice, book, tmp_path / "pdf")
    pages = len(texts)
    # one page wide: the three pot sheets of 352 rows need 27 pages at a readable size,
    # the keys, parameters and notes a few more; before, 107 pages. The calculation sheets
    # (a row per municipality, four columns per payment year) at most 6 pages per pot.
    calculation = sum(": Berekening " in text for text in texts)
    assert pages - calculation <= PAGES_BEFORE // 3, pages
    assert 0 < calculation <= 6 * 3, calculation
    # every page says which page it is and of which workbook (page header and footer)
    for number, text in enumerate(texts, start=1):
        assert f"Pagina {number} van {pages}" in text, (number, text[-300:])
        assert "Kamerbrief 28 april 2021 (basisscenario): " in text and "gegenereerd 2026-05-31" in text, number
    if suffix == ".xlsx":
        sheet = openpyxl.load_workbook(book)["elip"]
        # fitToWidth 1 is the attribute's default in OOXML: XlsxWriter leaves it out (openpyxl reads None)
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth in (1, None)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToHeight == 0
        assert sheet.print_title_rows == "$1:$1"
        assert "Kamerbrief" in sheet.oddHeader.center.text and "gegenereerd 2026-05-31" in sheet.oddHeader.right.text
    else:
        import zipfile

        with zipfile.ZipFile(book) as archive:
            content = archive.read("content.xml").decode()
            styles = content + archive.read("styles.xml").decode()
        assert 'style:print-orientation="landscape"' in styles and 'style:scale-to-X="1"' in styles
        assert content.count("<table:table-header-rows>") == len(openpyxl.load_workbook(
            io.BytesIO(files["kamerbrief-2021-meicirculaire.xlsx"])).sheetnames)
        assert "gegenereerd 2026-05-31" in styles


def test_constrained_scenario_lists_each_constraint_with_provenance_and_the_bound_report():
    constrained = run_scenario(load_scenario(SCENARIOS / "kamerbrief-2021-floor.yaml"))  # run in Dutch
    book = openpyxl.load_workbook(io.BytesIO(meicirculaire_workbook(constrained, dt.date(2026, 1, 1))))
    notes = [row for row in book["Toelichting"].iter_rows(values_only=True) if str(row[1]).startswith("beperking")]
    assert notes, "the floor must be listed among the parameters"
    assert all(row[3] in ("aanname", "bron") and row[4] for row in notes)
    assert ("beperking: minimum per gemeente", "€ 2.500 in 2021, 2022, 2023") in {(r[1], r[2]) for r in notes}
    rows = list(book["Begrenzingen"].iter_rows(min_row=2, values_only=True))
    assert all(str(row[4]) == "een minimum van € 2.500" for row in rows), rows[0][4]
    report = constrained.bound_report("elip")
    assert len(rows) == len(report)
    assert sum(row[7] for row in rows) == int(report["effect_eur"].sum())
    assert all(row[6] - row[5] == row[7] for row in rows)


def test_unconstrained_scenario_has_no_bound_sheet(workbook):
    assert "Begrenzingen" not in workbook.sheetnames


def test_each_constraint_in_the_toelichting_carries_its_own_provenance():
    loaded = load_scenario(SCENARIOS / "kamerbrief-2021-ingroei.yaml")
    constraints = loaded.scenario.pots["ondertussengroep"].constraints
    book = openpyxl.load_workbook(io.BytesIO(meicirculaire_workbook(run_scenario(loaded), dt.date(2026, 1, 1))))
    notes = {
        row[1]: row[4] for row in book["Toelichting"].iter_rows(values_only=True) if str(row[1]).startswith("beperking")
    }
    assert (
        notes["beperking: ingroeiregeling"] == constraints.transition.assumption.strip()
    )
    assert notes["beperking: jaarband"] == constraints.year_band.assumption.strip()


def test_the_toelichting_rows_are_as_high_as_their_wrapped_text_so_no_printed_line_overlaps(files):
    """Fixed column widths and wrapped text: each row is given the height of its longest cell,
    in the xlsx and the ODS alike (spreadsheets do not all measure rows when they open a file)."""
    import zipfile

    from allocation.publish.sheets import LINE_POINTS, wrapped_lines

    sheet = openpyxl.load_workbook(io.BytesIO(files["kamerbrief-2021-meicirculaire.xlsx"]))["Toelichting"]
    widths = {1: 24, 2: 34, 3: 70, 4: 12, 5: 70}
    tall = 0
    for row in sheet.iter_rows(min_row=2):
        lines = max(wrapped_lines(str(c.value), widths[c.column]) for c in row if c.value is not None)
        assert all(c.alignment.wrap_text for c in row if c.value is not None)
        height = sheet.row_dimensions[row[0].row].height
        if lines > 1:
            tall += 1
            assert height is not None and height >= lines * LINE_POINTS, (row[0].row, lines, height)
    assert tall >= 5  # the long texts (status, rounding rule, sources) take several lines
    with zipfile.ZipFile(io.BytesIO(files["kamerbrief-2021-meicirculaire.ods"])) as archive:
        content = archive.read("content.xml").decode()
    toelichting = content[content.index('table:name="Toelichting"'):]
    assert toelichting.count('<table:table-row table:style-name="ro') == tall
    assert 'style:use-optimal-row-height="false"' in content and 'fo:wrap-option="wrap"' in content


def test_a_title_longer_than_excels_header_limit_is_cut_and_the_page_header_kept():
    from allocation.publish.sheets import PrintLayout, Sheet, to_xlsx

    sheet = Sheet("pot", layout=PrintLayout("Scenario & variant " * 30, "2026-05-31"))
    sheet.cell(1, 1, "Code").bold = True
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx([sheet], "t", "c", FIXED_DATE)))["pot"]
    title = book.oddHeader.center.text  # "&&" is how a header writes "&" (a single "&" starts a code)
    assert title.startswith("Scenario && variant") and title.endswith("...") and len(title) < 255
    assert book.oddHeader.right.text == "gegenereerd 2026-05-31"
    assert book.oddFooter.center.text == "Pagina &P van &N"


def test_a_stuck_side_process_is_ended_and_the_job_done_here(monkeypatch):
    """A side process that never delivers does not hang the command: after the time limit it
    is ended and the job runs here."""
    import time

    from allocation.common import side_process

    parent = os.getpid()
    monkeypatch.setattr(side_process, "TIMEOUT", 0.5)

    def job() -> bytes:
        if os.getpid() != parent:
            time.sleep(60)
        return b"made here"

    assert side_process.started(job)() == b"made here"
