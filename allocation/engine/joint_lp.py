"""Layer 2 (engine): the joint linear programme of a constrained pot (PuLP with HiGHS or CBC).

The allocation itself uses the exact closed form (:mod:`allocation.engine.bounded`), with a
year band applied year by year. This module solves the pot over ALL its payment years at
once, as a linear programme, to explain conflicts in euros: every per-municipality bound,
the year band between consecutive years and the group limits are hard constraints; only
the budget rows are elastic. Minimising the total elastic slack gives, per year, how many
euros the constraints together need more (``short``) or cannot pay out (``over``). Zero
everywhere means a joint solution exists.

With a ``target`` (the pure-key amounts, see :func:`allocate_joint`) the same model
allocates instead: the budget rows are exact, and the objective is the sum over
municipalities and years of ``|x - key| / max(key, 1)`` (each deviation split into an
``above`` and a ``below`` part). The constrained allocation uses this when a year band
cannot hold year by year but the constraints hold jointly.

Variables are named by municipality code and year (``x_GM0363_2023``), never by name.
``solver='highs'`` (default) or ``'cbc'`` go through PuLP; ``build='highspy'`` builds the
same model directly in HiGHS's arrays, which is much faster for large models.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from allocation.common.i18n import _, eur

#: Models with more municipality-years than this are built directly in HiGHS's arrays
#: (``solver='highs'``): PuLP's model building dominates there.
DIRECT_HIGHS_ABOVE = 20_000

#: The display name of each way of solving, as messages, reports and exports write it.
SOLVER_NAMES = {"pulp-highs": "PuLP + HiGHS", "pulp-cbc": "PuLP + CBC", "highspy": "HiGHS (built directly)"}


def solver_route(solver: str, cells: int) -> str:
    """How a model of ``cells`` municipality-years is solved with ``solver`` (``highs`` or ``cbc``):
    a key of :data:`SOLVER_NAMES`."""
    if solver == "cbc":
        return "pulp-cbc"
    if solver != "highs":
        raise ValueError(f"unknown solver {solver!r}; use 'highs' or 'cbc'")
    return "highspy" if cells > DIRECT_HIGHS_ABOVE else "pulp-highs"


def solver_name(solver: str, cells: int) -> str:
    """The display name of the way a model of ``cells`` municipality-years is solved."""
    return SOLVER_NAMES[solver_route(solver, cells)]


@dataclass(frozen=True)
class JointGroup:
    """A group limit: members (bool mask) and per-year whole-euro limits (lower, upper)."""

    name: str
    mask: np.ndarray
    limits: Mapping[int, tuple[float, float]]


@dataclass(frozen=True)
class JointProblem:
    """One pot over all its payment years. Arrays have shape (municipalities, years)."""

    codes: tuple[str, ...]
    years: tuple[int, ...]
    budgets: tuple[int, ...]
    lower: np.ndarray
    upper: np.ndarray  # inf: no maximum
    band_decrease: float | None = None  # fraction, e.g. 0.1 for 10%
    band_increase: float | None = None
    groups: tuple[JointGroup, ...] = ()


@dataclass
class JointDiagnosis:
    """The outcome of the elastic joint LP."""

    feasible: bool
    short: dict[int, float]  # euros the constraints need on top of the year's budget
    over: dict[int, float]  # euros of the year's budget the constraints cannot pay out
    status: str
    solver: str
    build_seconds: float
    solve_seconds: float
    amounts: np.ndarray | None = field(default=None, repr=False)


@contextlib.contextmanager
def quiet():
    """HiGHS prints a banner on the process's stdout when it starts: keep the CLI output clean."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no real stdout (e.g. some app servers)
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _band_factors(problem: JointProblem) -> tuple[float | None, float | None]:
    low = None if problem.band_decrease is None else 1 - problem.band_decrease
    high = None if problem.band_increase is None else 1 + problem.band_increase
    return low, high


def _deviation_costs(target: np.ndarray) -> np.ndarray:
    """Cost per euro off the key: ``1 / max(key, 1)`` (relative deviation; shape as ``target``)."""
    return 1.0 / np.maximum(np.asarray(target, dtype=float), 1.0)


def solve_joint_pulp(
    problem: JointProblem, solver: str = "highs", time_limit: float = 120.0, target: np.ndarray | None = None
) -> JointDiagnosis:
    """Build the joint LP with PuLP and solve it with HiGHS or CBC.

    Without ``target``: the elastic LP (budget rows with slack; minimise the slack). With
    ``target`` (shape as ``problem.lower``): exact budget rows, minimise the sum of
    ``|x - target| / max(target, 1)``.
    """
    import pulp

    start = time.perf_counter()
    n, years = len(problem.codes), problem.years
    model = pulp.LpProblem("joint_pot", pulp.LpMinimize)
    new_variable = getattr(model, "add_variable", None) or pulp.LpVariable  # PuLP >= 3.3 prefers add_variable
    x = {}
    for t, year in enumerate(years):
        for i, code in enumerate(problem.codes):
            upper = problem.upper[i, t]
            x[i, t] = new_variable(
                f"x_{code}_{year}", float(problem.lower[i, t]), None if math.isinf(upper) else float(upper)
            )
    if target is None:
        short = {year: new_variable(f"short_{year}", 0) for year in years}
        over = {year: new_variable(f"over_{year}", 0) for year in years}
        model += pulp.lpSum(short.values()) + pulp.lpSum(over.values())
    else:
        short, over = {}, {}
        costs = _deviation_costs(target)
        objective = []
        for t, year in enumerate(years):
            for i, code in enumerate(problem.codes):
                above = new_variable(f"above_{code}_{year}", 0)
                below = new_variable(f"below_{code}_{year}", 0)
                objective += [(above, float(costs[i, t])), (below, float(costs[i, t]))]
                model += (
                    pulp.LpAffineExpression([(x[i, t], 1.0), (above, -1.0), (below, 1.0)]) == float(target[i, t]),
                    f"key_{code}_{year}",
                )
        model += pulp.LpAffineExpression(objective)
    for t, year in enumerate(years):
        terms = [(x[i, t], 1.0) for i in range(n)]
        if target is None:
            terms += [(short[year], -1.0), (over[year], 1.0)]  # sum x - short + over == budget
        model += pulp.LpAffineExpression(terms) == problem.budgets[t], f"budget_{year}"
    low, high = _band_factors(problem)
    for t in range(1, len(years)):
        for i, code in enumerate(problem.codes):
            if low is not None:
                model += (
                    pulp.LpAffineExpression([(x[i, t], 1.0), (x[i, t - 1], -low)]) >= 0,
                    f"band_low_{code}_{years[t]}",
                )
            if high is not None:
                model += (
                    pulp.LpAffineExpression([(x[i, t], 1.0), (x[i, t - 1], -high)]) <= 0,
                    f"band_high_{code}_{years[t]}",
                )
    for g_index, group in enumerate(problem.groups):
        members = np.flatnonzero(group.mask)
        for t, year in enumerate(years):
            if year not in group.limits:
                continue
            lo, hi = group.limits[year]
            expression = pulp.LpAffineExpression([(x[int(i), t], 1.0) for i in members])
            if lo > 0:
                model += expression >= lo, f"group{g_index}_low_{year}"
            if math.isfinite(hi):
                model += expression <= hi, f"group{g_index}_high_{year}"
    built = time.perf_counter()
    if solver == "highs":
        backend = pulp.HiGHS(
            msg=False, timeLimit=time_limit, solver="simplex", simplex_strategy=4
        )  # primal: see solve_joint_highspy
    elif solver == "cbc":
        import warnings

        with warnings.catch_warnings():  # PuLP 3.3 announces a rename of its bundled CBC for 4.0
            warnings.simplefilter("ignore", DeprecationWarning)
            backend = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit)
    else:
        raise ValueError(f"unknown solver {solver!r}; use 'highs' or 'cbc'")
    with quiet():
        model.solve(backend)
    solved = time.perf_counter()
    status = pulp.LpStatus[model.status]
    name = SOLVER_NAMES[f"pulp-{solver}"]
    if status != "Optimal":
        return JointDiagnosis(False, {}, {}, status, name, built - start, solved - built)
    short_values = {year: max(0.0, short[year].value() or 0.0) if short else 0.0 for year in years}
    over_values = {year: max(0.0, over[year].value() or 0.0) if over else 0.0 for year in years}
    amounts = np.array([[x[i, t].value() or 0.0 for t in range(len(years))] for i in range(n)], dtype=float)
    feasible = all(v <= 0.5 for v in short_values.values()) and all(v <= 0.5 for v in over_values.values())
    return JointDiagnosis(feasible, short_values, over_values, status, name, built - start, solved - built, amounts)


def solve_joint_highspy(
    problem: JointProblem, method: str = "primal", time_limit: float = 120.0, target: np.ndarray | None = None
) -> JointDiagnosis:
    """The same joint LP (elastic, or closest to ``target``), built directly in HiGHS's
    sparse arrays (fast for large models)."""
    import highspy

    start = time.perf_counter()
    n, years = len(problem.codes), problem.years
    T = len(years)
    N = n * T  # column index of x[i, t] = t * n + i; then short_t, over_t; with a target, above and below
    inf = highspy.kHighsInf
    slack_upper = np.full(2 * T, inf) if target is None else np.zeros(2 * T)  # with a target the budgets are exact
    col_lower = np.concatenate([problem.lower.T.ravel(), np.zeros(2 * T)])
    col_upper = np.concatenate([np.where(np.isinf(problem.upper.T.ravel()), inf, problem.upper.T.ravel()), slack_upper])
    cost = np.concatenate([np.zeros(N), np.ones(2 * T) if target is None else np.zeros(2 * T)])
    if target is not None:
        costs = _deviation_costs(target).T.ravel()
        col_lower = np.concatenate([col_lower, np.zeros(2 * N)])
        col_upper = np.concatenate([col_upper, np.full(2 * N, inf)])
        cost = np.concatenate([cost, costs, costs])
    rows_i, cols_i, vals = [], [], []
    row_lower, row_upper = [], []
    row = 0
    for t in range(T):
        rows_i.append(np.full(n + 2, row))
        cols_i.append(np.concatenate([np.arange(t * n, (t + 1) * n), [N + t, N + T + t]]))
        vals.append(np.concatenate([np.ones(n), [-1.0, 1.0]]))  # sum x - short + over == budget
        row_lower.append(np.array([problem.budgets[t]], float))
        row_upper.append(np.array([problem.budgets[t]], float))
        row += 1
    row = _band_and_group_rows(problem, row, inf, rows_i, cols_i, vals, row_lower, row_upper)
    if target is not None:  # x - above + below == target
        block = np.arange(row, row + N)
        above = N + 2 * T + np.arange(N)
        rows_i += [block, block, block]
        cols_i += [np.arange(N), above, above + N]
        vals += [np.ones(N), -np.ones(N), np.ones(N)]
        goal = np.asarray(target, dtype=float).T.ravel()
        row_lower.append(goal)
        row_upper.append(goal)
        row += N
    highs = _highs_model(cost, col_lower, col_upper, rows_i, cols_i, vals, row_lower, row_upper, row, method,
                         time_limit)
    built = time.perf_counter()
    with quiet():
        highs.run()
    solved = time.perf_counter()
    status = highs.modelStatusToString(highs.getModelStatus())
    if status != "Optimal":
        return JointDiagnosis(False, {}, {}, status, SOLVER_NAMES["highspy"], built - start, solved - built)
    values = np.asarray(highs.getSolution().col_value)
    short_values = {year: max(0.0, values[N + t]) for t, year in enumerate(years)}
    over_values = {year: max(0.0, values[N + T + t]) for t, year in enumerate(years)}
    feasible = all(v <= 0.5 for v in short_values.values()) and all(v <= 0.5 for v in over_values.values())
    amounts = values[:N].reshape(T, n).T
    return JointDiagnosis(
        feasible, short_values, over_values, status, SOLVER_NAMES["highspy"], built - start, solved - built, amounts
    )


def _band_and_group_rows(problem: JointProblem, row: int, inf: float, rows_i: list, cols_i: list, vals: list,
                         row_lower: list, row_upper: list) -> int:
    """Append the year band's and the group limits' rows (``x[i, t]`` in column ``t * n + i``),
    numbered from ``row``; returns the next free row."""
    n, years = len(problem.codes), problem.years
    low, high = _band_factors(problem)
    index = np.arange(n)
    for t in range(1, len(years)):
        for factor, is_low in ((low, True), (high, False)):
            if factor is None:
                continue
            block = np.arange(row, row + n)
            rows_i += [block, block]
            cols_i += [t * n + index, (t - 1) * n + index]
            vals += [np.ones(n), np.full(n, -factor)]
            row_lower.append(np.zeros(n) if is_low else np.full(n, -inf))
            row_upper.append(np.full(n, inf) if is_low else np.zeros(n))
            row += n
    for group in problem.groups:
        members = np.flatnonzero(group.mask)
        for t, year in enumerate(years):
            if year not in group.limits:
                continue
            lo, hi = group.limits[year]
            rows_i.append(np.full(len(members), row))
            cols_i.append(t * n + members)
            vals.append(np.ones(len(members)))
            row_lower.append(np.array([lo if lo > 0 else -inf]))
            row_upper.append(np.array([hi if math.isfinite(hi) else inf]))
            row += 1
    return row


def _highs_model(cost, col_lower, col_upper, rows_i, cols_i, vals, row_lower, row_upper, rows: int,
                 method: str = "primal", time_limit: float = 120.0):
    """A HiGHS model of the LP in these arrays (rows as coordinate lists), ready to run."""
    import highspy
    from scipy import sparse

    matrix = sparse.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows_i), np.concatenate(cols_i))), shape=(rows, len(cost))
    )
    lp = highspy.HighsLp()
    lp.num_col_ = len(cost)
    lp.num_row_ = rows
    lp.col_cost_ = cost
    lp.col_lower_ = col_lower
    lp.col_upper_ = col_upper
    lp.row_lower_ = np.concatenate(row_lower)
    lp.row_upper_ = np.concatenate(row_upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr
    lp.a_matrix_.index_ = matrix.indices
    lp.a_matrix_.value_ = matrix.data
    with quiet():
        highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)
        # The primal simplex solves these band-chain models several times faster than HiGHS's
        # default choice (measured: 35,000 x 6 in 47 s against 160 s; see BENCHMARKS.md).
        if method == "primal":
            highs.setOptionValue("solver", "simplex")
            highs.setOptionValue("simplex_strategy", 4)
        else:
            highs.setOptionValue("solver", method)  # "choose", "simplex" or "ipm"
        highs.setOptionValue("time_limit", float(time_limit))
    highs.passModel(lp)
    return highs


def extreme_bound(problem: JointProblem, per: np.ndarray, kind: str, most: float = math.inf,
                  time_limit: float = 120.0) -> float | None:
    """The largest ``m`` (``kind`` "minimum") with ``x >= m * per`` where ``per`` is not nan,
    or the smallest ``m`` (``kind`` "maximum") with ``x <= m * per`` there, such that every
    constraint of ``problem`` holds jointly with the year budgets exact (continuous amounts;
    HiGHS, built directly), with ``0 <= m <= most``. ``per`` has the shape of ``problem.lower``.
    None when no such ``m`` fits or the programme does not finish.
    """
    import highspy

    n, T = len(problem.codes), len(problem.years)
    N = n * T  # column of x[i, t]: t * n + i; column N: m
    inf = highspy.kHighsInf
    upper = np.asarray(problem.upper, dtype=float).T.ravel()
    col_lower = np.concatenate([np.asarray(problem.lower, dtype=float).T.ravel(), [0.0]])
    col_upper = np.concatenate([np.where(np.isinf(upper), inf, upper), [most if math.isfinite(most) else inf]])
    cost = np.concatenate([np.zeros(N), [-1.0 if kind == "minimum" else 1.0]])
    rows_i, cols_i, vals, row_lower, row_upper = [], [], [], [], []
    for t in range(T):
        rows_i.append(np.full(n, t))
        cols_i.append(np.arange(t * n, (t + 1) * n))
        vals.append(np.ones(n))
        row_lower.append(np.array([problem.budgets[t]], float))
        row_upper.append(np.array([problem.budgets[t]], float))
    row = _band_and_group_rows(problem, T, inf, rows_i, cols_i, vals, row_lower, row_upper)
    flat = np.asarray(per, dtype=float).T.ravel()
    cells = np.flatnonzero(~np.isnan(flat))
    block = np.arange(row, row + len(cells))
    rows_i += [block, block]
    cols_i += [cells, np.full(len(cells), N)]
    vals += [np.ones(len(cells)), -flat[cells]]  # x - m * per >= 0 (a minimum) or <= 0 (a maximum)
    row_lower.append(np.zeros(len(cells)) if kind == "minimum" else np.full(len(cells), -inf))
    row_upper.append(np.full(len(cells), inf) if kind == "minimum" else np.zeros(len(cells)))
    row += len(cells)
    highs = _highs_model(cost, col_lower, col_upper, rows_i, cols_i, vals, row_lower, row_upper, row,
                         time_limit=time_limit)
    with quiet():
        highs.run()
    if highs.modelStatusToString(highs.getModelStatus()) != "Optimal":
        return None  # infeasible (no value fits), or it did not finish
    return float(highs.getSolution().col_value[N])


def diagnose(problem: JointProblem, solver: str = "highs", time_limit: float = 120.0) -> JointDiagnosis:
    """Solve the elastic joint LP: PuLP for small models or CBC, HiGHS directly for large ones.

    Stops after ``time_limit`` seconds; the diagnosis then says it did not solve.
    """
    if solver_route(solver, len(problem.codes) * len(problem.years)) == "highspy":
        return solve_joint_highspy(problem, time_limit=time_limit)
    return solve_joint_pulp(problem, solver, time_limit)


def allocate_joint(
    problem: JointProblem, target: np.ndarray, solver: str = "highs", time_limit: float = 120.0
) -> JointDiagnosis:
    """The allocation closest to ``target`` (the pure-key amounts, shape as ``problem.lower``)
    that meets every constraint of ``problem`` with the year budgets exact.

    Closest means the least sum over municipalities and years of ``|x - target| /
    max(target, 1)``. The model is built in municipality-code order whatever the order of
    ``problem.codes`` (so the result does not depend on the row order); ``amounts`` of the
    result are continuous (to be rounded by the caller) and in the order of ``problem.codes``.
    HiGHS through PuLP, CBC through PuLP (``solver='cbc'``), or HiGHS built directly for
    models above 20,000 municipality-years.
    """
    order = np.argsort(np.asarray(problem.codes, dtype=str), kind="stable")
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    ordered = JointProblem(
        codes=tuple(problem.codes[i] for i in order),
        years=problem.years,
        budgets=problem.budgets,
        lower=np.asarray(problem.lower, dtype=float)[order],
        upper=np.asarray(problem.upper, dtype=float)[order],
        band_decrease=problem.band_decrease,
        band_increase=problem.band_increase,
        groups=tuple(JointGroup(g.name, np.asarray(g.mask)[order], g.limits) for g in problem.groups),
    )
    goal = np.asarray(target, dtype=float)[order]
    if solver_route(solver, len(problem.codes) * len(problem.years)) == "highspy":
        solution = solve_joint_highspy(ordered, time_limit=time_limit, target=goal)
    else:
        solution = solve_joint_pulp(ordered, solver, time_limit, target=goal)
    if solution.amounts is not None:
        solution.amounts = solution.amounts[back]
    return solution


def explain(label: str, diagnosis: JointDiagnosis, what: str) -> list[str]:
    """Messages in euros from a diagnosis; ``what`` names the constraints in the model."""
    if diagnosis.status != "Optimal":
        return [_("eng_lp_unfinished", label=label, status=diagnosis.status, solver=diagnosis.solver)]
    if diagnosis.feasible:
        return [_("eng_lp_feasible", label=label, what=what, solver=diagnosis.solver)]
    parts = []
    for year in sorted(diagnosis.short):
        if diagnosis.short[year] > 0.5:
            parts.append(_("eng_lp_short_part", amount=eur(diagnosis.short[year]), year=year))
        if diagnosis.over[year] > 0.5:
            parts.append(_("eng_lp_over_part", amount=eur(diagnosis.over[year]), year=year))
    total = sum(diagnosis.short.values()) + sum(diagnosis.over.values())
    return [_("eng_lp_infeasible", label=label, what=what, total=eur(total), parts="; ".join(parts),
              solver=diagnosis.solver)]
