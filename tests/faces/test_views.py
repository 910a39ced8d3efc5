"""App-facing views (allocation.faces.views) and scenario edits (allocation.scenario.edits), no browser."""

from __future__ import annotations

import math

import pytest
import yaml

from allocation import parse_scenario
from allocation.common import i18n
from allocation.common.errors import InputError
from allocation.faces import views
from allocation.scenario import edits
from allocation.scenario.build import KeyUpload, build
from allocation.scenario.loading import scenario_data
from tests.conftest import SCENARIOS, plan_of, shipped

# these tests assert the English wording of the library's messages and outputs
pytestmark = pytest.mark.usefixtures("english")

SHIPPED = sorted(SCENARIOS.glob("*.yaml"))
BASELINE = SCENARIOS / "kamerbrief-2021.yaml"


@pytest.fixture(scope="module")
def baseline():
    return shipped("kamerbrief-2021")


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_pot_year_tables_add_up_to_the_year_budgets(path):
    result = shipped(path.stem)
    phasing = views.year_phasing(result)
    for row in phasing.itertuples(index=False):
        table = views.pot_year_table(result, row.pot, row.year)
        assert list(table.columns) == views.TABLE_COLUMNS
        assert set(table["gm_code"]) == set(result.registers[row.year]["gm_code"])
        assert table["amount_eur"].sum() == row.amount_eur
        assert table["inhabitants"].sum() == result.municipalities["population"].sum()
        on_key_register = views.pot_year_table(result, row.pot, row.year, key_register=True)
        assert len(on_key_register) == 352 and on_key_register["amount_eur"].sum() == row.amount_eur
        assert (table["eur_per_inhabitant"] * table["inhabitants"]).round().astype(int).tolist() == table[
            "amount_eur"
        ].tolist()


def test_merged_municipality_shows_the_sum_of_its_predecessors(baseline):
    on_2021 = views.pot_year_table(baseline, "ondertussengroep", 2023, key_register=True).set_index("gm_code")
    on_2023 = views.pot_year_table(baseline, "ondertussengroep", 2023).set_index("gm_code")
    parts = ["GM0501", "GM0530", "GM0614"]  # Brielle, Hellevoetsluis, Westvoorne -> Voorne aan Zee
    assert on_2023.loc["GM1992", "amount_eur"] == on_2021.loc[parts, "amount_eur"].sum()
    assert on_2023.loc["GM1992", "inhabitants"] == on_2021.loc[parts, "inhabitants"].sum()
    assert views.payment_register(baseline, 2023)[0] == "2023-01-01"


def test_year_phasing_labels_each_year_as_sourced_or_assumption(baseline):
    phasing = views.year_phasing(baseline).set_index(["pot", "year"])
    assert phasing.loc[("elip", 2022), "kind"] == "sourced"
    assert phasing.loc[("elip", 2025), "kind"] == "assumption"
    assert phasing.loc[("elip", 2021), "provenance"].startswith("ASSUMPTION:")


def test_search_finds_a_municipality_by_number_name_or_province(baseline):
    table = views.pot_year_table(baseline, "elip", 2022)
    assert views.filter_rows(table, "363")["gm_name"].tolist() == ["Amsterdam"]
    assert views.filter_rows(table, "amsterdam")["gm_code"].tolist() == ["GM0363"]
    assert set(views.filter_rows(table, "Fryslân")["province_name"]) == {"Fryslân"}
    assert len(views.filter_rows(table, "Fryslân")) == 18
    assert len(views.filter_rows(table, "")) == 345  # the 2022 register


def test_provenance_shows_the_kind_of_every_key(baseline):
    provenance = views.provenance_table(baseline).set_index("pot")
    assert provenance.loc["elip", "keys"] == "migratieachtergrond 1 (proxy)"
    assert provenance.loc["ondertussengroep", "keys"] == "inwoners 1 (real)"
    assert provenance.loc["invoering", "key"].startswith("vast bedrag € 5,000 per municipality per year")
    assert provenance.loc["elip", "years"] == "ASSUMPTION and source (euros)"
    kinds = views.key_table(baseline.loaded).set_index("name")["kind"]
    assert kinds["migratieachtergrond"] == "proxy"


def test_provenance_speaks_dutch_words_not_internals_by_default(baseline):
    with i18n.using("nl"):
        provenance = views.provenance_table(baseline).set_index("pot")
    assert provenance.loc["elip", "keys"] == "migratieachtergrond 1 (proxy)"
    assert provenance.loc["ondertussengroep", "keys"] == "inwoners 1 (echt)"
    assert provenance.loc["invoering", "key"].startswith("vast bedrag € 5.000 per gemeente per jaar; aanname: ")
    assert provenance.loc["invoering", "years"] == "bron (euro's)"


def test_edited_weight_is_labelled_as_an_assumption_made_in_the_app():
    data = scenario_data(BASELINE.read_text(encoding="utf-8"))
    edited = edits.set_weights(data, "elip", {"migratieachtergrond": 3, "inwoners": 1})
    key = edited["pots"]["elip"]["key"]
    assert key["weights"] == {"migratieachtergrond": 0.75, "inwoners": 0.25}
    assert key["assumption"].startswith("Edited in the app: key weights set to")
    assert "source" not in key
    assert data["pots"]["elip"]["key"]["weights"] == {"migratieachtergrond": 1.0}  # input untouched


def test_edited_number_with_a_source_keeps_that_source():
    data = scenario_data(BASELINE.read_text(encoding="utf-8"))
    edited = edits.set_budget(data, "elip", 9_500_000, source="Meicirculaire 2021, bijlage 3")
    assert edited["pots"]["elip"]["budget"] == {"amount_eur": 9_500_000, "source": "Meicirculaire 2021, bijlage 3"}


def test_unchanged_values_keep_their_provenance():
    data = scenario_data(BASELINE.read_text(encoding="utf-8"))
    same = {
        "elip": {
            "budget_eur": 9_000_000,
            "vast_bedrag_eur": 0,
            "weights": {"migratieachtergrond": 1.0, "inwoners": 0},
            "years": {2022: 2625000},
        }
    }
    assert edits.apply_edits(data, plan_of(same)) == data


def test_edited_year_value_is_labelled_and_the_rest_keep_their_source():
    data = scenario_data(BASELINE.read_text(encoding="utf-8"))
    edited = edits.apply_edits(data, plan_of({"ondertussengroep": {"years": {2021: 2.0}}}))
    years = edited["pots"]["ondertussengroep"]["years"]
    assert years["shares"][2021]["value"] == 2.0
    assert years["shares"][2021]["assumption"].startswith("Edited in the app: 2021 set to share 2")
    assert years["shares"][2022] == 1
    result = build(edited, origin="edited", scenario_id="k")
    phasing = views.year_phasing(result).set_index(["pot", "year"])
    assert phasing.loc[("ondertussengroep", 2021), "amount_eur"] == 6_000_000
    assert phasing.loc[("ondertussengroep", 2022), "amount_eur"] == 3_000_000


def test_changing_a_weight_changes_the_amounts(baseline):
    data = scenario_data(BASELINE.read_text(encoding="utf-8"))
    edited = edits.apply_edits(data, plan_of({"elip": {"weights": {"migratieachtergrond": 0.5, "inwoners": 0.5}}}))
    result = build(edited, origin="edited", scenario_id="k")
    before = views.pot_year_table(baseline, "elip", 2022)["amount_eur"]
    after = views.pot_year_table(result, "elip", 2022)["amount_eur"]
    assert after.sum() == before.sum() == 2_625_000
    assert (after != before).sum() > 300


def test_invalid_edit_gives_the_command_line_message():
    data = scenario_data(BASELINE.read_text(encoding="utf-8"))
    edited = edits.apply_edits(data, plan_of({"invoering": {"budget_eur": 10_000_000, "scale_years": False}}))
    with pytest.raises(InputError) as edit_info:
        build(edited, origin="s.yaml", scenario_id="s")
    with pytest.raises(InputError) as cli_info:
        parse_scenario(yaml.safe_dump(edited), origin="s.yaml", scenario_id="s")
    assert edit_info.value.problems == cli_info.value.problems
    assert "the years add up to € 9,000,000 but the budget is € 10,000,000" in edit_info.value.problems[0]


def test_budget_edit_scales_payment_years_in_euros_exactly():
    data = scenario_data(BASELINE.read_text(encoding="utf-8"))
    edited = edits.apply_edits(data, plan_of({"elip": {"budget_eur": 9_000_001}}))
    euros = edited["pots"]["elip"]["years"]["euros"]
    values = {year: entry["value"] for year, entry in euros.items()}
    assert sum(values.values()) == 9_000_001
    assert values == {2021: 2886001, 2022: 2625000, 2023: 1649000, 2024: 840000, 2025: 600000, 2026: 400000}
    assert euros[2021]["assumption"].startswith("Edited in the app: 2021 set to € 2,886,001")
    assert euros[2022] == data["pots"]["elip"]["years"]["euros"][2022]  # unchanged years keep their source
    result = build(edited, origin="edited", scenario_id="k")
    assert views.year_phasing(result)["amount_eur"].sum() == 9_000_001 + 21_000_000 + 9_000_000


def test_years_that_already_match_the_new_budget_are_not_rescaled():
    data = scenario_data(BASELINE.read_text(encoding="utf-8"))
    edited = edits.apply_edits(data, plan_of({"invoering": {"budget_eur": 10_000_000, "years": {2021: 10_000_000}}}))
    assert edited["pots"]["invoering"]["years"]["euros"][2021]["value"] == 10_000_000
    build(edited, origin="edited", scenario_id="k")


def test_infeasible_vast_bedrag_edit_is_explained_in_euros():
    data = scenario_data(BASELINE.read_text(encoding="utf-8"))
    edited = edits.apply_edits(data, plan_of({"invoering": {"vast_bedrag_eur": 30_000}}))
    with pytest.raises(InputError) as info:
        build(edited, origin="s.yaml", scenario_id="s")
    assert any(
        "needs € 10,560,000; the budget is € 9,000,000 (short € 1,560,000)" in p for p in info.value.problems
    )


def upload(content: bytes, **options) -> KeyUpload:
    fields = dict(name="elip_duo", filename="elip.csv", content=content, value_column="aantal",
                  label="ELIP counts (FICTITIOUS test data)", source="test fixture", kind="real")
    fields.update(options)
    return KeyUpload(**fields)


def fictitious_counts() -> bytes:
    """FICTITIOUS ELIP counts: 1 per municipality, 50 for Amsterdam."""
    register = shipped("kamerbrief-2021").municipalities["gm_code"]
    lines = ["gm_code;aantal"] + [f"{code};{50 if code == 'GM0363' else 1}" for code in register]
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_uploaded_key_is_declared_in_the_scenario_and_usable():
    data = scenario_data(BASELINE.read_text(encoding="utf-8"))
    edited = edits.apply_edits(data, plan_of({"elip": {"weights": {"elip_duo": 1}}}))
    result = build(edited, origin="edited", scenario_id="k", uploads=(upload(fictitious_counts()),))
    table = views.pot_year_table(result, "elip", 2022).set_index("gm_code")
    assert table.loc["GM0363", "amount_eur"] == round(2_625_000 * 50 / (351 + 50))
    text = views.edited_yaml(result)
    assert yaml.safe_load(text)["user_keys"]["elip_duo"]["file"] == "elip.csv"
    assert views.key_table(result.loaded).set_index("name").loc["elip_duo", "kind"] == "real"


def test_bad_key_upload_reports_the_row():
    bad = b"gm_code,aantal\nGM9999,3\n"
    with pytest.raises(InputError) as info:
        build(BASELINE.read_text(encoding="utf-8"), origin="k.yaml", scenario_id="k", uploads=(upload(bad),))
    assert any(p.startswith("elip.csv: row 2: gm_code 'GM9999' is not a municipality") for p in info.value.problems)


def test_key_upload_without_source_is_refused():
    with pytest.raises(InputError, match="give the key a source"):
        build(BASELINE.read_text(encoding="utf-8"), origin="k.yaml", scenario_id="k",
                    uploads=(upload(fictitious_counts(), source=""),))


def test_difference_map_colours_are_not_washed_out_by_a_few_extremes():
    import pandas as pd

    values = pd.Series([0.1] * 90 + [-0.2] * 8 + [50.0, -80.0])
    assert views.colour_limit(values) == pytest.approx(0.2)
    assert views.colour_limit(pd.Series([0.0, 0.0])) == 1.0


def test_a_pot_that_would_overwrite_the_long_table_is_refused_when_the_scenario_is_built():
    data = scenario_data(BASELINE.read_text(encoding="utf-8"))
    data["pots"]["allocation"] = data["pots"].pop("invoering")
    with pytest.raises(InputError, match="pots.allocation: the pot id would overwrite s-allocation.csv"):
        build(data, origin="s.yaml", scenario_id="s")


def test_uploaded_key_cannot_replace_a_built_in_key():
    with pytest.raises(InputError, match="key name 'inwoners' is taken by a built-in key"):
        build(BASELINE.read_text(encoding="utf-8"), origin="k.yaml", scenario_id="k",
                    uploads=(upload(fictitious_counts(), name="inwoners"),))


def test_changes_list_every_edited_number_once():
    data = scenario_data(BASELINE.read_text(encoding="utf-8"))
    edited = edits.apply_edits(
        data, plan_of({"elip": {"budget_eur": 9_000_001, "weights": {"migratieachtergrond": 1, "inwoners": 1}}}
    ))
    assert edits.changes(data, edited) == [
        "pots.elip.budget.amount_eur: 9,000,000 -> 9,000,001",
        "pots.elip.years.euros.2021: 2,886,000 -> 2,886,001",
        "pots.elip.key.weights.migratieachtergrond: 1 -> 0.5",
        "pots.elip.key.weights.inwoners: absent -> 0.5",
    ]
    assert edits.changes(data, data) == []


from hypothesis import given, settings
from hypothesis import strategies as st


@settings(max_examples=200, deadline=None)
@given(
    values=st.dictionaries(st.integers(2021, 2026), st.integers(0, 10**8), min_size=1, max_size=6),
    total=st.integers(0, 10**9),
)
def test_scaled_profile_adds_up_exactly_and_keeps_the_proportions(values, total):
    scaled = edits.scaled_profile(values, total)
    assert sorted(scaled) == sorted(values)
    assert sum(scaled.values()) == total
    assert all(amount >= 0 for amount in scaled.values())
    weight = sum(values.values())
    for year, amount in scaled.items():
        exact = total * values[year] / weight if weight else total / len(values)
        assert abs(amount - exact) < 1 + 1e-6


@settings(max_examples=12, deadline=None)
@given(weights=st.dictionaries(st.sampled_from(["inwoners", "migratieachtergrond", "oppervlakte", "vast_bedrag"]),
                               st.floats(0.01, 100), min_size=1, max_size=4))
def test_any_positive_weights_give_exact_totals_and_a_labelled_key(weights):
    data = scenario_data(BASELINE.read_text(encoding="utf-8"))
    edited = edits.apply_edits(data, plan_of({"elip": {"weights": weights}}))
    result = build(edited, origin="edited", scenario_id="k")
    for row in views.year_phasing(result).itertuples(index=False):
        table = views.pot_year_table(result, row.pot, row.year)
        assert table["amount_eur"].sum() == row.amount_eur
        assert (table["amount_eur"] >= 0).all()
    key = edited["pots"]["elip"]["key"]
    if key["weights"] != {"migratieachtergrond": 1.0}:
        assert key["assumption"].startswith("Edited in the app")


def baseline_data() -> dict:
    return scenario_data(BASELINE.read_text(encoding="utf-8"))


DRENTHE = {"name": "Drenthe", "province": "PV22", "min_share": 0.05}


def test_added_group_is_labelled_as_an_assumption_made_in_the_app_and_binds(baseline):
    data = baseline_data()
    edited = edits.apply_edits(data, plan_of({"elip": {"new_groups": [DRENTHE]}}))
    assert "constraints" not in data["pots"]["elip"]  # the input is not changed
    [group] = edited["pots"]["elip"]["constraints"]["groups"]
    assert group["assumption"] == "Edited in the app: group Drenthe added: province PV22: at least 5.00% of the pot."
    result = build(edited, origin="edited", scenario_id="k")
    for year in views.pot_years(result, "elip"):
        table = views.pot_year_table(result, "elip", year, key_register=True)
        budget = int(table["amount_eur"].sum())
        assert table[table["province_name"] == "Drenthe"]["amount_eur"].sum() == math.ceil(0.05 * budget)
    assert views.bound_summary(result, "elip", 2022)["constraint"].iloc[0].startswith("group Drenthe")


def test_added_group_with_a_source_keeps_that_source():
    edited = edits.set_group(baseline_data(), "elip", None, DRENTHE, source="Bestuurlijk overleg (test)")
    group = edited["pots"]["elip"]["constraints"]["groups"][0]
    assert group["source"] == "Bestuurlijk overleg (test)" and "assumption" not in group


def test_edited_group_keeps_its_years_and_says_what_it_was():
    data = edits.set_group(baseline_data(), "elip", None, DRENTHE, source="original (test)")
    data["pots"]["elip"]["constraints"]["groups"][0]["years"] = [2022]
    same = edits.apply_edits(data, plan_of({"elip": {"groups": {0: dict(DRENTHE)}}}))
    assert same == data  # unchanged: the provenance stays
    edited = edits.apply_edits(data, plan_of({"elip": {"groups": {0: {"name": "Small", "size_class": "< 5.000",
                                                               "max_eur": 10_000.0}}}}))
    group = edited["pots"]["elip"]["constraints"]["groups"][0]
    assert group["years"] == [2022] and group["max_eur"] == 10_000 and isinstance(group["max_eur"], int)
    assert "province" not in group and "min_share" not in group
    assert group["assumption"] == (
        "Edited in the app: group Small set to size class < 5.000: at most € 10,000 "
        "(was Drenthe: province PV22: at least 5.00% of the pot). Before the edit: original (test)")
    build(edited, origin="edited", scenario_id="k")


def test_removed_group_restores_the_amounts(baseline):
    data = edits.set_group(baseline_data(), "elip", None, DRENTHE)
    removed = edits.apply_edits(data, plan_of({"elip": {"groups": {0: None}}}))
    assert "constraints" not in removed["pots"]["elip"]
    result = build(removed, origin="edited", scenario_id="k")
    assert result.allocation["amount_eur"].tolist() == baseline.allocation["amount_eur"].tolist()
    with pytest.raises(InputError, match="pots.elip.constraints.groups.3: no such group"):
        edits.remove_group(data, "elip", 3)


def test_infeasible_group_edit_is_explained_in_euros():
    data = scenario_data((SCENARIOS / "kamerbrief-2021-floor.yaml").read_text(encoding="utf-8"))
    edited = edits.apply_edits(data, plan_of({"elip": {"new_groups": [{"name": "Zeeland", "province": "PV29",
                                                               "min_share": 0.9}]}}))
    with pytest.raises(InputError) as raised:
        build(edited, origin="floor.yaml", scenario_id="floor")
    assert raised.value.problems[0] == (
        "floor.yaml: pots.elip: ELIP (Einde Lening nog Inburgeringsplichtig) 2021: the group minimums "
        "(Zeeland € 2,597,400) and the other municipalities' minimums need € 3,444,900; the budget is "
        "€ 2,886,000 (short € 558,900)")
    # every failing year (the floor holds in 2021-2023), then the floor that fits them all
    assert [p.split(": ")[2].rsplit(" ", 1)[-1] for p in raised.value.problems[:3]] == ["2021", "2022", "2023"]
    assert raised.value.problems[3:] == [
        "floor.yaml: pots.elip: ELIP (Einde Lening nog Inburgeringsplichtig): a minimum of at most € 486 per "
        "municipality fits every year (2021-2023)"]


def test_group_of_an_unknown_province_gives_the_command_line_message():
    edited = edits.set_group(baseline_data(), "elip", None, {"name": "X", "province": "PV99", "min_share": 0.1})
    with pytest.raises(InputError, match=r"groups.0.province: unknown province 'PV99'; available: PV20"):
        build(edited, origin="edited", scenario_id="k")


def test_group_choices_come_from_the_data(baseline):
    choices = views.group_choices(baseline.municipalities)
    assert len(choices["province"]) == 12 and choices["province"]["PV22"] == "Drenthe (PV22, 12 municipalities)"
    assert len(choices["veiligheidsregio"]) == 25
    assert list(choices["size_class"])[0] == "< 5.000"
    counts = [int(label.split("(")[1].split()[0]) for label in choices["size_class"].values()]
    assert sum(counts) == len(baseline.municipalities)
    assert views.group_name("province", "PV22", baseline.municipalities) == "Drenthe"


def test_added_cross_pot_cap_binds_and_is_labelled(baseline):
    data = baseline_data()
    edited = edits.apply_edits(data, plan_of({}, {"new_caps": [(["ondertussengroep", "elip"],
                                                                      "eur_per_inhabitant", 0.5)]}))
    assert edited["cross_pot"] == [{
        "pots": ["ondertussengroep", "elip"], "eur_per_inhabitant": 0.5,
        "assumption": "Edited in the app: cross-pot cap added: at most € 0.50 per inhabitant per municipality "
                      "per year for ondertussengroep, elip together."}]
    result = build(edited, origin="edited", scenario_id="k")
    both = result.allocation[result.allocation["pot"].isin(["ondertussengroep", "elip"])]
    per_year = both.groupby(["year", "gm_code"])["amount_eur"].sum().reset_index()
    population = result.municipalities.set_index("gm_code")["population"]
    assert (per_year["amount_eur"] <= 0.5 * per_year["gm_code"].map(population) + 1e-9).all()
    assert not result.bound_report("elip").empty
    assert "cross-pot maximum" in " ".join(views.constraint_table(result)["constraint"])


def test_edited_cross_pot_cap_keeps_every_pot_and_can_be_removed():
    data = baseline_data()
    data["cross_pot"] = [{"eur": 100_000, "source": "original (test)"}]
    pots = list(data["pots"])
    assert edits.set_cross_pot(data, 0, pots, "eur", 100_000) == data  # every pot chosen: unchanged
    edited = edits.apply_edits(data, plan_of({}, {"caps": {0: (pots, "eur", 200_000.0)}, "source": ""}))
    assert edited["cross_pot"] == [{"eur": 200_000.0, "assumption":
        "Edited in the app: cross-pot cap set to at most € 200,000 per municipality per year for all pots "
        "together (was at most € 100,000 per municipality per year for all pots together). "
        "Before the edit: original (test)"}]
    build(edited, origin="edited", scenario_id="k")
    assert "cross_pot" not in edits.apply_edits(data, plan_of({}, {"caps": {0: None}}))


def test_cross_pot_cap_without_pots_is_refused_with_the_fix():
    edited = edits.set_cross_pot(baseline_data(), None, [], "eur", 1000)
    with pytest.raises(InputError, match=r"cross_pot.0.pots: no pots listed; list the pots the cap is for"):
        build(edited, origin="edited", scenario_id="k")


def test_a_new_cross_pot_cap_starts_where_it_does_not_bind_yet(baseline):
    start = views.cap_start(baseline)
    data = edits.set_cross_pot(baseline_data(), None, None, "eur_per_inhabitant", start)
    result = build(data, origin="edited", scenario_id="k")
    assert result.allocation["amount_eur"].tolist() == baseline.allocation["amount_eur"].tolist()
    assert all(result.bound_report(pot).empty for pot in result.scenario.pots)
    lower = edits.set_cross_pot(baseline_data(), None, None, "eur_per_inhabitant", start - 0.5)
    assert build(lower, origin="edited", scenario_id="k").allocation["amount_eur"].tolist() != \
        baseline.allocation["amount_eur"].tolist()


def test_a_rate_that_differs_only_by_rounding_is_uniform():
    result = shipped("kamerbrief-2021")
    pure = views.pot_year_table(result, "ondertussengroep", 2021)  # inhabitants key: only rounding differs
    rate = views.uniform_rate(pure)
    assert rate is not None and abs(rate - 3_500_000 / pure["inhabitants"].sum()) < 1e-12
    assert views.uniform_rate(views.pot_year_table(result, "elip", 2021)) is None  # a real key differs
    skewed = pure.copy()
    skewed.loc[0, "amount_eur"] += 2  # two euros off: not rounding any more, unless within 0.1%
    skewed["eur_per_inhabitant"] = skewed["amount_eur"] / skewed["inhabitants"]
    narrow = (skewed["eur_per_inhabitant"].max() - skewed["eur_per_inhabitant"].min()) < 0.001 * rate
    assert (views.uniform_rate(skewed) is not None) == narrow
