"""Constraints in scenario files: the shipped variants, each constraint family, bound report, errors.

Scenario variants built here (floors, caps, groups, budgets) are FICTITIOUS test settings.
"""

from __future__ import annotations

import copy
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml

from allocation import load_scenario, parse_scenario, run_scenario, summary_text
from allocation.common.errors import InfeasibleError, InputError
from allocation.data.registers import load_municipalities_2021
from allocation.publish.circular_tables import allocation_csv
from tests.conftest import ROOT, SCENARIOS, shipped

# these tests assert the English wording of the library's messages and outputs
pytestmark = pytest.mark.usefixtures("english")

BASE = yaml.safe_load((SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8"))
TEST = {"assumption": "fictitious test setting"}


def scenario_with(edit, tmp_path=None):
    data = copy.deepcopy(BASE)
    edit(data)
    base_dir = tmp_path or SCENARIOS
    return parse_scenario(
        yaml.safe_dump(data), origin=str(base_dir / "t.yaml"), scenario_id="t", base_dir=base_dir
    )


def run_with(edit, tmp_path=None):
    return run_scenario(scenario_with(edit, tmp_path))


def amounts(result, pot):
    frame = result.allocation[result.allocation["pot"] == pot]
    return frame.pivot(index="gm_code", columns="year", values="amount_eur")


def population():
    from allocation.data.registers import load_municipalities_2021

    return load_municipalities_2021().set_index("gm_code")


# --- shipped variants ------------------------------------------------------------------


def test_floor_variant_gives_every_municipality_its_floor_and_keeps_the_budgets():
    result = shipped("kamerbrief-2021-floor")
    elip = amounts(result, "elip")
    assert (elip[[2021, 2022, 2023]] >= 2500).all().all()
    budgets = BASE["pots"]["elip"]["years"]["euros"]
    for year, total in elip.sum().items():
        assert total == budgets[year]["value"]
    report = result.bound_report("elip")
    assert list(report.columns) == [
        "pot", "year", "gm_code", "gm_name", "constraint", "key_amount_eur", "amount_eur", "effect_eur"
    ]
    assert set(report["constraint"]) == {"a minimum of € 2,500"}
    assert (report["amount_eur"] == 2500).all()
    assert (report["effect_eur"] == report["amount_eur"] - report["key_amount_eur"]).all()
    # most gain against the pure key; some just above the floor by the key sit on it after rescaling
    assert report["effect_eur"].sum() > 0
    # the other pots are those of the baseline, to the euro
    baseline = shipped("kamerbrief-2021")
    for pot in ("ondertussengroep", "invoering"):
        assert amounts(result, pot).equals(amounts(baseline, pot))


def test_floor_variant_unbound_municipalities_keep_the_key_proportions():
    result = shipped("kamerbrief-2021-floor")
    pot = result.pots["elip"]
    info = result.constrained["elip"]
    bound = set(result.bound_report("elip").query("year == 2023")["gm_code"])
    column = pot.years.index(2023)
    free = [i for i, code in enumerate(pot.codes) if code not in bound]
    ratios = pot.ideal[free, column] / (pot.shares[free] * 1_649_000)
    np.testing.assert_allclose(ratios, info.scales[2023], rtol=1e-12)


def test_ingroei_variant_stays_within_the_transition_band_of_the_baseline():
    result = shipped("kamerbrief-2021-ingroei")
    baseline = shipped("kamerbrief-2021")
    new, old = amounts(result, "ondertussengroep"), amounts(baseline, "ondertussengroep")
    assert (new >= np.ceil(old * 0.95 - 1e-9)).all().all()
    assert (new <= np.floor(old * 1.10 + 1e-9)).all().all()
    assert (new.sum() == 3_500_000).all()
    report = result.bound_report("ondertussengroep")
    assert report["constraint"].str.startswith("the transition band").all()
    assert len(report) > 0


def test_summary_prints_the_bound_report():
    result = shipped("kamerbrief-2021-floor")
    text = summary_text(result)
    assert "Constraints in elip" in text
    assert "on a minimum of € 2,500" in text


def test_pot_without_constraints_has_an_empty_bound_report():
    result = shipped("kamerbrief-2021-floor")
    assert result.bound_report("invoering").empty


# --- infeasibility ---------------------------------------------------------------------


def elip_floor(data, eur):
    data["pots"]["elip"]["label"] = "ELIP"
    data["pots"]["elip"]["constraints"] = {"minimum": [{"eur": eur, **TEST}]}


def test_the_infeasible_floor_example_gives_its_euro_message():
    with pytest.raises(InfeasibleError) as info:
        run_with(lambda d: elip_floor(d, 5000))
    assert any(
        p.endswith(
            "ELIP 2023: a minimum of € 5,000 for 352 municipalities needs € 1,760,000; "
            "the budget is € 1,649,000 (short € 111,000)"
        )
        for p in info.value.problems
    )
    assert all("pots.elip" in p for p in info.value.problems)


def test_infeasible_scenario_exits_2_and_writes_nothing(tmp_path):
    data = copy.deepcopy(BASE)
    elip_floor(data, 5000)
    path = tmp_path / "infeasible.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "allocation", "run", str(path), "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "ELIP 2023: a minimum of € 5,000 for 352 municipalities needs € 1,760,000" in result.stderr
    assert not out.exists() or not any(out.iterdir())


def test_floor_above_cap_names_the_municipality():
    def edit(d):
        d["pots"]["elip"]["constraints"] = {
            "minimum": [{"eur": 3000, "years": [2021], **TEST}],
            "maximum": [{"eur_per_inhabitant": 2.0, **TEST}],
        }

    with pytest.raises(InfeasibleError) as info:
        run_with(edit)
    assert any("GM0096 Vlieland: the minimum € 3,000 (a minimum of € 3,000) is above the maximum € 2,354 "
               "(a maximum of € 2 per inhabitant)" in p for p in info.value.problems)


# --- the constraint families ----------------------------------------------------------


def test_per_inhabitant_cap_holds_after_rounding_and_money_moves_to_the_others():
    def edit(d):
        d["pots"]["elip"]["constraints"] = {"maximum": [{"eur_per_inhabitant": 0.25, **TEST}]}

    result = run_with(edit)
    elip = amounts(result, "elip")
    pop = population()["population"].reindex(elip.index)
    for year in elip.columns:
        assert (elip[year] <= np.floor(0.25 * pop + 1e-9)).all()
    assert elip.sum()[2021] == 2_886_000
    report = result.bound_report("elip")
    assert report["constraint"].eq("a maximum of € 0.25 per inhabitant").all()
    assert report["effect_eur"].sum() < 0


def test_nonzero_key_only_floor_leaves_municipalities_without_key_at_zero(tmp_path):
    key = population()[["population"]].copy()
    key.loc[["GM0096", "GM0088"], "population"] = 0  # fictitious key with two zeros
    key.reset_index().rename(columns={"population": "aantal"}).to_csv(tmp_path / "k.csv", index=False)

    def edit(d):
        d["user_keys"] = {"k": {"file": "k.csv", "value_column": "aantal", "label": "test key", "source": "test",
                                "kind": "assumption"}}
        d["pots"]["elip"]["key"]["weights"] = {"k": 1.0}
        d["pots"]["elip"]["constraints"] = {"minimum": [{"eur": 1000, "nonzero_key_only": True, **TEST}]}

    elip = amounts(run_with(edit, tmp_path), "elip")
    assert (elip.loc[["GM0096", "GM0088"]] == 0).all().all()
    assert (elip.drop(["GM0096", "GM0088"]) >= 1000).all().all()


def test_year_band_limits_the_change_from_one_year_to_the_next():
    def edit(d):
        d["pots"]["elip"]["constraints"] = {
            "minimum": [{"eur": 3000, "years": [2021], **TEST}],
            "year_band": {"max_decrease_pct": 60, "max_increase_pct": 40, **TEST},
        }

    elip = amounts(run_with(edit), "elip")
    years = sorted(elip.columns)
    for before, after in zip(years, years[1:]):
        assert (elip[after] >= np.ceil(elip[before] * 0.4 - 1e-9)).all()
        assert (elip[after] <= np.floor(elip[before] * 1.4 + 1e-9)).all()


def test_year_band_conflict_names_the_band_and_the_euros():
    def edit(d):
        d["pots"]["elip"]["label"] = "ELIP"
        d["pots"]["elip"]["constraints"] = {"year_band": {"max_decrease_pct": 10, **TEST}}

    with pytest.raises(InfeasibleError) as info:
        run_with(edit)
    assert any("ELIP 2023: the minimums (the year band (at most 10% less than 2022)) for 352 municipalities need "
               in p and "the budget is € 1,649,000" in p for p in info.value.problems)
    # the joint LP over all years says by how much the band misses the budgets at best
    assert any("ELIP: even solved jointly over all payment years, the year band and the other constraints cannot "
               "meet the year budgets: they miss them by € " in p for p in info.value.problems)


def test_province_minimum_share_holds_and_the_rest_is_rescaled():
    def edit(d):
        d["pots"]["elip"]["constraints"] = {
            "groups": [{"name": "Drenthe", "province": "PV22", "min_share": 0.05, **TEST}]
        }

    result = run_with(edit)
    elip = amounts(result, "elip")
    drenthe = population().query("province_code == 'PV22'").index
    for year, total in elip.sum().items():
        assert elip.loc[drenthe, year].sum() == math.ceil(0.05 * total)
    report = result.bound_report("elip")
    assert set(report["gm_code"]) == set(drenthe)
    assert report["constraint"].str.startswith("group Drenthe").all()


def test_overlapping_groups_are_refused():
    def edit(d):
        d["pots"]["elip"]["constraints"] = {
            "groups": [
                {"name": "Drenthe", "province": "PV22", "min_share": 0.01, **TEST},
                {"name": "Assen", "codes": ["GM0106"], "max_eur": 100000, **TEST},
            ]
        }

    with pytest.raises(InputError) as info:
        run_with(edit)
    assert any("groups Drenthe and Assen share 1 municipalities" in p for p in info.value.problems)


def test_group_minimums_over_the_budget_are_explained():
    def edit(d):
        d["pots"]["elip"]["label"] = "ELIP"
        d["pots"]["elip"]["constraints"] = {
            "groups": [
                {"name": "Drenthe", "province": "PV22", "min_eur": 1_000_000, **TEST},
                {"name": "Limburg", "province": "PV31", "min_eur": 1_000_000, **TEST},
            ]
        }

    with pytest.raises(InfeasibleError) as info:
        run_with(edit)
    assert any("ELIP 2023: the group minimums (Drenthe € 1,000,000, Limburg € 1,000,000)" in p
               and "the budget is € 1,649,000" in p for p in info.value.problems)


def test_cross_pot_cap_holds_for_all_pots_together():
    def edit(d):
        d["cross_pot"] = [{"eur_per_inhabitant": 1.0, **TEST}]

    result = run_with(edit)
    pop = population()["population"]
    per_year = result.allocation.groupby(["gm_code", "year"])["amount_eur"].sum().unstack()
    for year in per_year.columns:
        assert (per_year[year] <= np.floor(1.0 * pop.reindex(per_year.index) + 1e-9)).all()
    totals = result.allocation.groupby("pot")["amount_eur"].sum()
    assert totals.to_dict() == {"elip": 9_000_000, "invoering": 9_000_000, "ondertussengroep": 21_000_000}


def test_cross_pot_with_unknown_pot_is_refused():
    with pytest.raises(InputError) as info:
        scenario_with(lambda d: d.update(cross_pot=[{"pots": ["elipp"], "eur": 10, **TEST}]))
    assert any("cross_pot.0.pots: unknown pot 'elipp'" in p for p in info.value.problems)


# --- transition references --------------------------------------------------------------


def write_reference(tmp_path, frame):
    path = tmp_path / "ref.csv"
    frame.to_csv(path, index=False)
    return path


def band_against(csv_name):
    def edit(d):
        d["pots"]["elip"]["constraints"] = {
            "transition": {"reference": {"allocation_csv": csv_name}, "max_decrease_pct": 5, **TEST}
        }

    return edit


def test_transition_band_holds_on_the_reference_register_for_a_run_csv(tmp_path):
    # `run` writes each payment year on its own register; merged municipalities (Land van
    # Cuijk, Maashorst, ...) stay within the band as the sum of their predecessors.
    baseline = shipped("kamerbrief-2021")
    (tmp_path / "ref.csv").write_bytes(allocation_csv(baseline))

    def edit(d):
        d["pots"]["elip"]["key"]["weights"] = {"inwoners": 1.0}
        band_against("ref.csv")(d)

    result = run_with(edit, tmp_path)

    def published(res):
        rows = res.published[res.published["pot"] == "elip"]
        return rows.pivot(index="gm_code", columns="year", values="amount_eur")

    new, old = published(result), published(baseline)
    for year in new.columns:
        present = old[year].dropna().index
        assert (new.loc[present, year] >= np.ceil(old.loc[present, year] * 0.95 - 1e-9)).all(), year
    assert new.loc["GM1982", 2022] >= math.ceil(old.loc["GM1982", 2022] * 0.95 - 1e-9)
    totals = result.allocation[result.allocation["pot"] == "elip"].groupby("year")["amount_eur"].sum()
    assert totals.sum() == 9_000_000


def test_reference_matching_no_register_is_refused_with_the_fix(tmp_path):
    rows = [{"pot": "elip", "year": 2023, "gm_code": "GM1982", "gm_name": "Land van Cuijk", "amount_eur": 1000}]
    write_reference(tmp_path, pd.DataFrame(rows))
    with pytest.raises(InputError) as info:
        run_with(band_against("ref.csv"), tmp_path)
    assert any("matches no municipality register" in p and "give one row per municipality of one register" in p
               for p in info.value.problems)


def test_reference_without_the_pot_names_the_pots_it_has(tmp_path):
    rows = [{"pot": "other", "year": 2023, "gm_code": "GM0363", "gm_name": "Amsterdam", "amount_eur": 1000}]
    write_reference(tmp_path, pd.DataFrame(rows))
    with pytest.raises(InputError) as info:
        run_with(band_against("ref.csv"), tmp_path)
    assert any("has no pot 'elip'; it has: other" in p for p in info.value.problems)


# --- validation -------------------------------------------------------------------------


def test_bound_with_both_euros_and_per_inhabitant_is_refused():
    def edit(d):
        d["pots"]["elip"]["constraints"] = {"minimum": [{"eur": 1, "eur_per_inhabitant": 1, **TEST}]}

    with pytest.raises(InputError) as info:
        scenario_with(edit)
    assert any("pots.elip.constraints.minimum.0: give exactly one of `eur:` or `eur_per_inhabitant:`" in p
               for p in info.value.problems)


def test_constraint_without_provenance_is_refused():
    def edit(d):
        d["pots"]["elip"]["constraints"] = {"minimum": [{"eur": 100}]}

    with pytest.raises(InputError) as info:
        scenario_with(edit)
    assert any("pots.elip.constraints.minimum.0: give a `source:` or label it with `assumption:`" in p
               for p in info.value.problems)


def test_misspelt_constraint_field_suggests_the_fix():
    def edit(d):
        d["pots"]["elip"]["constraints"] = {"minimum": [{"euros": 100, **TEST}]}

    with pytest.raises(InputError) as info:
        scenario_with(edit)
    assert any("pots.elip.constraints.minimum.0.euros: unknown field; did you mean `eur`?" in p
               for p in info.value.problems)


def test_explain_shows_the_constraint_or_the_factor_for_a_constrained_pot():
    from allocation import explanation_text
    from allocation.common.i18n import share

    result = shipped("kamerbrief-2021-floor")
    vlieland = explanation_text(result, "GM0096")
    assert "2021: sits on a minimum of € 2,500 -> € 2,500" in vlieland
    amsterdam = explanation_text(result, "GM0363")
    factor = result.constrained["elip"].scales[2023]
    assert f"2023: {share(factor, lang='en')} x 0.1294 x € 1,649,000" in amsterdam  # shares to 4 significant digits


def test_reference_cycle_is_refused(tmp_path):
    def band(target):
        data = copy.deepcopy(BASE)
        data["pots"]["elip"]["constraints"] = {
            "transition": {"reference": {"scenario": target}, "max_decrease_pct": 5, **TEST}
        }
        return yaml.safe_dump(data)

    (tmp_path / "a.yaml").write_text(band("b.yaml"), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(band("a.yaml"), encoding="utf-8")
    with pytest.raises(InputError) as info:
        run_scenario(load_scenario(tmp_path / "a.yaml"))
    assert any("refers back to this scenario" in p for p in info.value.problems)


def test_size_class_and_veiligheidsregio_groups():
    def edit(d):
        d["pots"]["elip"]["constraints"] = {
            "groups": [
                {"name": "small", "size_class": "< 5.000", "min_share": 0.01, **TEST},
                {"name": "Drenthe VR", "veiligheidsregio": "VR03", "max_share": 0.005, **TEST},
            ]
        }

    result = run_with(edit)
    elip = amounts(result, "elip")
    municipalities = population()
    small = municipalities.query("size_class == '< 5.000'").index
    drenthe = municipalities.query("veiligheidsregio_code == 'VR03'").index
    for year, total in elip.sum().items():
        assert elip.loc[small, year].sum() >= math.ceil(0.01 * total)
        assert elip.loc[drenthe, year].sum() <= math.floor(0.005 * total)


def test_unknown_province_names_the_field_and_the_choices():
    def edit(d):
        d["pots"]["elip"]["constraints"] = {"groups": [{"name": "x", "province": "PV99", "min_eur": 1, **TEST}]}

    with pytest.raises(InputError) as info:
        run_with(edit)
    assert any("pots.elip.constraints.groups.0.province: unknown province 'PV99'; available: PV20" in p
               for p in info.value.problems)


def test_constraint_year_outside_the_pot_is_refused():
    def edit(d):
        d["pots"]["invoering"]["constraints"] = {
            "groups": [{"name": "x", "province": "PV22", "min_eur": 1, "years": [2023], **TEST}]
        }

    with pytest.raises(InputError) as info:
        run_with(edit)
    assert any("pots.invoering.constraints.groups.0.years: 2023 is not a payment year of this pot" in p
               for p in info.value.problems)


def test_every_province_at_least_its_population_share_is_feasible_and_holds_within_a_euro():
    # The issue's own example: twelve share minimums that together take the whole pot.
    # Rounding each up would ask a few euros more than the budget; they are rounded by
    # largest remainder instead, so each province gets its share to within one euro.
    municipalities = load_municipalities_2021()
    population = municipalities.groupby("province_code")["population"].sum()
    shares = population / population.sum()

    def edit(d):
        d["pots"]["elip"]["constraints"] = {
            "groups": [
                {"name": code, "province": code, "min_share": float(share), "assumption": "test: population share"}
                for code, share in shares.items()
            ]
        }

    result = run_with(edit)
    elip = result.allocation[result.allocation["pot"] == "elip"].merge(municipalities[["gm_code", "province_code"]])
    per_province = elip.groupby(["year", "province_code"])["amount_eur"].sum().unstack()
    budgets = elip.groupby("year")["amount_eur"].sum()
    assert budgets.to_dict() == {2021: 2886000, 2022: 2625000, 2023: 1649000, 2024: 840000, 2025: 600000, 2026: 400000}
    exact = np.outer(budgets.to_numpy(), shares.reindex(per_province.columns).to_numpy())
    assert (per_province.to_numpy() >= np.floor(exact)).all()
    assert (np.abs(per_province.to_numpy() - exact) < 1).all()


def assert_run_again(path, first) -> None:
    """After a change to the reference, the scenario's run equals one with an empty cache and
    differs from the run before the change."""
    from allocation.scenario import running

    changed = run_scenario(load_scenario(path))
    running._REFERENCE_RUNS.clear()
    fresh = run_scenario(load_scenario(path))
    assert changed.allocation.equals(fresh.allocation)
    assert not changed.allocation.equals(first.allocation)


def test_a_changed_reference_scenario_is_run_again_not_taken_from_the_cache(tmp_path):
    """Reference runs are reused between edits, but never after the reference file changes."""
    import shutil

    from allocation import load_scenario, run_scenario

    for name in ("kamerbrief-2021.yaml", "kamerbrief-2021-ingroei.yaml"):
        shutil.copy(SCENARIOS / name, tmp_path / name)
    first = run_scenario(load_scenario(tmp_path / "kamerbrief-2021-ingroei.yaml"))
    again = run_scenario(load_scenario(tmp_path / "kamerbrief-2021-ingroei.yaml"))
    assert again.allocation.equals(first.allocation)
    reference = tmp_path / "kamerbrief-2021.yaml"
    text = reference.read_text(encoding="utf-8")
    assert text.count("weights: {inwoners: 1.0}") == 2  # ondertussengroep (the band's pot) first
    reference.write_text(text.replace("weights: {inwoners: 1.0}", "weights: {oppervlakte: 1.0}", 1),
                         encoding="utf-8")
    assert_run_again(tmp_path / "kamerbrief-2021-ingroei.yaml", first)



def test_a_changed_key_file_of_a_reference_scenario_is_read_again(tmp_path):
    """The cache of reference runs also follows the files the reference names (here a key CSV
    with FICTITIOUS counts), not only its own text."""
    import shutil


    shutil.copy(SCENARIOS / "kamerbrief-2021-ingroei.yaml", tmp_path / "kamerbrief-2021-ingroei.yaml")
    codes = list(load_scenario(SCENARIOS / "kamerbrief-2021.yaml").keys["inwoners"].values.index)
    counts = tmp_path / "telling.csv"
    counts.write_text("gm_code,aantal\n" + "".join(f"{c},{1 + i % 7}\n" for i, c in enumerate(codes)),
                      encoding="utf-8")
    text = (SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8")
    text = text.replace("key_register: 2021-01-01", """key_register: 2021-01-01
user_keys:
  telling:
    file: telling.csv
    value_column: aantal
    label: FICTITIOUS test counts
    source: test fixture (FICTITIOUS)
    kind: assumption""", 1).replace("weights: {inwoners: 1.0}", "weights: {telling: 1.0}", 1)
    (tmp_path / "kamerbrief-2021.yaml").write_text(text, encoding="utf-8")
    first = run_scenario(load_scenario(tmp_path / "kamerbrief-2021-ingroei.yaml"))
    counts.write_text("gm_code,aantal\n" + "".join(f"{c},{1 + i % 5}\n" for i, c in enumerate(codes)),
                      encoding="utf-8")
    assert_run_again(tmp_path / "kamerbrief-2021-ingroei.yaml", first)
