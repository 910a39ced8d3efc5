"""Layer 1 (data): user keys read from CSV files or uploads.

The file may be ``,``- or ``;``-separated, with a decimal comma or point, a BOM, and
codes written ``GM0363`` or ``363``. Every offending row is reported, naming the file,
the row and the fix.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from allocation.common.errors import InputError
from allocation.common.texts import clipped, quoted
from allocation.data.keys import KINDS, Key
from allocation.data.registers import (
    DATA_DIR,
    KEY_REGISTER_DATE,
    load_register,
    register_dates,
)

#: A cell longer than this is refused (the csv module's own default is 131,072 characters).
MAX_CELL = 1_000_000
#: A key file larger than this is refused (a key for every municipality takes a few kB).
MAX_FILE_BYTES = 20_000_000
#: Per kind of problem, this many rows are named one by one; the rest are summarised.
MAX_ROWS_LISTED = 5
#: A key value above this is refused as absurd (the largest real key, inhabitants, is under a million).
MAX_KEY_VALUE = 1e12

csv.field_size_limit(max(csv.field_size_limit(), MAX_CELL))

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


def normalise_code(text: str) -> str | None:
    """``GM0363``, ``gm0363``, ``363`` and ``0363`` become ``GM0363``; else ``None``."""
    value = text.strip().upper()
    if value.startswith("GM"):
        value = value[2:]
    if not value.isdigit() or len(value) > 4:
        return None
    return "GM" + value.zfill(4)


def _decode(content: bytes, origin: str) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(
            f"{origin}: the file is not UTF-8 text; save it as 'CSV UTF-8' from your spreadsheet program"
        ) from None


def _separator(header: str) -> str:
    separator = ";" if header.count(";") > header.count(",") else ","
    if "\t" in header and separator not in header:
        separator = "\t"
    return separator


def header_columns(content: bytes, origin: str) -> list[str]:
    """The column names of a key CSV's header row (to choose the code and value columns
    from); :class:`InputError` for a file that is too large, not UTF-8 or empty."""
    if len(content) > MAX_FILE_BYTES:
        raise InputError(f"{origin}: the file is larger than {MAX_FILE_BYTES // 1_000_000} MB; a key file is a few kB")
    text = _decode(content, origin)
    first = text.split("\n", 1)[0].rstrip("\r")
    if not first.strip():
        raise InputError(f"{origin}: the file is empty; it needs a header row naming its columns")
    try:
        row = next(csv.reader(io.StringIO(first), delimiter=_separator(first)))
    except (csv.Error, StopIteration):
        raise InputError(f"{origin}: the header row cannot be read as CSV") from None
    return [column.strip() for column in row if column.strip()]


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
    data_dir: Path = DATA_DIR,
) -> Key:
    """Read a user key from CSV text or bytes; ``origin`` names the file in messages.

    Raises :class:`InputError` listing every offending row: unknown, malformed or
    duplicate codes, non-numeric or negative values, and municipalities missing from the
    file (unless ``missing_as_zero``).
    """
    if len(content) > MAX_FILE_BYTES:
        raise InputError(f"{origin}: the file is larger than {MAX_FILE_BYTES // 1_000_000} MB; a key file is a few kB")
    text = _decode(content, origin) if isinstance(content, bytes) else content.lstrip("\ufeff")
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise InputError(
            f"{origin}: the file is empty; it needs a header row with {quoted(code_column)} and {quoted(value_column)}"
        )
    separator = _separator(lines[0])
    reader = csv.reader(io.StringIO(text), delimiter=separator)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise InputError(
            f"{origin}: row {reader.line_num}: cannot be read as CSV ({exc}); a cell may hold at most "
            f"{MAX_CELL:,} characters"
        ) from None
    columns = [column.strip() for column in rows[0]]
    problems = []
    for wanted, role in ((code_column, "code"), (value_column, "value")):
        if wanted not in columns:
            listed = ", ".join(map(quoted_cell, columns[:20]))
            problems.append(
                f"{origin}: no {role} column {quoted(wanted)}; the columns are {listed}"
                f"{' ...' if len(columns) > 20 else ''}. "
                f"Rename the column or set {role}_column in the scenario"
            )
    if problems:
        raise InputError(problems)
    code_at, value_at = columns.index(code_column), columns.index(value_column)

    register = load_register(KEY_REGISTER_DATE, data_dir)
    known = set(register["gm_code"])
    later: dict[str, str] = {}
    for date in register_dates(data_dir)[1:]:
        for code in load_register(date, data_dir)["gm_code"]:
            later.setdefault(code, date)

    found: dict[str, list[tuple[int, str]]] = {}  # kind of problem -> (row, message)

    def problem(kind: str, line_number: int, message: str) -> None:
        found.setdefault(kind, []).append((line_number, f"{origin}: row {line_number}: {message}"))

    cells: dict[str, tuple[int, str]] = {}  # code -> (row, value cell)
    first_row: dict[str, int] = {}
    for line_number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(code_at, value_at):
            problem("cells", line_number, f"has {len(row)} cell(s), expected at least {max(code_at, value_at) + 1}")
            continue
        raw_code, raw_value = row[code_at], row[value_at]
        code = normalise_code(raw_code)
        if code is None:
            problem("code", line_number,
                    f"{clipped(code_column)} {quoted_cell(raw_code)} is not a municipality code like GM0363 or 363")
            continue
        if code not in known:
            hint = (
                f" ({code} exists from {later[code]}; keys are on the {KEY_REGISTER_DATE} register: give its "
                "predecessors)"
                if code in later
                else ""
            )
            problem(
                "unknown",
                line_number,
                f"{clipped(code_column)} {quoted_cell(raw_code)} is not a municipality of the {KEY_REGISTER_DATE} "
                f"register{hint}",
            )
            continue
        if code in first_row:
            problem("duplicate", line_number,
                    f"{code} appears again (first on row {first_row[code]}); keep one row per municipality")
            continue
        first_row[code] = line_number
        cells[code] = (line_number, raw_value)

    values = _read_values(cells, separator, value_column, problem)
    problems = _summarised(found, origin)
    missing = sorted(known - set(first_row))
    if missing and not missing_as_zero:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        problems.append(
            f"{origin}: {len(missing)} municipalit{'y is' if len(missing) == 1 else 'ies are'} missing: {shown}. "
            "Add them, or set missing_as_zero: true in the scenario to count them as zero"
        )
    if problems:
        raise InputError(problems)
    series = pd.Series(values, dtype=float).reindex(sorted(known), fill_value=0.0)
    if not series.sum() > 0:
        raise InputError(f"{origin}: all values are zero; a key needs a positive total")
    if kind not in KINDS:
        raise InputError(f"{origin}: kind {quoted(kind)} must be one of {', '.join(KINDS)}")
    return Key(
        name=name,
        label=label or name,
        unit=unit,
        source=source or f"user file {origin}",
        vintage=vintage,
        kind=kind,
        values=series,
        note=note,
    )


def quoted_cell(cell: str) -> str:
    """A cell quoted in a message, cut short when long (:func:`allocation.common.texts.quoted`)."""
    return quoted(cell)


def _read_values(cells: dict[str, tuple[int, str]], separator: str, value_column: str, problem) -> dict[str, float]:
    """The value of every code, in the one number convention the whole file uses.

    A cell that only a decimal point can read (``0.858``) and one that only a decimal comma
    can read (``0,62``) in the same file are a mix: refused, naming rows of each. A cell
    with two readings (``1.234``) takes the file's convention; in a ``;``- or tab-separated
    file with nothing else to go by it is refused as ambiguous (a ``,``-separated file uses
    the decimal point).
    """
    column = clipped(value_column)  # as messages name it
    readings = {code: (row, raw, *number_readings(raw)) for code, (row, raw) in cells.items()}
    only_point = [(row, raw) for row, raw, point, comma in readings.values() if point is not None and comma is None]
    only_comma = [(row, raw) for row, raw, point, comma in readings.values() if comma is not None and point is None]
    if only_point and only_comma:
        def rows_of(items):
            return ", ".join(f"{row} ({clipped(raw.strip())})" for row, raw in sorted(items)[:3])
        first = min(only_point[0][0], only_comma[0][0])
        problem("mixed", first, f"{column} mixes a decimal point (rows {rows_of(only_point)}) and a decimal "
                                f"comma (rows {rows_of(only_comma)}); write every number in one convention")
        return {}
    convention = "point" if only_point else "comma" if only_comma else ("point" if separator == "," else None)
    values = {}
    for code, (row, raw, point, comma) in readings.items():
        if point is None and comma is None:
            problem("number", row, f"{column} {quoted_cell(raw)} is not a number (for {code})")
            continue
        if convention is None and point is not None and comma is not None and point != comma:
            problem("ambiguous", row,
                    f"{column} {quoted(raw.strip())} can be read as {point:g} or as {comma:g} (for {code}); write "
                    f"it without a thousands separator, or with a decimal comma or point that makes it clear")
            continue
        number = point if convention == "point" or comma is None else comma
        if number < 0:
            problem("negative", row, f"{column} {quoted_cell(raw)} is negative (for {code}); keys must be >= 0")
            continue
        if number > MAX_KEY_VALUE:
            problem("large", row, f"{column} {quoted_cell(raw)} is larger than {MAX_KEY_VALUE:,.0f} (for {code})")
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
            problems.append(f"{origin}: and {len(rest)} more row(s) with the same problem (rows {rows})")
    return problems


def read_key_csv(path: Path, **options) -> Key:
    """Read a user key from a CSV file; see :func:`parse_key_csv` for the options."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: key file not found; check the file name (relative to the scenario file)")
    return parse_key_csv(path.read_bytes(), origin=str(path), **options)
