"""Layer 4 (publishing): mutaties as files: a workbook with the sheets "Mutaties" (per
municipality, pot and payment year), "Totalen" (per pot and year) and "Notes", and the
mutaties as CSV (UTF-8, LF)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd

from allocation.analysis.mutaties import Mutaties
from allocation.common.cells import frame_csv, quoted_texts, xlsx_workbook

DEFINITIONS = [
    ("baseline_eur", "Whole euros in the published table (restated to the payment year's register when it is on an "
                     "earlier one: a merged municipality is the sum of its predecessors)."),
    ("scenario_eur", "Whole euros in the scenario, on the register in force on the payment year's peildatum."),
    ("mutatie_eur", "scenario_eur - baseline_eur."),
    ("mutatie_pct", "mutatie_eur / baseline_eur x 100; 0 when both are 0; empty when only the baseline is 0."),
]
FORMATS = {"baseline_eur": "#,##0", "scenario_eur": "#,##0", "mutatie_eur": "#,##0", "mutatie_pct": "0.00"}


def file_stem(found: Mutaties) -> str:
    """``mutaties-<baseline>-vs-<scenario>`` (the baseline's file name without its suffix)."""
    return f"mutaties-{Path(found.baseline).stem}-vs-{found.scenario}"


def _sheet(book, name: str, frame: pd.DataFrame, bold, quoted: dict) -> None:
    sheet = book.add_worksheet(name)
    sheet.write_row(0, 0, list(frame.columns), bold)
    sheet.freeze_panes(1, 0)
    for index, column in enumerate(frame.columns):
        pattern = FORMATS.get(column)
        cell_format = book.add_format({"num_format": pattern}) if pattern else None
        values = frame[column].tolist()
        values = [None if isinstance(v, float) and v != v else v for v in values]
        sheet.set_column(index, index, 14 if pattern else max(10, min(40, len(column) + 4)), cell_format)
        sheet.write_column(1, index, values, cell_format)
        if frame[column].dtype.kind not in "biufcmM":
            quoted_texts(book, sheet, 1, index, values, {"num_format": pattern} if pattern else None, quoted)
    if len(frame):
        sheet.autofilter(0, 0, len(frame), len(frame.columns) - 1)


def mutaties_files(found: Mutaties) -> dict[str, bytes]:
    """The workbook and the CSV, by file name. Texts (the baseline's file name, the scenario
    id, notes) are text cells and escaped CSV cells, never formulas (:mod:`allocation.common.cells`)."""
    stem = file_stem(found)
    buffer = io.BytesIO()
    book = xlsx_workbook(buffer)
    book.set_properties({"created": dt.datetime(2021, 4, 28)})  # fixed: the same input gives the same bytes
    bold = book.add_format({"bold": True})
    quoted: dict = {}
    _sheet(book, "Mutaties", found.table, bold, quoted)
    _sheet(book, "Totalen", found.totals, bold, quoted)
    notes = [("baseline", found.baseline), ("scenario", found.scenario)]
    notes += [("note", note) for note in found.notes] + [
        ("definition", f"{term}: {text}") for term, text in DEFINITIONS
    ]
    _sheet(book, "Notes", pd.DataFrame(notes, columns=["about", "text"]), bold, quoted)
    book.close()
    csv = frame_csv(found.table, float_format="%.6f")
    return {f"{stem}.xlsx": buffer.getvalue(), f"{stem}.csv": csv}
