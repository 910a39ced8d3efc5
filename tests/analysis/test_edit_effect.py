"""What an edit does, shown beside it: the headline figures against the scenario it started
from, and every valid edit kept when one is not.

Amounts in the hand-made frames here are FICTITIOUS test data.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from allocation.analysis.edit_effect import edit_effect
from allocation.faces import views
from allocation.scenario import edits
from allocation.scenario.build import build
from allocation.scenario.loading import scenario_data, to_yaml
from tests.conftest import SCENARIOS, plan_of, shipped

# these tests assert the English wording of the library's messages and outputs
pytestmark = pytest.mark.usefixtures("english")


def frame(amounts: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame({"gm_code": list(amounts), "gm_name": [f"name {c}" for c in amounts],
                         "amount_eur": list(amounts.values())})


def test_the_headline_figures_of_an_edit():
    before = frame({"GM0001": 1000, "GM0002": 1000, "GM0003": 2000, "GM0004": 0})
    after = frame({"GM0001": 940, "GM0002": 960, "GM0003": 2000, "GM0004": 100})
    effect = edit_effect(before, after)
    assert effect.redistributed_eur == 100  # (60 + 40 + 100) / 2
    assert effect.losing_over_5pct == 1  # GM0001 -6%; GM0002 -4% is not more than 5%
    assert effect.gaining_over_5pct == 1  # GM0004 from nothing
    assert (effect.largest_loss.code, effect.largest_loss.eur, effect.largest_loss.pct) == ("GM0001", -60, -6.0)
    assert (effect.largest_gain.code, effect.largest_gain.eur, effect.largest_gain.pct) == ("GM0004", 100, None)
    assert effect.table["diff_eur"].tolist() == [-60, -40, 0, 100]


def test_a_loss_of_exactly_five_percent_is_not_more_than_five_percent():
    effect = edit_effect(frame({"GM0001": 100_000}), frame({"GM0001": 95_000}))
    assert effect.losing_over_5pct == 0


def test_equal_losses_name_the_lowest_code():
    effect = edit_effect(frame({"GM0002": 100, "GM0001": 100, "GM0003": 0}),
                         frame({"GM0002": 90, "GM0001": 90, "GM0003": 20}))
    assert effect.largest_loss.code == "GM0001"


def test_no_edit_has_no_effect():
    same = frame({"GM0001": 5, "GM0002": 7})
    effect = edit_effect(same, same)
    assert not effect.changed and effect.largest_loss is None and effect.largest_gain is None
    assert effect.redistributed_eur == 0


@given(st.lists(st.tuples(st.integers(0, 10**7), st.integers(0, 10**7)), min_size=1, max_size=40))
def test_the_headline_figures_follow_their_definitions(pairs):
    codes = [f"GM{i:04d}" for i in range(len(pairs))]
    before = frame(dict(zip(codes, [b for b, _ in pairs])))
    after = frame(dict(zip(codes, [a for _, a in pairs])))
    effect = edit_effect(before, after)
    diffs = [a - b for b, a in pairs]
    assert effect.redistributed_eur == sum(abs(d) for d in diffs) / 2
    assert effect.losing_over_5pct == sum(1 for (b, a) in pairs if b > 0 and (a - b) * 100 < -5 * b)
    if min(diffs) < 0:
        assert effect.largest_loss.eur == min(diffs)
        assert effect.largest_loss.code == codes[diffs.index(min(diffs))]
    if max(diffs) > 0:
        assert effect.largest_gain.eur == max(diffs)
    assert effect.total_after - effect.total_before == sum(diffs)


def test_the_effect_of_a_key_change_on_the_shipped_scenario():
    origin = shipped("kamerbrief-2021")
    data = edits.set_weights(scenario_data(origin.loaded.text), "elip", {"inwoners": 1.0})
    edited = build(data, origin="edited", scenario_id="kamerbrief-2021-bewerkt", base_dir=SCENARIOS)
    effect = edit_effect(views.pot_year_table(origin, "elip", 2022), views.pot_year_table(edited, "elip", 2022))
    assert effect.total_before == effect.total_after == 2_625_000
    assert effect.largest_loss.name == "Amsterdam"  # the key moves money away from the big cities
    assert effect.losing_over_5pct > 0 and effect.redistributed_eur > 0


def problems_of(data: dict) -> list[str]:
    try:
        build(to_yaml(data), origin="edited", scenario_id="x", base_dir=SCENARIOS)
        return []
    except Exception as exc:  # InputError and its kinds carry .problems
        return list(getattr(exc, "problems", [str(exc)]))


def test_every_valid_edit_is_kept_when_one_is_not():
    data = scenario_data((SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8"))
    wanted = {
        "invoering": {"budget_eur": 10_000_000, "scale_years": False},  # the years add up to 9 mln: invalid
        "elip": {"weights": {"inwoners": 1.0}},  # valid
    }
    kept, rejected = edits.apply_valid_edits(data, plan_of(wanted), problems_of)
    assert list(rejected) == [("invoering", "budget")]
    assert "the years add up to € 9,000,000 but the budget is € 10,000,000" in rejected[("invoering", "budget")][0]
    assert kept == edits.apply_edits(data, plan_of({"elip": wanted["elip"]}))


def test_edits_that_are_valid_together_are_kept_together():
    data = scenario_data((SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8"))
    wanted = {"invoering": {"budget_eur": 10_000_000, "scale_years": False, "years": {2021: 10_000_000}}}
    kept, rejected = edits.apply_valid_edits(data, plan_of(wanted), problems_of)
    assert rejected == {}
    assert kept == edits.apply_edits(data, plan_of(wanted))


def test_the_units_of_an_edit():
    units = edits.split_edits(plan_of(
        {"elip": {"budget_eur": 1, "years": {2021: 1}, "weights": {"a": 1}, "source": "s"}}, {"caps": {0: None}}))
    assert [unit for unit, _ in units] == [("elip", "budget"), ("elip", "weights"), edits.CROSS_POT_UNIT]
    assert units[0][1] == plan_of({"elip": {"budget_eur": 1, "years": {2021: 1}, "source": "s"}})


def test_the_largest_loss_is_given_in_euros_and_in_percent_each_its_own_municipality():
    before = frame({"GM0001": 10_000, "GM0002": 1_000, "GM0003": 5_000})  # FICTITIOUS
    after = frame({"GM0001": 9_000, "GM0002": 700, "GM0003": 5_300})
    effect = edit_effect(before, after)
    assert (effect.largest_loss.code, effect.largest_loss.eur) == ("GM0001", -1_000)  # -10%
    assert (effect.largest_loss_pct.code, effect.largest_loss_pct.pct) == ("GM0002", pytest.approx(-30.0))


def test_compare_and_the_allocation_view_share_one_redistributed_figure():
    """The compare view's rows through the one function give the comparison's own figure."""
    from allocation.analysis.compare import compare
    from allocation.analysis.edit_effect import comparison_effect

    comparison = compare([shipped("kamerbrief-2021"), shipped("kamerbrief-2021-ingroei")], baseline=0)
    part = views.comparison_slice(comparison, comparison.others[0].label, "ondertussengroep", "2022")
    assert comparison_effect(part["municipalities"]).redistributed_eur == part["totals"]["redistributed_eur"].iloc[0]
