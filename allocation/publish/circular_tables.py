"""Layer 4 (publishing): the circular tables: the long table of every pot and year, and a
pot's wide table (a row per municipality, a column per payment year, a total), as CSV.

Text cells that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``,
``@``, tab or carriage return) are prefixed with an apostrophe (the one rule of
:mod:`allocation.common.cells`; numbers are never touched). Output is deterministic:
the same input gives byte-identical files.
"""

from __future__ import annotations

import csv
import io
import unicodedata

import pandas as pd

from allocation.common.cells import frame_csv, neutralise
from allocation.common.errors import InputError
from allocation.scenario.result import ScenarioResult, published_table


def allocation_csv(result: ScenarioResult) -> bytes:
    """``<scenario-id>-allocation.csv``: long format, integer euros, UTF-8, LF line ends.

    Each payment year lists the municipalities of its own register (see
    :func:`~allocation.scenario.result.published_table`).
    """
    return frame_csv(published_table(result))


def sort_name(name: str) -> str:
    """Alphabetical key: accents and case ignored, a leading apostrophe ignored."""
    plain = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return plain.lstrip("'\u2019 ").casefold()


def municipality_number(code: str) -> int:
    """The CBS municipality number: 363 for GM0363."""
    return int(code[2:])


def pot_table(result: ScenarioResult, pot_id: str) -> pd.DataFrame:
    """One pot as a circular table, sorted by name (ties by code).

    Rows: every municipality of the registers of the pot's payment years (a municipality
    that does not exist in a year has an empty cell there). Columns: gm_code, gm_number,
    gm_name, province, one column per payment year (nullable integers), total. Name and
    province are those of the latest register the municipality appears in.
    """
    if pot_id not in result.scenario.pots:
        raise InputError(f"unknown pot {pot_id!r}; the scenario has {', '.join(result.scenario.pots)}")
    published = result.published if result.published is not None else result.allocation
    rows = published[published["pot"] == pot_id]  # the order of the rows does not matter: sorted below
    years = sorted(int(y) for y in rows["year"].unique())
    wide = rows.pivot(index="gm_code", columns="year", values="amount_eur")
    codes = wide.index.tolist()
    present = set(codes)
    names: dict[str, str] = {}
    provinces: dict[str, str] = {}
    for year in years:  # later registers overwrite earlier names
        register = result.registers.get(year)
        if register is None:
            register = result.municipalities
        for code, name, province in zip(register["gm_code"].tolist(), register["gm_name"].tolist(),
                                        register["province_name"].tolist()):
            if code in present:
                names[code], provinces[code] = name, province
    keys = [(sort_name(names[code]), code) for code in codes]
    order = sorted(range(len(codes)), key=keys.__getitem__)
    ordered = [codes[i] for i in order]
    table = pd.DataFrame(
        {
            "gm_code": ordered,
            "gm_number": [municipality_number(code) for code in ordered],
            "gm_name": [names[code] for code in ordered],
            "province": [provinces[code] for code in ordered],
        }
    )
    for year in years:
        table[str(year)] = pd.array(wide[year].to_numpy()[order], dtype="Int64")
    table["total"] = table[[str(y) for y in years]].sum(axis=1, skipna=True).astype("int64")
    return table


def _format_cell(value, dutch: bool) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int) or (hasattr(value, "dtype") and value.dtype.kind in "iu"):
        return str(int(value))
    if isinstance(value, float):
        text = repr(value)
        return text.replace(".", ",") if dutch else text
    return neutralise(str(value))


#: The headers of a pot's table as the circulars write them (the workbook and ``--dutch``).
DUTCH_HEADERS = {"gm_code": "Code", "gm_number": "Nummer", "gm_name": "Gemeente", "province": "Provincie",
                 "total": "Totaal"}


def pot_csv(result: ScenarioResult, pot_id: str, dutch: bool = False, table: pd.DataFrame | None = None) -> bytes:
    """``<scenario-id>-<pot>.csv``: the pot's wide table with a total row, UTF-8, LF.

    ``dutch=False``: ``gm_code,gm_number,gm_name,province,<years>,total`` and a ``Total``
    row. ``dutch=True``: the Dutch spreadsheet flavour of the circulars,
    ``Code;Nummer;Gemeente;Provincie;<years>;Totaal`` and a ``Totaal`` row, ``;`` separated
    with decimal commas and a UTF-8 byte-order mark. Amounts are whole euros without
    thousands separators.
    """
    table = pot_table(result, pot_id) if table is None else table  # ``table``: pot_table, made already
    year_columns = [c for c in table.columns if c.isdigit()]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if dutch else ",", lineterminator="\n")
    writer.writerow([DUTCH_HEADERS.get(c, c) for c in table.columns] if dutch else list(table.columns))
    for row in table.itertuples(index=False):
        writer.writerow([_format_cell(value, dutch) for value in row])
    total_label = "Totaal" if dutch else "Total"
    totals = ["", "", total_label, ""] + [int(table[c].sum()) for c in year_columns] + [int(table["total"].sum())]
    writer.writerow([_format_cell(value, dutch) for value in totals])
    text = buffer.getvalue()
    return (("\ufeff" if dutch else "") + text).encode("utf-8")
