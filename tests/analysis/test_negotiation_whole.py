"""The negotiation answered whole (:mod:`allocation.analysis.negotiation`): the guarantee per
year with who is topped up and who pays, the compromise at any level in words, one level list
for every face. Random arrays here are FICTITIOUS test data."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocation.analysis.guarantee import guarantee_cost, paid_amounts
from allocation.analysis.negotiation import LEVELS, MUNICIPALITY_COLUMNS, compromise_of, key_in_words, negotiate
from allocation.common import i18n
from allocation.publish.comparison import negotiation_views
from tests.conftest import SCENARIOS, shipped
from tests.faces.test_cli import cli

pytestmark = pytest.mark.usefixtures("english")  # asserts the English wording of messages


@pytest.fixture(scope="module")
def migratie():
    base, other = shipped("kamerbrief-2021"), shipped("variant-migratie")
    return base, other, negotiate(base, other, max_loss_pct=5.0, year=2022)


def test_the_guaranteed_amounts_sum_to_each_year_budget_and_the_top_ups_to_the_afroming(migratie):
    base, other, found = migratie
    frame = found.guarantee.municipalities
    assert list(frame.columns) == MUNICIPALITY_COLUMNS
    for (pot, year), part in frame.groupby(["pot", "year"]):
        rows = other.allocation[(other.allocation["pot"] == pot) & (other.allocation["year"] == year)]
        assert int(part["guaranteed_eur"].sum()) == int(rows["amount_eur"].sum())
        assert int(part["top_up_eur"].sum()) == int(part["afroming_eur"].sum())
        assert (part["guaranteed_eur"] == part["scenario_eur"] + part["top_up_eur"] - part["afroming_eur"]).all()
        item = found.guarantee.year(pot, year)
        assert int(part["top_up_eur"].sum()) == item.top_up_eur  # the table's top-up, paid exactly
        assert int((part["top_up_eur"] > 0).sum()) == item.cost.topped_up
        assert int((part["afroming_eur"] > 0).sum()) == item.payers


def _brute_force_cap(reference: list[int], scenario: list[int], top_up: int) -> Fraction | None:
    """The cap c (in %) at which the gains above (1 + c/100) r sum to the top-up, by bisection
    in exact fractions (independent of the breakpoint walk of the library)."""
    def skim(c: Fraction) -> Fraction:
        return sum((max(Fraction(0), s - (1 + c / 100) * r) for r, s in zip(reference, scenario) if r > 0),
                   Fraction(0))
    if skim(Fraction(0)) < top_up:
        return None
    low, high = Fraction(0), Fraction(max(s * 100 // max(r, 1) for r, s in zip(reference, scenario)) + 100)
    for _ in range(80):
        middle = (low + high) / 2
        low, high = (middle, high) if skim(middle) > top_up else (low, middle)
    return (low + high) / 2


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5_000), st.integers(0, 5_000)), min_size=2, max_size=12),
       st.sampled_from([0.0, 1.0, 2.5, 5.0, 10.0, 20.0]))
def test_the_budget_neutral_guarantee_equals_a_brute_force_of_floors_and_caps(pairs, level):
    reference = [p[0] for p in pairs]
    scenario = [p[1] for p in pairs]
    keep = 1 - Fraction(level) / 100
    floor = [-((-r * keep.numerator) // keep.denominator) for r in reference]  # ceil, exactly
    top_up = sum(max(0, f - s) for f, s in zip(floor, scenario))
    codes = [f"GM{i:04d}" for i in range(len(pairs))]
    paid = paid_amounts(np.array(reference), np.array(scenario), level, codes)
    assert guarantee_cost(np.array(reference), np.array(scenario), level).top_up_eur == top_up
    cap = _brute_force_cap(reference, scenario, top_up) if top_up else None
    if top_up and cap is None:  # skimming every gain does not pay: no budget-neutral variant
        assert paid is None
        return
    assert paid is not None
    assert int(paid.sum()) == sum(scenario)  # the year budget, exactly
    for r, s, f, g in zip(reference, scenario, floor, paid):
        assert g >= f  # nobody below the floor
        limit = (1 + cap / 100) * r if (cap is not None and r > 0) else None
        exact = max(f, s) if limit is None else max(f, min(s, limit))
        assert abs(g - exact) < 1 + 1e-6  # within a euro of the exact floors-and-caps answer


def test_the_guarantee_command_writes_who_is_topped_up_and_who_pays(tmp_path):
    done = cli("guarantee", str(SCENARIOS / "kamerbrief-2021.yaml"), str(SCENARIOS / "variant-migratie.yaml"),
               "--out", str(tmp_path), "--max-loss-pct", "10", "5")
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(tmp_path / "guarantee-kamerbrief-2021-vs-variant-migratie.csv")
    assert sorted(set(table["max_loss_pct"])) == [5.0, 10.0]
    frame = pd.read_csv(tmp_path / "guarantee-kamerbrief-2021-vs-variant-migratie-municipalities.csv")
    assert list(frame.columns) == MUNICIPALITY_COLUMNS
    at_ten = table[table["max_loss_pct"] == 10.0].set_index(["pot", "year"])["top_up_eur"]
    for (pot, year), part in frame.groupby(["pot", "year"]):  # the first level given: 10%
        assert int(part["top_up_eur"].sum()) == int(at_ten[(pot, str(year))])
    assert "elip 2022: costs nothing: nobody loses more than 10%" in done.stdout
    assert "None" not in done.stdout


def test_the_compromise_is_solved_at_any_level_given():
    base, target = shipped("kamerbrief-2021"), shipped("variant-migratie")
    found = compromise_of(base, target, "ondertussengroep", 3.7)
    assert found.max_loss_pct == 3.7 and found.feasible
    assert sorted(found.frontier["max_loss_pct"]) == sorted({*LEVELS, 3.7})
    assert found.scenario_yaml is not None and "max loss 3.7%" in found.scenario_yaml
    assert "of the budget" in found.words and "€ " in found.words  # the distance with its unit
    with i18n.using("nl"):
        assert "van het budget" in found.words


def test_the_key_in_words_is_dutch_with_dutch_numbers():
    with i18n.using("nl"):
        words = key_in_words({"inwoners": 0.35, "migratieachtergrond": 0.65}, 152)
        assert words == "35% inwoners, 65% migratieachtergrond, vast bedrag € 152 per gemeente"
        assert key_in_words({"inwoners": 0.125, "migratieachtergrond": 0.875}, 3500) == (
            "12,5% inwoners, 87,5% migratieachtergrond, vast bedrag € 3.500 per gemeente")
    with i18n.using("en"):
        assert key_in_words({"inwoners": 0.125}, 3500) == "12.5% inwoners, vast bedrag € 3,500 per municipality"


def test_a_compromise_that_keeps_the_reference_key_says_so():
    base, target = shipped("kamerbrief-2021"), shipped("variant-migratie")
    found = compromise_of(base, target, "elip", 2.0)  # both use migratieachtergrond for ELIP
    assert found.same_as == "reference"
    with i18n.using("nl"):
        assert found.words.startswith("Gelijk aan de referentiesleutel")


def test_the_workbook_sheets_use_the_one_level_list(migratie):
    base, other, _ = migratie
    views = {suffix: frame for _, suffix, frame in negotiation_views(base, [other])}
    assert set(views["guarantee"]["max_loss_pct"]) == set(LEVELS)
    assert set(views["compromise"]["max_loss_pct"]) == set(LEVELS)
