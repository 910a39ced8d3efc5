"""Layer 1 (data): reading the files users give us, bounded before anything is parsed.

Every table and key a user gives (a published table, a key file, an upload in the app) is
read through here, so the limits live in one place (docs/input-rules.md):

* a file of at most :data:`MAX_FILE_BYTES`; a CSV of at most :data:`MAX_ROWS` rows,
  :data:`MAX_COLUMNS` columns and :data:`MAX_CELLS` cells;
* a workbook (xlsx, ODS) is a zip: at most :data:`MAX_ZIP_MEMBERS` members, each at most
  :data:`MAX_MEMBER_BYTES` once unpacked (a sheet's XML included), all together at most
  :data:`MAX_UNZIPPED_BYTES`, and no large member packed more than :data:`MAX_RATIO` times
  (a deflate bomb). Members are unpacked here, never beyond the size they declare, and
  the spreadsheet reader (python-calamine) gets that bounded copy;
* every sheet is looked through with a streaming XML parser before it is read: its cells
  that hold a value (a stray value at XFD1048576, or a row with content that ODS repeats a
  million times) must lie within :data:`MAX_ROWS` rows and :data:`MAX_COLUMNS` columns, and
  span at most :data:`MAX_CELLS` cells (the reader fills the span). Every XML part of an
  xlsx is looked through, wherever the workbook says its sheets are. Empty cells do not
  count: the used range Excel declares (``<dimension>``) and the empty rows LibreOffice
  repeats to the sheet's end are filler, and the reader skips them.

Text files are decoded as UTF-8 (with or without BOM), UTF-16 with its BOM (Excel's
"Unicode text") or, only when UTF-8 fails and every byte is one, Windows-1252 (Dutch
Excel's default CSV); the encoding used is returned, so a reader can name it.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

from allocation.common.errors import InputError
from allocation.common.i18n import N_, _, number, share

#: A file (CSV, xlsx, ODS, upload) larger than this is refused (a table of every municipality takes a few kB).
MAX_FILE_BYTES = 20_000_000
#: A CSV cell longer than this is refused (the csv module's own default is 131,072 characters).
MAX_CELL = 1_000_000
#: A table may have at most this many rows (352 municipalities x 6 years x a few pots is a few thousand).
MAX_ROWS = 100_000
#: A table may have at most this many columns.
MAX_COLUMNS = 200
#: A sheet's cells with a value may span at most this many cells (rows x columns), as the reader fills the span.
MAX_CELLS = 2_000_000
#: Formula cells remembered per workbook (to take a total row that is a formula as the sum of its
#: rows); beyond it a formula counts as a value, so memory stays small.
MAX_FORMULA_CELLS = 200_000
#: A workbook may hold at most this many zip members (an xlsx or ODS holds a few dozen).
MAX_ZIP_MEMBERS = 1_000
#: Each member of a workbook (a sheet's XML, the shared strings) at most this large once unpacked.
MAX_MEMBER_BYTES = 20_000_000
#: All members of a workbook together at most this large once unpacked.
MAX_UNZIPPED_BYTES = 50_000_000
#: A member larger than RATIO_FROM bytes may be packed at most this many times smaller (a deflate bomb is 1000x).
MAX_RATIO = 100
RATIO_FROM = 1_000_000

WORKBOOK_SUFFIXES = (".xlsx", ".ods")

csv.field_size_limit(max(csv.field_size_limit(), MAX_CELL))
def _fix() -> str:
    """The fix of a file beyond a limit, in the language."""
    return _("in_limits_fix")


def _mb(size: int) -> str:
    return f"{share(size / 1_000_000)} MB"


def check_size(size: int, origin: str) -> None:
    """Refuse a file larger than :data:`MAX_FILE_BYTES` before it is read."""
    if size > MAX_FILE_BYTES:
        raise InputError(_("in_too_large", origin=origin, size=_mb(size), limit=_mb(MAX_FILE_BYTES)))


def read_bytes(path: Path, origin: str | None = None) -> bytes:
    """A file's bytes, refused before reading when it is larger than :data:`MAX_FILE_BYTES`."""
    check_size(path.stat().st_size, origin or str(path))
    return path.read_bytes()


# --- text ---------------------------------------------------------------------------------

#: The encodings in words (keys of the catalogue; :func:`decode_text` gives them in the language).
ENCODING_NAMES = {"utf-8": N_("in_enc_utf8"), "utf-8-sig": N_("in_enc_utf8_bom"), "utf-16": N_("in_enc_utf16"),
                  "cp1252": N_("in_enc_cp1252")}


def decode_text(content: bytes, origin: str) -> tuple[str, str]:
    """The text of a file and the name of the encoding it was read in.

    UTF-16 is recognised by its byte-order mark only; Windows-1252 is used only when the
    bytes are not UTF-8 and all are Windows-1252 characters. Anything else is refused with
    the offset of the first byte that fits no supported encoding."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return content.decode("utf-16"), _(ENCODING_NAMES["utf-16"])
        except UnicodeDecodeError as exc:
            raise InputError(_("in_utf16", origin=origin, byte=exc.start)) from None
    nul = content.find(b"\0")
    if nul >= 0:
        raise InputError(_("in_nul", origin=origin, byte=nul))
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return content.decode("cp1252"), _(ENCODING_NAMES["cp1252"])
        except UnicodeDecodeError as cp1252:
            raise InputError(_("in_encoding", origin=origin, byte=cp1252.start,
                               hex=f"0x{content[cp1252.start]:02X}")) from None
    if text.startswith("\ufeff"):
        return text[1:], _(ENCODING_NAMES["utf-8-sig"])
    return text, _(ENCODING_NAMES["utf-8"])


def separator_of(header: str) -> str:
    """The separator a header line uses: ``;``, ``,`` or a tab (Excel's Unicode text)."""
    separator = ";" if header.count(";") > header.count(",") else ","
    if "\t" in header and separator not in header:
        separator = "\t"
    return separator


def csv_rows(text: str, origin: str, separator: str) -> list[list[str]]:
    """The rows of CSV text, refused beyond :data:`MAX_ROWS` rows or :data:`MAX_COLUMNS` columns."""
    reader = csv.reader(io.StringIO(text), delimiter=separator)
    rows = []
    cells = 0
    try:
        for row in reader:
            cells += len(row)
            if cells > MAX_CELLS:
                raise InputError(_("in_cells", origin=origin, limit=number(MAX_CELLS), fix=_fix()))
            if len(row) > MAX_COLUMNS and any(cell.strip() for cell in row[MAX_COLUMNS:]):
                raise InputError(_("in_columns", origin=origin, row=reader.line_num, count=number(len(row)),
                                   limit=MAX_COLUMNS, fix=_fix()))
            rows.append(row[:MAX_COLUMNS])
            if len(rows) > MAX_ROWS + 1:
                raise InputError(_("in_rows", origin=origin, limit=number(MAX_ROWS), fix=_fix()))
    except csv.Error as exc:
        raise InputError(_("in_csv", origin=origin, row=reader.line_num, error=exc, limit=number(MAX_CELL))) from None
    return rows


# --- workbooks ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Workbook:
    """A workbook whose zip and sheets are within the limits: its sheets' names and cells."""

    origin: str
    sheet_names: list[str]
    _book: object
    _formulas: dict[str, frozenset[tuple[int, int]]] | None = None  # sheet name -> formula cells (row, column)

    def rows(self, name: str) -> list[list[object]]:
        """A sheet's cells as rows (str, float, int, bool, dates; ``""`` where empty), from
        the first row with a value (see :meth:`first_row`)."""
        try:
            return self._book.get_sheet_by_name(name).to_python()  # type: ignore[attr-defined]
        except Exception as exc:  # calamine raises its own error types for a damaged sheet
            raise InputError(_("in_sheet", origin=self.origin, sheet=repr(name[:80]), error=type(exc).__name__)
                             ) from None

    def first_row(self, name: str) -> int:
        """The sheet's row number (1 for the top) of the first row :meth:`rows` gives."""
        start = self._book.get_sheet_by_name(name).start  # type: ignore[attr-defined]
        return (start[0] if start else 0) + 1

    def first_column(self, name: str) -> int:
        """The sheet's column number (1 for A) of the first cell of each row :meth:`rows` gives."""
        start = self._book.get_sheet_by_name(name).start  # type: ignore[attr-defined]
        return (start[1] if start else 0) + 1

    def is_formula(self, name: str, row: int, column: int) -> bool:
        """Whether the cell at the sheet's ``row`` and ``column`` (1 for the top left) holds a
        formula; :meth:`rows` gives a formula's value as last computed."""
        return (row, column) in (self._formulas or {}).get(name, frozenset())


class _TooLarge(Exception):
    pass


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0 "
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0 "
_TABLE, _ROW, _CELL, _COVERED = (TABLE + tag for tag in ("table", "table-row", "table-cell", "covered-table-cell"))
_ROWS_REPEATED, _COLUMNS_REPEATED = TABLE + "number-rows-repeated", TABLE + "number-columns-repeated"
_VALUE_TYPE, _FORMULA, _NAME = OFFICE + "value-type", TABLE + "formula", TABLE + "name"
_DIGITS = "0123456789"


def _count(text: str | None, default: int) -> int:
    """A row number or repeat count read at least as generously as any reader would (``+5``
    and `` 5 `` are 5), so the extent is never under-counted; ``default`` when it is no number."""
    try:
        return max(int(text.strip()), 1) if text else default
    except ValueError:
        return default


class _SheetExtent:
    """The extent of the cells that hold a value, counted while the XML streams past (the
    handlers only count: a repeat costs nothing, and the limits are checked per table)."""

    def __init__(self, formula_room: int = MAX_FORMULA_CELLS) -> None:
        self.formula_room = formula_room  # how many more formula cells may be remembered
        self.rows = self.columns = 0  # the extent of the cells with a value (of the current ODS table)
        self.row = self.column = 0
        self.row_repeat = self.cell_repeat = 1
        self.cell_has_value = False
        self.columns_of: dict[str, int] = {}  # xlsx: column letters -> number
        self.in_cell = 0  # ODS: depth inside a cell (a table inside a cell is not the sheet's)
        self.table = ""  # ODS: the current table's name
        self.formulas: dict[str, set[tuple[int, int]]] = {}  # ODS: table name -> formula cells; xlsx: under ""

    def check(self) -> None:
        if self.rows > MAX_ROWS or self.columns > MAX_COLUMNS or self.rows * self.columns > MAX_CELLS:
            raise _TooLarge()

    def _content(self, last_row: int, last_column: int) -> None:
        if last_row > self.rows:
            self.rows = last_row
        if last_column > self.columns:
            self.columns = last_column

    # xlsx: <row r="5"><c r="B5"><v>..</v></c></row>; r is optional (then the next row or column)
    def xlsx_start(self, name: str, attrs: dict) -> None:
        tag = name[name.rfind(":") + 1:]
        if tag == "c":
            ref = attrs.get("r")
            if ref:
                letters = ref.rstrip(_DIGITS)
                column = self.columns_of.get(letters)
                if column is None:
                    column = self.columns_of[letters] = _column_number(letters.upper()) if letters.isalpha() else 0
                self.column = column
                self.row = _count(ref[len(letters):], self.row)
            else:
                self.column += 1
        elif tag == "v" or tag == "is" or tag == "f":
            self._content(self.row, self.column)
            if tag == "f" and self.formula_room > 0:
                self.formula_room -= 1
                self.formulas.setdefault("", set()).add((self.row, self.column))
        elif tag == "row":
            self.row = _count(attrs.get("r"), self.row + 1)
            self.column = 0
            self.check()

    # ODS: <table:table-row table:number-rows-repeated="n"><table:table-cell
    #       table:number-columns-repeated="m" office:value-type=".."><text:p>..</text:p>
    def ods_start(self, name: str, attrs: dict) -> None:
        if self.in_cell:
            self.in_cell += 1
        elif name == _CELL or name == _COVERED:
            self.column += self.cell_repeat if self.column else 1
            self.cell_repeat = _count(attrs.get(_COLUMNS_REPEATED), 1)
            self.cell_has_value = _VALUE_TYPE in attrs
            if _FORMULA in attrs and self.row_repeat == 1 and self.cell_repeat <= min(MAX_COLUMNS, self.formula_room):
                # (a formula repeated over many rows is no total of a table: not kept, so the set stays small)
                self.formula_room -= self.cell_repeat
                self.formulas.setdefault(self.table, set()).update(
                    (self.row, column) for column in range(self.column, self.column + self.cell_repeat))
            if self.cell_has_value:
                self._content(self.row + self.row_repeat - 1, self.column + self.cell_repeat - 1)
            self.in_cell = 1
        elif name == _ROW:
            self.check()
            self.row += self.row_repeat if self.row else 1
            self.row_repeat = _count(attrs.get(_ROWS_REPEATED), 1)
            self.column, self.cell_repeat = 0, 1
        elif name == _TABLE:
            self.check()
            self.rows = self.columns = self.row = 0
            self.row_repeat = 1
            self.table = attrs.get(_NAME, "")

    def ods_end(self, name: str) -> None:
        if self.in_cell:
            self.in_cell -= 1

    def ods_text(self, data: str) -> None:
        if self.in_cell and not self.cell_has_value and data.strip():  # text without a value type
            self.cell_has_value = True
            self._content(self.row + self.row_repeat - 1, self.column + self.cell_repeat - 1)


def _no_doctype(*_args) -> None:
    raise InputError(_("in_doctype"))


def _extent(stream, ods: bool, origin: str, sheet: str, formula_room: int = MAX_FORMULA_CELLS
            ) -> dict[str, set[tuple[int, int]]]:
    """Stream a sheet's XML, refusing when its cells with a value lie beyond the limits; the
    cells with a formula (ODS: by table name; xlsx: under ``""``)."""
    extent = _SheetExtent(formula_room)
    # an xlsx sheet is known by its elements' local names (``c``, ``x:c``); ODS by namespace
    parser = expat.ParserCreate(namespace_separator=" ") if ods else expat.ParserCreate()
    parser.buffer_text = True  # one call per run of text, not per line
    parser.StartDoctypeDeclHandler = _no_doctype
    parser.EntityDeclHandler = _no_doctype
    if ods:
        parser.StartElementHandler = extent.ods_start
        parser.EndElementHandler = extent.ods_end
        parser.CharacterDataHandler = extent.ods_text
    else:
        parser.StartElementHandler = extent.xlsx_start
    try:
        while chunk := stream.read(1 << 20):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
        extent.check()
    except _TooLarge:
        raise InputError(_("in_extent", origin=origin, sheet=sheet, rows=number(MAX_ROWS), columns=MAX_COLUMNS,
                           cells=number(MAX_CELLS), span_rows=number(extent.rows),
                           span_columns=number(extent.columns), fix=_fix())) from None
    except expat.ExpatError as exc:
        raise InputError(_("in_xml", origin=origin, sheet=sheet, error=expat.errors.messages[exc.code],
                           line=exc.lineno)) from None
    except (LookupError, ValueError) as exc:  # an unknown encoding declared; a number beyond reason
        raise InputError(_("in_xml_unreadable", origin=origin, sheet=sheet, error=type(exc).__name__)) from None
    except InputError as exc:
        raise InputError(f"{origin}: {sheet}: {exc.problems[0]}") from None
    return extent.formulas


def _bounded_copy(content: bytes, origin: str) -> tuple[bytes, list[str]]:
    """A copy of the workbook's zip with every member checked against the limits and
    unpacked no further than its declared size; and the names of its members."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, NotImplementedError, ValueError, OSError, EOFError):
        raise InputError(_("in_not_zip", origin=origin)) from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise InputError(_("in_parts", origin=origin, count=number(len(members)), limit=number(MAX_ZIP_MEMBERS),
                           fix=_fix()))
    total = 0
    for member in members:
        if member.file_size > MAX_MEMBER_BYTES:
            raise InputError(_("in_part_size", origin=origin, part=member.filename[:80], size=_mb(member.file_size),
                               limit=_mb(MAX_MEMBER_BYTES), fix=_fix()))
        if member.file_size > RATIO_FROM and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise InputError(_("in_ratio", origin=origin, part=member.filename[:80], size=_mb(member.file_size),
                               packed=number(member.compress_size), ratio=MAX_RATIO, fix=_fix()))
        total += member.file_size
    if total > MAX_UNZIPPED_BYTES:
        raise InputError(_("in_unzipped", origin=origin, size=_mb(total), limit=_mb(MAX_UNZIPPED_BYTES), fix=_fix()))
    copy = io.BytesIO()
    try:
        with zipfile.ZipFile(copy, "w", zipfile.ZIP_STORED) as out:
            for member in members:
                if member.is_dir():
                    continue
                with archive.open(member) as source:  # zipfile stops at the declared size
                    out.writestr(member.filename, source.read(MAX_MEMBER_BYTES + 1))
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, ValueError, OSError, EOFError,
            KeyError) as exc:
        raise InputError(_("in_workbook", origin=origin, error=type(exc).__name__)) from None
    return copy.getvalue(), [m.filename for m in members]


def _check_sheets(copy: bytes, names: list[str], origin: str, ods: bool) -> dict[str, frozenset[tuple[int, int]]]:
    """Every sheet within the limits; the cells with a formula per sheet name."""
    formulas: dict[str, frozenset[tuple[int, int]]] = {}
    with zipfile.ZipFile(io.BytesIO(copy)) as archive:
        if ods:
            if "content.xml" in names:
                with archive.open("content.xml") as stream:
                    found = _extent(stream, True, origin, _("in_content_xml"))
                formulas = {table: frozenset(cells) for table, cells in found.items()}
            return formulas
        by_part: dict[str, set[tuple[int, int]]] = {}
        room = MAX_FORMULA_CELLS
        for name in names:  # every part that is XML: a sheet may sit at any path the workbook names
            with archive.open(name) as stream:
                if stream.read(64).lstrip().startswith(b"<"):
                    with archive.open(name) as again:
                        by_part[name] = _extent(again, False, origin, _("in_part", name=name), room).get("", set())
                        room -= len(by_part[name])
        for part, sheet in _xlsx_sheet_parts(archive, names).items():
            formulas[sheet] = frozenset(by_part.get(part, ()))
    return formulas


class _Attributes:
    """The attributes of every element with a given local name, read with expat (no document type)."""

    def __init__(self, tag: str):
        self.tag, self.found = tag, []

    def start(self, name: str, attrs: dict) -> None:
        if name[name.rfind(":") + 1:] == self.tag:
            self.found.append({key[key.rfind(":") + 1:]: value for key, value in attrs.items()})

    def read(self, data: bytes) -> list[dict]:
        parser = expat.ParserCreate()
        parser.StartDoctypeDeclHandler = _no_doctype
        parser.EntityDeclHandler = _no_doctype
        parser.StartElementHandler = self.start
        try:
            parser.Parse(data, True)
        except (expat.ExpatError, InputError, LookupError, ValueError):
            return []
        return self.found


def _xlsx_sheet_parts(archive: zipfile.ZipFile, names: list[str]) -> dict[str, str]:
    """The part of every sheet of an xlsx, by the workbook's relations: part path -> sheet name
    (empty when the workbook does not say)."""
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return {}
    sheets = _Attributes("sheet").read(archive.read("xl/workbook.xml"))
    targets = {r.get("Id"): r.get("Target", "") for r in
               _Attributes("Relationship").read(archive.read("xl/_rels/workbook.xml.rels"))}
    parts = {}
    for sheet in sheets:
        target = targets.get(sheet.get("id"), "")
        part = target.lstrip("/") if target.startswith("/") else "xl/" + target
        parts[part] = sheet.get("name", "")
    return parts


def open_workbook(content: bytes, origin: str) -> Workbook:
    """A workbook (xlsx or ODS, by ``origin``'s suffix) checked against every limit before
    python-calamine reads it; :class:`InputError` naming the file, the limit and the fix."""
    check_size(len(content), origin)
    copy, names = _bounded_copy(content, origin)
    formulas = _check_sheets(copy, names, origin, ods=Path(origin).suffix.lower() == ".ods")
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(copy))
        sheet_names = list(book.sheet_names)
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise InputError(_("in_workbook", origin=origin, error=type(exc).__name__)) from None
    return Workbook(origin, sheet_names, book, formulas)
