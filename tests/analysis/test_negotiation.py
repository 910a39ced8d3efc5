"""The negotiation toolkit: what a guarantee costs, the compromise key, and which part of a
change causes each loss. Random arrays here are FICTITIOUS test data."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from allocation import compare, load_scenario, parse_scenario, run_scenario
from allocation.analysis.compromise import (
    CompromiseProblem,
    compromise_problem,
    compromise_scenario,
    frontier,
    least_max_loss,
    solve_level,
)
from allocation.analysis.decompose import FACTORS, decompose, shapley_round
from allocation.analysis.guarantee import apply_guarantee, floors, gain_cap, guarantee_cost, guarantee_table, skimmed
from tests.conftest import SCENARIOS, shipped
from tests.faces.test_cli import cli

# these tests assert the English wording of the library's messages and outputs
pytestmark = pytest.mark.usefixtures("english")

# --- guarantee ----------------------------------------------------------------------------


def test_the_guarantee_at_zero_loss_costs_exactly_the_losses_compare_reports():
    base, other = shipped("kamerbrief-2021"), shipped("variant-migratie")
    table = guarantee_table(base, other, levels=[0.0])
    per = compare([base, other]).per_municipality
    for row in table.itertuples(index=False):
        part = per[(per["pot"] == row.pot) & (per["year"] == row.year)]
        assert row.top_up_eur == -int(part.loc[part["diff_eur"] < 0, "diff_eur"].sum())
        assert row.municipalities_topped_up == int((part["diff_eur"] < 0).sum())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 10_000)), min_size=2, max_size=40),
       st.sampled_from([0.0, 1.0, 2.5, 5.0, 10.0, 20.0]))
def test_the_gain_cap_pays_the_top_up_and_no_looser_cap_does(pairs, level):
    reference = np.array([p[0] for p in pairs], dtype=np.int64)
    scenario = np.array([p[1] for p in pairs], dtype=np.int64)
    cost = guarantee_cost(reference, scenario, level)
    assert cost.top_up_eur == int(np.maximum(floors(reference, level) - scenario, 0).sum())
    if cost.top_up_eur == 0:
        assert cost.gain_cap_pct is None and cost.shortfall_eur == 0
        return
    if cost.gain_cap_pct is None:  # even skimming every gain does not pay
        assert skimmed(scenario, reference, 0.0) < cost.top_up_eur
        assert cost.shortfall_eur == cost.top_up_eur - math.floor(skimmed(scenario, reference, 0.0))
        return
    assert skimmed(scenario, reference, cost.gain_cap_pct) >= cost.top_up_eur - 1e-6
    assert skimmed(scenario, reference, cost.gain_cap_pct + 0.01) < cost.top_up_eur + 1e-6
    # the exact cap: the skimmed gains equal the top-up
    assert skimmed(scenario, reference, cost.exact_cap_pct) == pytest.approx(cost.top_up_eur, abs=1e-6)


def test_floors_are_computed_exactly():
    assert list(floors(np.array([100, 101, 3333]), 5.0)) == [95, 96, 3167]  # 95.95 -> 96; 3166.35 -> 3167
    assert gain_cap(np.array([150.0, 50.0]), np.array([100.0, 100.0]), 25.0) == pytest.approx(25.0)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-10**7, 10**12), max_size=30),
       st.sampled_from([0.0, 0.01, 1.0, 5.0, 33.333, 99.99, 100.0, 150.0, -5.0]))
def test_floors_on_the_whole_array_equal_the_floors_one_at_a_time(amounts, level):
    keep = Fraction(10_000) - Fraction(round(level * 100))
    exact = [-((-a * keep) // 10_000) for a in amounts]
    assert floors(np.array(amounts, dtype=np.int64), level).tolist() == exact
    assert floors(amounts, level).tolist() == exact


def test_floors_beyond_64_bits_are_still_exact():
    amounts = np.array([2**61 + 7, -(2**62), 3], dtype=np.int64)
    keep = Fraction(9_500)
    assert floors(amounts, 5.0).tolist() == [-((-int(a) * keep) // 10_000) for a in amounts]


def test_applying_the_guarantee_keeps_every_floor_and_every_budget():
    base, other = shipped("kamerbrief-2021"), shipped("variant-migratie")
    paid = apply_guarantee(base, other, 5.0)
    for (pot, year), part in paid.groupby(["pot", "year"]):
        budget = int(other.allocation[(other.allocation["pot"] == pot) & (other.allocation["year"] == year)]
                     ["amount_eur"].sum())
        assert int(part["amount_eur"].sum()) == budget
        reference = base.allocation[(base.allocation["pot"] == pot) & (base.allocation["year"] == year)]
        reference = reference.set_index("gm_code")["amount_eur"].reindex(part["gm_code"]).to_numpy()
        assert (part["amount_eur"].to_numpy() >= floors(reference, 5.0)).all()


def test_the_guarantee_command_writes_the_curve_and_the_paid_scenario(tmp_path):
    done = cli("guarantee", str(SCENARIOS / "kamerbrief-2021.yaml"), str(SCENARIOS / "variant-migratie.yaml"),
               "--out", str(tmp_path), "--max-loss-pct", "0", "5", "--apply", "5")
    assert done.returncode == 0, done.stderr
    frame = pd.read_csv(tmp_path / "guarantee-kamerbrief-2021-vs-variant-migratie.csv")
    assert list(frame.columns) == ["pot", "year", "max_loss_pct", "top_up_eur", "municipalities_topped_up",
                                   "budget_neutral_gain_cap_pct"]
    assert set(frame["year"].astype(str)) >= {"2021", "all"}
    paid = pd.read_csv(tmp_path / "variant-migratie-guarantee-5-allocation.csv")
    assert list(paid.columns) == ["pot", "year", "gm_code", "gm_name", "amount_eur"]
    assert paid.groupby("year")["gm_code"].nunique()[2023] == 342  # on the payment-year registers, like run
    assert "budget-neutral gain cap" in done.stdout


# --- compromise ---------------------------------------------------------------------------


def brute_force(problem: CompromiseProblem, level: float) -> float | None:
    """The least distance over every whole-euro vast bedrag and every mix of two keys, checked
    at each breakpoint of the piecewise-linear objective and constraints (independent of HiGHS)."""
    n = len(problem.codes)
    s1, s2 = problem.shares[:, 0], problem.shares[:, 1]
    floor = (1 - level / 100) * problem.reference
    best = None
    for v in range(problem.budget // n + 1):
        rest = problem.budget - n * v
        # x_i(a) = v + rest * (a s1_i + (1 - a) s2_i), a in [0, 1]
        slope, base = rest * (s1 - s2), v + rest * s2
        with np.errstate(divide="ignore", invalid="ignore"):
            candidates = {0.0, 1.0} | {float(a) for a in (problem.target - base) / slope if 0 <= a <= 1}
            candidates |= {float(a) for a in (floor - base) / slope if 0 <= a <= 1}
        for a in candidates:
            x = base + slope * a
            if np.all(x >= floor - 1e-7):
                distance = float(np.abs(x - problem.target).sum())
                best = distance if best is None else min(best, distance)
    return best


@settings(max_examples=40, deadline=None)
@given(st.integers(3, 8), st.integers(200, 2_000), st.sampled_from([0.0, 2.0, 10.0, 30.0]), st.randoms())
def test_the_compromise_lp_reaches_the_brute_force_optimum(n, budget, level, random):
    keys = np.array([[random.randint(1, 50), random.randint(1, 50)] for _ in range(n)], dtype=float)
    shares = keys / keys.sum(axis=0)
    reference = np.array([budget * w for w in shares[:, 0]])
    target = np.array([budget * w for w in shares[:, 1]])
    problem = CompromiseProblem(tuple(f"GM{i:04d}" for i in range(n)), ("a", "b"), shares, np.floor(reference),
                                target, budget)
    point = solve_level(problem, level)
    expected = brute_force(problem, level)
    assert point.feasible == (expected is not None)
    if expected is not None:
        assert point.distance_eur == pytest.approx(expected, abs=1e-4 * budget)


@pytest.fixture(scope="module")
def ondertussengroep():
    base, target = shipped("kamerbrief-2021"), shipped("variant-migratie")
    problem, year = compromise_problem(base, target, "ondertussengroep", None, None)
    return base, target, problem, year


def test_a_looser_level_is_never_farther_from_the_target(ondertussengroep):
    _, _, problem, _ = ondertussengroep
    points = frontier(problem, [0, 1, 2, 5, 10, 20, 50])
    feasible = [p for p in points if p.feasible]
    assert len(feasible) >= 5
    distances = [p.distance_eur for p in feasible]
    assert all(b <= a + 1e-6 for a, b in zip(distances, distances[1:]))
    assert least_max_loss(problem) <= min(p.max_loss_pct for p in feasible)


def test_the_compromise_scenario_keeps_its_promise_when_run(ondertussengroep):
    base, target, problem, year = ondertussengroep
    point = solve_level(problem, 5.0)
    text = compromise_scenario(base, "ondertussengroep", point, target.loaded.scenario_id, year)
    data = yaml.safe_load(text)
    assert data["pots"]["ondertussengroep"]["key"]["assumption"].startswith("found by the compromise finder")
    result = run_scenario(parse_scenario(text, origin="c.yaml", scenario_id="c", base_dir=SCENARIOS))
    rows = result.allocation[(result.allocation["pot"] == "ondertussengroep") & (result.allocation["year"] == year)]
    amounts = rows.set_index("gm_code")["amount_eur"].reindex(problem.codes).to_numpy()
    assert np.all(amounts >= 0.95 * problem.reference - 1)  # within 5%, up to a euro of rounding
    distance = np.abs(amounts - problem.target).sum()
    assert distance == pytest.approx(point.distance_eur, abs=len(problem.codes))


def test_the_compromise_command_writes_the_frontier_and_a_valid_scenario(tmp_path):
    done = cli("compromise", str(SCENARIOS / "kamerbrief-2021.yaml"), str(SCENARIOS / "variant-migratie.yaml"),
               "--pot", "ondertussengroep", "--out", str(tmp_path), "--max-loss-pct", "0", "2", "5")
    assert done.returncode == 0, done.stderr
    frontier_csv = pd.read_csv(tmp_path / "compromise-ondertussengroep-frontier.csv")
    assert list(frontier_csv.columns)[:5] == ["max_loss_pct", "feasible", "distance_eur", "distance_pct",
                                              "vast_bedrag_eur"]
    assert done.stdout.startswith("Least achievable largest loss")
    load_scenario(tmp_path / "compromise-ondertussengroep.yaml")


# --- decomposition ------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=3, max_size=3), min_size=1, max_size=20))
def test_rounded_parts_add_up_exactly_to_the_difference(rows):
    parts = np.array(rows)
    totals = np.round(parts.sum(axis=1))
    parts[:, -1] += totals - parts.sum(axis=1)  # parts that add up to a whole-euro difference
    whole = shapley_round(parts, totals)
    assert (whole.sum(axis=1) == totals).all()
    assert np.all(np.abs(whole - parts) < 1 + 1e-6)


def _check_sums(table: pd.DataFrame, base, other) -> None:
    summed = table[table["year"] != "all"].groupby(["pot", "year", "gm_code"])["effect_eur"].sum()
    a = base.allocation.assign(year=base.allocation["year"].astype(str)).set_index(["pot", "year", "gm_code"])
    b = other.allocation.assign(year=other.allocation["year"].astype(str)).set_index(["pot", "year", "gm_code"])
    difference = (b["amount_eur"] - a["amount_eur"]).reindex(summed.index)
    assert (summed == difference).all()


@pytest.mark.parametrize(("other", "factor"), [("variant-migratie", "key"), ("kamerbrief-2021-floor", "constraints"),
                                               ("variant-profiel-instroom", "budget")])
def test_two_scenarios_that_differ_in_one_factor_put_the_whole_difference_on_it(other, factor):
    base, changed = shipped("kamerbrief-2021"), shipped(other)
    table, _ = decompose(base, changed)
    _check_sums(table, base, changed)
    shared = table[table["factor"] != factor]
    assert (shared["effect_eur"] == 0).all(), "a factor the scenarios share gets zero everywhere"
    assert table.loc[table["factor"] == factor, "effect_eur"].abs().sum() > 0


def test_two_factors_split_the_difference_and_the_parts_add_up():
    base, other = shipped("kamerbrief-2021"), shipped("kamerbrief-2021-ingroei")
    table, _ = decompose(base, other)
    _check_sums(table, base, other)
    moved = table[table["year"] == "all"].groupby("factor")["effect_eur"].apply(lambda s: s.abs().sum())
    assert moved["key"] > 0 and moved["constraints"] > 0 and moved["budget"] == 0
    assert set(table["factor"]) == set(FACTORS) | {"other"}
    assert (table.loc[table["factor"] == "other", "effect_eur"] == 0).all()


def test_each_part_is_the_average_of_both_orders_of_switching():
    # Shapley with two factors: a factor's part is the mean of its effect switched first and
    # switched second, computed here from the hybrid scenarios themselves
    from allocation.analysis.decompose import _hybrid

    base, other = shipped("kamerbrief-2021"), shipped("kamerbrief-2021-ingroei")
    table, _ = decompose(base, other)
    pots = list(base.scenario.pots)
    key_only = _hybrid(base, other, pots, frozenset({"key"}))
    constraints_only = _hybrid(base, other, pots, frozenset({"constraints"}))

    def amount(result, code="GM0200"):  # Apeldoorn: both factors move it
        rows = result.allocation
        return float(rows[(rows["pot"] == "ondertussengroep") & (rows["year"] == 2022)
                          & (rows["gm_code"] == code)]["amount_eur"].iloc[0])

    expected = ((amount(key_only) - amount(base)) + (amount(other) - amount(constraints_only))) / 2
    row = table[(table["gm_code"] == "GM0200") & (table["year"] == "2022") & (table["pot"] == "ondertussengroep")]
    part = int(row.set_index("factor")["effect_eur"]["key"])
    assert abs(part - expected) < 1


def test_the_decompose_command_writes_the_table(tmp_path):
    done = cli("decompose", str(SCENARIOS / "kamerbrief-2021.yaml"), str(SCENARIOS / "kamerbrief-2021-floor.yaml"),
               "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    frame = pd.read_csv(tmp_path / "decomposition-kamerbrief-2021-vs-kamerbrief-2021-floor.csv")
    assert list(frame.columns) == ["pot", "year", "gm_code", "gm_name", "factor", "effect_eur"]
    assert "Amsterdam" in done.stdout


def test_a_difference_outside_the_factors_is_reported_as_other_not_as_zero():
    # FICTITIOUS: the same pots in another order under a cap for all pots: the order decides
    data = yaml.safe_load((SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8"))
    cap = [{"eur": 50_000, "assumption": "test"}]
    first = dict(data, cross_pot=cap)
    pots = data["pots"]
    second = dict(data, cross_pot=cap, pots={"ondertussengroep": pots["ondertussengroep"],
                                             "invoering": pots["invoering"], "elip": pots["elip"]})
    a = run_scenario(parse_scenario(yaml.safe_dump(first, sort_keys=False), origin="a.yaml", scenario_id="a",
                                    base_dir=SCENARIOS))
    b = run_scenario(parse_scenario(yaml.safe_dump(second, sort_keys=False), origin="b.yaml", scenario_id="b",
                                    base_dir=SCENARIOS))
    table, notes = decompose(a, b)
    _check_sums(table, a, b)
    moved = table[table["factor"] == "other"]["effect_eur"].abs().sum()
    assert moved > 0 and any("outside the factors" in note for note in notes)


def test_the_decomposition_sheet_has_the_parts_side_by_side_adding_up_to_the_change():
    from allocation.analysis.compare import compare
    from allocation.publish.comparison import decomposition_sheet

    base, other = shipped("kamerbrief-2021"), shipped("kamerbrief-2021-floor")
    parts, _ = decompose(base, other)
    sheet = decomposition_sheet(parts)
    factors = [c for c in sheet.columns if c.endswith("_eur") and c != "difference_eur"]
    assert len(sheet) * len(factors) == len(parts)  # the same numbers, a third of the cells
    assert (sheet[factors].sum(axis=1) == sheet["difference_eur"]).all()
    diff = compare([base, other]).per_municipality.set_index(["pot", "year", "gm_code"])["diff_eur"]
    shown = sheet.set_index(["pot", "year", "gm_code"])["difference_eur"]
    assert (diff.reindex(shown.index) == shown).all()  # each row adds up to the comparison's change
    long = parts.set_index(["pot", "year", "gm_code", "factor"])["effect_eur"]
    row = sheet.iloc[123]
    for column in factors:
        assert row[column] == long[(row["pot"], row["year"], row["gm_code"], column.removesuffix("_eur"))]
