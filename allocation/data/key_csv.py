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
from allocation.data.keys import KINDS, Key
from allocation.data.registers import (
    DATA_DIR,
    KEY_REGISTER_DATE,
    load_register,
    register_dates,
)

_THOUSANDS_DOT = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")


def parse_number(text: str, dutch: bool) -> float | None:
    """Parse a spreadsheet number; ``None`` when it is not one.

    Accepts ``1234.5``, ``1234,5``, ``1.234,5`` and ``1,234.5``. In the Dutch flavour
    (``;`` separator) a dot followed by groups of three digits is a thousands separator
    (``1.234`` is one thousand two hundred and thirty-four).
    """
    value = text.strip().replace("\u00a0", "").replace(" ", "").replace("\u2009", "")
    if not value:
        return None
    if "," in value and "." in value:
        if value.rfind(",") > value.rfind("."):
            value = value.replace(".", "").replace(",", ".")
        else:
            value = value.replace(",", "")
    elif "," in value:
        if value.count(",") > 1:
            return None
        value = value.replace(",", ".")
    elif dutch and _THOUSANDS_DOT.match(value):
        value = value.replace(".", "")
    if not _NUMBER.match(value):
        return None
    return float(value)


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
    text = _decode(content, origin) if isinstance(content, bytes) else content.lstrip("\ufeff")
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise InputError(
            f"{origin}: the file is empty; it needs a header row with {code_column!r} and {value_column!r}"
        )
    header = lines[0]
    separator = ";" if header.count(";") > header.count(",") else ","
    if "\t" in header and separator not in header:
        separator = "\t"
    dutch = separator == ";"
    rows = list(csv.reader(io.StringIO(text), delimiter=separator))
    columns = [column.strip() for column in rows[0]]
    problems = []
    for wanted, role in ((code_column, "code"), (value_column, "value")):
        if wanted not in columns:
            problems.append(
                f"{origin}: no {role} column {wanted!r}; the columns are {', '.join(map(repr, columns))}. "
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

    values: dict[str, float] = {}
    first_row: dict[str, int] = {}
    for line_number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(code_at, value_at):
            problems.append(
                f"{origin}: row {line_number}: has {len(row)} cell(s), expected at least {max(code_at, value_at) + 1}"
            )
            continue
        raw_code, raw_value = row[code_at], row[value_at]
        code = normalise_code(raw_code)
        if code is None:
            problems.append(
                f"{origin}: row {line_number}: {code_column} {raw_code!r} is not a municipality code like GM0363 or 363"
            )
            continue
        if code not in known:
            hint = (
                f" ({code} exists from {later[code]}; keys are on the {KEY_REGISTER_DATE} register: give its "
                "predecessors)"
                if code in later
                else ""
            )
            problems.append(
                f"{origin}: row {line_number}: {code_column} {raw_code!r} is not a municipality of the "
                f"{KEY_REGISTER_DATE} register{hint}"
            )
            continue
        if code in first_row:
            problems.append(
                f"{origin}: row {line_number}: {code} appears again (first on row {first_row[code]}); keep "
                "one row per municipality"
            )
            continue
        first_row[code] = line_number
        number = parse_number(raw_value, dutch)
        if number is None:
            problems.append(f"{origin}: row {line_number}: {value_column} {raw_value!r} is not a number (for {code})")
            continue
        if number < 0:
            problems.append(
                f"{origin}: row {line_number}: {value_column} {raw_value!r} is negative (for {code}); keys must be >= 0"
            )
            continue
        values[code] = number

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
        raise InputError(f"{origin}: kind {kind!r} must be one of {', '.join(KINDS)}")
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


def read_key_csv(path: Path, **options) -> Key:
    """Read a user key from a CSV file; see :func:`parse_key_csv` for the options."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: key file not found; check the file name (relative to the scenario file)")
    return parse_key_csv(path.read_bytes(), origin=str(path), **options)
