"""Layer 4 (publishing): the comparison as files: an xlsx workbook with a sheet per view and
a notes sheet, and one CSV per view (UTF-8, LF).

The workbook is for people: sheet names, headers and words in the language (Dutch by
default, :mod:`allocation.common.i18n`), booleans as ``ja``/``nee``, percentages as real
numbers with a percent format, amounts with a thousands format (Excel and LibreOffice show
``#,##0`` as ``#.##0`` in Dutch). The CSVs are a documented file format for other tools:
their column names and codes (``all``, the band codes, ``True``/``False``) are the
identifiers of :data:`CSV_IDENTIFIERS` in every language; only their notes text is in the
language.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import io
from collections.abc import Iterator

import pandas as pd

from allocation.analysis.compare import BANDS, Comparison
from allocation.analysis.compare_text import notes_table
from allocation.analysis.decompose import decompose
from allocation.analysis.mutaties import Mutaties
from allocation.analysis.negotiation import negotiate
from allocation.common import i18n
from allocation.common.cells import frame_csv, quoted_texts, xlsx_workbook
from allocation.common.i18n import N_, _
from allocation.scenario.result import ScenarioResult


def comparison_views(comparison: Comparison) -> list[tuple[str, str, pd.DataFrame]]:
    """(sheet name, file suffix, frame) for every view."""
    summary = comparison.totals.merge(comparison.bands, on=["scenario", "pot", "year"])
    return [
        (sheet_name("summary"), "summary", summary),
        (sheet_name("municipality-totals"), "municipality-totals", comparison.municipality_totals()),
        (sheet_name("per-municipality"), "per-municipality", comparison.per_municipality),
        (sheet_name("bands"), "bands", comparison.bands),
        (sheet_name("largest-gains"), "largest-gains", comparison.largest_gains),
        (sheet_name("largest-losses"), "largest-losses", comparison.largest_losses),
        (sheet_name("by-province"), "by-province", comparison.by_province),
        (sheet_name("by-size-class"), "by-size-class", comparison.by_size_class),
        (sheet_name("concentration"), "concentration", comparison.concentration),
        (sheet_name("notes"), "notes", notes_table(comparison)),
    ]


def sheet_name(suffix: str) -> str:
    """A sheet's name in the language, by its CSV suffix (``summary`` -> ``Samenvatting``)."""
    return _(f"wb_sheet_{suffix}")


#: The comparison CSVs' identifiers (a file format: the same in every language): every
#: column name, ``all`` in the pot and year columns, the band codes, the roles, True/False.
CSV_IDENTIFIERS = frozenset({
    "scenario", "baseline", "pot", "year", "gm_code", "gm_name", "province_name", "size_class", "population",
    "municipalities", "base_eur", "other_eur", "diff_eur", "diff_pct", "diff_per_inhabitant", "base_per_inhabitant",
    "other_per_inhabitant", "band", "redistributed_eur", "gini_base", "gini_other", "gini_eur_per_inhabitant",
    "role", "gaining", "losing", "max_loss_pct", "top_up_eur", "municipalities_topped_up",
    "budget_neutral_gain_cap_pct", "shortfall_eur", "feasible", "distance_eur", "distance_pct", "vast_bedrag_eur",
    "difference_eur", "mutatie_eur", "mutatie_pct", "about", "item", "text", "factor", "effect_eur", "all",
    "compared", "True", "False", "budget_eur", "key_eur", "key_data_eur", "constraints_eur", "peildata_eur",
    *BANDS,
})
#: Percentages (in percent points in the tables): real fractions with a percent format in the workbook.
_PERCENT_COLUMNS = {"diff_pct": "0.00%", "distance_pct": "0.00%", "max_loss_pct": "0.0%",
                    "budget_neutral_gain_cap_pct": "0.0%", "mutatie_pct": "0.00%"}


def header(column: str) -> str:
    """A column's header in the workbook, in the language."""
    if column in BANDS:
        return _(f"band_{BANDS.index(column)}")
    if column.startswith("weight_"):
        return _("col_weight", key=column[len("weight_"):])
    key = f"wb_col_{column}"
    if i18n.raw(key) != key:
        return _(key)
    if column.endswith("_eur") and (factor := column[:-len("_eur")]) in _FACTORS:
        return _("wb_col_factor_eur", factor=_FACTORS[factor]())
    return column


_FACTORS = {"budget": lambda: _("factor_budget"), "key": lambda: _("factor_key"),
            "key_data": lambda: _("factor_key_data"), "constraints": lambda: _("factor_constraints"),
            "peildata": lambda: _("factor_peildata"), "other": lambda: _("wb_factor_other")}
_ROLES = (N_("wb_role_baseline"), N_("wb_role_compared"))


def _words(series: pd.Series) -> pd.Series:
    """A text column's codes as words: ``all``, bands, roles and booleans in the language."""
    if series.dtype == bool:
        return series.map(lambda v: i18n.yes_no(bool(v)))
    if series.dtype.kind in "iuf":
        return series
    words = {"all": _("wb_all"), "True": _("yes"), "False": _("no"),
             "baseline": _("wb_role_baseline"), "compared": _("wb_role_compared")}
    words.update({band: _(f"band_{i}") for i, band in enumerate(BANDS)})
    return series.map(lambda v: words.get(v, v) if isinstance(v, str) else
                      (i18n.yes_no(bool(v)) if isinstance(v, bool) or type(v).__name__ == "bool_" else v))


def file_stem(comparison: Comparison) -> str:
    """``comparison-<baseline>-vs-<other>[-<other>...]`` (``-vs-<n>-scenarios`` when that gets long)."""
    others = "-".join(info.label for info in comparison.others)
    if len(others) > 60:
        others = f"{len(comparison.others)}-scenarios"
    return f"comparison-{comparison.baseline.label}-vs-{others}"


_EURO_COLUMNS = {"base_eur", "other_eur", "diff_eur", "redistributed_eur", "baseline_eur", "scenario_eur",
                 "mutatie_eur", "top_up_eur", "shortfall_eur", "effect_eur", "distance_eur", "vast_bedrag_eur"}
_FORMATS = {
    "diff_pct": "0.00",
    "diff_per_inhabitant": "0.000",
    "base_per_inhabitant": "0.000",
    "other_per_inhabitant": "0.000",
    "gini_base": "0.0000",
    "gini_other": "0.0000",
    "gini_eur_per_inhabitant": "0.0000",
    "population": "#,##0",
    "mutatie_pct": "0.00",
}


def _cells(series: pd.Series) -> list:
    """A column as plain Python values for the workbook: numbers as numbers, missing as empty."""
    if series.dtype.kind in "iu":
        return series.astype("int64").tolist()
    if series.dtype.kind == "f":
        return [None if value != value else value for value in series.tolist()]
    return [None if value is None or value != value else str(value) for value in series.tolist()]


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a workbook is built.

    XlsxWriter keeps a small object per cell until the workbook is closed (about 390,000 per
    compared scenario); the collector would walk all of them again and again as they pile up,
    although none of them is garbage before the end. Paused, the comparison files take about
    a sixth less time. The pause is for the whole process; the collector is switched on again
    afterwards if it was on (nothing is left uncollected, it only waits).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def comparison_workbook(comparison: Comparison, views: list | None = None) -> bytes:
    """The comparison as an xlsx workbook in memory: a sheet per view and a notes sheet.

    Written with XlsxWriter a column at a time (several times faster than openpyxl for the
    20,000-row sheet of a comparison), with one format object per number format, set on the
    column and given to its cells (an empty cell keeps the format). The document's creation
    date is fixed, so the same comparison gives the same bytes. Texts are text cells, never
    formulas or links (:mod:`allocation.common.cells`).
    """
    buffer = io.BytesIO()
    with _collector_paused():
        book = xlsx_workbook(buffer)
        book.set_properties({"created": dt.datetime(2021, 4, 28)})  # the letter's date; any fixed date does
        bold = book.add_format({"bold": True})
        wrapped = {"text_wrap": True, "valign": "top"}
        wrap = book.add_format(wrapped)
        formats: dict[str, object] = {}
        quoted: dict = {}
        for sheet, suffix, frame in views or comparison_views(comparison):
            worksheet = book.add_worksheet(sheet)
            worksheet.write_row(0, 0, [header(str(column)) for column in frame.columns], bold)
            worksheet.freeze_panes(1, 0)
            if len(frame):
                worksheet.autofilter(0, 0, len(frame), len(frame.columns) - 1)
            for index, column in enumerate(frame.columns):
                values = frame[column]
                pattern = "#,##0" if column in _EURO_COLUMNS or column in BANDS else _FORMATS.get(column)
                if column in _PERCENT_COLUMNS and values.dtype.kind in "iuf":
                    pattern, values = _PERCENT_COLUMNS[column], values / 100.0  # 2.5 (percent) -> 2.5%
                elif column.endswith("_eur") and values.dtype.kind in "iuf":
                    pattern = "#,##0"
                else:
                    values = _words(values)
                if pattern and pattern not in formats:
                    formats[pattern] = book.add_format({"num_format": pattern})
                if suffix == "notes":
                    width = {"about": 24, "item": 26, "text": 120}[column]
                else:
                    sample = [len(str(v)) for v in values.head(200)]
                    width = min(60, max([len(header(str(column)))] + sample) + 2)
                    if pattern:
                        width = max(width, 12)
                notes_text = suffix == "notes" and column == "text"
                cell_format = wrap if notes_text else formats.get(pattern or "")
                worksheet.set_column(index, index, width, cell_format)
                cells = _cells(values)
                worksheet.write_column(1, index, cells, cell_format)  # blanks keep it too
                if values.dtype.kind not in "biufcmM":
                    properties = wrapped if notes_text else ({"num_format": pattern} if pattern else None)
                    quoted_texts(book, worksheet, 1, index, cells, properties, quoted)
        book.close()
    return buffer.getvalue()


def _csv(frame: pd.DataFrame) -> bytes:
    return frame_csv(frame, float_format="%.6f")


def decomposition_sheet(parts: pd.DataFrame) -> pd.DataFrame:
    """The decomposition as the workbook shows it: a row per pot, year and municipality, a
    column per factor (``<factor>_eur``) and ``difference_eur``, their sum: the parts side by
    side, adding up to the change (a third of the cells of the long table)."""
    factors = list(dict.fromkeys(parts["factor"]))
    keys = ["pot", "year", "gm_code", "gm_name"]
    wide = parts.pivot(index=keys, columns="factor", values="effect_eur")
    order = pd.MultiIndex.from_frame(parts.loc[parts["factor"] == factors[0], keys])  # the table's own order
    wide = wide.reindex(order)[factors].astype("int64")
    wide.columns = [f"{factor}_eur" for factor in factors]
    wide["difference_eur"] = wide.sum(axis=1)
    return wide.reset_index()


def negotiation_views(base: ScenarioResult, others: list[ScenarioResult],
                       labels: list[str] | None = None) -> list[tuple[str, str, pd.DataFrame]]:
    """The negotiation sheets for every scenario against the baseline, from its
    :class:`~allocation.analysis.negotiation.Negotiation`: "Garantie" (the cost of guarantees at
    every level), "Compromis" (the compromise frontier of each shared pot with the keys both
    use) and "Decompositie" (each change split into its factors,
    :mod:`allocation.analysis.decompose`, as :func:`decomposition_sheet`). ``labels`` names the
    scenarios in the sheets (default their ids; the comparison's labels keep two scenarios with
    the same id apart)."""
    guarantees, frontiers, parts = [], [], []
    for index, other in enumerate(others):
        label = labels[index] if labels else other.loaded.scenario_id
        found = negotiate(base, other, pots=[p for p in other.scenario.pots if p in base.scenario.pots])
        guarantees.append(found.guarantee.table.assign(scenario=label))
        table, _notes = decompose(base, other)
        parts.append(decomposition_sheet(table).assign(scenario=label))
        for compromise in found.compromises:
            frontiers.append(compromise.frontier.assign(scenario=label, pot=compromise.pot, year=compromise.year))

    def first(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
        return frame[list(columns) + [c for c in frame.columns if c not in columns]]

    views = [(sheet_name("guarantee"), "guarantee", first(pd.concat(guarantees, ignore_index=True), "scenario"))]
    if frontiers:
        views.append((sheet_name("compromise"), "compromise", first(pd.concat(frontiers, ignore_index=True),
                                                                    "scenario", "pot", "year")))
    views.append((sheet_name("decomposition"), "decomposition", first(pd.concat(parts, ignore_index=True), "scenario")))
    return views


def comparison_files(comparison: Comparison, found: list[Mutaties] | None = None,
                     extra: list[tuple[str, str, pd.DataFrame]] | None = None) -> dict[str, bytes]:
    """The workbook and one CSV per view (UTF-8, LF), by file name. With ``found`` (the
    mutaties on the payment-year registers, ``compare --registers payment``) the workbook
    gets a sheet "Mutaties" and a CSV ``<stem>-mutaties.csv``; ``extra`` views (the
    negotiation sheets, :func:`negotiation_views`) come before the notes."""
    stem = file_stem(comparison)
    views = comparison_views(comparison)
    if found:
        table = pd.concat([item.table.assign(scenario=item.scenario) for item in found], ignore_index=True)
        table = table[["scenario"] + [c for c in table.columns if c != "scenario"]]
        views = views[:-1] + [(sheet_name("mutaties"), "mutaties", table)] + views[-1:]
    if extra:
        views = views[:-1] + list(extra) + views[-1:]
    files = {f"{stem}.xlsx": comparison_workbook(comparison, views)}
    for _sheet, suffix, frame in views:
        files[f"{stem}-{suffix}.csv"] = _csv(frame)
    return files
