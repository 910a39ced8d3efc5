"""Layer 4 (publishing): the meicirculaire workbook, a circular annex per scenario.

* :func:`meicirculaire_workbook`: the xlsx (and :func:`meicirculaire_ods` the ODS), built in
  memory from the same sheets (:mod:`allocation.publish.sheets`): a sheet per pot (a row per
  municipality of the payment years' registers, a column per payment year, totals), a
  sheet "Verdeelsleutels" (the keys on the 2021 register and the predecessor-to-successor
  mapping used) and a sheet "Toelichting" (parameters, provenance, hashes, version).
* the CSVs are :mod:`allocation.publish.circular_tables`; every file ``run --out`` writes,
  :mod:`allocation.publish.run_files`.

Every text is a text cell, never a formula, and a text that a spreadsheet would read as a
formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) carries the
quote prefix (:mod:`allocation.common.cells`). Output is deterministic:
the CSVs are byte-identical for the same input; the xlsx differs only in its generation
date (pass ``generated_on`` to fix it, then the bytes are identical too).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from allocation.common import i18n
from allocation.common.i18n import _
from allocation.common.version import __version__
from allocation.data.keys import kind_word, unit_word
from allocation.data.registers import KEY_REGISTER_DATE, step_words
from allocation.engine.constrained_pot import REPORT_COLUMNS as BOUND_COLUMNS
from allocation.publish.circular_tables import (
    municipality_number,
    pot_table,
    sort_name,
)
from allocation.publish.files import write_files
from allocation.publish.ods import sheets_to_ods
from allocation.publish.recompute import CellNames, KeyLayout, ParameterSheet, calculation_sheets
from allocation.publish.sheets import HERE, Formula, FormulaText, PrintLayout, Ref, Sheet, to_xlsx
from allocation.scenario.describe import describe_constraints
from allocation.scenario.result import ScenarioResult, used_keys
from allocation.scenario.schema import provenance_parts

EURO_FORMAT = "#,##0"
SHARE_FORMAT = "0.0000000000"
VALUE_FORMAT = "#,##0.00"

#: The project data files behind every export, with their contents and source (catalogue keys)
#: and vintage (a date, or a catalogue key) (see data/README.md).
DATA_FILES = [
    (
        "register.csv",
        "mc_data_register",
        "mc_src_register",
        "2021-01-01, 2022-01-01, 2022-03-24, 2023-01-01, 2024-01-01, 2025-01-01, 2026-01-01",
    ),
    (
        "population_2021.csv",
        "mc_data_population",
        "mc_src_population",
        "mc_data_population_vintage",
    ),
    (
        "indicators_2021.csv",
        "mc_data_indicators",
        "mc_src_indicators",
        "2021",
    ),
    (
        "veiligheidsregios.csv",
        "mc_data_regions",
        "mc_src_regions",
        "mc_data_regions_vintage",
    ),
    (
        "herindelingen.csv",
        "mc_data_mergers",
        "mc_src_mergers",
        "2021-2026",
    ),
]


def generation_date() -> dt.date:
    """Today (UTC), or the date of ``SOURCE_DATE_EPOCH`` for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.datetime.now(dt.UTC).date()


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _sheet_title(text: str, taken: set[str]) -> str:
    title = "".join("_" if ch in "[]:*?/\\" else ch for ch in text)[:31] or "pot"
    base, counter = title, 2
    while title.lower() in taken:
        suffix = f"~{counter}"
        title, counter = base[: 31 - len(suffix)] + suffix, counter + 1
    taken.add(title.lower())
    return title


# --- the workbook -------------------------------------------------------------------------


def _autosize(sheet: Sheet, widths: dict[int, int]) -> None:
    sheet.widths.update(widths)


def _header(sheet: Sheet, row: int, values: list) -> None:
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column, value=value)
        cell.bold = True


def _pot_sheet(sheet: Sheet, result: ScenarioResult, pot_id: str, table: pd.DataFrame | None = None) -> None:
    """A pot as the circular prints it: the published whole euros (values), the totals as formulas."""
    table = pot_table(result, pot_id) if table is None else table
    year_columns = [c for c in table.columns if c.isdigit()]
    _header(sheet, 1, [_("mc_code"), _("mc_number"), _("mc_municipality"), _("mc_province")] + year_columns
            + [_("mc_total")])
    total_column = 5 + len(year_columns)
    for c, column in enumerate(table.columns, start=1):
        values = [None if value is pd.NA else value for value in table[column].tolist()]
        if c > 4 or c == 2:
            values = [None if value is None else int(value) for value in values]
        if c == total_column:
            sheet.column_run(c, 2, values, EURO_FORMAT, FormulaText("SUM({0})", (
                Ref(HERE, 5, last=(HERE, total_column - 1)),)))
        else:
            sheet.column_run(c, 2, values, EURO_FORMAT if c > 4 else None)
    last = len(table) + 2
    sheet.cell(row=last, column=3, value=_("mc_total")).bold = True
    for c, column in enumerate(year_columns + ["total"], start=5):
        total = Formula("SUM({0})", (Ref(2, c, last=(last - 1, c)),), int(table[column].sum()))
        cell = sheet.cell(row=last, column=c, value=total)
        cell.number_format = EURO_FORMAT
        cell.bold = True
    sheet.freeze_header = True
    _autosize(sheet, {1: 9, 2: 8, 3: 30, 4: 16} | {c: 13 for c in range(5, 6 + len(year_columns))})


def _keys_sheet(sheet: Sheet, result: ScenarioResult, cell_name: CellNames) -> KeyLayout:
    """The keys on the key register: values, shares (``value / total``) and each pot's combined
    share (the weighted sum of its keys' shares, the weights named on the parameters sheet)."""
    keys = used_keys(result.loaded)
    municipalities = result.municipalities
    names = [(sort_name(name), code) for name, code in zip(municipalities["gm_name"], municipalities["gm_code"])]
    order = sorted(range(len(municipalities)), key=names.__getitem__)
    municipalities = municipalities.iloc[order].reset_index(drop=True)
    codes = list(municipalities["gm_code"])
    last = len(codes) + 2
    header = [_("mc_code"), _("mc_number"), _("mc_municipality"), _("mc_province")]
    for key in keys:
        header += [_("mc_key_value", key=key.name, kind=kind_word(key.kind), unit=unit_word(key.unit)),
                   _("mc_key_share", key=key.name)]
    pot_ids = list(result.pots)
    header += [_("mc_combined_share", pot=pot_id) for pot_id in pot_ids]
    _header(sheet, 1, header)
    share_column: dict[str, int] = {}
    # per column from 5: the values from row 2 (a number, or the value of the formula), the formula, the format
    columns: list[tuple[list[float], FormulaText | None, str]] = []
    for key in keys:
        values = key.values.reindex(codes).astype(float).to_numpy()
        value_column = 5 + len(columns)
        share_column[key.name] = value_column + 1
        columns.append((values.tolist(), None, VALUE_FORMAT))
        columns.append(((values / values.sum()).tolist(),
                        FormulaText("{0}/{1}", (Ref(HERE, value_column), Ref(last, value_column, fixed=True))),
                        SHARE_FORMAT))
    combined_column = {}
    for pot_id in pot_ids:
        weights = sorted(result.scenario.pots[pot_id].key.weights)
        template = "+".join(f"{cell_name('Gewicht', pot_id, name)}*{{{i}}}" for i, name in enumerate(weights))
        shares = result.key_shares[pot_id].set_index("gm_code")["combined_share"].reindex(codes).to_numpy()
        combined_column[pot_id] = 5 + len(columns)
        columns.append((shares.astype(float).tolist(),
                        FormulaText(template, tuple(Ref(HERE, share_column[name]) for name in weights)),
                        SHARE_FORMAT))
    for c, values in enumerate([codes, [municipality_number(code) for code in codes],
                                list(municipalities["gm_name"]), list(municipalities["province_name"])], start=1):
        sheet.column_run(c, 2, values)
    for c, (values, formula, number_format) in enumerate(columns, start=5):
        sheet.column_run(c, 2, values, number_format, formula)
    sheet.cell(row=last, column=3, value=_("mc_total")).bold = True
    for c, (values, _formula, number_format) in enumerate(columns, start=5):
        total = Formula("SUM({0})", (Ref(2, c, last=(last - 1, c)),), float(sum(values)))
        cell = sheet.cell(row=last, column=c, value=total)
        cell.number_format = number_format
        cell.bold = True
    sheet.freeze_header = True
    _autosize(sheet, {1: 9, 2: 8, 3: 30, 4: 16} | {c: 18 for c in range(5, 5 + len(columns))})
    layout = KeyLayout(sheet.title, codes, combined_column)

    # the predecessor-to-successor mapping used, per register
    row = last + 2
    sheet.cell(
        row=row,
        column=1,
        value=_("mc_mergers_title"),
    ).bold = True
    row += 1
    sheet.cell(
        row=row,
        column=1,
        value=_("mc_mergers_text", date=KEY_REGISTER_DATE),
    )
    row += 1
    _header(
        sheet,
        row,
        [_("mc_years"), _("mc_peildata"), _("mc_predecessor_code"), _("mc_predecessor"), _("mc_successor_code"),
         _("mc_successor"), _("mc_share"), _("mc_steps")],
    )
    names_2021 = result.municipalities.set_index("gm_code")["gm_name"]
    groups: list[tuple[list[int], pd.DataFrame]] = []  # consecutive years with the same mapping
    for year in sorted(result.peildata):
        mapping = result.successors.get(year)
        if mapping is None or mapping.empty:
            continue
        if groups and groups[-1][1].equals(mapping):
            groups[-1][0].append(year)
        else:
            groups.append(([year], mapping))
    for years, mapping in groups:
        successor_names = result.registers[years[-1]].set_index("gm_code")["gm_name"]
        dates = ", ".join(dict.fromkeys(result.peildata[year][0] for year in years))
        for item in mapping.itertuples(index=False):
            row += 1
            values = [
                ", ".join(str(y) for y in years),
                dates,
                item.predecessor,
                names_2021.get(item.predecessor, ""),
                item.successor,
                successor_names.get(item.successor, ""),
                _number(item.share),
                step_words(item.steps),
            ]
            for c, value in enumerate(values, start=1):
                sheet.cell(row=row, column=c, value=value)
    if not groups:
        sheet.cell(
            row=row + 1,
            column=1,
            value=_("mc_no_mergers"),
        )
    return layout


def explanation_rows(result: ScenarioResult, generated_on: dt.date | None = None) -> list[list[str]]:
    """The rows of the "Toelichting" sheet: section, item, value, kind, source or assumption."""
    loaded, scenario = result.loaded, result.scenario
    generated_on = generated_on or generation_date()
    scenario_section, pot_word = _("mc_section_scenario"), _("mc_section_pot", pot="{pot}")
    rows: list[list] = [
        [scenario_section, _("mc_id"), loaded.scenario_id, "", ""],
        [scenario_section, _("mc_name"), scenario.name, "", ""],
        [scenario_section, _("mc_description"), scenario.description, "", ""],
        [scenario_section, _("mc_file"), Path(loaded.origin).name, "", ""],
        [scenario_section, _("mc_key_register"), KEY_REGISTER_DATE, "", _("mc_key_register_text")],
        [_("mc_section_note"), _("mc_status"), _("mc_status_text"), "", ""],
    ]
    for year, (date, provenance) in sorted(result.peildata.items()):
        count = len(result.registers[year]) if year in result.registers else ""
        rows.append([_("mc_section_peildatum"), _("mc_payment_year", year=year),
                     _("mc_register_with", date=date, count=count), *provenance_parts(provenance)])
    for pot_id, pot in scenario.pots.items():
        section = pot_word.format(pot=pot_id)
        rows.append([section, _("mc_name"), pot.label, "", ""])
        if pot.description:
            rows.append([section, _("mc_description"), pot.description, "", ""])
        rows.append([section, _("mc_budget_eur"), int(pot.budget.amount_eur), *provenance_parts(pot.budget.provenance)])
        allocation = result.pots[pot_id]
        rows.append([section, _("mc_year_profile"),
                     _("mc_profile_euros") if pot.years.kind == "euros" else _("mc_profile_shares"), "", ""])
        given = pot.years.values()
        for year, budget in zip(allocation.years, allocation.budgets):
            provenance = pot.years.provenance(year)
            item = _("mc_budget_year_eur", year=year)
            if pot.years.kind == "shares":
                item += _("mc_share_given", share=i18n.share(given[year]))
            rows.append([section, item, int(budget), *provenance_parts(provenance)])
        for key_name, weight in sorted(pot.key.weights.items()):
            key = loaded.keys[key_name]
            rows.append([section, _("mc_key_weight", key=key_name), i18n.share(weight), kind_word(key.kind),
                         provenance_parts(pot.key.provenance)[1]])
        rows.append([section, _("mc_vast_bedrag_eur"), int(pot.key.vast_bedrag_eur),
                     *provenance_parts(pot.key.provenance)])
        for item, value, constraint in describe_constraints(pot_id, pot, scenario):
            rows.append([section, _("mc_constraint", item=item), value,
                         *provenance_parts(constraint.provenance)])
    for key in used_keys(loaded):
        section = _("mc_section_key", key=key.name)
        rows.append([section, _("mc_description"), key.label, kind_word(key.kind), key.source])
        rows.append([section, _("mc_unit"), unit_word(key.unit), "", ""])
        rows.append([section, _("mc_kind"), kind_word(key.kind), kind_word(key.kind),
                     _("mc_proxy_text") if key.kind == "proxy" else ""])
        rows.append([section, _("mc_vintage"), key.vintage, "", ""])
        if key.note:
            rows.append([section, _("mc_note"), key.note, "", ""])
    for name, contents, source, vintage in DATA_FILES:
        rows.append([_("mc_section_data", name=name), _(contents),
                     _("mc_data_vintage", vintage=_(vintage) if vintage.startswith("mc_") else vintage),
                     _("prov_kind_source"), _(source)])
    rules = _("mc_section_rules")
    rows += [
        [rules, _("mc_rule_keys"), _("mc_rule_keys_text"), "", ""],
        [rules, _("mc_rule_vast"), _("mc_rule_vast_text"), "", ""],
        [rules, _("mc_rule_rounding"), _("mc_rule_rounding_text"), "", ""],
        [rules, _("mc_rule_mergers"), _("mc_rule_mergers_text"), "", ""],
    ]
    hashes = content_hashes(result, result.data_dir)
    check = _("mc_section_check")
    rows.append([check, _("mc_software"), f"inburgering-allocation {__version__}", "", ""])
    for name, digest in hashes.items():
        rows.append([check, _("mc_sha256", name=name), digest, "", ""])
    rows.append([check, _("mc_generated_on"), generated_on.isoformat(), "", ""])
    return rows


def _number(text):
    """A share written as text in the merger table, as a number when it is one."""
    try:
        return float(text)
    except (TypeError, ValueError):
        return text




def content_hashes(result: ScenarioResult, data_dir: Path | None = None) -> dict[str, str]:
    """sha256 of the scenario text, each data file (``data_dir``: default the folder the
    result was computed on), each user key's values, and of all together."""
    data_dir = result.data_dir if data_dir is None else data_dir
    hashes = {_("mc_hash_scenario"): result.loaded.content_hash}
    for name, *_rest in DATA_FILES:
        path = Path(data_dir) / name
        hashes[f"data/{name}"] = _sha256(path.read_bytes()) if path.is_file() else "missing"
    for name in sorted(result.scenario.user_keys):
        key = result.loaded.keys[name]
        values = key.values.sort_index().to_csv(header=False, lineterminator="\n").encode("utf-8")
        hashes[_("mc_hash_user_key", key=name)] = _sha256(values)
    combined = "\n".join(f"{name} {digest}" for name, digest in hashes.items()).encode("utf-8")
    hashes[_("mc_hash_all")] = _sha256(combined)
    return hashes


def _explanation_sheet(sheet: Sheet, result: ScenarioResult, generated_on: dt.date | None) -> None:
    _header(sheet, 1, [_("mc_col_section"), _("mc_col_item"), _("mc_col_value"), _("mc_col_kind"),
                       _("mc_col_source")])
    for r, values in enumerate(explanation_rows(result, generated_on), start=2):
        for c, value in enumerate(values, start=1):
            cell = sheet.cell(row=r, column=c, value=value)
            cell.wrap = True
            if isinstance(value, int):
                cell.number_format = EURO_FORMAT  # amounts are numbers, shown the reader's way
    sheet.freeze_header = True
    _autosize(sheet, {1: 24, 2: 34, 3: 70, 4: 12, 5: 70})
    sheet.fit_wrapped_rows()  # fixed widths, rows as high as their text: no printed line overlaps another


def bound_table(result: ScenarioResult) -> pd.DataFrame:
    """The bound report of every constrained pot (2021 register): who sits on which
    constraint and what it cost or gave them against the pure key."""
    frames = [result.bound_report(pot_id) for pot_id in result.scenario.pots]
    frames = [frame for frame in frames if not frame.empty]
    if not frames:
        return pd.DataFrame(columns=BOUND_COLUMNS)
    return pd.concat(frames, ignore_index=True)[BOUND_COLUMNS]


def _bounds_sheet(sheet: Sheet, bounds: pd.DataFrame) -> None:
    _header(
        sheet,
        1,
        [_("mc_pot"), _("mc_year"), _("mc_code"), _("mc_municipality"), _("mc_constraint_col"),
         _("mc_key_amount"), _("mc_amount"), _("mc_effect")],
    )
    for r, values in enumerate(bounds.itertuples(index=False), start=2):
        for c, value in enumerate(values, start=1):
            value = value.item() if hasattr(value, "item") else value
            if c == 5:
                value = str(value)
            cell = sheet.cell(row=r, column=c, value=value)
            if c >= 6:
                cell.number_format = "#,##0"
    sheet.freeze_header = True
    _autosize(sheet, {1: 18, 2: 6, 3: 9, 4: 24, 5: 70, 6: 16, 7: 14, 8: 14})


def _bands_sheet(sheet: Sheet, bands: pd.DataFrame) -> None:
    """The sensitivity bands: per municipality, pot and year the amount and its p5-p95 range."""
    _header(sheet, 1, [_("mc_pot"), _("mc_year"), _("mc_code"), _("mc_municipality"), _("mc_amount"), "P5 (EUR)",
                       "P50 (EUR)", "P95 (EUR)", _("mc_band_pct")])
    for r, values in enumerate(bands.itertuples(index=False), start=2):
        for c, value in enumerate(values, start=1):
            value = value.item() if hasattr(value, "item") else value
            if isinstance(value, float) and value != value:
                continue
            cell = sheet.cell(row=r, column=c, value=value)
            if 5 <= c <= 8:
                cell.number_format = EURO_FORMAT
            elif c == 9:
                cell.number_format = "0.0"
    sheet.freeze_header = True
    _autosize(sheet, {1: 18, 2: 6, 3: 9, 4: 24, 5: 14, 6: 14, 7: 14, 8: 14, 9: 16})


def _build_sheets(result: ScenarioResult, generated_on: dt.date, bands: pd.DataFrame | None = None,
                  tables: dict[str, pd.DataFrame] | None = None) -> list[Sheet]:
    """The workbook's sheets in memory, each with its print layout: a sheet per pot, the keys,
    the bound report and the sensitivity bands when there are any, the explanation.
    ``tables``: the pots' :func:`pot_table` when they are made already."""
    names = {name: _(f"mc_sheet_{name}") for name in ("keys", "params", "bounds", "bands", "notes")}
    taken = {name.lower() for name in names.values()}
    sheets = []
    for pot_id, pot in result.scenario.pots.items():
        sheet = Sheet(_sheet_title(pot_id, taken))
        _pot_sheet(sheet, result, pot_id, (tables or {}).get(pot_id))
        sheet.layout = PrintLayout(f"{result.scenario.name}: {pot.label}", generated_on.isoformat())
        sheets.append(sheet)
    sheets.append(Sheet(names["keys"]))
    cell_names = CellNames()
    layout = _keys_sheet(sheets[-1], result, cell_names)
    calculation_titles = {pot_id: _sheet_title(_("mc_sheet_calc", pot=pot_id), taken) for pot_id in result.pots}
    parameters = ParameterSheet(Sheet(names["params"]), result, cell_names)
    sheets += calculation_sheets(result, layout, parameters, calculation_titles)
    sheets.append(parameters.sheet)
    bounds = bound_table(result)
    if not bounds.empty:
        sheets.append(Sheet(names["bounds"]))
        _bounds_sheet(sheets[-1], bounds)
    if bands is not None:
        sheets.append(Sheet(names["bands"]))
        _bands_sheet(sheets[-1], bands)
    sheets.append(Sheet(names["notes"]))
    _explanation_sheet(sheets[-1], result, generated_on)
    for sheet in sheets:  # the other sheets print the same way
        if sheet.layout is None:
            sheet.layout = PrintLayout(f"{result.scenario.name}: {sheet.title}", generated_on.isoformat())
    return sheets


def _xlsx(result: ScenarioResult, sheets: list[Sheet], generated_on: dt.date) -> bytes:
    return to_xlsx(sheets, title=_("mc_title", name=result.scenario.name),
                   creator=f"inburgering-allocation {__version__}", created=generated_on)


def meicirculaire_workbook(result: ScenarioResult, generated_on: dt.date | None = None,
                          bands: pd.DataFrame | None = None) -> bytes:
    """``<scenario-id>-meicirculaire.xlsx`` as bytes (for the app and for ``run --out``).

    ``generated_on``: the generation date written in the "Toelichting" sheet, the page
    headers and the document properties (default: the ``SOURCE_DATE_EPOCH`` environment
    variable if set, else today, UTC). With a fixed date the bytes are identical for the
    same input. Print layout: landscape A4, one page wide, the header row on every page,
    title and date in the page header, "Pagina 1 van 3" in the footer.
    """
    generated_on = generated_on or generation_date()
    return _xlsx(result, _build_sheets(result, generated_on, bands), generated_on)


def meicirculaire_ods(result: ScenarioResult, generated_on: dt.date | None = None,
                      bands: pd.DataFrame | None = None) -> bytes:
    """``<scenario-id>-meicirculaire.ods``: the same sheets and contents as the xlsx, as an
    OpenDocument spreadsheet (the Gemeentefonds' format since 2017). Deterministic like the xlsx."""
    generated_on = generated_on or generation_date()
    return sheets_to_ods(_build_sheets(result, generated_on, bands))


def meicirculaire_files(result: ScenarioResult, formats: tuple[str, ...], generated_on: dt.date | None = None,
                        bands: pd.DataFrame | None = None,
                        tables: dict[str, pd.DataFrame] | None = None) -> dict[str, bytes]:
    """The workbook in each of ``formats`` (``"xlsx"``, ``"ods"``) by suffix, its sheets built once
    (``tables``: the pots' :func:`pot_table` when they are made already)."""
    writers = workbook_writers(result, generated_on, bands, tables)
    return {suffix: writers[suffix]() for suffix in formats}


def workbook_writers(result: ScenarioResult, generated_on: dt.date | None = None,
                     bands: pd.DataFrame | None = None,
                     tables: dict[str, pd.DataFrame] | None = None) -> dict[str, Callable[[], bytes]]:
    """The workbook's sheets built, and per format (``"xlsx"``, ``"ods"``) the function that
    writes them (so a caller can write one format in a side process)."""
    generated_on = generated_on or generation_date()
    sheets = _build_sheets(result, generated_on, bands, tables)
    return {"xlsx": lambda: _xlsx(result, sheets, generated_on), "ods": lambda: sheets_to_ods(sheets)}


def write_workbook(result: ScenarioResult, path: Path | str, generated_on: dt.date | None = None) -> Path:
    """Write the meicirculaire workbook to ``path`` atomically; returns the path."""
    path = Path(path)
    return write_files({path.name: meicirculaire_workbook(result, generated_on)}, path.parent)[0]
