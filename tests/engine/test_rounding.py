"""Money rules of the allocation core: exact sums, no negatives, determinism, order independence."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocation.common.errors import InfeasibleError
from allocation.engine import pot as core

# these tests assert the English wording of the library's messages and outputs
pytestmark = pytest.mark.usefixtures("english")

weights_strategy = st.lists(
    st.one_of(st.just(0.0), st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False)),
    min_size=1,
    max_size=60,
).filter(lambda values: sum(values) > 0)
budget_strategy = st.integers(min_value=0, max_value=10**11)


def codes_for(n: int) -> list[str]:
    return [f"GM{i:04d}" for i in range(n)]


@settings(max_examples=300, deadline=None)
@given(weights=weights_strategy, budget=budget_strategy)
def test_apportion_sums_exactly_and_is_never_negative(weights, budget):
    amounts = core.apportion(np.array(weights), budget, codes_for(len(weights)))
    assert amounts.dtype == np.int64
    assert int(amounts.sum()) == budget
    assert (amounts >= 0).all()


@settings(max_examples=300, deadline=None)
@given(weights=weights_strategy, budget=budget_strategy)
def test_apportion_stays_within_one_euro_of_the_exact_amount(weights, budget):
    w = np.array(weights)
    amounts = core.apportion(w, budget, codes_for(len(w)))
    exact = w / w.sum() * budget
    assert np.all(np.abs(amounts - exact) < 1 + 1e-6 * max(1.0, budget))


@settings(max_examples=200, deadline=None)
@given(weights=weights_strategy, budget=budget_strategy, data=st.data())
def test_apportion_does_not_depend_on_row_order(weights, budget, data):
    codes = codes_for(len(weights))
    permutation = data.draw(st.permutations(range(len(weights))))
    straight = dict(zip(codes, core.apportion(np.array(weights), budget, codes)))
    shuffled_codes = [codes[i] for i in permutation]
    shuffled = core.apportion(np.array([weights[i] for i in permutation]), budget, shuffled_codes)
    assert dict(zip(shuffled_codes, shuffled)) == straight


@settings(max_examples=100, deadline=None)
@given(weights=weights_strategy, budget=budget_strategy)
def test_apportion_gives_the_same_output_for_the_same_input(weights, budget):
    codes = codes_for(len(weights))
    first = core.apportion(np.array(weights), budget, codes)
    second = core.apportion(np.array(list(weights)), budget, list(codes))
    assert np.array_equal(first, second)


def test_ties_go_to_the_lowest_municipality_code():
    # three equal keys, 100 euros: 33.33 each, the one left-over euro goes to GM0001
    amounts = core.apportion(np.ones(3), 100, ["GM0003", "GM0001", "GM0002"])
    assert dict(zip(["GM0003", "GM0001", "GM0002"], amounts)) == {"GM0001": 34, "GM0002": 33, "GM0003": 33}


def test_equal_keys_get_amounts_within_one_euro():
    amounts = core.apportion(np.full(7, 3.0), 1_000_001, codes_for(7))
    assert amounts.max() - amounts.min() <= 1


@settings(max_examples=150, deadline=None)
@given(
    weights=weights_strategy,
    years=st.dictionaries(st.integers(2021, 2026), st.integers(0, 10**9), min_size=1),
    vast=st.integers(0, 10_000),
)
def test_pot_years_sum_exactly_with_a_vast_bedrag_first(weights, years, vast):
    codes = codes_for(len(weights))
    shares = core.normalise(np.array(weights))
    if any(vast * len(codes) > budget for budget in years.values()):
        with pytest.raises(InfeasibleError, match="short € "):
            core.allocate_pot(codes, shares, years, vast)
        return
    pot = core.allocate_pot(codes, shares, years, vast)
    for column, year in enumerate(pot.years):
        assert int(pot.amounts[:, column].sum()) == years[year]
        assert (pot.amounts[:, column] >= vast).all()


def test_vast_bedrag_shortfall_is_explained_in_euros():
    with pytest.raises(InfeasibleError) as info:
        core.allocate_pot(codes_for(352), np.full(352, 1 / 352), {2023: 1_649_000}, 5_000, label="ELIP")
    assert info.value.problems == [
        "ELIP 2023: a vast bedrag of € 5,000 for 352 municipalities needs € 1,760,000; "
        "the budget is € 1,649,000 (short € 111,000)"
    ]


@settings(max_examples=100, deadline=None)
@given(
    shares=st.dictionaries(st.integers(2021, 2026), st.floats(0, 100, allow_nan=False), min_size=1).filter(
        lambda d: sum(d.values()) > 0
    ),
    total=budget_strategy,
)
def test_year_shares_are_normalised_to_whole_euros_that_sum_to_the_budget(shares, total):
    budgets = core.year_budgets(total, shares, "shares")
    assert sum(budgets.values()) == total
    assert all(amount >= 0 for amount in budgets.values())


def test_year_euros_must_add_up_to_the_budget():
    with pytest.raises(ValueError):
        core.year_budgets(100, {2021: 50, 2022: 49}, "euros")


def test_combined_key_is_the_weighted_sum_of_normalised_keys():
    shares = core.combine_keys({"a": np.array([1.0, 3.0]), "b": np.array([10.0, 10.0])}, {"a": 0.5, "b": 0.5})
    assert shares == pytest.approx([0.5 * 0.25 + 0.5 * 0.5, 0.5 * 0.75 + 0.5 * 0.5])
    assert shares.sum() == pytest.approx(1.0)
