"""Layer 1 (data): user keys read from key files or uploads.

A key file is a CSV or text file (UTF-8 with or without BOM, UTF-16 with BOM as Excel's
"Unicode text", or Windows-1252 as Dutch Excel saves a CSV; ``,``-, ``;``- or
tab-separated), or a sheet of an xlsx or ODS workbook, every one read within the limits
of :mod:`allocation.data.input_files`. Values with a decimal comma or point; municipalities
by code (``GM0363``), CBS number (``363``) or full name. Every offending row is reported,
naming the file, the row and the fix; the key's source names the encoding or sheet read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import cast

import pandas as pd

from allocation.common import i18n
from allocation.common.errors import InputError
from allocation.common.i18n import _, ngettext
from allocation.common.texts import clipped, quoted
from allocation.data.input_files import (
    MAX_CELL,
    MAX_FILE_BYTES,
    WORKBOOK_SUFFIXES,
    check_size,
    csv_rows,
    decode_text,
    open_workbook,
    read_bytes,
    separator_of,
)
from allocation.data.keys import KINDS, Key
from allocation.data.municipality_names import (
    NotAMunicipality,
    codes_by_name,
    find_municipality,
    municipalities,
    named,
    normalise_code,
    plain,
)
from allocation.data.registers import (
    DATA_DIR,
    KEY_REGISTER_DATE,
    load_register,
    register_dates,
)

__all__ = ["MAX_CELL", "MAX_FILE_BYTES", "normalise_code"]  # read from here by other modules and tests

#: Per kind of problem, this many rows are named one by one; the rest are summarised.
MAX_ROWS_LISTED = 5
#: A key value above this is refused as absurd (the largest real key, inhabitants, is under a million).
MAX_KEY_VALUE = 1e12

# A number in each of the two spreadsheet conventions. A thousands group starts with 1-9.
_POINT = re.compile(r"^[+-]?(\d+|[1-9]\d{0,2}(,\d{3})+)(\.\d*)?$|^[+-]?\.\d+$")
_COMMA = re.compile(r"^[+-]?(\d+|[1-9]\d{0,2}(\.\d{3})+)(,\d*)?$|^[+-]?,\d+$")


def _clean(text: str) -> str:
    return text.strip().replace("\u00a0", "").replace(" ", "").replace("\u2009", "")


def number_readings(text: str) -> tuple[float | None, float | None]:
    """A cell read as a number with a decimal point (``1,234.5``) and with a decimal comma
    (``1.234,5``); ``None`` where it is not a number in that convention. ``1.234`` has two
    readings (1.234 and 1234); ``0.858`` and ``12.5`` only the first, ``12,5`` only the second."""
    value = _clean(text)
    point = float(value.replace(",", "")) if _POINT.match(value) else None
    comma = float(value.replace(".", "").replace(",", ".")) if _COMMA.match(value) else None
    return point, comma


def parse_number(text: str, dutch: bool) -> float | None:
    """A spreadsheet number in one convention; ``None`` when it is not one.

    ``dutch=False``: decimal point, optional thousands commas (``1,234.5``). ``dutch=True``:
    decimal comma, optional thousands dots (``1.234,5``; ``1.234`` is one thousand two
    hundred and thirty-four). :func:`parse_key_csv` decides the convention from the whole file.
    """
    point, comma = number_readings(text)
    return comma if dutch else point


def _as_text(cell: object) -> str:
    """A cell as text: a workbook's whole number 363.0 as ``363``; None and empty as ``""``."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


#: A title above a key file's header is skipped when the header is within this many rows.
HEADER_SEARCH = 20


@dataclass(frozen=True)
class KeyTable:
    """A key file's cells (the header row first), whatever format it came in, and how it was read."""

    origin: str
    rows: list[list[object]]
    separator: str | None  # a CSV's separator; None for a workbook (its number cells need no convention)
    read_as: str  # how the file was read, for the key's provenance ("Windows-1252 text, ';'-separated")
    sheets: list[str] = field(default_factory=list)  # a workbook's sheets
    sheet: str = ""  # the sheet read
    header_row: int = 1  # the file's or sheet's row number of the header, for messages

    @property
    def columns(self) -> list[str]:
        return [_as_text(c).strip() for c in self.rows[0]] if self.rows else []

    def from_header(self, wanted: tuple[str, ...] = ()) -> KeyTable:
        """The table from its header row: the first of the first :data:`HEADER_SEARCH` rows that
        holds every column ``wanted``, or (without ``wanted``) at least two named columns; a title
        above the header is skipped. The table as it is when no row fits."""
        for index, row in enumerate(self.rows[:HEADER_SEARCH]):
            names = [_as_text(c).strip() for c in row]
            if (all(w in names for w in wanted) if wanted else sum(1 for n in names if n) >= 2):
                return replace(self, rows=self.rows[index:], header_row=self.header_row + index)
        return self


def read_key_table(content: bytes | str, origin: str, sheet: str = "") -> KeyTable:
    """The cells of a key file: a CSV or text file (UTF-8 with or without BOM, UTF-16 with BOM,
    Windows-1252; ``,``, ``;`` or tab), or an xlsx or ODS workbook (its first sheet, or
    ``sheet``); every read within the limits of :mod:`allocation.data.input_files`."""
    if isinstance(content, bytes):
        check_size(len(content), origin)
    if Path(origin).suffix.lower() in WORKBOOK_SUFFIXES and isinstance(content, bytes):
        book = open_workbook(content, origin)
        if not book.sheet_names:
            raise InputError(_("key_no_sheets", origin=origin))
        if sheet and sheet not in book.sheet_names:
            raise InputError(_("key_no_sheet", origin=origin, sheet=quoted_cell(sheet),
                               sheets=", ".join(map(quoted_cell, book.sheet_names[:20]))))
        chosen = sheet or book.sheet_names[0]
        rows = [list(row) for row in book.rows(chosen)]
        header_row = book.first_row(chosen)
        while rows and not any(_as_text(c).strip() for c in rows[0]):
            rows.pop(0)  # a sheet may start lower down; the first row with text is the header
            header_row += 1
        kind = Path(origin).suffix.lower().lstrip(".").upper()
        return KeyTable(origin, rows, None, _("key_read_sheet", sheet=repr(chosen), kind=kind), list(book.sheet_names),
                        chosen, header_row)
    if isinstance(content, bytes):
        text, encoding = decode_text(content, origin)
    else:
        text, encoding = content.lstrip("\ufeff"), _("key_read_text")  # already decoded by the caller
    first = text.split("\n", 1)[0].rstrip("\r")
    if not first.strip():
        return KeyTable(origin, [], ",", encoding)
    separator = separator_of(first)
    shown = {"\t": _("key_tab"), ";": "';'", ",": "','"}[separator]
    cells = cast(list[list[object]], csv_rows(text, origin, separator))
    return KeyTable(origin, cells, separator, _("key_read_separated", encoding=encoding, separator=shown))


def header_columns(content: bytes, origin: str, sheet: str = "") -> list[str]:
    """The column names of a key file's header row (to choose the code and value columns
    from); :class:`InputError` for a file that is too large, unreadable or empty."""
    table = read_key_table(content, origin, sheet).from_header()
    if not table.rows or not any(table.columns):
        raise InputError(_("key_empty", origin=origin))
    return [column for column in table.columns if column]


#: Header names (case ignored) of a column that names municipalities, and of one that holds a key's values.
CODE_NAMES = ("gm_code", "gemeentecode", "code", "cbs code", "cbscode", "gm_number", "gemeentenummer", "nummer",
              "gemeente", "gemeentenaam", "municipality", "naam", "gm_name")


def guess_columns(table: KeyTable, data_dir: Path = DATA_DIR) -> tuple[str | None, str | None]:
    """The municipality column and the value column when the file leaves no doubt, else None
    for either. The municipality column is the one whose cells are (at least 80%) codes,
    numbers or names of municipalities (of those with a code-like header, if any; of several,
    the one with codes); the value column is the one other column whose cells are all numbers,
    leaving out columns with a code-like header."""
    columns = table.columns
    body = table.rows[1:200]
    if not columns:
        return None, None
    every, names = _name_index(data_dir)

    def cells(at: int) -> list[str]:
        return [_as_text(row[at]).strip() for row in body if at < len(row) and _as_text(row[at]).strip()]

    def share(found: list[str], test) -> float:
        return sum(map(test, found)) / len(found) if found else 0.0

    def is_code(text: str) -> bool:
        return normalise_code(text) in every

    identifying = [c for at, c in enumerate(columns)
                   if c and share(cells(at), lambda x: is_code(x) or plain(x) in names) >= 0.8]
    by_header = [c for c in columns if c.casefold() in CODE_NAMES]
    candidates = [c for c in identifying if c in by_header] or identifying
    if len(candidates) > 1:
        candidates = [c for c in candidates if share(cells(columns.index(c)), is_code) >= 0.8]
    code = candidates[0] if len(candidates) == 1 else by_header[0] if not identifying and len(by_header) == 1 \
        else None
    numeric = [c for at, c in enumerate(columns) if c and c != code and c not in by_header and cells(at) and
               all(isinstance(row[at], (int, float)) or any(r is not None for r in number_readings(_as_text(row[at])))
                   for row in body if at < len(row) and _as_text(row[at]).strip())]
    value = numeric[0] if len(numeric) == 1 else None
    return code, value


@dataclass(frozen=True)
class KeyFileChoices:
    """What a user chooses from in a key file, with the guesses the file leaves no doubt about."""

    sheets: list[str]  # a workbook's sheets ([] for a CSV)
    sheet: str  # the sheet read ("" for a CSV)
    columns: list[str]
    code_column: str | None  # the guessed municipality column, None when in doubt
    value_column: str | None  # the guessed value column, None when in doubt
    read_as: str  # "Windows-1252 text, ';'-separated", "sheet 'Blad1' of an XLSX workbook"


def key_file_choices(content: bytes, origin: str, sheet: str = "", data_dir: Path = DATA_DIR) -> KeyFileChoices:
    """The sheets and columns of a key file and the guessed code and value columns (see
    :func:`guess_columns`); :class:`InputError` for a file that is too large, unreadable or empty."""
    table = read_key_table(content, origin, sheet).from_header()
    if not table.rows or not any(table.columns):
        raise InputError(_("key_empty", origin=origin))
    code, value = guess_columns(table, data_dir)
    return KeyFileChoices(table.sheets, table.sheet, [c for c in table.columns if c], code, value, table.read_as)


def key_id(name: str) -> str | None:
    """An id for a key's display name: ``ELIP DUO`` becomes ``elip_duo`` (accents dropped,
    anything but letters and digits an underscore); None when no letter starts it."""
    ident = "_".join(plain(name).split())
    return ident if ident and ident[0].isalpha() and ident.isascii() else None


def parse_key_csv(
    content: bytes | str,
    *,
    origin: str,
    name: str,
    value_column: str,
    code_column: str = "gm_code",
    missing_as_zero: bool = False,
    label: str | None = None,
    unit: str = "",
    source: str = "",
    vintage: str = "",
    kind: str = "real",
    note: str = "",
    sheet: str = "",
    data_dir: Path = DATA_DIR,
) -> Key:
    """Read a user key from a key file's bytes (CSV or text, xlsx or ODS by ``origin``'s
    suffix; ``sheet`` picks a workbook's sheet) or CSV text; ``origin`` names the file in messages.

    Municipalities are given by code (``GM0363``), CBS number (``363``, ``0363``) or name
    (``Amsterdam``, ``Súdwest-Fryslân``; as :func:`~allocation.data.municipality_names.find_municipality`
    finds them, the full name only). Raises :class:`InputError` listing every offending row:
    unknown, malformed or duplicate municipalities, non-numeric or negative values, and
    municipalities missing from the file (unless ``missing_as_zero``). The key's source
    names the file and how it was read (the encoding, the separator or the sheet).
    """
    table = read_key_table(content, origin, sheet).from_header((code_column, value_column))
    rows = table.rows
    if not rows or not any(table.columns):
        raise InputError(_("key_empty_columns", origin=origin, code=quoted(code_column), value=quoted(value_column)))
    columns = table.columns
    problems = []
    for wanted, role in ((code_column, "code"), (value_column, "value")):
        if wanted not in columns:
            listed = ", ".join(map(quoted_cell, columns[:20]))
            problems.append(_(f"key_no_{role}_column", origin=origin, column=quoted(wanted),
                              columns=listed + (" ..." if len(columns) > 20 else "")))
    if problems:
        raise InputError(problems)
    code_at, value_at = columns.index(code_column), columns.index(value_column)

    register = load_register(KEY_REGISTER_DATE, data_dir)
    known = set(register["gm_code"])
    names_of = dict(zip(register["gm_code"], register["gm_name"]))
    later: dict[str, str] = {}
    for date in register_dates(data_dir)[1:]:
        for code in load_register(date, data_dir)["gm_code"]:
            later.setdefault(code, date)
    every, by_name = _name_index(data_dir)

    found: dict[str, list[tuple[int, str]]] = {}  # kind of problem -> (row, message)

    def problem(kind: str, line_number: int, message: str) -> None:
        found.setdefault(kind, []).append((line_number, _("key_row", origin=origin, row=line_number, message=message)))

    cells: dict[str, tuple[int, object]] = {}  # code -> (row, value cell)
    first_row: dict[str, int] = {}
    for line_number, row in enumerate(rows[1:], start=table.header_row + 1):
        if not any(_as_text(cell).strip() for cell in row):
            continue
        if len(row) <= max(code_at, value_at):
            problem("cells", line_number, _("key_cells", count=len(row), least=max(code_at, value_at) + 1))
            continue
        raw_code, raw_value = _as_text(row[code_at]), row[value_at]
        code = normalise_code(raw_code)
        if code is None:
            code, why = _by_name(raw_code, every, by_name, data_dir,
                                 explain=len(found.get("code", [])) < MAX_ROWS_LISTED)
            if code is None:
                problem("code", line_number, _("key_not_code", column=clipped(code_column), cell=quoted_cell(raw_code),
                                               why=why))
                continue
        if code not in known:
            hint = _("key_later", code=code, date=later[code], register=KEY_REGISTER_DATE) if code in later else ""
            problem("unknown", line_number, _("key_not_on_register", column=clipped(code_column),
                                              cell=quoted_cell(raw_code), register=KEY_REGISTER_DATE, hint=hint))
            continue
        if code in first_row:
            problem("duplicate", line_number, _("key_duplicate", name=f"{names_of[code]} ({code})",
                                                row=first_row[code]))
            continue
        first_row[code] = line_number
        cells[code] = (line_number, raw_value)

    values = _read_values(cells, table.separator, value_column, problem)
    problems = _summarised(found, origin)
    missing = sorted(known - set(first_row))
    if missing and not missing_as_zero:
        shown = ", ".join(f"{names_of[code]} ({code})" for code in missing[:10]) + (
            _("key_and_more", count=i18n.number(len(missing) - 10)) if len(missing) > 10 else "")
        problems.append(ngettext("key_missing", "key_missing_plural", len(missing), origin=origin,
                                 count=i18n.number(len(missing)), names=shown, fix=missing_fix(len(missing))))
    if problems:
        raise InputError(problems)
    series = pd.Series(values, dtype=float).reindex(sorted(known), fill_value=0.0)
    if not series.sum() > 0:
        raise InputError(_("key_all_zero", origin=origin))
    if kind not in KINDS:
        raise InputError(_("key_kind", origin=origin, kind=quoted(kind), kinds=", ".join(KINDS)))
    return Key(
        name=name,
        label=label or name,
        unit=unit,
        source=(_("key_source_file", source=source, file=Path(origin).name, how=table.read_as) if source
                else _("key_source_user_file", file=Path(origin).name, how=table.read_as)),
        vintage=vintage,
        kind=kind,
        values=series,
        note=note,
    )


def missing_fix(count: int) -> str:
    """The advice for missing municipalities (the app gives its check box instead)."""
    return ngettext("key_missing_fix", "key_missing_fix_plural", count)


@lru_cache(maxsize=4)
def _name_index(data_dir: Path) -> tuple[dict, dict[str, set[str]]]:
    """Every municipality by code, and the codes of every name on any register (read-only; cached
    like the registers they come from)."""
    return municipalities(data_dir), codes_by_name(data_dir)


def _by_name(text: str, every: dict, by_name: dict[str, set[str]], data_dir: Path, explain: bool
             ) -> tuple[str | None, str]:
    """The code of the municipality a cell names in full on any register (accents, case and
    punctuation aside), or None and why not: the candidates or the closest names (from
    :func:`~allocation.data.municipality_names.find_municipality`, when ``explain``)."""
    codes = by_name.get(plain(text[:200]), set())
    if len(codes) == 1:
        return next(iter(codes)), ""
    if not explain or not text.strip():
        return None, ""
    if codes:
        listed = ", ".join(named(every[c]) for c in sorted(codes))
        return None, _("key_name_several", names=listed)
    try:
        found = find_municipality(text[:200], data_dir, known=every)
    except NotAMunicipality as exc:
        if exc.several:
            return None, _("key_name_several", names=", ".join(map(named, exc.several[:10])))
        return None, _("mun_did_you_mean", names=", ".join(map(named, exc.close))) if exc.close else ""
    return None, _("key_name_partial", name=named(found))


def quoted_cell(cell: str) -> str:
    """A cell quoted in a message, cut short when long (:func:`allocation.common.texts.quoted`)."""
    return quoted(cell)


def _readings(cell: object) -> tuple[str, float | None, float | None]:
    """A value cell as text and its two readings; a workbook's number cell reads one way."""
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return _as_text(cell), float(cell), float(cell)
    text = _as_text(cell)
    return (text, *number_readings(text))


def _read_values(cells: dict[str, tuple[int, object]], separator: str | None, value_column: str, problem
                 ) -> dict[str, float]:
    """The value of every code, in the one number convention the whole file uses.

    A cell that only a decimal point can read (``0.858``) and one that only a decimal comma
    can read (``0,62``) in the same file are a mix: refused, naming rows of each. A cell
    with two readings (``1.234``) takes the file's convention; in a ``;``- or tab-separated
    file with nothing else to go by it is refused as ambiguous (a ``,``-separated file uses
    the decimal point). A workbook's number cells are numbers already.
    """
    column = clipped(value_column)  # as messages name it
    readings = {code: (row, *_readings(raw)) for code, (row, raw) in cells.items()}
    only_point = [(row, raw) for row, raw, point, comma in readings.values() if point is not None and comma is None]
    only_comma = [(row, raw) for row, raw, point, comma in readings.values() if comma is not None and point is None]
    if only_point and only_comma:
        def rows_of(items):
            return ", ".join(f"{row} ({clipped(raw.strip())})" for row, raw in sorted(items)[:3])
        first = min(only_point[0][0], only_comma[0][0])
        problem("mixed", first, _("key_mixed", column=column, points=rows_of(only_point), commas=rows_of(only_comma)))
        return {}
    convention = "point" if only_point else "comma" if only_comma else ("point" if separator == "," else None)
    values = {}
    for code, (row, raw, point, comma) in readings.items():
        if point is None and comma is None:
            problem("number", row, _("key_not_number", column=column, cell=quoted_cell(raw), code=code))
            continue
        if convention is None and point is not None and comma is not None and point != comma:
            problem("ambiguous", row, _("key_ambiguous", column=column, cell=quoted(raw.strip()), point=f"{point:g}",
                                        comma=f"{comma:g}", code=code))
            continue
        number = point if convention == "point" or comma is None else comma
        if number < 0:
            problem("negative", row, _("key_negative", column=column, cell=quoted_cell(raw), code=code))
            continue
        if number > MAX_KEY_VALUE:
            problem("large", row, _("key_large", column=column, cell=quoted_cell(raw),
                                    limit=i18n.number(MAX_KEY_VALUE), code=code))
            continue
        values[code] = number
    return values


def _summarised(found: dict[str, list[tuple[int, str]]], origin: str) -> list[str]:
    """Per kind of problem the first rows one by one, then one line for the rest."""
    problems = []
    for items in found.values():
        items = sorted(items)
        problems += [message for _, message in items[:MAX_ROWS_LISTED]]
        rest = items[MAX_ROWS_LISTED:]
        if rest:
            rows = ", ".join(str(row) for row, _ in rest[:10]) + (" ..." if len(rest) > 10 else "")
            problems.append(_("key_more_rows", origin=origin, count=len(rest), rows=rows))
    return problems


def read_key_csv(path: Path, **options) -> Key:
    """Read a user key from a key file (CSV, text, xlsx or ODS); see :func:`parse_key_csv` for the options."""
    path = Path(path)
    if not path.is_file():
        raise InputError(_("key_not_found", path=path))
    return parse_key_csv(read_bytes(path), origin=str(path), **options)
