"""Layer 2 (engine): fitting a key mix, a vast bedrag and a year profile to published amounts.

(Not to be confused with :mod:`allocation.engine.fits`, which finds the minimum or maximum
that would make an infeasible pot fit.) Pure functions over arrays.

**The model.** A published point ``p`` (a municipality of year ``y(p)``'s register) is

    amount_p = v m_p + F_y(p) sum_k w_k S_pk

with ``S_pk`` key ``k``'s share of the point's municipality (on its register: a merged
municipality's share is the sum of its predecessors' shares on the key register), ``m_p``
the number of key-register municipalities it holds (1, or its predecessors), ``v >= 0``
the vast bedrag per municipality and year, ``F_y >= 0`` the variable part of year ``y``
(the year's budget is ``F_y + v N``, N the municipalities of the key register) and the
weights ``w_k >= 0`` summing to 1. The unknowns multiply (``F_y w_k``), so the fit is
made linear in two steps:

1. **relaxed**: ``c_ky = F_y w_k`` as free unknowns (``c >= 0``), with ``v`` shared by all
   years; linear, solved exactly (least squares by NNLS, or least absolute deviations as a
   linear programme in HiGHS). Its per-year mixes ``c_ky / sum_k c_ky`` show whether the
   table used one mix in every year.
2. **one mix**: the weights start as ``sum_y c_ky`` normalised, and the fit alternates two
   linear problems, each solved exactly: the weights fixed, the profile ``F`` and ``v``;
   the profile fixed, the weights (and ``v``). Each step can only lower the objective; it
   stops when the objective stops falling. On a table made with one mix the relaxed
   solution is already exact and nothing moves.

**How sure.** The range of each quantity is where the fit is about as good: where the sum of
squared errors, linearised around the fit, rises by at most ``9 s^2`` (three standard
errors; ``s^2`` the residual variance, at least 1/12, the variance of rounding to whole
euros, since a table in whole euros cannot tell apart what moves no amount by half a
euro). That is ``+- 3 sqrt(s^2 (J'J)^+)`` from the Jacobian ``J`` of the model with the
weights kept summing to 1, clipped to the feasible values. Directions in which ``J`` is
(numerically) singular are not determined by the points at all: keys with a part in such
a direction, or whose range covers more than half of [0, 1], are *not identifiable*; keys
whose estimates are strongly tied (|correlation| > 0.9) or share a singular direction are
named together as too alike to tell apart, with their total weight (which the points may
still determine).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls

#: The range is the fit's value +- this many standard errors.
RANGE_SE = 3.0
#: The variance of rounding to whole euros: a fit never claims to be surer than this.
ROUNDING_VARIANCE = 1.0 / 12.0
#: Singular values below this times the largest (columns scaled to norm 1) are a direction
#: the points do not determine.
SINGULAR = 1e-8
#: A weight whose range covers more than this part of [0, 1] is not identifiable.
WIDE = 0.5
#: Estimates tied this strongly are named together.
TIED = 0.9


@dataclass(frozen=True)
class KeyFit:
    """The fit of one pot: weights, vast bedrag and profile, with ranges and what is not determined.

    Arrays over keys (``K``), years (``Y``, in the order of the year index) and points (``P``).
    """

    weights: np.ndarray  # (K,), >= 0, sum 1
    weights_low: np.ndarray  # (K,)
    weights_high: np.ndarray  # (K,)
    weight_identifiable: np.ndarray  # (K,) bool
    tied_groups: tuple[tuple[int, ...], ...]  # keys too alike to tell apart, by index
    group_weights: tuple[float, ...]  # each group's total weight
    vast: float  # euros per municipality per year (0 when not fitted)
    vast_low: float
    vast_high: float
    vast_identifiable: bool
    variable: np.ndarray  # (Y,) F_y: the budget minus the vast bedragen
    budget: np.ndarray  # (Y,) F_y + v N
    budget_low: np.ndarray
    budget_high: np.ndarray
    budget_identifiable: np.ndarray  # (Y,) bool
    year_mixes: np.ndarray  # (Y, K): the relaxed fit's mix per year (nan for a year it pays nothing)
    fitted: np.ndarray  # (P,) the model's amounts (not rounded)
    objective: float  # sum of squared (or absolute) errors of the one-mix fit
    relaxed_objective: float  # the same for the relaxed fit (a mix per year)
    sigma: float  # the residual standard deviation used for the ranges
    condition: float  # condition number of the scaled Jacobian (inf when singular)
    iterations: int
    robust: bool


def _scaled(design: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    norms = np.sqrt((design * design).sum(axis=0))
    norms[norms == 0] = 1.0
    return design / norms, norms


def _lad(design: np.ndarray, target: np.ndarray) -> np.ndarray:
    """min sum |design b - target| with b >= 0, as a linear programme in HiGHS.

    Variables: b (n columns), e+ and e- per row; rows: design b + e+ - e- = target."""
    import highspy

    from allocation.engine.joint_lp import quiet

    rows, columns = design.shape
    with quiet():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("solver", "ipm")  # interior point, then crossover: 5x the dual simplex on these LPs
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    n = columns + 2 * rows
    lp.num_col_, lp.num_row_ = n, rows
    lp.col_cost_ = np.concatenate([np.zeros(columns), np.ones(2 * rows)])
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.full(n, inf)
    lp.row_lower_ = target.astype(float)
    lp.row_upper_ = target.astype(float)
    # column-wise sparse matrix: the design's non-zeros, then +1 and -1 on each row
    first: list[int] = [0]
    index, value = [], []
    for j in range(columns):
        nz = np.flatnonzero(design[:, j])
        index.append(nz)
        value.append(design[nz, j])
        first.append(first[-1] + len(nz))
    identity = np.arange(rows)
    index += [identity, identity]
    value += [np.ones(rows), -np.ones(rows)]
    starts = np.concatenate([np.array(first[:-1]), first[-1] + np.arange(2 * rows + 1)])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = starts.astype(np.int32)
    lp.a_matrix_.index_ = np.concatenate(index).astype(np.int32)
    lp.a_matrix_.value_ = np.concatenate(value)
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:  # pragma: no cover - always feasible
        raise ValueError(f"the least-absolute-deviations programme ended {h.modelStatusToString(h.getModelStatus())}")
    return np.maximum(np.asarray(h.getSolution().col_value[:columns]), 0.0)


def solve_nonnegative(design: np.ndarray, target: np.ndarray, robust: bool = False) -> np.ndarray:
    """The b >= 0 that minimises ``|design b - target|`` squared (NNLS) or absolute (LP, ``robust``).

    Columns are scaled to norm 1 first (a column of zeros gets 0)."""
    scaled, norms = _scaled(design)
    scale = float(np.abs(target).max()) or 1.0
    if robust:
        solution = _lad(scaled, target / scale)
    elif scaled.shape[0] > 2 * scaled.shape[1]:
        # a tall problem: with A'A = V S^2 V', |A b - y|^2 = |S V'b - S^-1 V'A'y|^2 + a constant on
        # the determined directions (columns scaled to norm 1 keep A'A well conditioned), so NNLS
        # iterates on a small square problem, not on every row
        gram = scaled.T @ scaled
        moment = scaled.T @ (target / scale)
        eigen, vectors = np.linalg.eigh(gram)
        kept = eigen > 1e-13 * max(float(eigen.max()), 1e-300)
        root = np.sqrt(eigen[kept])
        square = root[:, None] * vectors[:, kept].T
        solution, _ = nnls(square, (vectors[:, kept].T @ moment) / root, maxiter=50 * max(scaled.shape[1], 1))
    else:
        solution, _ = nnls(scaled, target / scale, maxiter=50 * max(scaled.shape[1], 1))
    return solution / norms * scale


def _objective(residual: np.ndarray, robust: bool) -> float:
    return float(np.abs(residual).sum()) if robust else float(residual @ residual)


def _year_columns(column: np.ndarray, year: np.ndarray, years: int) -> np.ndarray:
    """One column per year: ``column`` on that year's points, 0 elsewhere."""
    out = np.zeros((len(column), years))
    out[np.arange(len(column)), year] = column
    return out


def fit_key(shares: np.ndarray, counts: np.ndarray, year: np.ndarray, amounts: np.ndarray, *, years: int,
            municipalities: int, vast: bool = False, robust: bool = False, whole_vast: bool = True,
            max_iterations: int = 500, tolerance: float = 1e-13) -> KeyFit:
    """Fit the model of the module docstring to ``amounts`` (P,).

    ``shares`` (P, K): each key's share of each point's municipality (restated on its
    register); ``counts`` (P,): key-register municipalities per point; ``year`` (P,): the
    index of the point's year (0 .. years-1; every year must have a point);
    ``municipalities``: N of the key register. ``vast``: fit a vast bedrag (else 0);
    ``whole_vast``: round it to whole euros (the scenario format's) and refit the profile.
    """
    shares = np.asarray(shares, dtype=float)
    amounts = np.asarray(amounts, dtype=float)
    counts = np.asarray(counts, dtype=float)
    year = np.asarray(year, dtype=np.int64)
    points, keys = shares.shape
    if np.bincount(year, minlength=years).min() == 0:
        raise ValueError("every year needs at least one point")
    vast_column = counts[:, None] if vast else np.zeros((points, 0))
    offset = 1 if vast else 0

    # 1. relaxed: a mix per year
    relaxed = np.hstack([vast_column] + [_year_columns(shares[:, k], year, years) for k in range(keys)])
    solution = solve_nonnegative(relaxed, amounts, robust)
    c = solution[offset:].reshape(keys, years)  # c[k, y]
    relaxed_objective = _objective(relaxed @ solution - amounts, robust)
    totals = c.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        year_mixes = np.where(totals[:, None] > 0, (c / totals).T, np.nan)
    weights = c.sum(axis=1)
    weights = weights / weights.sum() if weights.sum() > 0 else np.full(keys, 1.0 / keys)

    # 2. one mix: alternate between the profile (weights fixed) and the weights (profile fixed)
    def profile_step(w: np.ndarray) -> tuple[float, np.ndarray, float]:
        design = np.hstack([vast_column, _year_columns(shares @ w, year, years)])
        b = solve_nonnegative(design, amounts, robust)
        return (b[0] if vast else 0.0), b[offset:], _objective(design @ b - amounts, robust)

    v, variable, objective = profile_step(weights)
    iterations = 0
    for iterations in range(1, max_iterations + 1):  # noqa: B007 - the count is reported
        design = np.hstack([vast_column, shares * variable[year][:, None]])
        b = solve_nonnegative(design, amounts, robust)
        u = b[offset:]
        if u.sum() <= 0:
            break
        candidate = u / u.sum()
        v2, variable2, objective2 = profile_step(candidate)
        if objective2 > objective - tolerance * max(objective, 1.0):
            if objective2 <= objective:
                weights, v, variable, objective = candidate, v2, variable2, objective2
            break
        weights, v, variable, objective = candidate, v2, variable2, objective2
    if vast and whole_vast:
        v = float(round(v))
        design = _year_columns(shares @ weights, year, years)
        variable = solve_nonnegative(design, amounts - v * counts, robust)
        objective = _objective(design @ variable + v * counts - amounts, robust)
    fitted = v * counts + variable[year] * (shares @ weights)
    residual = fitted - amounts

    # 3. how sure: the Jacobian with the weights kept summing to 1 (w = w + Z z)
    basis = _sum_zero_basis(keys)
    parts = ([counts[:, None]] if vast else []) + [_year_columns(shares @ weights, year, years),
                                                   (shares * variable[year][:, None]) @ basis]
    jacobian = np.hstack(parts)
    free = points - jacobian.shape[1]
    variance = max(_objective(residual, False) / free if free > 0 else np.inf, ROUNDING_VARIANCE)
    if robust:  # the same linearisation, with the spread of the absolute errors
        variance = max((np.abs(residual).mean() * 1.2533) ** 2 if points else 0.0, ROUNDING_VARIANCE)
    covariance, null, condition = _covariance(jacobian, variance)
    sizes = (offset, years, keys - 1)
    cov_v, cov_f, cov_w, cov_vf = _blocks(covariance, sizes, basis)
    null_v, null_f, null_w = _null_parts(null, sizes, basis)
    # a null direction's part in each quantity, measured by its effect on the amounts
    effect_w = np.sqrt(((shares * variable[year][:, None]) ** 2).sum(axis=0))
    effect_f = np.sqrt((_year_columns(shares @ weights, year, years) ** 2).sum(axis=0))
    loads_v = np.abs(null_v) * float(np.sqrt(counts @ counts))
    loads_f = np.abs(null_f) * effect_f[:, None]
    loads_w = np.abs(null_w) * effect_w[:, None]
    if null.size:
        largest = np.vstack([loads_v, loads_f, loads_w]).max(axis=0)
        largest[largest == 0] = 1.0
        loads_v, loads_f, loads_w = loads_v / largest, loads_f / largest, loads_w / largest

    se_w = np.sqrt(np.maximum(np.diag(cov_w), 0.0))
    low_w = np.clip(weights - RANGE_SE * se_w, 0.0, 1.0)
    high_w = np.clip(weights + RANGE_SE * se_w, 0.0, 1.0)
    in_null = loads_w.max(axis=1) > 0.05 if loads_w.size else np.zeros(keys, dtype=bool)
    identifiable = ~in_null & ((high_w - low_w) <= WIDE)
    groups = _tied_groups(cov_w, loads_w, ~identifiable)
    group_weights = tuple(float(weights[list(g)].sum()) for g in groups)
    for g, total in zip(groups, group_weights):
        for k in g:
            if in_null[k]:  # any split of the group's weight fits as well
                low_w[k], high_w[k] = 0.0, min(1.0, total)
    if keys == 1:
        low_w, high_w, identifiable = np.ones(1), np.ones(1), np.ones(1, dtype=bool)

    # the budget of a year is F_y + v N
    budget = variable + v * municipalities
    var_b = np.diag(cov_f).copy()
    if vast:
        var_b = var_b + municipalities**2 * cov_v[0, 0] + 2 * municipalities * cov_vf[0, :]
    se_b = np.sqrt(np.maximum(var_b, 0.0))
    if null.size:
        direction = null_f + (municipalities * null_v[0][None, :] if vast else 0.0)
        null_b = (np.abs(direction) * effect_f[:, None] / largest[None, :]).max(axis=1) > 0.05
    else:
        null_b = np.zeros(years, dtype=bool)
    se_v = float(np.sqrt(max(cov_v[0, 0], 0.0))) if vast else 0.0
    vast_null = bool(vast and loads_v.size and loads_v[0].max() > 0.05)
    return KeyFit(
        weights=weights, weights_low=low_w, weights_high=high_w, weight_identifiable=identifiable,
        tied_groups=groups, group_weights=group_weights,
        vast=float(v), vast_low=max(0.0, v - RANGE_SE * se_v), vast_high=v + RANGE_SE * se_v,
        vast_identifiable=not vast_null,
        variable=variable, budget=budget, budget_low=np.maximum(budget - RANGE_SE * se_b, 0.0),
        budget_high=budget + RANGE_SE * se_b, budget_identifiable=~null_b,
        year_mixes=year_mixes, fitted=fitted, objective=objective, relaxed_objective=relaxed_objective,
        sigma=float(np.sqrt(variance)), condition=condition, iterations=iterations, robust=robust,
    )


def _sum_zero_basis(keys: int) -> np.ndarray:
    """An orthonormal basis (K, K-1) of the directions in which weights keep their sum."""
    if keys <= 1:
        return np.zeros((keys, 0))
    ones = np.ones((keys, 1)) / np.sqrt(keys)
    q, _ = np.linalg.qr(np.hstack([ones, np.eye(keys)[:, : keys - 1]]))
    return q[:, 1:keys]


def _covariance(jacobian: np.ndarray, variance: float) -> tuple[np.ndarray, np.ndarray, float]:
    """variance x (J'J)^+ on the determined directions; the undetermined directions (columns);
    the condition number of the scaled J."""
    if jacobian.shape[1] == 0:
        return np.zeros((0, 0)), np.zeros((0, 0)), 1.0
    scaled, norms = _scaled(jacobian)
    square = np.asarray(np.linalg.qr(scaled, mode="r")) if scaled.shape[0] > scaled.shape[1] else scaled
    _, singular, vt = np.linalg.svd(square, full_matrices=False)  # R has the same singular values and directions
    largest = singular[0] if singular.size and singular[0] > 0 else 1.0
    keep = singular > SINGULAR * largest
    v_keep = vt[keep].T / singular[keep]
    covariance = variance * (v_keep @ v_keep.T) / np.outer(norms, norms)
    null = vt[~keep].T / norms[:, None]  # undetermined directions in the unscaled parameters
    condition = float(largest / singular[-1]) if singular[-1] > SINGULAR * largest else float("inf")
    return covariance, null, condition


def _blocks(covariance: np.ndarray, sizes: tuple[int, int, int], basis: np.ndarray):
    a, b, _ = sizes
    cov_v = covariance[:a, :a] if a else np.zeros((1, 1))
    cov_f = covariance[a:a + b, a:a + b]
    cov_vf = covariance[:a, a:a + b] if a else np.zeros((1, b))
    cov_z = covariance[a + b:, a + b:]
    cov_w = basis @ cov_z @ basis.T if basis.size else np.zeros((basis.shape[0], basis.shape[0]))
    return cov_v, cov_f, cov_w, cov_vf


def _null_parts(null: np.ndarray, sizes: tuple[int, int, int], basis: np.ndarray):
    a, b, _ = sizes
    if not null.size:
        return np.zeros((a, 0)), np.zeros((b, 0)), np.zeros((basis.shape[0], 0))
    null_w = basis @ null[a + b:] if basis.size else np.zeros((basis.shape[0], null.shape[1]))
    return null[:a], null[a:a + b], null_w


def _tied_groups(cov_w: np.ndarray, null_w: np.ndarray, flagged: np.ndarray) -> tuple[tuple[int, ...], ...]:
    """Groups of flagged keys whose estimates are tied (a shared undetermined direction, or
    |correlation| > TIED); a flagged key tied to none is a group of one."""
    keys = len(flagged)
    parent = list(range(keys))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    se = np.sqrt(np.maximum(np.diag(cov_w), 0.0)) if cov_w.size else np.zeros(keys)
    for i in range(keys):
        for j in range(i + 1, keys):
            if not (flagged[i] and flagged[j]):
                continue
            tied = bool(null_w.size and np.any((np.abs(null_w[i]) > 0.05) & (np.abs(null_w[j]) > 0.05)))
            if not tied and se[i] > 0 and se[j] > 0:
                tied = abs(cov_w[i, j] / (se[i] * se[j])) > TIED
            if tied:
                parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for k in range(keys):
        if flagged[k]:
            groups.setdefault(find(k), []).append(k)
    return tuple(tuple(g) for g in groups.values())


def exact_shares(targets: np.ndarray, variable: np.ndarray, least_margin: float = 1e-6) -> np.ndarray | None:
    """Shares ``s`` (summing to 1) whose largest-remainder rounding of ``s F_y`` is exactly
    ``targets[:, y]`` in every year, or None when there are none.

    ``targets`` (J, Y): each municipality's whole euros above the vast bedrag; ``variable``
    (Y,): each year's euros above the vast bedragen (the sum of the targets). Largest
    remainder gives ``a_j`` to the exact amount ``x_j`` exactly when, for one threshold
    ``t`` of the year in [0, 1), every ``x_j`` lies in ``(a_j - 1 + t, a_j + t]``: the
    fractions above ``t`` are rounded up, the others down. A linear programme (HiGHS, through
    scipy) finds shares and thresholds with the largest margin ``e`` inside those windows
    (``a_j - 1 + t + e <= s_j F_y <= a_j + t - e``); a margin below ``least_margin`` euros
    is no answer (ties and floating point could then round the other way).
    """
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix

    variable = np.asarray(variable, dtype=float)
    paying = np.flatnonzero(variable > 0)
    if not paying.size:
        return None
    t = np.asarray(targets, dtype=float)[:, paying]
    f = variable[paying]
    n, years = t.shape
    # variables: s (n), thresholds (years), margin e; maximise e
    rows = np.arange(n * years)
    j = np.repeat(np.arange(n), years)
    y = np.tile(np.arange(years), n)
    data = np.concatenate([np.repeat(f[None, :], n, axis=0).reshape(-1), -np.ones(n * years), np.ones(n * years)])
    upper = coo_matrix((data, (np.concatenate([rows, rows, rows]), np.concatenate([j, n + y, np.full(n * years,
                                                                                                  n + years)]))),
                       shape=(n * years, n + years + 1))
    lower = coo_matrix((np.concatenate([-np.repeat(f[None, :], n, axis=0).reshape(-1), np.ones(n * years),
                                        np.ones(n * years)]),
                        (np.concatenate([rows, rows, rows]), np.concatenate([j, n + y, np.full(n * years,
                                                                                             n + years)]))),
                       shape=(n * years, n + years + 1))
    from scipy.sparse import vstack

    a_ub = vstack([upper, lower]).tocsr()
    b_ub = np.concatenate([t.reshape(-1), 1.0 - t.reshape(-1)])
    a_eq = np.zeros((1, n + years + 1))
    a_eq[0, :n] = 1.0
    cost = np.zeros(n + years + 1)
    cost[-1] = -1.0
    bounds = [(0, None)] * n + [(0, 1)] * years + [(0, 0.5)]
    found = linprog(cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=[1.0], bounds=bounds, method="highs")
    if found.status != 0 or found.x[-1] < least_margin:
        return None
    return np.maximum(found.x[:n], 0.0)
