"""Layer 4 (publishing): a workbook's sheets in memory, written as xlsx (XlsxWriter) or ODS
(:mod:`allocation.publish.ods`) from the same cells.

A :class:`Sheet` holds what both formats show: the cells (value, number format, bold,
wrapped), the column widths (in characters, as Excel counts them), the row heights the
wrapped text needs, the frozen header row and the print layout (:class:`PrintLayout`:
landscape A4, one page wide, the header row on every page, the title and the generation
date in the page header, "Pagina 1 van 3" in the footer).

Text cells are always written as text, never as a formula; numbers as numbers. The xlsx
bytes are deterministic: fixed zip timestamps and the generation date as the document's
created and modified date.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
import re
import zipfile
from dataclasses import dataclass, field

from allocation.common.cells import XLSXWRITER_OPTIONS, is_risky
from allocation.common.i18n import _


def page_words() -> tuple[str, str]:
    """The words of every printed page's footer, in both formats ("Pagina 1 van 3")."""
    return _("mc_page_word"), _("mc_page_of")


def generated_words(date: str) -> str:
    """The page header's right part: "gegenereerd 2026-12-04"."""
    return _("mc_generated", date=date)

#: The height of one line of text in a row, in points (Calibri 11).
LINE_POINTS = 15.0


@dataclass(frozen=True)
class PrintLayout:
    """How a sheet prints: landscape, one page wide, the first row on every page, a page header
    with the title and the generation date, and the page number in the footer."""

    title: str
    date: str


@functools.cache
def column_letters(column: int) -> str:
    """The letters of a column counted from 1: 1 -> A, 28 -> AB."""
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True)
class Ref:
    """A reference to a cell (or to the range up to ``last``) on ``sheet`` (None: the formula's
    own sheet), both counted from 1; ``fixed``: absolute (``$A$1``), as a range to rank in."""

    row: int
    column: int
    sheet: str | None = None
    last: tuple[int, int] | None = None
    fixed: bool = False

    def _cells(self) -> list[str]:
        if not self.fixed and self.last is None:
            return [f"{column_letters(self.column)}{self.row}"]
        dollar = "$" if self.fixed else ""
        ends = [(self.row, self.column)] + ([self.last] if self.last else [])
        return [f"{dollar}{column_letters(c)}{dollar}{r}" for r, c in ends]

    def xlsx(self) -> str:
        prefix = "" if self.sheet is None else "'" + self.sheet.replace("'", "''") + "'!"
        return prefix + ":".join(self._cells())

    def ods(self) -> str:
        prefix = "." if self.sheet is None else "$'" + self.sheet.replace("'", "''") + "'."
        return "[" + prefix + (":.".join(self._cells())) + "]"


#: A formula's own words: function names, numbers, operators, names of cells (letters, digits
#: and ``_``) and ``{0}`` places for references; no text but the criterion ``"<"``, so no user text.
_TEMPLATE = re.compile(r'(?:[A-Za-z0-9_.,()+\-*/<>=&{} ]|"<")*')


@dataclass(frozen=True)
class Formula:
    """A formula of the product's own (never user text) with the value the product computed,
    cached in the file so a spreadsheet that does not recalculate shows the right number.

    ``template`` is written in the spreadsheet's English function words with ``,`` between
    arguments and ``{0}``, ``{1}`` ... for ``refs``; each writer puts its own syntax in
    (xlsx ``'Blad'!A1``, ODS ``of:=[$'Blad'.A1]`` with ``;``). Names of cells
    (:attr:`Sheet.names`) stand in the template as they are."""

    template: str
    refs: tuple[Ref, ...]
    value: float | int | bool

    def __post_init__(self) -> None:
        if not _TEMPLATE.fullmatch(self.template):
            raise ValueError(f"not a formula template of the product: {self.template!r}")

    def xlsx(self) -> str:
        return "=" + self.template.format(*(ref.xlsx() for ref in self.refs))

    def ods(self) -> str:
        return "of:=" + self.template.replace(",", ";").format(*(ref.ods() for ref in self.refs))


@dataclass
class Cell:
    """One cell: a value (text, number, bool, or a :class:`Formula` of the product's own) and how it shows."""

    value: object
    number_format: str | None = None
    bold: bool = False
    wrap: bool = False

    @property
    def style(self) -> tuple[str | None, bool, bool]:
        return self.number_format, self.bold, self.wrap


@dataclass
class Sheet:
    """A sheet's cells by (row, column), both counted from 1 as in a spreadsheet."""

    title: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    widths: dict[int, float] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)
    freeze_header: bool = False
    layout: PrintLayout | None = None
    names: dict[str, tuple[int, int]] = field(default_factory=dict)  # named cells: name -> (row, column)

    def cell(self, row: int, column: int, value: object = None) -> Cell:
        """The cell at (row, column), made with ``value`` (``value`` replaces the old one when given)."""
        found = self.cells.get((row, column))
        if found is None:
            found = self.cells[row, column] = Cell(value)
        elif value is not None:
            found.value = value
        return found

    @property
    def max_row(self) -> int:
        return max((r for r, _ in self.cells), default=0)

    @property
    def max_column(self) -> int:
        return max((c for _, c in self.cells), default=0)

    def rows(self) -> list[list[Cell | None]]:
        """Every row from the first to the last used one, each as wide as the widest (None: empty)."""
        width = self.max_column
        grid: list[list[Cell | None]] = [[None] * width for _ in range(self.max_row)]
        for (r, c), cell in self.cells.items():
            grid[r - 1][c - 1] = cell
        return grid

    def fit_wrapped_rows(self) -> None:
        """Give every row with wrapped text the height its longest cell needs at the column widths,
        so that no printed line overlaps the next row (spreadsheets do not all measure rows on load)."""
        lines: dict[int, int] = {}
        for (r, c), cell in self.cells.items():
            if cell.wrap and isinstance(cell.value, str) and cell.value:
                lines[r] = max(lines.get(r, 1), wrapped_lines(cell.value, self.widths.get(c, 10)))
        for r, count in lines.items():
            if count > 1:
                self.heights[r] = count * LINE_POINTS


def wrapped_lines(text: str, width: float) -> int:
    """How many lines ``text`` takes in a column of ``width`` characters, counted generously
    (a word that does not fit starts a new line; proportional letters are taken as 0.95 of a digit)."""
    room = max(1, int(width / 0.95) - 1)
    total = 0
    for paragraph in text.split("\n"):
        count, used = 1, 0
        for word in paragraph.split(" "):
            size = len(word)
            if used and used + 1 + size > room:
                count, used = count + 1, 0
            if size > room:  # a word longer than the column breaks anywhere
                count += math.ceil(size / room) - 1
                used = size % room
            else:
                used += (1 if used else 0) + size
        total += count
    return total


#: Excel's limit on a page header, in characters (XlsxWriter leaves out a longer one).
HEADER_LIMIT = 255


def _header_footer(layout: PrintLayout) -> tuple[str, str]:
    """The xlsx page header (title in the middle, generation date right; a title too long for
    Excel's limit is cut with "...") and footer ("Pagina 1 van 3")."""
    def escape(text: str) -> str:
        return text.replace("&", "&&")

    right = f"&R{escape(generated_words(layout.date))}"
    title = escape(layout.title)
    room = HEADER_LIMIT - len("&C") - len(right)
    if len(title) > room:
        title = title[: room - 3].rstrip("&") + "..."
    page, of = page_words()
    return f"&C{title}{right}", f"&C{escape(page)} &P {escape(of)} &N"


def to_xlsx(sheets: list[Sheet], title: str, creator: str, created: dt.date) -> bytes:
    """The sheets as xlsx bytes (XlsxWriter), deterministic for the same sheets and date."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, XLSXWRITER_OPTIONS)
    stamp = dt.datetime.combine(created, dt.time())
    book.set_properties({"title": title, "author": creator, "created": stamp})
    formats: dict[tuple[tuple[str | None, bool, bool], bool], object] = {}

    def cell_format(style: tuple[str | None, bool, bool], quote: bool = False):
        """One format per style; ``quote``: with the quote prefix (a text a spreadsheet would run,
        kept as typed)."""
        if style == (None, False, False) and not quote:
            return None
        if (style, quote) not in formats:
            number_format, bold, wrap = style
            options: dict[str, object] = {"quote_prefix": True} if quote else {}
            if number_format:
                options["num_format"] = number_format
            if bold:
                options["bold"] = True
            if wrap:
                options["text_wrap"] = True
                options["valign"] = "top"
            formats[style, quote] = book.add_format(options)
        return formats[style, quote]

    for sheet in sheets:
        worksheet = book.add_worksheet(sheet.title)
        # our formulas use none of Excel's newer functions that XlsxWriter prefixes with "_xlfn." (its ~30
        # regular expressions per formula were most of the time of writing a workbook): the text goes in as written
        worksheet._prepare_formula = _as_written  # type: ignore[method-assign]
        for column, width in sorted(sheet.widths.items()):
            worksheet.set_column(column - 1, column - 1, width)
        for row, height in sorted(sheet.heights.items()):
            worksheet.set_row(row - 1, height)
        for (r, c), cell in sorted(sheet.cells.items()):
            value, style = cell.value, cell_format(cell.style)
            if value is None or value == "":  # an empty text is an empty cell, as openpyxl wrote it
                if style is not None:
                    worksheet.write_blank(r - 1, c - 1, None, style)
            elif isinstance(value, Formula):
                cached = value.value
                worksheet.write_formula(r - 1, c - 1, value.xlsx(), style,
                                        cached if isinstance(cached, bool) else _plain_number(cached))
            elif isinstance(value, bool):
                worksheet.write_boolean(r - 1, c - 1, value, style)
            elif isinstance(value, (int, float)):
                worksheet.write_number(r - 1, c - 1, value, style)
            else:
                worksheet.write_string(r - 1, c - 1, str(value), cell_format(cell.style, True) if is_risky(value)
                                       else style)
        for name, (r, c) in sorted(sheet.names.items()):
            book.define_name(name, "=" + Ref(r, c, sheet.title, fixed=True).xlsx())
        if sheet.freeze_header:
            worksheet.freeze_panes(1, 0)
        if sheet.layout is not None:
            worksheet.set_landscape()
            worksheet.set_paper(9)  # A4
            worksheet.fit_to_pages(1, 0)
            worksheet.repeat_rows(0)
            worksheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
            header, footer = _header_footer(sheet.layout)
            worksheet.set_header(header, {"margin": 0.25})
            worksheet.set_footer(footer, {"margin": 0.25})
    book.close()
    return _fixed_zip(buffer.getvalue())


def _as_written(formula: str, expand_future_functions: bool = False) -> str:
    """A formula of ours as XlsxWriter stores it: without the leading ``=``."""
    return formula[1:]


def _plain_number(value: float | int) -> float | int:
    """A cached number as the file writes it (a whole float as an integer: ``12.0`` -> ``12``)."""
    return int(value) if isinstance(value, float) and value.is_integer() and abs(value) < 2**53 else value


def _fixed_zip(content: bytes) -> bytes:
    """The zip with fixed entry timestamps and modes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()
