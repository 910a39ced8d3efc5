"""Scenario comparison: differences add up, self-comparison is no change, bands count every
municipality, swapping baseline and other mirrors the signs, and the workbook is complete.

Scenarios with random key weights below are generated for the test; they are not positions
anyone took.
"""

from __future__ import annotations

import copy
import gc
import io
import math

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from allocation import comparison_summary, parse_scenario, run_scenario
from allocation.analysis.compare import ALL, BANDS, band_of, compare, gini, percent_change
from allocation.common import i18n
from allocation.common.errors import InputError
from allocation.publish.comparison import CSV_IDENTIFIERS, comparison_files, comparison_workbook
from tests.conftest import SCENARIOS, shipped

# these tests assert the English wording of the library's messages and outputs
pytestmark = pytest.mark.usefixtures("english")

BASE_TEXT = (SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8")
BASE = yaml.safe_load(BASE_TEXT)
KEYS = ["inwoners", "vast_bedrag", "migratieachtergrond", "oppervlakte"]


@pytest.fixture(scope="module")
def baseline():
    return shipped("kamerbrief-2021")


@pytest.fixture(scope="module")
def migratie():
    return shipped("variant-migratie")


@pytest.fixture(scope="module")
def pair(baseline, migratie):
    return compare([baseline, migratie])


def scenario_from(data: dict, scenario_id: str):
    return run_scenario(parse_scenario(yaml.safe_dump(data), origin=f"{scenario_id}.yaml", scenario_id=scenario_id))


def with_weights(
    ondertussengroep: dict[str, float],
    invoering: dict[str, float],
    vast: int,
    scenario_id: str,
    invoering_eur: int = 9_000_000,
):
    data = copy.deepcopy(BASE)
    data["pots"]["ondertussengroep"]["key"]["weights"] = ondertussengroep
    data["pots"]["invoering"]["key"]["weights"] = invoering
    data["pots"]["invoering"]["key"]["vast_bedrag_eur"] = vast
    data["pots"]["invoering"]["budget"]["amount_eur"] = invoering_eur
    data["pots"]["invoering"]["years"]["euros"] = {2021: invoering_eur}
    return scenario_from(data, scenario_id)


def weights_strategy():
    """Random weights over the built-in keys that sum to exactly 1 (generated, fictitious)."""

    def build(parts):
        total = sum(parts)
        weights = {key: part / total for key, part in zip(KEYS, parts) if part}
        # make the sum exactly 1 in floating point by giving the remainder to one key
        first = next(iter(weights))
        weights[first] = 1.0 - math.fsum(v for k, v in weights.items() if k != first)
        return weights

    return st.lists(st.integers(0, 10), min_size=len(KEYS), max_size=len(KEYS)).filter(lambda p: sum(p) > 0).map(build)


def level_totals(result, pots, years) -> dict[tuple[str, str], int]:
    """Totals per (pot, year) level straight from the scenario's allocation table."""
    table = result.allocation
    totals: dict[tuple[str, str], int] = {}
    for pot in pots:
        rows = table[(table["pot"] == pot) & table["year"].isin(years[pot])]
        for year, amount in rows.groupby("year")["amount_eur"].sum().items():
            totals[(pot, str(year))] = int(amount)
            totals[(ALL, str(year))] = totals.get((ALL, str(year)), 0) + int(amount)
        totals[(pot, ALL)] = int(rows["amount_eur"].sum())
        totals[(ALL, ALL)] = totals.get((ALL, ALL), 0) + int(rows["amount_eur"].sum())
    return totals


def assert_differences_add_up(comparison, base_result, other_result, label):
    base_totals = level_totals(base_result, comparison.pots, comparison.years)
    other_totals = level_totals(other_result, comparison.pots, comparison.years)
    frame = comparison.per_municipality[comparison.per_municipality["scenario"] == label]
    sums = frame.groupby(["pot", "year"])["diff_eur"].sum()
    assert set(sums.index) == set(base_totals)
    for level, total in sums.items():
        assert int(total) == other_totals[level] - base_totals[level], level


# --- invariants ----------------------------------------------------------------------------


def test_sum_of_municipal_differences_equals_the_difference_of_the_totals(pair, baseline, migratie):
    assert_differences_add_up(pair, baseline, migratie, "variant-migratie")


def test_a_scenario_compared_with_itself_is_no_change_everywhere(baseline):
    comparison = compare([baseline, baseline])
    frame = comparison.per_municipality
    assert comparison.others[0].label == "kamerbrief-2021#2"
    assert (frame["diff_eur"] == 0).all()
    assert (frame["diff_pct"] == 0).all()
    assert (frame["band"] == BANDS[2]).all()
    assert (comparison.bands[BANDS[2]] == 352).all()
    assert comparison.redistributed_eur == {"kamerbrief-2021#2": 0.0}
    assert comparison.largest_gains.empty and comparison.largest_losses.empty
    assert (comparison.totals["gini_base"].fillna(-1) == comparison.totals["gini_other"].fillna(-1)).all()


def test_band_counts_add_up_to_the_number_of_municipalities(pair):
    assert (pair.bands[BANDS].sum(axis=1) == 352).all()
    assert (pair.bands["municipalities"] == 352).all()
    counts = pair.per_municipality.groupby(["scenario", "pot", "year"]).size()
    assert (counts == 352).all()


def mirrored(first, second):
    """Assert that ``second`` is ``first`` with baseline and other swapped."""
    a = (
        first.per_municipality.drop(columns=["baseline", "scenario"])
        .sort_values(["pot", "year", "gm_code"])
        .reset_index(drop=True)
    )
    b = (
        second.per_municipality.drop(columns=["baseline", "scenario"])
        .sort_values(["pot", "year", "gm_code"])
        .reset_index(drop=True)
    )
    assert (a["diff_eur"] == -b["diff_eur"]).all()
    assert np.allclose(a["diff_per_inhabitant"], -b["diff_per_inhabitant"])
    assert (a["base_eur"] == b["other_eur"]).all() and (a["other_eur"] == b["base_eur"]).all()
    unchanged = ["pot", "year", "gm_code", "gm_name", "province_name", "size_class", "population"]
    pd.testing.assert_frame_equal(a[unchanged], b[unchanged])
    # percentages are relative to the (swapped) baseline: they follow from the swapped amounts
    assert np.allclose(b["diff_pct"], percent_change(b["base_eur"], b["diff_eur"]), equal_nan=True)
    ta, tb = first.totals, second.totals
    assert (ta["diff_eur"].to_numpy() == -tb["diff_eur"].to_numpy()).all()
    assert (ta["redistributed_eur"].to_numpy() == tb["redistributed_eur"].to_numpy()).all()
    assert np.allclose(ta["gini_base"], tb["gini_other"], equal_nan=True)
    assert np.allclose(ta["gini_other"], tb["gini_base"], equal_nan=True)
    for attribute in ("by_province", "by_size_class"):
        ga, gb = getattr(first, attribute), getattr(second, attribute)
        assert (ga["diff_eur"].to_numpy() == -gb["diff_eur"].to_numpy()).all()
        assert (ga["population"].to_numpy() == gb["population"].to_numpy()).all()
        assert (ga["gaining"].to_numpy() + ga["losing"].to_numpy() <= ga["municipalities"].to_numpy()).all()
    assert list(first.largest_gains["gm_code"]) == list(second.largest_losses["gm_code"])
    assert list(first.largest_losses["gm_code"]) == list(second.largest_gains["gm_code"])
    assert (first.largest_gains["diff_eur"].to_numpy() == -second.largest_losses["diff_eur"].to_numpy()).all()


def test_swapping_the_scenarios_flips_every_sign_and_changes_nothing_else(baseline, migratie):
    mirrored(compare([baseline, migratie]), compare([migratie, baseline]))
    # the baseline argument picks the same scenario as putting it first
    mirrored(compare([baseline, migratie], baseline=1), compare([baseline, migratie], baseline=0))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    first=weights_strategy(),
    second=weights_strategy(),
    invoering=weights_strategy(),
    vast=st.integers(0, 20_000),
    budget=st.one_of(st.just(9_000_000), st.integers(7_100_000, 20_000_000)),
)
def test_invariants_hold_for_random_key_weights_and_budgets(first, second, invoering, vast, budget):
    a = with_weights(first, invoering, vast, "random_a")
    b = with_weights(second, {"inwoners": 1.0}, 5000, "random_b", invoering_eur=budget)
    forward, backward = compare([a, b]), compare([b, a])
    assert_differences_add_up(forward, a, b, "random_b")
    assert (forward.bands[BANDS].sum(axis=1) == 352).all()
    mirrored(forward, backward)
    overall = forward.municipality_totals()
    net = budget - 9_000_000
    assert overall["diff_eur"].sum() == net
    # redistributed = what the gainers gain minus half the net change (with equal totals:
    # exactly what the gainers gain and the losers lose)
    gains = overall.loc[overall["diff_eur"] > 0, "diff_eur"].sum()
    assert forward.redistributed_eur["random_b"] == gains - net / 2
    assert (net != 0) == any("invoering', year 2021: the budget is" in note for note in forward.notes)


# --- definitions -----------------------------------------------------------------------------


def test_band_boundaries_are_exact_in_whole_euros():
    base = np.array([1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 0, 0])
    diff = np.array([1, -1, 2, -2, 50, -50, 51, -51, 0, 7])
    assert list(band_of(base, diff)) == [
        BANDS[2], BANDS[2],  # exactly 0.1%: no change
        BANDS[1], BANDS[3],  # 0.2%
        BANDS[1], BANDS[3],  # exactly 5%
        BANDS[0], BANDS[4],  # 5.1%
        BANDS[2],  # nothing in both
        BANDS[0],  # new money where the baseline had none
    ]


def test_percent_change_of_a_zero_baseline_is_zero_or_undefined():
    pct = percent_change(np.array([0, 0, 200]), np.array([0, 10, -50]))
    assert pct[0] == 0 and math.isnan(pct[1]) and pct[2] == -25


def test_gini_of_euros_per_inhabitant():
    population = np.array([100.0, 300.0, 600.0])
    assert gini(population * 2.5, population) == pytest.approx(0, abs=1e-12)  # same per inhabitant
    # all money to a municipality with 10% of the inhabitants: Gini 0.9
    assert gini(np.array([1000.0, 0, 0]), np.array([100.0, 300.0, 600.0])) == pytest.approx(0.9)
    assert math.isnan(gini(np.zeros(3), population))


def test_inhabitants_only_scenario_has_almost_no_concentration():
    result = shipped("variant-inwoners")
    comparison = compare([result, shipped("kamerbrief-2021")])
    overall = comparison.concentration[
        (comparison.concentration["pot"] == ALL) & (comparison.concentration["year"] == ALL)
    ]
    by_role = dict(zip(overall["role"], overall["gini_eur_per_inhabitant"]))
    assert by_role["baseline"] < 1e-4  # only the euro rounding differs per inhabitant
    assert by_role["compared"] > 0.05  # vast bedrag and migration proxy concentrate money


def test_aggregates_by_province_and_size_class_add_up_to_the_whole(pair):
    overall = pair.municipality_totals("variant-migratie")
    for frame, column in ((pair.by_province, "province_name"), (pair.by_size_class, "size_class")):
        level = frame[(frame["scenario"] == "variant-migratie") & (frame["pot"] == ALL) & (frame["year"] == ALL)]
        assert level["municipalities"].sum() == 352
        assert level["diff_eur"].sum() == overall["diff_eur"].sum()
        assert level["base_eur"].sum() == overall["base_eur"].sum()
        grouped = overall.groupby(column)["diff_eur"].sum()
        assert dict(zip(level[column], level["diff_eur"])) == grouped.to_dict()
    assert list(pair.by_size_class["size_class"].unique()) == [
        "< 5.000", "5.000 - 10.000", "10.000 - 20.000", "20.000 - 50.000",
        "50.000 - 100.000", "100.000 - 150.000", "150.000 - 250.000", ">= 250.000",
    ]


def test_largest_gains_and_losses_are_the_extremes(pair):
    overall = pair.municipality_totals("variant-migratie")
    gains, losses = pair.largest_gains, pair.largest_losses
    assert len(gains) == 10 and len(losses) == 10
    assert (gains["diff_eur"] > 0).all() and (losses["diff_eur"] < 0).all()
    assert gains["diff_eur"].iloc[0] == overall["diff_eur"].max()
    assert losses["diff_eur"].iloc[0] == overall["diff_eur"].min()
    assert list(gains["diff_eur"]) == sorted(gains["diff_eur"], reverse=True)


def test_per_inhabitant_and_percent_follow_from_the_amounts(pair):
    frame = pair.per_municipality
    amsterdam = frame[(frame["gm_code"] == "GM0363") & (frame["pot"] == ALL) & (frame["year"] == ALL)].iloc[0]
    assert amsterdam["diff_eur"] == amsterdam["other_eur"] - amsterdam["base_eur"]
    assert amsterdam["diff_pct"] == pytest.approx(amsterdam["diff_eur"] / amsterdam["base_eur"] * 100)
    assert amsterdam["diff_per_inhabitant"] == pytest.approx(amsterdam["diff_eur"] / amsterdam["population"])
    assert amsterdam["population"] == 872_524


# --- mismatched scenarios ----------------------------------------------------------------------


def test_a_missing_pot_is_left_out_with_a_note(baseline):
    data = copy.deepcopy(BASE)
    del data["pots"]["invoering"]
    other = scenario_from(data, "no_invoering")
    comparison = compare([baseline, other])
    assert comparison.pots == ["ondertussengroep", "elip"]
    assert any(
        "Pot 'invoering' of kamerbrief-2021 is left out: it is not in no_invoering" in n for n in comparison.notes
    )
    assert "NOTE: Pot 'invoering'" in comparison_summary(comparison)
    assert set(comparison.per_municipality["pot"]) == {"ondertussengroep", "elip", ALL}


def test_years_outside_the_overlap_are_left_out_with_a_note(baseline):
    data = copy.deepcopy(BASE)
    data["pots"]["ondertussengroep"]["years"]["shares"] = {2022: 1, 2023: 1}
    other = scenario_from(data, "short")
    comparison = compare([baseline, other])
    assert comparison.years["ondertussengroep"] == [2022, 2023]
    assert any(
        "Pot 'ondertussengroep', year 2021 is left out: only kamerbrief-2021 pay(s) in that year" in n
        for n in comparison.notes
    )
    # the budgets of the shared years differ (21 mln over 6 or over 2 years): said so
    assert any(
        "Pot 'ondertussengroep', year 2022: the budget is € 3,500,000 in kamerbrief-2021 and € 10,500,000 in short"
        in n
        for n in comparison.notes
    )
    assert_differences_add_up(comparison, baseline, other, "short")


def test_scenarios_without_overlap_explain_the_mismatch(baseline):
    data = copy.deepcopy(BASE)
    data["pots"] = {"andere_pot": data["pots"]["invoering"]}
    other = scenario_from(data, "other_pots")
    with pytest.raises(InputError) as info:
        compare([baseline, other])
    message = info.value.problems[0]
    assert "no pot and payment year in common" in message
    assert "other_pots has andere_pot (2021-2021)" in message
    assert "Give the pots the same ids" in message


def test_a_comparison_needs_two_scenarios(baseline):
    with pytest.raises(InputError, match="at least two scenarios"):
        compare([baseline])
    with pytest.raises(InputError, match="baseline 5 is not one of the 2 scenarios"):
        compare([baseline, baseline], baseline=5)


# --- files -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def files(baseline, migratie):
    with i18n.using("nl"):
        return comparison_files(compare([baseline, migratie]))


def test_the_comparison_workbook_speaks_dutch_with_real_numbers_in_dutch_formats(files):
    workbook = load_workbook(io.BytesIO(files["comparison-kamerbrief-2021-vs-variant-migratie.xlsx"]))
    assert workbook.sheetnames == [
        "Samenvatting", "Per gemeente", "Per pot en jaar", "Klassen", "Grootste winsten", "Grootste verliezen",
        "Per provincie", "Per grootteklasse", "Concentratie", "Toelichting",
    ]
    sheet = workbook["Per gemeente"]
    per_municipality = list(sheet.iter_rows(values_only=True))
    assert len(per_municipality) == 1 + 352
    headers = per_municipality[0]
    assert "Verschil (€)" in headers and "Verschil (%)" in headers and "Klasse" in headers
    row = dict(zip(headers, per_municipality[1]))
    assert row["Pot"] == "alle" and row["Betaaljaar"] == "alle"
    assert row["Klasse"] in ("winst > 5%", "winst 0,1-5%", "gelijk (binnen ±0,1%)", "verlies 0,1-5%", "verlies > 5%")
    # numbers are numbers, shown the Dutch way by the reader (#,##0 is #.##0 in a Dutch Excel); a percentage
    # is a real fraction with a percent format (2.5% is 0.025), never a number as text
    column = {h: i for i, h in enumerate(headers)}
    diff, pct = sheet.cell(2, column["Verschil (€)"] + 1), sheet.cell(2, column["Verschil (%)"] + 1)
    assert isinstance(diff.value, int) and diff.number_format == "#,##0"
    assert isinstance(pct.value, float) and pct.number_format == "0.00%"
    base = sheet.cell(2, column["Basis (€)"] + 1).value
    assert pct.value == pytest.approx(diff.value / base)
    notes = "\n".join(
        " | ".join(str(c) for c in row if c is not None) for row in workbook["Toelichting"].iter_rows(values_only=True)
    )
    assert "Kamerbrief 28 april 2021 (basisscenario) (kamerbrief-2021)" in notes
    assert "migratieachtergrond 0,5 [proxy]" in notes  # the kind of each key shows, a share the Dutch way
    assert "aanname: AANNAME VAN DEZE VARIANT" in notes and "bron: Kamerbrief 28-04-2021" in notes
    assert "eigen berekening" in notes and "definitie | Verschil (%)" in notes


def test_the_comparison_csvs_keep_their_column_identifiers_in_every_language(files):
    header = files["comparison-kamerbrief-2021-vs-variant-migratie-municipality-totals.csv"].decode().splitlines()[0]
    assert header.split(",")[:6] == ["baseline", "scenario", "pot", "year", "gm_code", "gm_name"]
    assert set(header.split(",")) <= CSV_IDENTIFIERS


def test_the_comparison_workbook_in_english(baseline, migratie):
    with i18n.using("en"):
        files = comparison_files(compare([baseline, migratie]))
    workbook = load_workbook(io.BytesIO(files["comparison-kamerbrief-2021-vs-variant-migratie.xlsx"]), read_only=True)
    assert workbook.sheetnames[0] == "Summary" and workbook.sheetnames[-1] == "Notes"
    notes = "\n".join(
        " | ".join(str(c) for c in row if c is not None) for row in workbook["Notes"].iter_rows(values_only=True)
    )
    assert "Variant - meer gewicht voor migratieachtergrond (variant-migratie)" in notes
    assert "migratieachtergrond 0.5 [proxy]" in notes
    assert "AANNAME VAN DEZE VARIANT" in notes and "source: Kamerbrief 28-04-2021" in notes
    assert "own computation" in notes


def test_building_the_workbook_leaves_the_garbage_collector_as_it_was(pair):
    assert gc.isenabled()
    comparison_workbook(pair)
    assert gc.isenabled()
    gc.disable()
    try:
        comparison_workbook(pair)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_files_are_the_workbook_and_one_csv_per_view(pair, files):
    stem = "comparison-kamerbrief-2021-vs-variant-migratie"
    assert f"{stem}.xlsx" in files
    frame = pd.read_csv(io.BytesIO(files[f"{stem}-per-municipality.csv"]), dtype={"year": str})
    assert len(frame) == len(pair.per_municipality)
    assert (frame["diff_eur"] == frame["other_eur"] - frame["base_eur"]).all()
    assert frame["diff_eur"].dtype.kind == "i"
    bands = pd.read_csv(io.BytesIO(files[f"{stem}-bands.csv"]))
    assert list(bands.columns[3:]) == BANDS + ["municipalities"]
    assert set(files) == {f"{stem}.xlsx"} | {
        f"{stem}-{view}.csv"
        for view in ("summary", "municipality-totals", "per-municipality", "bands", "largest-gains", "largest-losses",
                     "by-province", "by-size-class", "concentration", "notes")
    }

