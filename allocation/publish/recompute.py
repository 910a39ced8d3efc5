"""Layer 4 (publishing): the formulas of the meicirculaire workbook, so that a municipality
recomputes its amount in the spreadsheet itself (README, "Zelf narekenen").

* "Rekenparameters": every parameter in a named cell: the number of municipalities of the
  key register (``Aantal_gemeenten``), per pot the vast bedrag (``Vast_<pot>``), the key
  weights (``Gewicht_<pot>_<key>``), the budget per payment year (``Budget_<pot>_<year>``)
  and, for a pot within bounds, the factor on the key per payment year (``Factor_<pot>_<year>``);
* "Verdeelsleutels" (built in :mod:`allocation.publish.meicirculaire`): the key shares as
  ``value / total`` and the combined share of each pot as the weighted sum of the key shares;
* a sheet "Berekening <pot>" per pot, a row per municipality of the key register:
  the exact amount ``Vast + share x (Budget - Aantal x Vast)`` (within bounds:
  ``MIN(MAX(Vast + Factor x share x (...), minimum), maximum)``, the bounds in whole euros),
  the whole euros by largest remainder (the floor; one euro more for the municipalities whose
  fraction ranks within the euros left over, ties by the lower CBS number, which orders as the
  code), a total, and a check per payment year that the whole euros add up to the budget and
  each is less than one euro from the exact amount.

Every formula cell carries the value the product computed. A formula is only written where
it gives exactly the product's amounts (checked here with the same arithmetic); a pot-year
without a closed form (a pot allocated jointly over all payment years, a group limit) keeps
values, and the parameters sheet says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from allocation.common.i18n import _
from allocation.data.registers import KEY_REGISTER_DATE
from allocation.engine.bounded import combine_bounds
from allocation.engine.groups import groups_for_year
from allocation.publish.sheets import HERE, Formula, FormulaText, Ref, Sheet
from allocation.scenario.result import ScenarioResult

EURO_FORMAT = "#,##0"
EXACT_FORMAT = "#,##0.00"
SHARE_FORMAT = "0.0000000000"
#: The columns of one payment year on a calculation sheet: exact, floor, fraction, euros.
YEAR_COLUMNS = 4
FIRST_YEAR_COLUMN = 5
#: The exact amounts of a formula and of the product may differ by floating-point noise only.
EXACT_TOLERANCE = 1e-6


class CellNames:
    """The names of the parameter cells: letters, digits and ``_`` (``Budget_elip_2021``), each
    given once; two that would read the same (pot ``a_b`` with key ``c``, pot ``a`` with key
    ``b_c``) are told apart by a number."""

    def __init__(self) -> None:
        self.given: dict[tuple[str, ...], str] = {}
        self.taken: set[str] = set()

    def __call__(self, *parts: object) -> str:
        key = tuple(str(part) for part in parts)
        if key not in self.given:
            base = "_".join(re.sub(r"[^A-Za-z0-9_]", "_", part) for part in key)
            name, counter = base, 2
            while name.casefold() in self.taken:
                name, counter = f"{base}_{counter}", counter + 1
            self.taken.add(name.casefold())
            self.given[key] = name
        return self.given[key]


COUNT = ("Aantal", "gemeenten")


@dataclass(frozen=True)
class KeyLayout:
    """Where the keys sheet holds what: the municipalities' rows (key register codes in row
    order from row 2) and the column of each pot's combined share."""

    sheet: str
    codes: list[str]
    combined_column: dict[str, int]


@dataclass
class _Year:
    """One pot-year as the formulas compute it, or the reason it keeps values."""

    exact: np.ndarray
    whole: np.ndarray
    lower: np.ndarray | None = None  # whole-euro bounds (None: no bounds)
    upper: np.ndarray | None = None
    factor: float | None = None
    basis: np.ndarray | None = None
    rest: np.ndarray | None = None
    leftover: int = 0
    note: str = ""


def _round(exact: np.ndarray, lower, upper, budget: int, numbers: np.ndarray):
    """The spreadsheet's rounding, in the same steps: basis (floor, within the bounds), rest
    (the fraction; -1 where the upper bound takes no euro more), rank (largest rest first, ties
    by the lower number) and the whole euros."""
    if lower is None:
        basis = np.floor(exact)
        rest = exact - basis
    else:
        basis = np.minimum(np.maximum(np.floor(exact + 1e-9), lower), upper)
        rest = np.where(basis + 1 <= upper, np.maximum(exact - basis, 0.0), -1.0)
    leftover = int(budget - basis.sum())
    order = np.lexsort((numbers, -rest))
    rank = np.empty(len(exact), dtype=np.int64)
    rank[order] = np.arange(1, len(exact) + 1)
    whole = basis + (rank <= leftover)
    return basis, rest, leftover, whole


def _years(result: ScenarioResult, pot_id: str, order: np.ndarray, used: dict[int, dict[int, np.ndarray]]
           ) -> list[_Year]:
    """Every payment year of a pot in the key sheet's row order (``order``: positions in the pot's codes)."""
    pot = result.pots[pot_id]
    n = len(pot.codes)
    info = result.constrained.get(pot_id)
    problem = None if info is None else info.problem
    shares = pot.shares[order]
    numbers = np.array([int(code[2:]) for code in pot.codes])[order]
    years = []
    for column, year in enumerate(pot.years):
        budget = pot.budgets[column]
        exact_product, whole_product = pot.ideal[order, column], pot.amounts[order, column]
        kept = _Year(exact_product, whole_product)
        if info is not None and info.joint:
            kept.note = _("mc_formula_joint")
            years.append(kept)
            continue
        lower = upper = None
        factor = 1.0
        if info is not None:
            if problem is None:
                kept.note = _("mc_formula_other", year=year)
                years.append(kept)
                continue
            if groups_for_year(list(problem.groups), year, budget):
                kept.note = _("mc_formula_groups", year=year)
                years.append(kept)
                continue
            lowers, uppers = (list(part) for part in problem.fixed_bounds.get(year, ([], [])))
            for cap in problem.caps:
                taken = used.setdefault(cap.index, {}).get(year, np.zeros(n))
                uppers.append((cap.label, np.maximum(np.floor(cap.limit + 1e-9) - taken, 0.0)))
            if problem.year_band is not None and column > 0:
                problem.year_band.bounds(pot.amounts[:, column - 1].astype(float), "", "", lowers, uppers)
            bounds = combine_bounds(n, lowers, uppers)
            lower, upper = bounds.lower[order], bounds.upper[order]
            factor = float(info.scales.get(year, np.nan))
        variable = budget - n * pot.vast_bedrag
        exact = pot.vast_bedrag + factor * (shares * variable)
        if lower is not None:
            exact = np.minimum(np.maximum(exact, lower), upper)
        basis, rest, leftover, whole = _round(exact, lower, upper, budget, numbers)
        same = np.allclose(exact, exact_product, rtol=0, atol=EXACT_TOLERANCE) and np.array_equal(
            whole.astype(np.int64), whole_product)
        if not np.isfinite(factor) or leftover < 0 or not same:
            kept.note = _("mc_formula_other", year=year)
            years.append(kept)
            continue
        years.append(_Year(exact, whole.astype(np.int64), lower, upper, None if info is None else factor,
                           basis, rest, leftover))
    if problem is not None:
        for cap in problem.caps:
            for column, year in enumerate(pot.years):
                taken = used.setdefault(cap.index, {}).get(year, np.zeros(n))
                used[cap.index][year] = taken + pot.amounts[:, column]
    return years


def _number(value: float) -> str:
    """A whole-euro bound as the formula writes it."""
    return str(int(value))


def _clip(inner: str, lower: float, upper: float) -> str:
    """``MIN(MAX(inner, lower), upper)``, without a bound that does not hold."""
    text = inner if lower <= 0 else f"MAX({inner},{_number(lower)})"
    return text if not np.isfinite(upper) else f"MIN({text},{_number(upper)})"


class ParameterSheet:
    """The sheet of named parameters (the keys sheet's and the calculation sheets' formulas use them)."""

    def __init__(self, sheet: Sheet, result: ScenarioResult, names: CellNames):
        self.sheet, self.row, self.names = sheet, 2, names
        for column, text in enumerate([_("mc_pot"), _("mc_year"), _("mc_param"), _("mc_col_value"),
                                       _("mc_param_name")], start=1):
            sheet.cell(1, column, text).bold = True
        codes = next(iter(result.pots.values())).codes if result.pots else ()
        self.add("", "", _("mc_param_count", date=KEY_REGISTER_DATE), len(codes), names(*COUNT))
        sheet.freeze_header = True
        sheet.widths.update({1: 18, 2: 6, 3: 44, 4: 60, 5: 34})

    def add(self, pot: str, year: object, what: str, value: object, name: str | None,
            number_format: str | None = None) -> None:
        """A row; ``name``: the value cell's name."""
        for column, item in enumerate([pot, year, what, value, name or ""], start=1):
            cell = self.sheet.cell(self.row, column, item)
            cell.wrap = column == 4 and isinstance(item, str)
        if number_format:
            self.sheet.cell(self.row, 4).number_format = number_format
        if name:
            self.sheet.names[name] = (self.row, 4)
        self.row += 1


def calculation_sheets(result: ScenarioResult, layout: KeyLayout, parameters: ParameterSheet,
                       titles: dict[str, str]) -> list[Sheet]:
    """A calculation sheet per pot (``titles``: pot id -> sheet title), and the pots' parameters."""
    add, cell_name = parameters.add, parameters.names
    sheets = []
    used: dict[int, dict[int, np.ndarray]] = {}
    last = len(layout.codes) + 1
    for pot_id, pot in result.pots.items():
        spec = result.scenario.pots[pot_id]
        position = {code: i for i, code in enumerate(pot.codes)}
        order = np.array([position[code] for code in layout.codes])
        years = _years(result, pot_id, order, used)
        vast = cell_name("Vast", pot_id)
        add(pot_id, "", _("mc_vast_bedrag_eur"), int(pot.vast_bedrag), vast, EURO_FORMAT)
        for key_name, weight in sorted(spec.key.weights.items()):
            add(pot_id, "", _("mc_param_weight", key=key_name), float(weight), cell_name("Gewicht", pot_id, key_name))
        said = set()
        for column, (year, budget) in enumerate(zip(pot.years, pot.budgets)):
            add(pot_id, year, _("mc_budget_eur"), int(budget), cell_name("Budget", pot_id, year), EURO_FORMAT)
            computed = years[column]
            if computed.factor is not None:
                add(pot_id, year, _("mc_param_factor"), computed.factor, cell_name("Factor", pot_id, year))
            if computed.note and computed.note not in said:  # a note of the whole pot once
                said.add(computed.note)
                add(pot_id, year if str(year) in computed.note else "", _("mc_formulas"), computed.note, None)
        sheet = Sheet(titles[pot_id])
        _calculation(sheet, result, pot_id, layout, years, cell_name, last)
        sheets.append(sheet)
    return sheets


def _calculation(sheet: Sheet, result: ScenarioResult, pot_id: str, layout: KeyLayout, years: list[_Year],
                 cell_name: CellNames, last: int) -> None:
    count = cell_name(*COUNT)
    pot = result.pots[pot_id]
    names = dict(zip(result.municipalities["gm_code"], result.municipalities["gm_name"]))
    header = [_("mc_code"), _("mc_number"), _("mc_municipality"), _("mc_calc_share")]
    for year in pot.years:
        header += [_("mc_calc_exact", year=year), _("mc_calc_basis", year=year), _("mc_calc_rest", year=year),
                   _("mc_calc_euro", year=year)]
    for column, text in enumerate(header, start=1):
        cell = sheet.cell(1, column, text)
        cell.bold = cell.wrap = True
    share_column = layout.combined_column[pot_id]
    place = {code: i for i, code in enumerate(pot.codes)}
    position = [place[code] for code in layout.codes]
    sheet.column_run(1, 2, list(layout.codes))
    sheet.column_run(2, 2, [int(code[2:]) for code in layout.codes])
    sheet.column_run(3, 2, [names.get(code, "") for code in layout.codes])
    sheet.column_run(4, 2, pot.shares[position].tolist(), SHARE_FORMAT,
                     FormulaText("{0}", (Ref(HERE, share_column, layout.sheet),)))
    total, budget_row, leftover_row, check_row = last + 1, last + 2, last + 3, last + 4
    for label, row in ((_("mc_total"), total), (_("mc_calc_budget"), budget_row),
                       (_("mc_calc_leftover"), leftover_row), (_("mc_calc_check"), check_row)):
        cell = sheet.cell(row, 3, label)
        cell.bold = True
    for index, (year, computed) in enumerate(zip(pot.years, years)):
        first = FIRST_YEAR_COLUMN + YEAR_COLUMNS * index
        exact_c, basis_c, rest_c, euro_c = range(first, first + YEAR_COLUMNS)
        if computed.basis is None:  # no closed form: the product's values (the parameters sheet says why)
            sheet.column_run(exact_c, 2, computed.exact.astype(float).tolist(), EXACT_FORMAT)
            sheet.column_run(euro_c, 2, computed.whole.astype(np.int64).tolist(), EURO_FORMAT)
        else:
            _formula_columns(sheet, computed, (exact_c, basis_c, rest_c, euro_c), last, leftover_row,
                             (cell_name("Vast", pot_id), cell_name("Budget", pot_id, year),
                              cell_name("Factor", pot_id, year), count))
        budget = cell_name("Budget", pot_id, year)
        exact_range, euro_range = Ref(2, exact_c, last=(last, exact_c)), Ref(2, euro_c, last=(last, euro_c))
        budget_value = int(pot.budgets[index])
        cells = {
            (total, exact_c): Formula("SUM({0})", (exact_range,), float(computed.exact.sum())),
            (total, euro_c): Formula("SUM({0})", (euro_range,), int(computed.whole.sum())),
            (budget_row, euro_c): Formula(budget, (), budget_value),
            (check_row, euro_c): Formula("AND(SUM({0})={1},SUMPRODUCT((ABS({0}-{2})>=1)*1)=0)",
                                         (euro_range, Ref(budget_row, euro_c), exact_range), True),
        }
        if computed.basis is not None:
            cells[leftover_row, euro_c] = Formula("{0}-SUM({1})", (Ref(budget_row, euro_c),
                                                                   Ref(2, basis_c, last=(last, basis_c))),
                                                  int(computed.leftover))
        for (r, c), formula in cells.items():
            cell = sheet.cell(r, c, formula)
            cell.bold = True
            cell.number_format = None if isinstance(formula.value, bool) else (
                EXACT_FORMAT if c == exact_c else EURO_FORMAT)
    sheet.freeze_header = True
    sheet.widths.update({1: 9, 2: 8, 3: 30, 4: 14} | {c: 14 for c in range(5, 5 + YEAR_COLUMNS * len(pot.years))})
    sheet.fit_wrapped_rows()  # the headers wrap within their columns


def _formula_columns(sheet: Sheet, computed: _Year, columns: tuple[int, int, int, int], last: int,
                     leftover_row: int, names: tuple[str, str, str, str]) -> None:
    """A payment year's four columns of formulas, from row 2 to ``last``: exact, basis, rest, euro.
    Rows with the same bounds share one formula text (most rows have none, or the same)."""
    exact_c, basis_c, rest_c, euro_c = columns
    vast, budget, factor, count = names
    assert computed.basis is not None and computed.rest is not None
    if computed.factor is not None:
        free = f"{vast}+{factor}*({{0}}*({budget}-{count}*{vast}))"
    else:
        free = f"{vast}+{{0}}*({budget}-{count}*{vast})"
    here = Ref(HERE, 4)
    exact_here, basis_here, rest_here = Ref(HERE, exact_c), Ref(HERE, basis_c), Ref(HERE, rest_c)
    exact: FormulaText | list[FormulaText]
    basis: FormulaText | list[FormulaText]
    rest: FormulaText | list[FormulaText]
    if computed.lower is None or computed.upper is None:  # the same formulas in every row
        exact = FormulaText(free, (here,))
        basis = FormulaText("INT({0})", (exact_here,))
        rest = FormulaText("{0}-{1}", (exact_here, basis_here))
    else:  # the bounds are numbers in the formulas: one text per pair of bounds
        texts: dict[tuple[float, float], tuple[FormulaText, FormulaText, FormulaText]] = {}
        for lo, hi in zip(computed.lower.astype(float).tolist(), computed.upper.astype(float).tolist()):
            if (lo, hi) not in texts:
                rest_text = "MAX({0}-{1},0)" if not np.isfinite(hi) else \
                    f"IF({{1}}+1<={_number(hi)},MAX({{0}}-{{1}},0),-1)"  # -1: the maximum takes no euro more
                texts[lo, hi] = (FormulaText(_clip(free, lo, hi), (here,)),
                                 FormulaText(_clip("INT({0}+0.000000001)", lo, hi), (exact_here,)),
                                 FormulaText(rest_text, (exact_here, basis_here)))
        rows = [texts[lo, hi] for lo, hi in zip(computed.lower.astype(float).tolist(),
                                                computed.upper.astype(float).tolist())]
        exact, basis, rest = ([row[i] for row in rows] for i in range(3))
    rests = Ref(2, rest_c, last=(last, rest_c), fixed=True)
    numbers = Ref(2, 2, last=(last, 2), fixed=True)
    leftover = Ref(leftover_row, euro_c, fixed=True)
    # one euro more when the rest ranks within the euros left over (ties: the lower number)
    euro = FormulaText('{0}+IF(RANK({2},{1},0)+COUNTIFS({1},{2},{3},"<"&{4})<={5},1,0)',
                       (basis_here, rests, rest_here, numbers, Ref(HERE, 2), leftover))
    sheet.column_run(exact_c, 2, computed.exact.astype(float).tolist(), EXACT_FORMAT, exact)
    sheet.column_run(basis_c, 2, computed.basis.astype(np.int64).tolist(), EURO_FORMAT, basis)
    sheet.column_run(rest_c, 2, computed.rest.astype(float).tolist(), SHARE_FORMAT, rest)
    sheet.column_run(euro_c, 2, computed.whole.astype(np.int64).tolist(), EURO_FORMAT, euro)
