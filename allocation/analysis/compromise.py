"""Layer 4 (analysis): the compromise key, found by linear programming.

"Find the mix of keys and vast bedrag that stays as close as possible to the needs-based
key while nobody loses more than X%." With a vast bedrag ``v`` and euros ``u_k`` per key
``k`` (shares ``s_ik``, each key normalised), an allocation is linear:

    x_i = v + sum_k u_k s_ik,      n v + sum_k u_k = budget,      v, u_k >= 0

For each level X the programme minimises the sum of absolute differences (in euros) to the
TARGET's allocation of the pot, ``sum_i |x_i - t_i|``, subject to ``x_i >= (1 - X/100) r_i``
for every municipality, ``r`` being the REFERENCE's allocation. The reference's amounts are
whole euros, which no key reproduces exactly: a level of 0% is then infeasible by a fraction
of a euro, and the least achievable largest loss (a few thousandths of a percent) says so. The vast bedrag is a whole
number of euros (the scenario format's), so ``v`` is an integer variable; a looser level
never lands farther from the target. A second programme finds the least achievable largest
loss (maximise ``m`` with ``x_i >= m r_i``). One payment year is used (the pot's year with
the largest budget unless chosen); the weights found apply to every year.

Solved with HiGHS (highspy, the model built in arrays; variables named ``v``, ``u_<key>``
and ``d_<municipality code>``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import highspy
import numpy as np
import pandas as pd

from allocation.common import i18n
from allocation.common.errors import InputError
from allocation.common.i18n import _
from allocation.common.texts import clipped, listed, text_table
from allocation.data.keys import Key
from allocation.engine.joint_lp import quiet
from allocation.engine.pot import normalise
from allocation.scenario.loading import scenario_data, to_yaml
from allocation.scenario.result import ScenarioResult


@dataclass(frozen=True)
class CompromiseProblem:
    """One pot-year: key shares (n x k), the reference and target amounts, the budget."""

    codes: tuple[str, ...]
    keys: tuple[str, ...]
    shares: np.ndarray  # (n, k), each column sums to 1
    reference: np.ndarray
    target: np.ndarray
    budget: int


@dataclass
class CompromisePoint:
    """The closest key at one level (``feasible`` false: no key keeps everyone within it)."""

    max_loss_pct: float
    feasible: bool
    distance_eur: float = math.nan
    vast_bedrag_eur: int = 0
    euros_per_key: dict[str, float] = field(default_factory=dict)
    build_seconds: float = 0.0
    solve_seconds: float = 0.0

    def weights(self) -> dict[str, float]:
        """The key weights (summing to 1) of the variable part."""
        total = math.fsum(self.euros_per_key.values())
        return {k: u / total for k, u in self.euros_per_key.items()} if total > 0 else {}


def _highs() -> highspy.Highs:
    with quiet():  # HiGHS prints a banner on the process's stdout when it starts
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


def _add_rows(h: highspy.Highs, lower, upper, rows: list[tuple[np.ndarray, np.ndarray]]) -> None:
    starts = np.zeros(len(rows), dtype=np.int32)
    indices, values = [], []
    count = 0
    for r, (index, value) in enumerate(rows):
        starts[r] = count
        indices.append(index)
        values.append(value)
        count += len(index)
    h.addRows(len(rows), np.asarray(lower, float), np.asarray(upper, float), count, starts,
              np.concatenate(indices).astype(np.int32), np.concatenate(values).astype(float))


def solve_level(problem: CompromiseProblem, max_loss_pct: float, names: bool = True) -> CompromisePoint:
    """The key closest to the target with nobody more than ``max_loss_pct``% below the reference."""
    start = time.perf_counter()
    n, k = problem.shares.shape
    inf = highspy.kHighsInf
    h = _highs()
    # columns: v, u_1..u_k, d_1..d_n
    h.addVars(1 + k + n, np.zeros(1 + k + n), np.full(1 + k + n, inf))
    h.changeColsCost(n, np.arange(1 + k, 1 + k + n, dtype=np.int32), np.ones(n))
    h.changeColsIntegrality(1, np.array([0], dtype=np.int32), np.array([highspy.HighsVarType.kInteger]))
    if names:
        h.passColName(0, "v")
        for j, key in enumerate(problem.keys):
            h.passColName(1 + j, f"u_{key}")
        for i, code in enumerate(problem.codes):
            h.passColName(1 + k + i, f"d_{code}")
    floor = (1 - max_loss_pct / 100) * problem.reference
    # rows in CSR form, built in arrays: the budget, then per municipality x_i >= floor_i,
    # x_i - d_i <= t_i and x_i + d_i >= t_i (x_i = v + sum_k u_k s_ik)
    x_coefficients = np.column_stack([np.ones(n), problem.shares])  # (n, 1 + k)
    x_columns = np.tile(np.arange(1 + k, dtype=np.int32), (n, 1))
    d_columns = (1 + k + np.arange(n, dtype=np.int32))[:, None]
    floor_index, floor_value = x_columns, x_coefficients
    abs_index = np.hstack([x_columns, d_columns])
    below_value = np.hstack([x_coefficients, -np.ones((n, 1))])
    above_value = np.hstack([x_coefficients, np.ones((n, 1))])
    indices = [np.arange(1 + k, dtype=np.int32)] + [floor_index, abs_index, abs_index]
    values = [np.concatenate([[n], np.ones(k)])] + [floor_value, below_value, above_value]
    lengths = [1 + k] + [1 + k] * n + [2 + k] * n + [2 + k] * n
    lower = np.concatenate([[problem.budget], floor, np.full(n, -inf), problem.target])
    upper = np.concatenate([[problem.budget], np.full(n, inf), problem.target, np.full(n, inf)])
    starts = np.concatenate([[0], np.cumsum(lengths[:-1])]).astype(np.int32)
    flat_index = np.concatenate([indices[0]] + [block.ravel() for block in indices[1:]]).astype(np.int32)
    flat_value = np.concatenate([values[0]] + [block.ravel() for block in values[1:]]).astype(float)
    h.addRows(len(lengths), lower, upper, len(flat_index), starts, flat_index, flat_value)
    built = time.perf_counter()
    h.run()
    solved = time.perf_counter()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        return CompromisePoint(max_loss_pct, False, build_seconds=built - start, solve_seconds=solved - built)
    values = np.asarray(h.getSolution().col_value)
    return CompromisePoint(
        max_loss_pct, True, float(h.getInfo().objective_function_value), int(round(values[0])),
        {key: max(0.0, float(values[1 + j])) for j, key in enumerate(problem.keys)},
        built - start, solved - built,
    )


def least_max_loss(problem: CompromiseProblem) -> float:
    """The smallest X (in %) for which some key keeps every municipality within X% of the reference."""
    n, k = problem.shares.shape
    h = _highs()
    inf = highspy.kHighsInf
    h.addVars(2 + k, np.zeros(2 + k), np.full(2 + k, inf))  # v, u_1..u_k, m
    h.changeColsCost(1, np.array([1 + k], dtype=np.int32), np.array([-1.0]))  # maximise m
    x_index = np.arange(1 + k, dtype=np.int32)
    rows = [(x_index, np.concatenate([[n], np.ones(k)]))]
    lower, upper = [problem.budget], [problem.budget]
    for i in np.flatnonzero(problem.reference > 0):
        rows.append((np.append(x_index, np.int32(1 + k)), np.concatenate([[1.0], problem.shares[i],
                                                                        [-problem.reference[i]]])))
        lower.append(0.0)
        upper.append(inf)
    _add_rows(h, lower, upper, rows)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return math.nan
    m = float(np.asarray(h.getSolution().col_value)[1 + k])
    return max(0.0, (1 - m) * 100)


def compromise_problem(reference: ScenarioResult, target: ScenarioResult, pot: str, keys: list[str] | None,
                       year: int | None) -> tuple[CompromiseProblem, int]:
    """The pot-year of the two scenarios as a :class:`CompromiseProblem`, and the year used."""
    for result, role in ((reference, "reference"), (target, "target")):
        if pot not in result.scenario.pots:
            raise InputError(_(f"cpr_no_pot_{role}", pot=clipped(pot), id=result.loaded.scenario_id,
                               pots=", ".join(result.scenario.pots)))
    allocated = reference.pots[pot]
    budgets = dict(zip(allocated.years, allocated.budgets))
    if year is None:
        year = max(sorted(budgets), key=lambda y: budgets[y])
    if year not in budgets or year not in target.pots[pot].years:
        raise InputError(_("cpr_year_not_shared", year=year, pot=pot))
    if keys is None:
        keys = sorted({*reference.scenario.pots[pot].key.weights, *target.scenario.pots[pot].key.weights}
                      - {"vast_bedrag"})
        keys = keys or ["inwoners"]
    available: dict[str, Key] = {**target.loaded.keys, **reference.loaded.keys}
    unknown = [key for key in keys if key not in available]
    if unknown:
        raise InputError(_("cpr_unknown_keys", keys=listed(unknown), available=", ".join(sorted(available))))
    codes = list(reference.municipalities["gm_code"])
    shares = np.column_stack([normalise(available[key].values.reindex(codes).to_numpy(dtype=float)) for key in keys])

    def amounts(result: ScenarioResult) -> np.ndarray:
        rows = result.allocation[(result.allocation["pot"] == pot) & (result.allocation["year"] == year)]
        return rows.set_index("gm_code")["amount_eur"].reindex(codes).to_numpy(dtype=float)

    problem = CompromiseProblem(tuple(codes), tuple(keys), shares, amounts(reference), amounts(target),
                                int(budgets[year]))
    return problem, year


def frontier(problem: CompromiseProblem, levels) -> list[CompromisePoint]:
    """The closest key at every level, loosest last (the levels the faces use are
    :data:`allocation.analysis.negotiation.LEVELS`)."""
    return [solve_level(problem, float(level)) for level in sorted(levels)]


def frontier_table(points: list[CompromisePoint], problem: CompromiseProblem) -> pd.DataFrame:
    """``max_loss_pct,feasible,distance_eur,distance_pct,vast_bedrag_eur,weight_<key>...``."""
    rows = []
    for point in points:
        weights = point.weights()
        row = {
            "max_loss_pct": point.max_loss_pct,
            "feasible": point.feasible,
            "distance_eur": round(point.distance_eur, 2) if point.feasible else None,
            "distance_pct": round(point.distance_eur / problem.budget * 100, 4) if point.feasible else None,
            "vast_bedrag_eur": point.vast_bedrag_eur if point.feasible else None,
        }
        row.update({f"weight_{key}": round(weights.get(key, 0.0), 10) if point.feasible else None
                    for key in problem.keys})
        rows.append(row)
    return pd.DataFrame(rows)


def compromise_scenario(reference: ScenarioResult, pot: str, point: CompromisePoint, target_id: str,
                        year: int) -> str:
    """The reference scenario with this pot's key replaced by the compromise, as YAML."""
    data = scenario_data(reference.loaded.text)
    weights = {key: weight for key, weight in point.weights().items() if weight > 0}
    vast = point.vast_bedrag_eur
    if not weights:  # everything in the vast bedrag
        weights = {"vast_bedrag": 1.0}
    name = data.get("name", reference.loaded.scenario_id)
    level = i18n.pct(point.max_loss_pct, 4, trim=True)
    data["name"] = _("cpr_scenario_name", name=name, pot=pot, level=level)
    data["pots"][pot]["key"] = {
        "weights": weights,
        "vast_bedrag_eur": vast,
        "assumption": _("cpr_scenario_assumption", target=target_id, pot=pot, year=year,
                        reference=reference.loaded.scenario_id, level=level, distance=i18n.eur(point.distance_eur)),
    }
    return to_yaml(data)


def frontier_text(points: list[CompromisePoint], problem: CompromiseProblem, least: float, pot: str, year: int,
                  reference: str, target: str) -> str:
    """The frontier as the command line prints it, in the language."""
    rounding = _("cpr_rounding") if 0 < least < 0.01 else ""
    lines = [_("cpr_least", reference=reference, least=i18n.pct(least, 4), pot=pot, year=year, rounding=rounding),
             _("cpr_title", pot=pot, year=year, target=target, reference=reference)]
    rows = [[_("gua_col_level"), _("cpr_col_feasible"), _("cpr_col_distance_eur"), _("cpr_col_distance"),
             _("cpr_col_vast")] + [_("cpr_col_weight", key=k) for k in problem.keys]]
    for point in points:
        weights = point.weights()
        level = i18n.pct(point.max_loss_pct, 4, trim=True)
        if point.feasible:
            rows.append([level, i18n.yes_no(True), i18n.number(point.distance_eur),
                         i18n.pct(point.distance_eur / problem.budget * 100, 2), i18n.number(point.vast_bedrag_eur)]
                        + [i18n.share(weights.get(k, 0.0)) for k in problem.keys])
        else:
            rows.append([level, i18n.yes_no(False), "-", "-", "-"] + ["-" for _k in problem.keys])
    lines += text_table(rows, right=set(range(2, 5 + len(problem.keys))))
    return "\n".join(lines) + "\n"
