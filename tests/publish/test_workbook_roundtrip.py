"""A meicirculaire workbook of ours that someone edited reads back as a published table, and the
mutaties against the scenario show exactly the edited cells (README, "Zelf narekenen").

The edits here are made up (FICTITIOUS amounts): a few amounts of the "elip" sheet changed,
the formulas kept. The xlsx is edited with openpyxl (which keeps the formulas but drops their
computed values); the ODS by rewriting cell values in its XML (which leaves the total
formulas showing their old values). Either way a total that is a formula is the sum of its
rows; a total typed over with a number that disagrees is still refused.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from lxml import etree

from allocation.analysis.mutaties import mutaties
from allocation.common.errors import InputError
from allocation.data.published_table import read_published_table
from allocation.publish.meicirculaire import meicirculaire_files
from allocation.scenario.result import published_table
from tests.conftest import shipped

FIXED_DATE = dt.date(2026, 5, 31)
POT = "elip"
#: (code, payment year) -> euros added (FICTITIOUS edits)
EDITS = {("GM0363", 2022): 250, ("GM0014", 2021): -100, ("GM1680", 2026): 1}
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


@pytest.fixture(scope="module")
def result():
    return shipped("kamerbrief-2021")


@pytest.fixture(scope="module")
def files(result):
    return meicirculaire_files(result, ("xlsx", "ods"), FIXED_DATE)


def _places(rows: list[list[object]]) -> dict[tuple[str, int], tuple[int, int]]:
    """(code, year) of every edit -> (row, column) counted from 1."""
    header = [str(h) for h in rows[0]]
    by_code = {row[0]: r for r, row in enumerate(rows, start=1)}
    return {(code, year): (by_code[code], header.index(str(year)) + 1) for code, year in EDITS}


def edited_xlsx(content: bytes) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book[POT]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    for (code, year), (r, c) in _places(rows).items():
        assert isinstance(sheet.cell(r, c).value, int)  # an amount is a value; the totals are formulas
        sheet.cell(r, c).value += EDITS[code, year]
    assert str(sheet.cell(sheet.max_row, 5).value).startswith("=SUM(")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def edited_ods(content: bytes) -> bytes:
    """The ODS with the amounts rewritten in its XML (the total formulas keep their old values)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    root = etree.fromstring(source.read("content.xml"))
    table = next(t for t in root.iter(f"{{{TABLE}}}table") if t.get(f"{{{TABLE}}}name") == POT)
    rows = [[cell.findtext(f"{{{TEXT}}}p") or "" for cell in row.iter(f"{{{TABLE}}}table-cell")]
            for row in table.iter(f"{{{TABLE}}}table-row")]
    elements = [list(row.iter(f"{{{TABLE}}}table-cell")) for row in table.iter(f"{{{TABLE}}}table-row")]
    for (code, year), (r, c) in _places(rows).items():
        cell = elements[r - 1][c - 1]
        amount = int(cell.get(f"{{{OFFICE}}}value")) + EDITS[code, year]
        cell.set(f"{{{OFFICE}}}value", str(amount))
        cell.find(f"{{{TEXT}}}p").text = str(amount)
    assert elements[-1][4].get(f"{{{TABLE}}}formula").startswith("of:=SUM(")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = etree.tostring(root, xml_declaration=True, encoding="UTF-8") if info.filename == "content.xml" \
                else source.read(info.filename)
            target.writestr(info, data)
    return out.getvalue()


def expected_table(result):
    published = published_table(result)
    expected = {(row.pot, int(row.year), row.gm_code): int(row.amount_eur) for row in published.itertuples()}
    for (code, year), delta in EDITS.items():
        expected[POT, year, code] += delta
    return expected


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_an_edited_workbook_reads_back_as_a_published_table_with_the_edits(result, files, suffix):
    content = edited_xlsx(files["xlsx"]) if suffix == ".xlsx" else edited_ods(files["ods"])
    table = read_published_table(content, f"bewerkt{suffix}")
    read = {(row.pot, int(row.year), row.gm_code): int(row.amount_eur) for row in table.itertuples()}
    assert read == expected_table(result)


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_the_mutaties_against_an_edited_workbook_are_exactly_the_edited_cells(result, files, suffix):
    content = edited_xlsx(files["xlsx"]) if suffix == ".xlsx" else edited_ods(files["ods"])
    found = mutaties(read_published_table(content, f"bewerkt{suffix}"), result, f"bewerkt{suffix}")
    changed = found.table[found.table["mutatie_eur"] != 0]
    assert {(row.gm_code, int(row.year)): int(row.mutatie_eur) for row in changed.itertuples()} == {
        key: -delta for key, delta in EDITS.items()}
    assert set(changed["pot"]) == {POT}


def test_a_total_typed_over_with_a_number_that_disagrees_is_still_refused(files):
    book = openpyxl.load_workbook(io.BytesIO(files["xlsx"]))
    sheet = book[POT]
    sheet.cell(sheet.max_row, 5).value = 2_886_001  # the rows add up to 2,886,000
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(InputError,
                       match=r"blad elip\).*het totaal zegt 2\.886\.001 maar de rijen tellen op tot 2\.886\.000"):
        read_published_table(out.getvalue(), "getypt.xlsx")
