"""The solution rules of constrained allocation (docs/solution-rules.md), for random inputs.

All keys, budgets and bounds here are random, FICTITIOUS test data.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from allocation.engine import pot as core
from allocation.engine.bounded import allocate_bounded, check_feasible, combine_bounds, round_within_bounds

pytestmark = pytest.mark.usefixtures("english")  # asserts the English wording of messages


@st.composite
def bounded_problems(draw):
    n = draw(st.integers(min_value=1, max_value=30))
    keys = np.array(draw(st.lists(st.integers(0, 1000), min_size=n, max_size=n)), dtype=float)
    assume(keys.sum() > 0)
    shares = keys / keys.sum()
    budget = draw(st.integers(0, 2_000_000))
    vast = draw(st.integers(0, budget // n // 2)) if draw(st.booleans()) else 0
    population = np.array(draw(st.lists(st.integers(500, 900_000), min_size=n, max_size=n)), dtype=float)
    average = budget / n
    # bounds scaled to the budget (mostly feasible, sometimes not), as fractions of the average
    fraction = st.floats(0, 1.2, allow_nan=False)
    lowers, uppers = [], []
    if draw(st.booleans()):
        lowers.append(("a minimum in euros", np.full(n, round(draw(fraction) * average))))
    if draw(st.booleans()):
        values = draw(fraction) * budget / population.sum() * population
        if draw(st.booleans()):
            values = np.where(keys > 0, values, np.nan)
        lowers.append(("a minimum per inhabitant", values))
    cap = st.floats(0.8, 5, allow_nan=False)
    if draw(st.booleans()):
        uppers.append(("a maximum in euros", np.full(n, round(draw(cap) * average))))
    if draw(st.booleans()):
        uppers.append(("a maximum per inhabitant", draw(cap) * budget / population.sum() * population))
    codes = [f"GM{i:04d}" for i in draw(st.permutations(list(range(n))))]
    return codes, shares, budget, vast, lowers, uppers


def solve(codes, shares, budget, vast, lowers, uppers):
    n = len(codes)
    bounds = combine_bounds(n, lowers, uppers)
    offset = np.full(n, float(vast))
    weight = shares * (budget - vast * n)
    problems = check_feasible(codes, codes, offset, weight, bounds, budget, "pot 2023")
    return bounds, offset, weight, problems


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(bounded_problems())
def test_sums_exact_and_bounds_hold_after_rounding(problem):
    codes, shares, budget, vast, lowers, uppers = problem
    bounds, offset, weight, problems = solve(*problem)
    assume(not problems)
    result = allocate_bounded(codes, offset, weight, bounds, budget)
    assert result.amounts.sum() == budget
    assert np.all(result.amounts >= bounds.lower)
    assert np.all(result.amounts <= bounds.upper)
    assert np.all(result.amounts >= 0)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(bounded_problems())
def test_unbound_municipalities_keep_the_key_proportions_with_one_factor(problem):
    codes, shares, budget, vast, lowers, uppers = problem
    bounds, offset, weight, problems = solve(*problem)
    assume(not problems)
    result = allocate_bounded(codes, offset, weight, bounds, budget)
    free = ~result.on_lower & ~result.on_upper & (weight > 0)
    expected = offset[free] + result.scale * weight[free]
    np.testing.assert_allclose(result.exact[free], expected, rtol=1e-9, atol=1e-6)
    assert np.all(np.abs(result.amounts[free] - expected) < 1 + 1e-6)
    # bound municipalities are bound in the right direction
    assert np.all(
        offset[result.on_lower] + result.scale * weight[result.on_lower] <= bounds.lower[result.on_lower] + 1e-6
    )
    assert np.all(
        offset[result.on_upper] + result.scale * weight[result.on_upper] >= bounds.upper[result.on_upper] - 1e-6
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(bounded_problems(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_row_order_and_reruns_are_identical(problem, random):
    codes, shares, budget, vast, lowers, uppers = problem
    bounds, offset, weight, problems = solve(*problem)
    assume(not problems)
    first = allocate_bounded(codes, offset, weight, bounds, budget)
    again = allocate_bounded(codes, offset, weight, bounds, budget)
    assert np.array_equal(first.amounts, again.amounts)
    order = list(range(len(codes)))
    random.shuffle(order)
    shuffled = allocate_bounded(
        [codes[i] for i in order],
        offset[order],
        weight[order],
        combine_bounds(len(codes), [(t, v[order]) for t, v in lowers], [(t, v[order]) for t, v in uppers]),
        budget,
    )
    by_code = dict(zip([codes[i] for i in order], shuffled.amounts))
    assert [by_code[c] for c in codes] == list(first.amounts)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    st.integers(2, 20),
    st.integers(0, 500),
    st.integers(0, 1_000_000),
    st.integers(0, 50_000),
    st.integers(0, 200_000),
)
def test_equal_keys_and_equal_constraints_give_equal_amounts_within_one_euro(n, key, budget, floor, cap):
    keys = np.array([key] * n + [key + 7, 3 * key + 1], dtype=float)
    shares = keys / keys.sum()
    codes = [f"GM{i:04d}" for i in range(len(keys))]
    lowers = [("min", np.full(len(keys), float(floor)))]
    uppers = [("max", np.full(len(keys), float(cap)))]
    bounds, offset, weight, problems = solve(codes, shares, budget, 0, lowers, uppers)
    assume(not problems)
    amounts = allocate_bounded(codes, offset, weight, bounds, budget).amounts
    assert amounts[:n].max() - amounts[:n].min() <= 1


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(bounded_problems())
def test_constraints_that_do_not_bind_change_nothing(problem):
    codes, shares, budget, vast, _lowers, _uppers = problem
    n = len(codes)
    plain = core.allocate_pot(codes, shares, {2023: budget}, vast).amounts[:, 0]
    lowers = [("min", np.zeros(n))]
    uppers = [("max", plain.astype(float) + 1)]
    bounds, offset, weight, problems = solve(codes, shares, budget, vast, lowers, uppers)
    assert not problems
    result = allocate_bounded(codes, offset, weight, bounds, budget)
    assert result.scale == 1.0
    assert np.array_equal(result.amounts, plain)


def test_fractional_bounds_are_rounded_inwards():
    # a minimum of EUR 100.4 becomes 101, a maximum of 200.6 becomes 200
    bounds = combine_bounds(3, [("min", np.array([100.4, 0, 0]))], [("max", np.array([200.6, 200.6, 200.6]))])
    assert list(bounds.lower) == [101, 0, 0]
    assert list(bounds.upper) == [200, 200, 200]
    amounts = round_within_bounds(np.array([101.0, 199.5, 199.5]), bounds.lower, bounds.upper, 500, ["A", "B", "C"])
    assert amounts.sum() == 500 and amounts.max() <= 200


def test_infeasible_floor_is_explained_in_euros():
    n = 352
    codes = [f"GM{i:04d}" for i in range(n)]
    bounds = combine_bounds(n, [("a minimum of € 5,000", np.full(n, 5000.0))], [])
    problems = check_feasible(codes, codes, np.zeros(n), np.full(n, 1_649_000 / n), bounds, 1_649_000, "ELIP 2023")
    assert problems == [
        "ELIP 2023: a minimum of € 5,000 for 352 municipalities needs € 1,760,000; "
        "the budget is € 1,649,000 (short € 111,000)"
    ]


def test_infeasible_cap_is_explained_in_euros():
    codes = ["GM0001", "GM0002"]
    bounds = combine_bounds(2, [], [("a maximum of € 100", np.full(2, 100.0))])
    problems = check_feasible(codes, codes, np.zeros(2), np.array([150.0, 150.0]), bounds, 300, "X 2021")
    assert problems == [
        "X 2021: the maximums (a maximum of € 100) for 2 municipalities allow at most € 200; "
        "the budget is € 300 (€ 100 cannot be paid out)"
    ]


# --- groups (active set over disjoint groups) ---------------------------------------------

from allocation.common.errors import InfeasibleError  # noqa: E402
from allocation.engine.groups import GroupLimit, allocate_with_groups  # noqa: E402


@st.composite
def grouped_problems(draw):
    n = draw(st.integers(2, 25))
    keys = np.array(draw(st.lists(st.integers(1, 1000), min_size=n, max_size=n)), dtype=float)
    budget = draw(st.integers(1_000, 1_000_000))
    labels = np.array(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)))  # 0: no group
    floor = float(draw(st.integers(0, 2_000)))
    groups = []
    for g in (1, 2, 3):
        mask = labels == g
        if not mask.any():
            continue
        low = draw(st.one_of(st.just(0), st.integers(0, budget)))
        high = draw(st.one_of(st.just(math.inf), st.integers(low, budget)))
        groups.append(GroupLimit(f"g{g}", mask, low, high, f"at least € {low}", f"at most € {high}"))
    return [f"GM{i:04d}" for i in range(n)], keys / keys.sum(), budget, floor, groups


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(grouped_problems())
def test_group_limits_hold_after_rounding_and_each_side_keeps_one_factor(problem):
    codes, shares, budget, floor, groups = problem
    n = len(codes)
    bounds = combine_bounds(n, [("floor", np.full(n, floor))], [])
    try:
        exact, amounts, mu, on_lower, on_upper, label = allocate_with_groups(
            codes, codes, np.zeros(n), shares * budget, bounds, budget, groups, "pot 2023"
        )
    except InfeasibleError:
        assume(False)
    assert amounts.sum() == budget
    assert np.all(amounts >= floor)
    for g in groups:
        assert g.lower <= amounts[g.mask].sum() <= g.upper
    # outside the held groups, municipalities no bound holds share one factor on the key
    free = (label == "") & ~on_lower & ~on_upper
    np.testing.assert_allclose(exact[free], mu * shares[free] * budget, rtol=1e-9, atol=1e-6)


# --- the joint LP accepts whatever the year-by-year closed form produces ---------------------

from allocation.engine import joint_lp as lp  # noqa: E402


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    st.integers(2, 15),
    st.lists(st.integers(50_000, 150_000), min_size=2, max_size=4),
    st.integers(0, 3_000),
    st.integers(5, 50),
    st.randoms(use_true_random=False),
)
def test_year_by_year_success_means_the_joint_lp_is_feasible(n, budgets, floor, band_pct, random):
    keys = np.array([random.randint(1, 100) for _ in range(n)], dtype=float)
    shares = keys / keys.sum()
    codes = [f"GM{i:04d}" for i in range(n)]
    band = band_pct / 100
    amounts = np.zeros((n, len(budgets)), dtype=np.int64)
    for t, budget in enumerate(budgets):
        lowers = [("floor", np.full(n, float(floor)))]
        uppers = []
        if t:
            lowers.append(("band", amounts[:, t - 1] * (1 - band)))
            uppers.append(("band", amounts[:, t - 1] * (1 + band)))
        bounds = combine_bounds(n, lowers, uppers)
        assume(not check_feasible(codes, codes, np.zeros(n), shares * budget, bounds, budget, "y"))
        amounts[:, t] = allocate_bounded(codes, np.zeros(n), shares * budget, bounds, budget).amounts
        assert np.all(amounts[:, t] >= bounds.lower) and np.all(amounts[:, t] <= bounds.upper)
    problem = lp.JointProblem(
        tuple(codes), tuple(range(2021, 2021 + len(budgets))), tuple(budgets),
        np.full((n, len(budgets)), float(floor)), np.full((n, len(budgets)), np.inf), band, band,
    )
    assert lp.solve_joint_pulp(problem, "highs").feasible


def test_money_that_only_zero_key_municipalities_could_take_is_explained():
    codes = ["GM0001", "GM0002", "GM0003"]
    bounds = combine_bounds(3, [], [("a maximum of € 100", np.array([100.0, 100.0, np.nan]))])
    problems = check_feasible(codes, codes, np.zeros(3), np.array([150.0, 150.0, 0.0]), bounds, 300, "X 2021")
    assert problems == [
        "X 2021: the maximums (a maximum of € 100) for 2 municipalities (and 1 municipalities with a zero key, "
        "which get no share) allow at most € 200; the budget is € 300 (€ 100 cannot be paid out)"
    ]
