"""Restating amounts on later registers: mergers add up, splits divide by weight, totals hold.

The reorganisation tables below (codes GM9xxx and their split weights) are FICTITIOUS test
data, made up to exercise splits and chains; the real table has no split after 1 January
2021.
"""

from __future__ import annotations

from fractions import Fraction

import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from allocation import load_scenario, parse_scenario, run_scenario
from allocation.common import i18n
from allocation.common.errors import InputError
from allocation.engine.restate import RestatementError, restate, split_whole, successor_map
from allocation.scenario.running import refresh_published
from tests.conftest import SCENARIOS, shipped

# these tests assert the English wording of the library's messages and outputs
pytestmark = pytest.mark.usefixtures("english")

COLUMNS = ["effective_date", "old_code", "old_name", "new_code", "new_name", "change_type", "note", "split_weight"]


def table(rows: list[tuple]) -> pd.DataFrame:
    """FICTITIOUS mergers: (date, old, new, change_type, split_weight)."""
    return pd.DataFrame(
        [(date, old, "", new, "", kind, "", weight) for date, old, new, kind, weight in rows], columns=COLUMNS
    )


FICTITIOUS = table(
    [
        ("2022-01-01", "GM9001", "GM9100", "merged_new_municipality", ""),
        ("2022-01-01", "GM9002", "GM9100", "merged_new_municipality", ""),
        ("2022-01-01", "GM9003", "GM9004", "absorbed", ""),
        ("2022-01-01", "GM9004", "GM9004", "absorbing_continues", ""),
        # a split over an existing municipality and a new one, weights 1 : 3
        ("2023-01-01", "GM9005", "GM9006", "split_part", "1"),
        ("2023-01-01", "GM9005", "GM9200", "split_part", "3"),
        # chain: the 2022 merger is split again in 2023 (weights as decimals)
        ("2023-01-01", "GM9100", "GM9300", "split_part", "0.5"),
        ("2023-01-01", "GM9100", "GM9301", "split_part", "0.5"),
    ]
)
AMOUNTS = pd.Series({"GM9001": 100, "GM9002": 51, "GM9003": 7, "GM9004": 10, "GM9005": 10, "GM9006": 1, "GM9007": 5})


def test_merger_gives_the_sum_of_the_predecessors_and_absorber_adds_the_absorbed():
    restated = restate(AMOUNTS, FICTITIOUS, after="2021-01-01", until="2022-12-31")
    assert restated["GM9100"] == 100 + 51
    assert restated["GM9004"] == 10 + 7
    assert "GM9001" not in restated and "GM9003" not in restated
    assert restated["GM9007"] == 5
    assert restated.sum() == AMOUNTS.sum()


def test_changes_on_or_before_the_key_register_date_are_not_applied():
    assert restate(AMOUNTS, FICTITIOUS, after="2022-01-01", until="2022-06-30").to_dict() == AMOUNTS.to_dict()


def test_split_divides_by_weight_in_whole_euros_and_follows_chains():
    restated = restate(AMOUNTS, FICTITIOUS, after="2021-01-01", until="2023-01-01")
    # 10 euros 1:3 -> 2.5 and 7.5: equal remainders, the lower code GM9006 gets the euro
    assert restated["GM9006"] == 1 + 3 and restated["GM9200"] == 7
    # chain: GM9001 + GM9002 = 151 in 2022, split 0.5 : 0.5 in 2023 -> 76 and 75
    assert restated["GM9300"] == 76 and restated["GM9301"] == 75
    assert restated.sum() == AMOUNTS.sum()
    assert list(restated.index) == sorted(restated.index)


def test_split_whole_is_exact_with_largest_remainder_ties_by_code():
    assert split_whole(10, [("GM0002", Fraction(1, 3)), ("GM0001", Fraction(1, 3)), ("GM0003", Fraction(1, 3))]) == {
        "GM0001": 4,
        "GM0002": 3,
        "GM0003": 3,
    }
    assert split_whole(0, [("GM0001", Fraction(1, 2)), ("GM0002", Fraction(1, 2))]) == {"GM0001": 0, "GM0002": 0}


def test_split_without_weights_is_an_error_naming_the_municipality():
    broken = FICTITIOUS.copy()
    broken.loc[broken["new_code"] == "GM9200", "split_weight"] = ""
    with pytest.raises(RestatementError) as info:
        restate(AMOUNTS, broken, after="2021-01-01", until="2023-01-01")
    assert "GM9005 is split on 2023-01-01 into GM9006, GM9200" in info.value.problems[0]


def test_frame_columns_are_restated_independently():
    frame = pd.DataFrame({"a": AMOUNTS, "b": AMOUNTS * 3})
    restated = restate(frame, FICTITIOUS, after="2021-01-01", until="2023-01-01")
    assert restated["a"].sum() == AMOUNTS.sum() and restated["b"].sum() == 3 * AMOUNTS.sum()
    assert restated["a"]["GM9300"] == 76 and restated["b"]["GM9300"] == 227  # 453 split in halves


def test_successor_map_composes_chains_with_exact_shares():
    mapping = successor_map(list(AMOUNTS.index), FICTITIOUS, after="2021-01-01", until="2023-01-01")
    rows = {(r.predecessor, r.successor): r for r in mapping.itertuples()}
    assert rows[("GM9001", "GM9300")].share == "1/2"
    assert "2022-01-01 merged_new_municipality; 2023-01-01 split_part 1/2" == rows[("GM9001", "GM9300")].steps
    assert rows[("GM9005", "GM9200")].share == "3/4"
    assert ("GM9007", "GM9007") not in rows  # untouched municipalities are not listed
    shares = mapping.groupby("predecessor")["share"].apply(lambda s: sum(Fraction(x) for x in s))
    assert (shares == 1).all()


@settings(max_examples=60, deadline=None)
@given(
    amounts=st.lists(st.integers(min_value=0, max_value=10**9), min_size=7, max_size=7),
    weights=st.lists(st.integers(min_value=0, max_value=1000), min_size=2, max_size=2).filter(lambda w: sum(w) > 0),
)
def test_restatement_conserves_every_total_to_the_euro(amounts, weights):
    data = FICTITIOUS.copy()
    data.loc[data["new_code"] == "GM9006", "split_weight"] = str(weights[0])
    data.loc[data["new_code"] == "GM9200", "split_weight"] = str(weights[1])
    series = pd.Series(amounts, index=AMOUNTS.index)
    for until in ("2022-01-01", "2023-01-01"):
        restated = restate(series, data, after="2021-01-01", until=until)
        assert restated.sum() == series.sum()
        assert (restated >= 0).all()
        # order of the input rows does not matter
        assert restate(series.iloc[::-1], data.iloc[::-1], after="2021-01-01", until=until).equals(restated)


# --- the shipped scenario on the real registers ----------------------------------------

BASE_TEXT = (SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def baseline():
    return shipped("kamerbrief-2021")


@pytest.fixture(scope="module")
def after_weesp():
    data = yaml.safe_load(BASE_TEXT)
    data["peildata"] = {2022: {"date": "2022-03-24", "source": "test: register after Weesp joined Amsterdam"}}
    with i18n.using("en"):  # a result holds its provenance texts in the language it was run in
        return run_scenario(parse_scenario(yaml.safe_dump(data), origin="weesp.yaml", scenario_id="weesp"))


def amount(frame: pd.DataFrame, pot: str, year: int, code: str) -> int:
    rows = frame[(frame["pot"] == pot) & (frame["year"] == year) & (frame["gm_code"] == code)]
    assert len(rows) <= 1
    return int(rows["amount_eur"].iloc[0]) if len(rows) else None


def test_payment_years_list_the_municipalities_of_their_register(baseline, after_weesp):
    counts = baseline.published.groupby("year")["gm_code"].nunique().to_dict()
    assert counts == {2021: 352, 2022: 345, 2023: 342, 2024: 342, 2025: 342, 2026: 342}
    assert after_weesp.published.groupby("year")["gm_code"].nunique()[2022] == 344
    for result in (baseline, after_weesp):
        totals = result.published.groupby(["pot", "year"])["amount_eur"].sum()
        assert totals.equals(result.allocation.groupby(["pot", "year"])["amount_eur"].sum())


def test_land_van_cuijk_2022_is_the_sum_of_its_five_predecessors(baseline):
    predecessors = ["GM0756", "GM1684", "GM0786", "GM0815", "GM1702"]
    for pot in ("ondertussengroep", "elip"):
        expected = sum(amount(baseline.allocation, pot, 2022, code) for code in predecessors)
        assert amount(baseline.published, pot, 2022, "GM1982") == expected
        assert all(amount(baseline.published, pot, 2022, code) is None for code in predecessors)
    assert amount(baseline.published, "ondertussengroep", 2021, "GM1982") is None


def test_amsterdam_2022_includes_weesp_only_with_the_2022_03_24_register(baseline, after_weesp):
    for pot in ("ondertussengroep", "elip"):
        own = amount(baseline.allocation, pot, 2022, "GM0363")
        weesp = amount(baseline.allocation, pot, 2022, "GM0457")
        assert amount(baseline.published, pot, 2022, "GM0363") == own
        assert amount(baseline.published, pot, 2022, "GM0457") == weesp
        assert amount(after_weesp.published, pot, 2022, "GM0363") == own + weesp
        assert amount(after_weesp.published, pot, 2022, "GM0457") is None
    assert after_weesp.peildata[2022] == ("2022-03-24", "source: test: register after Weesp joined Amsterdam")
    assert after_weesp.peildata[2023][1].startswith("ASSUMPTION")


def test_voorne_aan_zee_from_2023_and_brielle_gone(baseline):
    published = baseline.published
    for year in range(2021, 2027):
        codes = set(published[(published["pot"] == "ondertussengroep") & (published["year"] == year)]["gm_code"])
        assert ("GM1992" in codes) == (year >= 2023)
        assert ("GM0501" in codes) == (year <= 2022)
    parts = ["GM0501", "GM0530", "GM0614"]
    expected = sum(amount(baseline.allocation, "elip", 2024, code) for code in parts)
    assert amount(published, "elip", 2024, "GM1992") == expected


def test_long_table_keeps_the_key_register_for_other_users(baseline):
    assert (baseline.allocation.groupby("year")["gm_code"].nunique() == 352).all()


def test_refresh_published_follows_a_changed_allocation():
    result = run_scenario(load_scenario(SCENARIOS / "kamerbrief-2021.yaml"))
    moved = result.allocation.copy()
    pick = (moved["pot"] == "elip") & (moved["year"] == 2023)
    moved.loc[pick & (moved["gm_code"] == "GM0501"), "amount_eur"] += 10  # Brielle
    moved.loc[pick & (moved["gm_code"] == "GM0363"), "amount_eur"] -= 10  # Amsterdam
    before = amount(result.published, "elip", 2023, "GM1992")
    result.allocation = moved
    refresh_published(result)
    assert amount(result.published, "elip", 2023, "GM1992") == before + 10
    assert result.published[result.published["pot"] == "elip"].groupby("year")["amount_eur"].sum()[2023] == 1_649_000


@pytest.mark.parametrize(
    "peildata, fragment",
    [
        ({2022: {"date": "2023-03-24", "source": "x"}}, "peildatum 2023-03-24 is not in 2022"),
        ({2030: {"date": "2030-01-01", "source": "x"}}, "year 2030 is outside 2021-2026"),
        ({2022: {"date": "2022-03-24"}}, "give a `source:` or label it with `assumption:`"),
        ({2022: {"date": "2022-03-24", "source": "x", "dat": 1}}, "peildata.2022.dat: unknown field"),
    ],
)
def test_bad_peildatum_is_a_message_naming_the_field(peildata, fragment):
    data = yaml.safe_load(BASE_TEXT)
    data["peildata"] = peildata
    with pytest.raises(InputError) as info:
        parse_scenario(yaml.safe_dump(data), origin="s.yaml", scenario_id="s")
    assert any(fragment in problem and problem.startswith("s.yaml: peildata") for problem in info.value.problems), (
        info.value.problems
    )



def test_publishing_by_summing_mergers_equals_the_general_restatement(monkeypatch):
    """The shortcut for registers reached by mergers and renames only (each municipality whole
    to one successor) gives the same published table as restate(), which also divides splits."""
    from allocation.scenario import running
    from tests.conftest import shipped

    fast = shipped("kamerbrief-2021").published
    monkeypatch.setattr(running, "_merge_targets", lambda codes, successors: None)  # always the general path
    result = shipped("kamerbrief-2021")
    running.refresh_published(result)
    assert result.published.equals(fast)


def test_the_merger_shortcut_steps_aside_for_a_split():
    import pandas as pd

    from allocation.scenario.running import _merge_targets

    merged = pd.DataFrame({"predecessor": ["GM0001", "GM0002"], "successor": ["GM0009", "GM0009"],
                           "share": ["1", "1"]})
    targets, position = _merge_targets(["GM0001", "GM0002", "GM0003"], merged)
    assert list(targets) == ["GM0003", "GM0009"] and list(position) == [1, 1, 0]
    split = pd.DataFrame({"predecessor": ["GM0001", "GM0001"], "successor": ["GM0008", "GM0009"],
                          "share": ["1/4", "3/4"]})
    assert _merge_targets(["GM0001", "GM0002"], split) is None
