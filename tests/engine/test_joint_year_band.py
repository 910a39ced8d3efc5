"""The joint fallback of a year band: a pot whose year band cannot hold year by year, but whose
constraints can hold jointly over all payment years, is allocated jointly (PuLP + HiGHS).

The constraint settings here (a floor of € 5,000 per municipality in 2026 only, with a
year band of at most +10% per year, on the shipped `kamerbrief-2021` pots) are FICTITIOUS
test settings. Year by year the band cannot reach the 2026 floor for the municipalities that
the key gives less than € 4,546 in 2025; jointly their growth starts earlier.
"""

from __future__ import annotations

import copy
import math
import re

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from allocation import explanation_text, parse_scenario, run_scenario, summary_text
from allocation.common.errors import InfeasibleError
from allocation.common.i18n import _
from allocation.engine import constrained_pot as constrained
from allocation.engine import joint_lp as lp
from allocation.faces import views
from allocation.publish.meicirculaire import bound_table, meicirculaire_workbook
from allocation.scenario.pot_problem import pot_problem
from tests.conftest import SCENARIOS, shipped

# these tests assert the English wording of the library's messages and outputs
pytestmark = pytest.mark.usefixtures("english")

BASE = yaml.safe_load((SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8"))
TEST = {"assumption": "fictitious test setting"}
POT = "ondertussengroep"
FLOOR_2026 = 5000
INCREASE = 0.10


def fictitious(floor=FLOOR_2026, solver=None, groups=None, decrease=None):
    data = copy.deepcopy(BASE)
    data["pots"][POT]["label"] = "Ondertussengroep"
    band = {"max_increase_pct": INCREASE * 100, **TEST}
    if decrease is not None:
        band["max_decrease_pct"] = decrease
    data["pots"][POT]["constraints"] = {
        "minimum": [{"eur": floor, "years": [2026], **TEST}],
        "year_band": band,
    }
    if groups:
        data["pots"][POT]["constraints"]["groups"] = groups
    if solver:
        data["solver"] = solver
    return parse_scenario(
        yaml.safe_dump(data), origin=str(SCENARIOS / "t.yaml"), scenario_id="t", base_dir=SCENARIOS
    )


@pytest.fixture(scope="module")
def joint_result():
    return run_scenario(fictitious())


def amounts(result, pot=POT):
    frame = result.allocation[result.allocation["pot"] == pot]
    return frame.pivot(index="gm_code", columns="year", values="amount_eur").sort_index()


def assert_band_and_floor_hold(table: pd.DataFrame, increase=INCREASE, decrease=None):
    years = sorted(table.columns)
    assert (table[2026] >= FLOOR_2026).all()
    assert (table >= 0).all().all()
    for before, after in zip(years, years[1:]):
        assert (table[after] <= np.floor(table[before] * (1 + increase) + 1e-9)).all(), after
        if decrease is not None:
            assert (table[after] >= np.ceil(table[before] * (1 - decrease) - 1e-9)).all(), after


# --- the rule: fall back to the joint allocation when the band holds only jointly -------------


def test_year_band_that_holds_only_jointly_is_allocated_jointly_with_exact_year_sums(joint_result):
    info = joint_result.constrained[POT]
    assert info.joint and info.solver == "PuLP + HiGHS"
    table = amounts(joint_result)
    budgets = dict(zip(joint_result.pots[POT].years, joint_result.pots[POT].budgets))
    for year, total in table.sum().items():
        assert total == budgets[year]
    assert table.dtypes.map(lambda d: d.kind == "i").all()
    assert_band_and_floor_hold(table)
    # growth had to start before 2026: some municipality is above its pure key in 2025
    key = pd.DataFrame(info.key_amounts, index=list(joint_result.municipalities["gm_code"]),
                       columns=list(joint_result.pots[POT].years)).sort_index()
    assert (table[2025] > key[2025] + 1).any()


def _problem(result, municipalities=None, permutation=None):
    loaded = result.loaded
    municipalities = result.municipalities if municipalities is None else municipalities
    shares = result.pots[POT].shares if permutation is None else result.pots[POT].shares[permutation]
    budgets = dict(zip(result.pots[POT].years, result.pots[POT].budgets))
    return pot_problem(
        pot_id=POT, pot=loaded.scenario.pots[POT], scenario=loaded.scenario, origin=loaded.origin,
        base_dir=SCENARIOS, municipalities=municipalities, shares=shares, budgets=budgets,
        run_reference=lambda path: None,
    )


def test_year_band_that_holds_only_jointly_fails_year_by_year(joint_result):
    # the premise of the fixture: the year-by-year path alone cannot do it ...
    with pytest.raises(InfeasibleError, match="2026"):
        constrained.allocate_constrained_pot(_problem(joint_result), {}, joint_fallback=False)
    # ... because with the key in 2025 some municipalities cannot reach the floor in 2026
    key = joint_result.constrained[POT].key_amounts
    years = list(joint_result.pots[POT].years)
    assert (key[:, years.index(2025)] * (1 + INCREASE) < FLOOR_2026).any()


def test_joint_allocation_leaves_the_other_pots_and_the_unconstrained_rule_unchanged(joint_result):
    plain = shipped("kamerbrief-2021")
    for pot in ("elip", "invoering"):
        pd.testing.assert_frame_equal(amounts(joint_result, pot), amounts(plain, pot))


def test_joint_allocation_reruns_identically(joint_result):
    again = run_scenario(fictitious())
    pd.testing.assert_frame_equal(again.allocation, joint_result.allocation)
    pd.testing.assert_frame_equal(again.bound_report(POT), joint_result.bound_report(POT))


def test_joint_allocation_does_not_depend_on_row_order(joint_result):
    municipalities = joint_result.municipalities
    permutation = np.random.default_rng(7).permutation(len(municipalities))
    shuffled = municipalities.iloc[permutation].reset_index(drop=True)
    allocation, info = constrained.allocate_constrained_pot(_problem(joint_result, shuffled, permutation), {})
    assert info.joint
    shuffled_table = pd.DataFrame(allocation.amounts, index=list(allocation.codes), columns=list(allocation.years))
    original = amounts(joint_result)
    pd.testing.assert_frame_equal(shuffled_table.sort_index(), original, check_names=False, check_dtype=False)


def test_joint_lp_variables_are_named_by_code_and_built_in_code_order(monkeypatch):
    import pulp

    seen = []
    original = pulp.LpProblem.solve

    def spy(self, *args, **kwargs):
        seen.append(list(self._constraints))
        seen.append([v.name for v in self.variables()])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pulp.LpProblem, "solve", spy)
    codes = ("GM0363", "GM0014", "GM0200")
    problem = lp.JointProblem(
        codes=codes, years=(2023, 2024), budgets=(300, 330),
        lower=np.zeros((3, 2)), upper=np.full((3, 2), np.inf), band_increase=0.1,
    )
    target = np.array([[100.0, 110.0], [100.0, 110.0], [100.0, 110.0]])
    solution = lp.allocate_joint(problem, target)
    assert solution.status == "Optimal"
    np.testing.assert_allclose(solution.amounts, target, atol=1e-6)
    rows, names = seen
    assert {n for n in names if n.startswith("x_")} == {f"x_{c}_{y}" for c in codes for y in (2023, 2024)}
    # the model's rows are added in code order, whatever the order of the input rows
    key_rows = [r for r in rows if r.startswith("key_") and r.endswith("_2023")]
    assert key_rows == ["key_GM0014_2023", "key_GM0200_2023", "key_GM0363_2023"]


def test_joint_solution_is_closest_to_the_key_in_relative_deviation():
    # Two municipalities; the smaller must reach 50 in the second year with at most +10% a year,
    # so it needs at least 45.45 in the first year. Nothing else is bound: the LP moves the
    # euros from the larger one (a euro there is a smaller relative deviation).
    problem = lp.JointProblem(
        codes=("GM0002", "GM0001"), years=(2021, 2022), budgets=(1000, 1000),
        lower=np.array([[0.0, 50.0], [0.0, 0.0]]), upper=np.full((2, 2), np.inf), band_increase=0.1,
    )
    target = np.array([[40.0, 40.0], [960.0, 960.0]])
    solution = lp.allocate_joint(problem, target)
    np.testing.assert_allclose(solution.amounts[:, 0], [50 / 1.1, 1000 - 50 / 1.1], atol=1e-6)
    np.testing.assert_allclose(solution.amounts[:, 1], [50, 950], atol=1e-6)


def test_joint_allocation_with_cbc_meets_the_same_constraints():
    result = run_scenario(fictitious(solver="cbc"))
    info = result.constrained[POT]
    assert info.joint and info.solver == "PuLP + CBC"
    table = amounts(result)
    assert_band_and_floor_hold(table)
    assert (table.sum() == 3_500_000).all()


def test_joint_allocation_with_both_band_limits_and_a_group_holds_every_limit_after_rounding():
    group = {"name": "Drenthe", "province": "PV22", "min_share": 0.03, **TEST}
    result = run_scenario(fictitious(groups=[group], decrease=10))
    assert result.constrained[POT].joint
    table = amounts(result)
    assert_band_and_floor_hold(table, decrease=0.10)
    drenthe = result.municipalities.query("province_code == 'PV22'")["gm_code"]
    for year, total in table.sum().items():
        assert total == 3_500_000
        assert table.loc[drenthe, year].sum() >= math.ceil(0.03 * total)


# --- the bound report and the faces ----------------------------------------------------------


def test_joint_bound_report_labels_the_constraint_and_the_joint_allocation(joint_result):
    report = joint_result.bound_report(POT)
    assert not report.empty
    assert report["constraint"].str.endswith(f"({_(constrained.JOINT_NOTE)})").all()
    in_2026 = report[report["year"] == 2026]
    floor_rows = in_2026[in_2026["constraint"].str.startswith("a minimum of € 5,000")]
    table = amounts(joint_result)
    assert (table.loc[floor_rows["gm_code"], 2026] == FLOOR_2026).all()
    assert set(table.index[table[2026] == FLOOR_2026]) <= set(floor_rows["gm_code"])
    assert report["constraint"].str.startswith("the year band (at most 10% more than").any()
    assert (report["effect_eur"] == report["amount_eur"] - report["key_amount_eur"]).all()
    info = joint_result.constrained[POT]
    assert set(info.scales) == set(joint_result.pots[POT].years)
    assert all(math.isnan(v) for v in info.scales.values())


def test_joint_allocation_is_stated_in_the_summary_explanation_export_and_app(joint_result):
    text = summary_text(joint_result)
    assert ("allocated jointly over all payment years (PuLP + HiGHS) because the year band could not hold "
            "year by year") in text
    assert not re.search(r"\bnan\b", text.split("Constraints in ondertussengroep")[1].split("Largest recipients")[0])
    explained = explanation_text(joint_result, "GM0088")
    part = explained.split("Ondertussengroep")[1]
    assert "allocated jointly over all payment years" in part or "sits on" in part
    assert not re.search(r"\bnan\b", explained)
    assert not bound_table(joint_result).empty
    assert meicirculaire_workbook(joint_result)[:2] == b"PK"
    summary = views.bound_summary(joint_result, POT, 2026)
    assert summary["municipalities"].sum() == (joint_result.bound_report(POT)["year"] == 2026).sum()


# --- unchanged where the year band holds year by year; euros where it cannot hold at all -----


def test_year_band_that_holds_year_by_year_keeps_the_closed_form():
    result = shipped("kamerbrief-2021-ingroei")
    for info in result.constrained.values():
        assert not info.joint
        assert all(math.isfinite(v) for v in info.scales.values())
        assert not result.bound_report(POT).empty
        assert not result.bound_report(POT)["constraint"].str.contains(_(constrained.JOINT_NOTE)).any()


def test_year_band_that_cannot_hold_even_jointly_is_explained_in_euros():
    # a floor of € 12,000 for 352 municipalities needs € 4,224,000 of a € 3,500,000 pot-year
    with pytest.raises(InfeasibleError) as info:
        run_scenario(fictitious(floor=12_000))
    problems = info.value.problems
    assert any("Ondertussengroep 2026: GM0060 Ameland: the minimum € 12,000 (a minimum of € 12,000) is above "
               "the maximum € 825 (the year band (at most 10% more than 2025))" in p for p in problems)
    joint = [p for p in problems if "even solved jointly over all payment years" in p]
    assert len(joint) == 1
    assert ("the year band and the other constraints cannot meet the year budgets: they miss them by € " in joint[0])
    # the floor alone needs € 724,000 more than the 2026 budget; the band carries part of it back to 2025
    assert "€ 724,000 more than the budget in 2026" in joint[0]


def test_joint_explanation_says_whether_the_constraints_need_more_or_pay_out_less():
    # one year, two municipalities: minimums of 60 + 60 against a budget of 100 need € 20 more;
    # maximums of 40 + 40 leave € 20 of it unpaid
    for lower, upper, words in ((60.0, np.inf, "€ 20 more than the budget in 2023"),
                                (0.0, 40.0, "€ 20 of the budget unpaid in 2023")):
        problem = lp.JointProblem(("GM0001", "GM0002"), (2023,), (100,), np.full((2, 1), lower),
                                  np.full((2, 1), upper))
        for diagnosis in (lp.solve_joint_pulp(problem), lp.solve_joint_highspy(problem)):
            assert words in lp.explain("Pot", diagnosis, "the constraints")[0]


# --- invariants of the joint LP on random FICTITIOUS problems ---------------------------------


@st.composite
def joint_problems(draw):
    n = draw(st.integers(2, 8))
    years = draw(st.integers(2, 4))
    keys = np.array(draw(st.lists(st.integers(1, 100), min_size=n, max_size=n)), dtype=float)
    base = draw(st.integers(1_000, 5_000))
    budgets = tuple(int(base * f) for f in draw(st.lists(st.floats(0.85, 1.15), min_size=years, max_size=years)))
    floor_last = draw(st.integers(0, base // (2 * n)))
    shares = keys / keys.sum()
    target = np.column_stack([shares * b for b in budgets])
    lower = np.zeros((n, years))
    lower[:, -1] = floor_last
    codes = tuple(f"GM{c:04d}" for c in draw(st.permutations(range(n))))
    problem = lp.JointProblem(codes, tuple(range(2021, 2021 + years)), budgets, lower,
                              np.full((n, years), np.inf), band_decrease=0.3, band_increase=0.3)
    return problem, target, draw(st.permutations(range(n)))


@settings(max_examples=25, deadline=None)
@given(joint_problems())
def test_joint_lp_meets_the_budgets_and_the_band_and_ignores_row_order(case):
    problem, target, permutation = case
    solution = lp.allocate_joint(problem, target)
    if solution.status != "Optimal":
        return  # jointly infeasible: explained elsewhere
    x = solution.amounts
    np.testing.assert_allclose(x.sum(axis=0), problem.budgets, atol=1e-5)
    assert np.all(x >= problem.lower - 1e-6)
    assert np.all(x[:, 1:] <= 1.3 * x[:, :-1] + 1e-5) and np.all(x[:, 1:] >= 0.7 * x[:, :-1] - 1e-5)
    order = np.asarray(permutation)
    shuffled = lp.JointProblem(tuple(problem.codes[i] for i in order), problem.years, problem.budgets,
                               problem.lower[order], problem.upper[order], 0.3, 0.3)
    again = lp.allocate_joint(shuffled, target[order])
    np.testing.assert_array_equal(again.amounts, x[order])


def test_joint_lp_built_directly_in_highs_reaches_the_same_closeness_as_through_pulp():
    # the direct build is used above 20,000 municipality-years; the same model, the same optimum
    rng = np.random.default_rng(3)
    n, years = 60, 4
    shares = rng.integers(1, 100, n).astype(float)
    shares /= shares.sum()
    budgets = (100_000, 100_000, 100_000, 100_000)
    lower = np.zeros((n, years))
    lower[:, -1] = 1_000
    problem = lp.JointProblem(tuple(f"GM{i:04d}" for i in range(n)), (2021, 2022, 2023, 2024), budgets, lower,
                              np.full((n, years), np.inf), band_increase=0.1)
    target = np.column_stack([shares * b for b in budgets])

    def distance(x):
        return float((np.abs(x - target) / np.maximum(target, 1)).sum())

    results = [lp.solve_joint_pulp(problem, "highs", target=target), lp.solve_joint_pulp(problem, "cbc", target=target),
               lp.solve_joint_highspy(problem, target=target)]
    for result in results:
        assert result.status == "Optimal"
        np.testing.assert_allclose(result.amounts.sum(axis=0), budgets, atol=1e-4)
        assert np.all(result.amounts[:, -1] >= 1_000 - 1e-6)
    distances = [distance(r.amounts) for r in results]
    assert max(distances) - min(distances) < 1e-6 * max(distances), distances  # solver tolerances
    assert distances[0] > 0  # the floor binds: the key alone would not do
