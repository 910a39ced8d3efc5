"""Layer 4 (publishing): the comparison as files: an xlsx workbook with a sheet per view and
a notes sheet, and one CSV per view (UTF-8, LF)."""

from __future__ import annotations

import io

import pandas as pd

from allocation.analysis.compare import BANDS, Comparison
from allocation.analysis.compare_text import notes_table


def comparison_views(comparison: Comparison) -> list[tuple[str, str, pd.DataFrame]]:
    """(sheet name, file suffix, frame) for every view."""
    summary = comparison.totals.merge(comparison.bands, on=["scenario", "pot", "year"])
    return [
        ("Summary", "summary", summary),
        ("Per municipality", "municipality-totals", comparison.municipality_totals()),
        ("Per pot and year", "per-municipality", comparison.per_municipality),
        ("Bands", "bands", comparison.bands),
        ("Largest gains", "largest-gains", comparison.largest_gains),
        ("Largest losses", "largest-losses", comparison.largest_losses),
        ("By province", "by-province", comparison.by_province),
        ("By size class", "by-size-class", comparison.by_size_class),
        ("Concentration", "concentration", comparison.concentration),
        ("Notes", "notes", notes_table(comparison)),
    ]


def file_stem(comparison: Comparison) -> str:
    """``comparison-<baseline>-vs-<other>[-<other>...]`` (``-vs-<n>-scenarios`` when that gets long)."""
    others = "-".join(info.label for info in comparison.others)
    if len(others) > 60:
        others = f"{len(comparison.others)}-scenarios"
    return f"comparison-{comparison.baseline.label}-vs-{others}"


_EURO_COLUMNS = {"base_eur", "other_eur", "diff_eur", "redistributed_eur"}
_FORMATS = {
    "diff_pct": "0.00",
    "diff_per_inhabitant": "0.000",
    "base_per_inhabitant": "0.000",
    "other_per_inhabitant": "0.000",
    "gini_base": "0.0000",
    "gini_other": "0.0000",
    "gini_eur_per_inhabitant": "0.0000",
    "population": "#,##0",
}


def comparison_workbook(comparison: Comparison) -> bytes:
    """The comparison as an xlsx workbook in memory: a sheet per view and a notes sheet."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for sheet, _, frame in comparison_views(comparison):
            frame.to_excel(writer, sheet_name=sheet, index=False)
            worksheet = writer.sheets[sheet]
            worksheet.freeze_panes = "A2"
            if len(frame):
                worksheet.auto_filter.ref = worksheet.dimensions
            for column_index, column in enumerate(frame.columns, start=1):
                letter = get_column_letter(column_index)
                worksheet[f"{letter}1"].font = Font(bold=True)
                number_format = "#,##0" if column in _EURO_COLUMNS or column in BANDS else _FORMATS.get(column)
                if sheet == "Notes":
                    width = {"about": 24, "item": 26, "text": 120}[column]
                else:
                    sample = [len(str(v)) for v in frame[column].head(200)]
                    width = min(60, max([len(str(column))] + sample) + 2)
                    if number_format:
                        width = max(width, 12)
                worksheet.column_dimensions[letter].width = width
                if number_format:
                    for cell in worksheet[letter][1:]:
                        cell.number_format = number_format
            if sheet == "Notes":
                for cell in worksheet["C"][1:]:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
    return buffer.getvalue()


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n", float_format="%.6f").encode("utf-8")


def comparison_files(comparison: Comparison) -> dict[str, bytes]:
    """The workbook and one CSV per view (UTF-8, LF), by file name."""
    stem = file_stem(comparison)
    files = {f"{stem}.xlsx": comparison_workbook(comparison)}
    for _, suffix, frame in comparison_views(comparison):
        files[f"{stem}-{suffix}.csv"] = _csv(frame)
    return files
