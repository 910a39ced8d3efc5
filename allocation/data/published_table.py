"""Layer 1 (data): reading a published allocation table, the baseline of a mutatie (change).

Municipalities read each circular against the table they already booked. Accepted:

* the long CSV that ``run`` writes (``pot,year,gm_code,gm_name,amount_eur``);
* a wide table, as a circular annex prints it: a row per municipality, a code column
  (``gm_code``, ``Code``, ``Gemeentecode``: ``GM0363`` or ``363``) or a number column
  (``gm_number``, ``Nummer``), optionally a name column, and one column per payment year
  (``2021`` ... ``2026``); a total row or column is skipped. As CSV (``,`` or ``;``), or
  as a workbook (xlsx or ODS, read with python-calamine): every sheet with a code or
  number column and year columns is a pot, named by the sheet (the meicirculaire workbook
  this product writes reads back as it is, also after someone edited amounts in it: a
  formula gives its value as last computed, and a total row that is a formula is taken as
  the sum of its rows, not checked against them).

Amounts must be whole euros. Every problem names the file, the sheet, the row and the fix.
Every file is read within the limits of :mod:`allocation.data.input_files` (size, zip
members, rows and columns), and a CSV in UTF-8, UTF-16 or Windows-1252.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from allocation.common.errors import InputError
from allocation.common.i18n import _, eur, number
from allocation.common.texts import capped, clipped, quoted
from allocation.data.input_files import check_size, csv_rows, decode_text, open_workbook, separator_of
from allocation.data.key_csv import normalise_code, number_readings

LONG_COLUMNS = ["pot", "year", "gm_code", "amount_eur"]
CODE_HEADERS = {"gm_code", "code", "gemeentecode", "cbs code", "cbscode"}
NUMBER_HEADERS = {"gm_number", "nummer", "gemeentenummer", "number"}
TOTAL_WORDS = {"totaal", "total", "totalen", "som"}
YEAR = re.compile(r"^(20[2-3]\d)(\.0)?$")
TABLE_SUFFIXES = (".csv", ".xlsx", ".ods")


def is_table(path: str | Path) -> bool:
    """Whether a path names a published table rather than a scenario file."""
    return Path(path).suffix.lower() in TABLE_SUFFIXES


def pot_from_name(filename: str, pots: list[str]) -> str | None:
    """The pot of a wide CSV named the way ``run`` names it (``<id>-<pot>.csv``), if any."""
    path = Path(filename)
    if path.suffix.lower() != ".csv":
        return None
    return next((pot for pot in sorted(pots, key=len, reverse=True) if path.stem.endswith(f"-{pot}")), None)


def _code(cell: object, by_number: bool) -> str | None:
    text = str(cell).strip()
    if by_number and re.fullmatch(r"\d+(\.0)?", text):
        text = text.removesuffix(".0")
    return normalise_code(text)


AMBIGUOUS = "ambiguous"


def convention_of(cells: list[object], separator: str | None) -> tuple[str | None, list[str]]:
    """The number convention of a table's text cells: ``point`` (``1,250,000``), ``comma``
    (``1.250.000``), or None when nothing tells; and a problem when the cells mix the two.
    Amounts are whole euros, so ``1.234`` tells (only 1234 is whole) and ``2.000`` does not.
    A ``,``-separated CSV writes decimal points unless its cells say otherwise."""
    only_point, only_comma = [], []
    for cell in cells:
        if isinstance(cell, (int, float)) or cell is None or not str(cell).strip():
            continue
        point, comma = number_readings(str(cell))
        # amounts are whole euros: a reading that is not a whole number is no reading ("1.234" is 1234)
        point = point if point is not None and float(point).is_integer() else None
        comma = comma if comma is not None and float(comma).is_integer() else None
        if point is not None and comma is None:
            only_point.append(str(cell).strip())
        elif comma is not None and point is None:
            only_comma.append(str(cell).strip())
    if only_point and only_comma:
        return None, [f"mixes thousands commas or decimal points ({', '.join(only_point[:3])}) with thousands dots or "
                      f"decimal commas ({', '.join(only_comma[:3])}); write every amount in one convention"]
    if only_point:
        return "point", []
    if only_comma:
        return "comma", []
    return ("point" if separator == "," else None), []


def _amount(cell: object, convention: str | None) -> float | str | None:
    """A cell as a number in the table's convention; :data:`AMBIGUOUS` when nothing decides."""
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return float(cell)
    point, comma = number_readings(str(cell))
    if convention == "point":
        return point
    if convention == "comma":
        return comma
    if point is not None and comma is not None and point != comma:
        return AMBIGUOUS
    return point if point is not None else comma


#: A published amount above this is refused as absurd (the scenario format's limit for amounts).
MAX_AMOUNT = 10**12


def _amount_problem(amount: float | str | None) -> str:
    """Why a cell is not a published amount ("" when it is one)."""
    if amount == AMBIGUOUS:
        return _("pt_ambiguous")
    if amount is None:
        return _("pt_not_number")
    if amount < 0:
        return _("pt_negative")
    if not float(amount).is_integer():
        return _("pt_not_whole")
    if amount > MAX_AMOUNT:
        return _("pt_too_large", limit=eur(MAX_AMOUNT))
    return ""


def _wide(rows: list[list[object]], origin: str, pot: str, separator: str | None = None,
          is_formula=lambda line, index: False) -> tuple[pd.DataFrame, list[str]]:
    """A wide table (header in the first row) as long rows; problems named by row.
    ``is_formula(line, index)``: whether the cell of ``rows[line - 1][index]`` is a formula (a total
    that is a formula is the sum of its rows, whatever value it last showed)."""
    header = [str(h).strip() for h in rows[0]]
    lowered = [h.casefold() for h in header]
    code_at = next((i for i, h in enumerate(lowered) if h in CODE_HEADERS), None)
    number_at = next((i for i, h in enumerate(lowered) if h in NUMBER_HEADERS), None)
    years = {i: int(YEAR.match(h).group(1)) for i, h in enumerate(header) if YEAR.match(h)}
    if code_at is None and number_at is None:
        return pd.DataFrame(columns=LONG_COLUMNS), [
            _("pt_no_code_column", origin=origin, columns=", ".join(map(quoted, header[:12])))]
    if not years:
        return pd.DataFrame(columns=LONG_COLUMNS), [
            _("pt_no_year_column", origin=origin, columns=", ".join(map(quoted, header[:12])))]
    convention, problems = convention_of([row[i] for row in rows[1:] for i in years if i < len(row)], separator)
    problems = [f"{origin}: {p}" for p in problems]
    records = []
    totals: list[tuple[int, list]] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        cells = list(row) + [""] * (len(header) - len(row))
        if not any(str(c).strip() for c in cells):
            continue
        if any(str(c).strip().casefold() in TOTAL_WORDS for c in cells[:4]):
            totals.append((line, cells))  # the total row: checked against the sums below
            continue
        at = code_at if code_at is not None else number_at
        code = _code(cells[at], by_number=at == number_at)
        if code is None:
            problems.append(_("pt_not_code", origin=origin, row=line, cell=quoted(str(cells[at]))))
            continue
        if code in seen:
            problems.append(_("pt_again", origin=origin, row=line, code=code, first=seen[code]))
            continue
        seen[code] = line
        for index, year in years.items():
            cell = cells[index]
            if cell is None or str(cell).strip() == "":
                continue  # the municipality does not exist in that year
            amount = _amount(cell, convention)
            problem = _amount_problem(amount)
            if problem:
                problems.append(_("pt_cell", origin=origin, row=line, year=year, cell=quoted(str(cell)),
                                  problem=problem))
                continue
            records.append((pot, year, code, int(amount)))
    frame = pd.DataFrame(records, columns=LONG_COLUMNS)
    for line, cells in totals:
        for index, year in years.items():
            if is_formula(line, index):
                continue  # a formula: the sum of the rows read, not a figure of its own
            stated = _amount(cells[index], convention) if str(cells[index]).strip() else None
            summed = int(frame.loc[frame["year"] == year, "amount_eur"].sum())
            if isinstance(stated, float) and not problems and stated != summed:
                problems.append(_("pt_total", origin=origin, row=line, year=year, stated=number(stated),
                                  summed=number(summed)))
    return frame, problems


def _csv_rows(content: bytes, origin: str) -> tuple[list[list[str]], str]:
    text, _encoding = decode_text(content, origin)
    header = text.splitlines()[0] if text.strip() else ""
    separator = separator_of(header)
    return csv_rows(text, origin, separator), separator


def read_published_table(content: bytes, origin: str, pot: str | None = None) -> pd.DataFrame:
    """The amounts of a published table as long rows: pot, year, gm_code, amount_eur.

    ``origin`` is the file name (its suffix decides the format). ``pot`` names the pot of a
    wide CSV (a wide CSV written by ``run`` is named ``<id>-<pot>.csv``; the caller may pass
    that pot). Raises :class:`InputError` with one message per problem.
    """
    suffix = Path(origin).suffix.lower()
    check_size(len(content), origin)
    if suffix == ".csv":
        rows, separator = _csv_rows(content, origin)
        if not rows:
            raise InputError(_("pt_empty", origin=origin))
        header = [h.strip() for h in rows[0]]
        if all(c in header for c in LONG_COLUMNS):
            return _long(rows, header, origin, separator)
        if pot is None:
            raise InputError(_("pt_which_pot", origin=origin))
        frame, problems = _wide(rows, origin, pot, separator)
    elif suffix in (".xlsx", ".ods"):
        frame, problems = _workbook(content, origin, pot)
    else:
        raise InputError(_("cli_table_kind", path=origin))
    if problems:
        raise InputError(capped(problems, _("pt_more_problems", origin=origin, count="{count}")))
    if frame.empty:
        raise InputError(_("pt_no_amounts", origin=origin))
    return frame


def _long(rows: list[list[str]], header: list[str], origin: str, separator: str = ",") -> pd.DataFrame:
    at = {name: header.index(name) for name in LONG_COLUMNS}
    convention, problems = convention_of([row[at["amount_eur"]] for row in rows[1:] if len(row) > at["amount_eur"]],
                                         separator)
    if problems:
        raise InputError([f"{origin}: {p}" for p in problems])
    records = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            pot, year, code_text, amount_text = (row[at[c]].strip() for c in LONG_COLUMNS)
        except IndexError:
            problems.append(_("pt_few_cells", origin=origin, row=line))
            continue
        code = normalise_code(code_text)
        amount = _amount(amount_text, convention)
        if code is None or not year.isdigit():
            problems.append(_("pt_long_row", origin=origin, row=line))
            continue
        problem = _amount_problem(amount)
        if problem:
            problems.append(_("pt_amount", origin=origin, row=line, cell=quoted(amount_text), problem=problem))
            continue
        records.append((pot, int(year), code, int(amount)))
    if problems:
        raise InputError(capped(problems, _("pt_more_rows", origin=origin, count="{count}")))
    frame = pd.DataFrame(records, columns=LONG_COLUMNS)
    duplicated = frame.duplicated(["pot", "year", "gm_code"])
    if duplicated.any():
        first = frame[duplicated].iloc[0]
        raise InputError(_("pt_more_than_once", origin=origin, code=first["gm_code"], pot=first["pot"],
                           year=first["year"]))
    return frame


def _workbook(content: bytes, origin: str, pot: str | None) -> tuple[pd.DataFrame, list[str]]:
    book = open_workbook(content, origin)  # within the limits of allocation.data.input_files
    frames, problems, used = [], [], []
    for name in book.sheet_names:
        rows = book.rows(name)
        if not rows:
            continue
        header = [str(h).strip().casefold() for h in rows[0]]
        has_code = any(h in CODE_HEADERS | NUMBER_HEADERS for h in header)
        has_years = any(YEAR.match(str(h).strip()) for h in rows[0])
        if not (has_code and has_years):
            continue  # notes, keys: not a pot table
        used.append(name)
        top, left = book.first_row(name), book.first_column(name)
        frame, found = _wide(rows, _("pt_sheet", origin=origin, sheet=clipped(name)), name,
                             is_formula=lambda line, index, name=name, top=top, left=left: book.is_formula(
                                 name, top + line - 1, left + index))
        frames.append(frame)
        problems += found
    if not used:
        problems.append(_("pt_no_sheet", origin=origin))
    if pot is not None and len(used) == 1:  # one table: it is the pot named
        frames = [f.assign(pot=pot) for f in frames]
    elif pot is not None:
        frames = [f[f["pot"] == pot] for f in frames]
    return (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=LONG_COLUMNS)), problems
