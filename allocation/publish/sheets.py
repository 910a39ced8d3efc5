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
from collections.abc import Callable
from dataclasses import dataclass, field

from allocation.common.cells import is_risky, xlsx_workbook
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


#: The row of a :class:`Ref` that stands for the row of the cell its formula is in: a formula
#: written down a column (:class:`Run`) refers to its own row this way.
HERE = 0
#: Where a rendered formula text takes its row number (never in a template: see ``_TEMPLATE``).
_ROW_MARK = "\x00"


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to a cell (or to the range up to ``last``) on ``sheet`` (None: the formula's
    own sheet), both counted from 1 (a row :data:`HERE`: the formula's own row); ``fixed``:
    absolute (``$A$1``), as a range to rank in."""

    row: int
    column: int
    sheet: str | None = None
    last: tuple[int, int] | None = None
    fixed: bool = False

    def _cells(self) -> list[str]:
        dollar = "$" if self.fixed else ""
        ends = [(self.row, self.column)] + ([self.last] if self.last else [])
        return [f"{dollar}{column_letters(c)}{dollar}{_ROW_MARK if r == HERE else r}" for r, c in ends]

    def xlsx(self) -> str:
        prefix = "" if self.sheet is None else "'" + self.sheet.replace("'", "''") + "'!"
        return prefix + ":".join(self._cells())

    def ods(self) -> str:
        prefix = "." if self.sheet is None else "$'" + self.sheet.replace("'", "''") + "'."
        return "[" + prefix + (":.".join(self._cells())) + "]"


#: A formula's own words: function names, numbers, operators, names of cells (letters, digits
#: and ``_``) and ``{0}`` places for references; no text but the criterion ``"<"``, so no user text.
_TEMPLATE = re.compile(r'(?:[A-Za-z0-9_.,()+\-*/<>=&{} ]|"<")*')


@functools.cache
def _checked(template: str) -> str:
    if not _TEMPLATE.fullmatch(template):
        raise ValueError(f"not a formula template of the product: {template!r}")
    return template


class FormulaText:
    """A formula of the product's own (never user text) in both syntaxes, written once for every
    row it stands in: ``template`` in the spreadsheet's English function words with ``,`` between
    arguments and ``{0}``, ``{1}`` ... for ``refs``; each syntax is put in here (xlsx
    ``'Blad'!A1``, ODS ``of:=[$'Blad'.A1]`` with ``;``). Names of cells (:attr:`Sheet.names`)
    stand in the template as they are; a reference with row :data:`HERE` takes the row the
    formula is in (:meth:`xlsx` and :meth:`ods` of ``row``)."""

    __slots__ = ("template", "refs", "_xlsx", "_ods")

    def __init__(self, template: str, refs: tuple[Ref, ...] = ()):
        self.template, self.refs = _checked(template), tuple(refs)
        self._xlsx = ("=" + template.format(*(ref.xlsx() for ref in self.refs))).split(_ROW_MARK)
        self._ods = ("of:=" + template.replace(",", ";").format(*(ref.ods() for ref in self.refs))).split(_ROW_MARK)

    def xlsx(self, row: int = HERE) -> str:
        return str(row).join(self._xlsx)

    def ods(self, row: int = HERE) -> str:
        return str(row).join(self._ods)

    def xlsx_parts(self) -> list[str]:
        """The xlsx text in the pieces between which the row number goes (a writer joins them)."""
        return list(self._xlsx)

    def ods_parts(self) -> list[str]:
        return list(self._ods)


@dataclass(frozen=True, slots=True)
class Formula:
    """One cell's formula (see :class:`FormulaText`) with the value the product computed, cached
    in the file so a spreadsheet that does not recalculate shows the right number."""

    template: str
    refs: tuple[Ref, ...]
    value: float | int | bool

    def __post_init__(self) -> None:
        _checked(self.template)

    def text(self) -> FormulaText:
        return FormulaText(self.template, self.refs)

    def xlsx(self, row: int = HERE) -> str:
        return self.text().xlsx(row)

    def ods(self, row: int = HERE) -> str:
        return self.text().ods(row)


@dataclass(slots=True)
class Cell:
    """One cell: a value (text, number, bool, or a :class:`Formula` of the product's own) and how it shows."""

    value: object
    number_format: str | None = None
    bold: bool = False
    wrap: bool = False

    @property
    def style(self) -> tuple[str | None, bool, bool]:
        return self.number_format, self.bold, self.wrap


@dataclass(slots=True)
class Run:
    """Cells down one column from ``first_row``, one per value, in one style: numbers or texts
    (None: an empty cell), or the product's formulas with the value it computed for each row:
    ``formula`` one :class:`FormulaText` for every row, or a list of one per row (few distinct
    ones, typically: a writer renders each distinct formula once). A table's columns are runs:
    a writer renders a run at once instead of cell by cell."""

    column: int
    first_row: int
    values: list
    number_format: str | None = None
    bold: bool = False
    formula: FormulaText | list[FormulaText] | None = None

    @property
    def style(self) -> tuple[str | None, bool, bool]:
        return self.number_format, self.bold, False

    @property
    def last_row(self) -> int:
        return self.first_row + len(self.values) - 1

    @property
    def last_used_row(self) -> int:
        """The row of the last value that is not empty (``first_row - 1`` if none is)."""
        for offset in range(len(self.values) - 1, -1, -1):
            if self.values[offset] is not None:
                return self.first_row + offset
        return self.first_row - 1

    def formulas(self) -> list[FormulaText]:
        """The formula of each row (a run with formulas only)."""
        if isinstance(self.formula, list):
            if len(self.formula) != len(self.values):
                raise ValueError(f"a run of {len(self.values)} cells with {len(self.formula)} formulas")
            return self.formula
        assert self.formula is not None
        return [self.formula] * len(self.values)

    def numbers_only(self) -> bool:
        """Only numbers and empty cells (no text, no boolean)."""
        return all(value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))
                   for value in self.values)


@dataclass
class Sheet:
    """A sheet's cells by (row, column), both counted from 1 as in a spreadsheet, and its
    columns of cells (:class:`Run`)."""

    title: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    widths: dict[int, float] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)
    freeze_header: bool = False
    layout: PrintLayout | None = None
    names: dict[str, tuple[int, int]] = field(default_factory=dict)  # named cells: name -> (row, column)
    runs: list[Run] = field(default_factory=list)

    def cell(self, row: int, column: int, value: object = None) -> Cell:
        """The cell at (row, column), made with ``value`` (``value`` replaces the old one when given)."""
        found = self.cells.get((row, column))
        if found is None:
            found = self.cells[row, column] = Cell(value)
        elif value is not None:
            found.value = value
        return found

    def column_run(self, column: int, first_row: int, values: list, number_format: str | None = None,
                   formula: FormulaText | list[FormulaText] | None = None, bold: bool = False) -> Run:
        """A column of cells from ``first_row`` down (see :class:`Run`); no other run may be there
        (nor a cell: said when the sheet is written). A formula's values are numbers."""
        run = Run(column, first_row, list(values), number_format, bold, formula)
        for other in self.runs:
            if other.column == column and run.first_row <= other.last_row and other.first_row <= run.last_row:
                raise ValueError(f"{self.title}: two runs of column {column} overlap")
        if formula is not None and not all(type(value) in (int, float) for value in run.values):
            raise ValueError(f"{self.title}: a formula's values must be numbers (column {column})")
        self.runs.append(run)
        return run

    @property
    def max_row(self) -> int:
        return max([r for r, _ in self.cells] + [run.last_used_row for run in self.runs], default=0)

    @property
    def max_column(self) -> int:
        return max([c for _, c in self.cells] + [run.column for run in self.runs
                                                  if run.last_used_row >= run.first_row], default=0)

    def styles(self) -> list[tuple[tuple[str | None, bool, bool], bool]]:
        """Every style the sheet's cells use, with whether it quotes a text a spreadsheet would
        run (see :func:`~allocation.common.cells.is_risky`), in the order of their first cells
        (rows, then columns)."""
        first: dict[tuple[tuple[str | None, bool, bool], bool], tuple[int, int]] = {}

        def seen(key: tuple[tuple[str | None, bool, bool], bool], at: tuple[int, int]) -> None:
            if at < first.get(key, (at[0] + 1, 0)):
                first[key] = at

        for (r, c), cell in self.cells.items():
            seen((cell.style, is_risky(cell.value)), (r, c))
        for run in self.runs:
            for quoted in (False, True) if run.formula is None else (False,):  # formulas hold numbers
                offset = next((offset for offset, value in enumerate(run.values)
                               if value is not None and is_risky(value) == quoted), None)
                if offset is not None:
                    seen((run.style, quoted), (run.first_row + offset, run.column))
        return sorted(first, key=first.__getitem__)

    def rendered(self, cell_text: Callable[[int, int, Cell], str | None],
                 run_texts: Callable[[Run], list[str | None]]) -> list[list[str | None]]:
        """Every row from the first to the last used one, each as wide as the widest: the text a
        writer makes of each cell (None: empty), the runs rendered a column at a time."""
        width = self.max_column
        grid: list[list[str | None]] = [[None] * width for _ in range(self.max_row)]
        for (r, c), cell in self.cells.items():
            grid[r - 1][c - 1] = cell_text(r, c, cell)
        for run in self.runs:
            column = run.column - 1
            if any((r, run.column) in self.cells for r in range(run.first_row, run.last_row + 1)):
                raise ValueError(f"{self.title}: the run of column {run.column} covers a cell")
            for row, text in zip(grid[run.first_row - 1:run.last_row], run_texts(run)):
                row[column] = text
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


def plain_value(value: object) -> object:
    """A numpy number (or boolean) as the Python one it holds, so that it is written as a
    number, not as its text; anything else as it is."""
    item = getattr(value, "item", None)
    if item is not None and type(value).__module__ == "numpy":
        return item()
    return value


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
    """The sheets as xlsx bytes, deterministic for the same sheets and date. XlsxWriter writes
    the package (styles, shared strings, names, print layout); the cells of each sheet are
    rendered here a row at a time (:class:`_XlsxCells`), the same XML as XlsxWriter's own."""
    buffer = io.BytesIO()
    book = xlsx_workbook(buffer)
    stamp = dt.datetime.combine(created, dt.time())
    book.set_properties({"title": title, "author": creator, "created": stamp})
    cells = _XlsxCells(book)
    for sheet in sheets:
        worksheet = book.add_worksheet(sheet.title)
        for column, width in sorted(sheet.widths.items()):
            worksheet.set_column(column - 1, column - 1, width)
        for row, height in sorted(sheet.heights.items()):
            worksheet.set_row(row - 1, height)
        rows = cells.rows(sheet)
        for row_number, row_xml in rows:  # the dimension of the used range
            worksheet._check_dimensions(row_number, row_xml[0])
            worksheet._check_dimensions(row_number, row_xml[1])
        worksheet._write_sheet_data = functools.partial(_write_sheet_data, worksheet, rows)  # type: ignore
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
    return buffer.getvalue()  # in memory, XlsxWriter dates every part 1980-01-01: the same bytes every time


#: Excel's limit on a cell's text, in UTF-16 units (XlsxWriter cuts a longer one there too).
TEXT_LIMIT = 32767


def _xml_text(text: str) -> str:
    """Text as XML character data (``&``, ``<`` and ``>`` escaped, as XlsxWriter does)."""
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


class _XlsxCells:
    """The ``<c>`` elements of a sheet's rows, as XlsxWriter writes them: texts in the workbook's
    shared strings (a text a spreadsheet would run with the quote prefix), numbers with 16
    significant digits, a formula with its cached value (a boolean one as ``t="b"``)."""

    def __init__(self, book) -> None:
        self.book = book
        self.formats: dict[tuple[tuple[str | None, bool, bool], bool], object] = {}

    def style(self, style: tuple[str | None, bool, bool], quote: bool = False) -> str:
        """`` s="3"``: the cell's format index (one format per style; ``quote``: with the quote
        prefix, a text a spreadsheet would run kept as typed), or nothing for the default style."""
        if style == (None, False, False) and not quote:
            return ""
        if (style, quote) not in self.formats:
            number_format, bold, wrap = style
            options: dict[str, object] = {"quote_prefix": True} if quote else {}
            if number_format:
                options["num_format"] = number_format
            if bold:
                options["bold"] = True
            if wrap:
                options["text_wrap"] = True
                options["valign"] = "top"
            self.formats[style, quote] = self.book.add_format(options)
        return f' s="{self.formats[style, quote]._get_xf_index()}"'

    def text(self, value: str) -> int:
        if len(value) > TEXT_LIMIT // 2:
            value = value.encode("utf-16-le")[:2 * TEXT_LIMIT].decode("utf-16-le", "ignore")
        return self.book.str_table._get_shared_string_index(value)

    def cell(self, r: int, c: int, cell: Cell) -> str | None:
        value, where = plain_value(cell.value), f"{column_letters(c)}{r}"
        if value is None or value == "":  # an empty text is an empty cell, as openpyxl wrote it
            style = self.style(cell.style)
            return f'<c r="{where}"{style}/>' if style else None
        if isinstance(value, Formula):
            cached = value.value
            formula = _xml_text(value.xlsx(r)[1:])
            if isinstance(cached, bool):
                return f'<c r="{where}"{self.style(cell.style)} t="b"><f>{formula}</f><v>{int(cached)}</v></c>'
            return f'<c r="{where}"{self.style(cell.style)}><f>{formula}</f><v>{_plain_number(cached)}</v></c>'
        if isinstance(value, bool):
            return f'<c r="{where}"{self.style(cell.style)} t="b"><v>{int(value)}</v></c>'
        if isinstance(value, (int, float)):
            return f'<c r="{where}"{self.style(cell.style)}><v>{_number(value)}</v></c>'
        text = str(value)
        style = self.style(cell.style, is_risky(text))
        return f'<c r="{where}"{style} t="s"><v>{self.text(text)}</v></c>'

    def run(self, run: Run) -> list[str | None]:
        if run.last_used_row < run.first_row:  # only empty cells: nothing written, no style
            return [None] * len(run.values)
        letters, rows = column_letters(run.column), range(run.first_row, run.last_row + 1)
        if all(value is None or isinstance(value, str) for value in run.values):
            return self._texts(run, letters, rows)
        style = self.style(run.style)
        if run.formula is not None:
            parts: dict[int, list[str]] = {}  # each distinct formula escaped once
            for formula in run.formulas():
                if id(formula) not in parts:
                    escaped = [_xml_text(part) for part in formula.xlsx_parts()]
                    parts[id(formula)] = [escaped[0][1:]] + escaped[1:]  # without the leading "="
            return [f'<c r="{letters}{r}"{style}><f>{str(r).join(parts[id(formula)])}</f><v>{_plain_number(v)}</v></c>'
                    for r, v, formula in zip(rows, run.values, run.formulas())]
        if run.numbers_only():
            return [None if v is None else f'<c r="{letters}{r}"{style}><v>{_number(v)}</v></c>'
                    for r, v in zip(rows, run.values)]
        return [None if v is None else self.cell(r, run.column, Cell(v, *run.style))
                for r, v in zip(rows, run.values)]

    def _texts(self, run: Run, letters: str, rows: range) -> list[str | None]:
        """A run of texts: each a shared string, in the run's style (with the quote prefix when
        a spreadsheet would run it); a format is made only for the texts that use it."""
        def style(value: str) -> str:
            return self.style(run.style, is_risky(value))

        return [None if v is None else f'<c r="{letters}{r}"{style(v)} t="s"><v>{self.text(v)}</v></c>' if v
                else self.cell(r, run.column, Cell(v, *run.style)) for r, v in zip(rows, run.values)]

    def rows(self, sheet: Sheet) -> list[tuple[int, tuple[int, int, str]]]:
        """The sheet's rows that hold a cell: (row from 0, (first column, last column, the cells' XML))."""
        for style, quoted in sheet.styles():  # format indexes in the order of first use, as XlsxWriter gives them
            self.style(style, quoted)
        rows = []
        for number, row in enumerate(sheet.rendered(self.cell, self.run)):
            used = [c for c, text in enumerate(row) if text]
            if used:
                rows.append((number, (used[0], used[-1], "".join(text for text in row if text))))
        return rows


def _number(value: int | float) -> str:
    """A number cell's value as XlsxWriter writes it (16 significant digits); never NaN or infinity."""
    if not math.isfinite(value):
        raise ValueError(f"a cell's number must be finite, not {value!r}")
    return f"{value:.16G}"


def _write_sheet_data(worksheet, rows: list[tuple[int, tuple[int, int, str]]]) -> None:
    """The worksheet's ``<sheetData>``: each row with its attributes as XlsxWriter writes them
    (height, if set), then the cells rendered by :class:`_XlsxCells`."""
    if not rows and not worksheet.row_info:
        worksheet._xml_empty_tag("sheetData")
        return
    worksheet._xml_start_tag("sheetData")
    written = {number for number, _ in rows}
    for number, (_first, _last, cells) in sorted(rows + [(n, (0, 0, "")) for n in worksheet.row_info
                                                         if n not in written]):
        if cells:
            worksheet._write_row(number, None, worksheet.row_info.get(number))
            worksheet.fh.write(cells)
            worksheet._xml_end_tag("row")
        else:
            worksheet._write_empty_row(number, None, worksheet.row_info.get(number))
    worksheet._xml_end_tag("sheetData")


def _plain_number(value: float | int) -> float | int:
    """A cached number as the file writes it (a whole float as an integer: ``12.0`` -> ``12``)."""
    return int(value) if isinstance(value, float) and value.is_integer() and abs(value) < 2**53 else value
