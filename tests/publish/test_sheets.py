"""The sheet model's writers (publish/sheets.py, publish/ods.py): the cells they render
themselves are the cells XlsxWriter writes through its own API, and a column of cells
written at once (a run) is the same as those cells written one by one."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import time
import zipfile

import numpy as np
import openpyxl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from allocation.common.cells import XLSXWRITER_OPTIONS
from allocation.publish.ods import sheets_to_ods
from allocation.publish.sheets import HERE, Formula, FormulaText, Ref, Sheet, to_xlsx

DATE = dt.date(2021, 4, 28)
# texts as people type them, those a spreadsheet would run, and characters XML escapes
TEXTS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from("&<>\"'=+-@\r\t"),
                max_size=20)
NUMBERS = st.integers(-10**12, 10**12) | st.floats(-1e12, 1e12, allow_nan=False)
STYLES = st.tuples(st.sampled_from([None, "#,##0", "#,##0.00", "0.0000000000"]), st.booleans())


def _sheet_xml(content: bytes) -> dict[str, bytes]:
    """Each worksheet's XML with the shared strings put in (their numbering is the writer's
    own) and without the optional ``spans`` of a row."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        root = etree.fromstring(archive.read("xl/sharedStrings.xml")) if "xl/sharedStrings.xml" in \
            archive.namelist() else []
        strings = ["".join(item.itertext()) for item in root]
        sheets = {}
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = re.sub(rb' spans="[^"]*"', b"", archive.read(name))
                sheets[name] = re.sub(rb't="s"><v>(\d+)</v>', lambda m: b"><v>" + repr(
                    strings[int(m[1])]).encode("unicode_escape") + b"</v>", xml)
        return sheets


def _through_xlsxwriter(rows: list[list[object]], styles: list[tuple[str | None, bool]]) -> bytes:
    """The same cells written cell by cell through XlsxWriter's own API."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, XLSXWRITER_OPTIONS)
    sheet = book.add_worksheet("Blad")
    formats = {}
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            number_format, bold = styles[c]
            risky = isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r"))
            key = (number_format, bold, risky)
            if key not in formats:
                options: dict[str, object] = {"quote_prefix": True} if risky else {}
                if number_format:
                    options["num_format"] = number_format
                if bold:
                    options["bold"] = True
                formats[key] = book.add_format(options) if options else None
            style = formats[key]
            if value is None:
                continue
            if isinstance(value, Formula):
                cached = value.value  # a whole float is cached as a whole number: 2 for 2.0
                cached = int(cached) if isinstance(cached, float) and cached.is_integer() else cached
                sheet.write_formula(r + 1, c, value.xlsx(r + 2), style, cached)
            elif isinstance(value, bool):
                sheet.write_boolean(r + 1, c, value, style)
            elif isinstance(value, (int, float)):
                sheet.write_number(r + 1, c, value, style)
            elif value == "":
                if style is not None:
                    sheet.write_blank(r + 1, c, None, style)
            else:
                sheet.write_string(r + 1, c, value, style)
    book.close()
    return buffer.getvalue()


COLUMN = st.one_of(st.lists(NUMBERS | st.none(), min_size=1, max_size=6),
                   st.lists(TEXTS | st.none(), min_size=1, max_size=6))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(columns=st.lists(st.tuples(COLUMN, STYLES), min_size=1, max_size=4), formula_values=st.lists(NUMBERS,
       min_size=1, max_size=6))
def test_a_run_writes_the_same_cells_as_those_cells_one_by_one_and_as_xlsxwriter_itself(columns, formula_values):
    by_run, by_cell = Sheet("Blad"), Sheet("Blad")
    styles = []
    for c, (values, (number_format, bold)) in enumerate(columns, start=1):
        by_run.column_run(c, 2, values, number_format, bold=bold)
        for r, value in enumerate(values, start=2):
            if value is not None:
                cell = by_cell.cell(r, c, value)
                cell.number_format, cell.bold = number_format, bold
        styles.append((number_format, bold))
    # a column of formulas: the sum of the row's first column and a fixed cell, its value cached
    c = len(columns) + 1
    formula = FormulaText("{0}+{1}*2", (Ref(HERE, 1), Ref(1, 1, fixed=True)))
    by_run.column_run(c, 2, formula_values, "#,##0.00", formula)
    for r, value in enumerate(formula_values, start=2):
        by_cell.cell(r, c, Formula("{0}+{1}*2", (Ref(r, 1), Ref(1, 1, fixed=True)), value)).number_format = \
            "#,##0.00"
    styles.append(("#,##0.00", False))
    assert sheets_to_ods([by_run]) == sheets_to_ods([by_cell])
    written = _sheet_xml(to_xlsx([by_run], "t", "c", DATE))
    assert written == _sheet_xml(to_xlsx([by_cell], "t", "c", DATE))
    height = max(len(values) for values, _style in columns + [(formula_values, None)])
    rows = [[None] * c for _ in range(height)]
    for column, (values, _style) in enumerate(columns):
        for r, value in enumerate(values):
            rows[r][column] = value
    for r, value in enumerate(formula_values):
        rows[r][c - 1] = Formula("{0}+{1}*2", (Ref(r + 2, 1), Ref(1, 1, fixed=True)), value)
    assert written == _sheet_xml(_through_xlsxwriter(rows, styles))


def test_a_formula_down_a_column_refers_to_its_own_row_in_both_formats():
    sheet = Sheet("Blad")
    sheet.column_run(1, 2, [1, 2, 3])
    sheet.column_run(2, 2, [2, 4, 6], formula=FormulaText("{0}*2", (Ref(HERE, 1),)))
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx([sheet], "t", "c", DATE)))["Blad"]
    assert [book.cell(r, 2).value for r in (2, 3, 4)] == ["=A2*2", "=A3*2", "=A4*2"]
    content = zipfile.ZipFile(io.BytesIO(sheets_to_ods([sheet]))).read("content.xml").decode()
    assert re.findall(r'table:formula="([^"]*)"', content) == ["of:=[.A2]*2", "of:=[.A3]*2", "of:=[.A4]*2"]


def test_a_run_over_another_run_is_refused_before_anything_is_written():
    sheet = Sheet("Blad")
    sheet.column_run(1, 1, ["", "a"])
    with pytest.raises(ValueError, match="overlap"):
        sheet.column_run(1, 2, ["x"])


def test_a_formula_down_a_column_caches_numbers_only():
    with pytest.raises(ValueError, match="numbers"):
        Sheet("Blad").column_run(2, 2, [1.5, None], formula=FormulaText("{0}*2", (Ref(HERE, 1),)))
    with pytest.raises(ValueError, match="numbers"):
        Sheet("Blad").column_run(2, 2, [True], formula=FormulaText("{0}*2", (Ref(HERE, 1),)))


def test_a_numpy_number_is_written_as_a_number_in_both_formats():
    sheet = Sheet("Blad")
    sheet.cell(1, 1, np.int64(-5))
    sheet.cell(1, 2, np.float64(2.5))
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx([sheet], "t", "c", DATE)))["Blad"]
    assert (book.cell(1, 1).value, book.cell(1, 2).value) == (-5, 2.5)
    assert not book.cell(1, 1).quotePrefix
    content = zipfile.ZipFile(io.BytesIO(sheets_to_ods([sheet]))).read("content.xml").decode()
    assert 'office:value-type="float" office:value="-5"' in content and 'office:value="2.5"' in content


def test_a_row_height_is_kept_on_a_sheet_without_cells():
    sheet = Sheet("Blad")
    sheet.heights[3] = 45.0
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx([sheet], "t", "c", DATE)))["Blad"]
    assert book.row_dimensions[3].height == 45.0


def test_a_text_shaped_like_rich_text_markup_stays_that_text_in_every_xlsx():
    text = "<r>Kosten & baten</r>"
    sheet = Sheet("Blad")
    sheet.cell(1, 1, text)
    sheet.column_run(2, 1, [text, "<r>x</r>"])
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx([sheet], "t", "c", DATE)))["Blad"]
    assert [book.cell(1, 1).value, book.cell(1, 2).value, book.cell(2, 2).value] == [text, text, "<r>x</r>"]


def test_a_side_process_whose_result_is_not_wanted_is_ended_and_reaped():
    from allocation.common.side_process import started

    job = started(lambda: (time.sleep(30), b"late")[1])
    pid = job.pid
    job.cancel()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped already: no child of that number is left


def test_a_run_over_a_cell_is_refused():
    sheet = Sheet("Blad")
    sheet.cell(3, 1, "er al")
    sheet.column_run(1, 2, [1, 2])
    try:
        to_xlsx([sheet], "t", "c", DATE)
    except ValueError as error:
        assert "covers a cell" in str(error)
    else:
        raise AssertionError("a run over a cell was written")


def test_a_character_xml_cannot_hold_becomes_a_replacement_character_in_the_ods():
    sheet = Sheet("Blad")
    sheet.cell(1, 1, "a\x01b")
    content = zipfile.ZipFile(io.BytesIO(sheets_to_ods([sheet]))).read("content.xml")
    etree.fromstring(content)  # well-formed
    assert "a\ufffdb" in content.decode()
