"""App-facing views and scenario editing (allocation.views), tested without a browser."""

from __future__ import annotations

import pytest
import yaml

from allocation import views
from allocation.errors import InputError
from allocation.scenario import load_scenario, parse_scenario, run_scenario
from tests.conftest import SCENARIOS

SHIPPED = sorted(SCENARIOS.glob("*.yaml"))
BASELINE = SCENARIOS / "kamerbrief-2021.yaml"


@pytest.fixture(scope="module")
def baseline():
    return run_scenario(load_scenario(BASELINE))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_pot_year_tables_add_up_to_the_year_budgets(path):
    result = run_scenario(load_scenario(path))
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
    assert provenance.loc["invoering", "key"].startswith("vast bedrag EUR 5,000")
    kinds = views.key_table(baseline.loaded).set_index("name")["kind"]
    assert kinds["migratieachtergrond"] == "proxy"


def test_edited_weight_is_labelled_as_an_assumption_made_in_the_app():
    data = views.scenario_data(BASELINE.read_text(encoding="utf-8"))
    edited = views.set_weights(data, "elip", {"migratieachtergrond": 3, "inwoners": 1})
    key = edited["pots"]["elip"]["key"]
    assert key["weights"] == {"migratieachtergrond": 0.75, "inwoners": 0.25}
    assert key["assumption"].startswith("Edited in the app: key weights set to")
    assert "source" not in key
    assert data["pots"]["elip"]["key"]["weights"] == {"migratieachtergrond": 1.0}  # input untouched


def test_edited_number_with_a_source_keeps_that_source():
    data = views.scenario_data(BASELINE.read_text(encoding="utf-8"))
    edited = views.set_budget(data, "elip", 9_500_000, source="Meicirculaire 2021, bijlage 3")
    assert edited["pots"]["elip"]["budget"] == {"amount_eur": 9_500_000, "source": "Meicirculaire 2021, bijlage 3"}


def test_unchanged_values_keep_their_provenance():
    data = views.scenario_data(BASELINE.read_text(encoding="utf-8"))
    edits = {"elip": {"budget_eur": 9_000_000, "vast_bedrag_eur": 0, "weights": {"migratieachtergrond": 1.0, "inwoners": 0},
                      "years": {2022: 2625000}}}
    assert views.apply_edits(data, edits) == data


def test_edited_year_value_is_labelled_and_the_rest_keep_their_source():
    data = views.scenario_data(BASELINE.read_text(encoding="utf-8"))
    edited = views.apply_edits(data, {"ondertussengroep": {"years": {2021: 2.0}}})
    years = edited["pots"]["ondertussengroep"]["years"]
    assert years["shares"][2021]["value"] == 2.0
    assert years["shares"][2021]["assumption"].startswith("Edited in the app: 2021 set to share 2")
    assert years["shares"][2022] == 1
    result = views.build(edited, origin="edited", scenario_id="k")
    phasing = views.year_phasing(result).set_index(["pot", "year"])
    assert phasing.loc[("ondertussengroep", 2021), "amount_eur"] == 6_000_000
    assert phasing.loc[("ondertussengroep", 2022), "amount_eur"] == 3_000_000


def test_changing_a_weight_changes_the_amounts(baseline):
    data = views.scenario_data(BASELINE.read_text(encoding="utf-8"))
    edited = views.apply_edits(data, {"elip": {"weights": {"migratieachtergrond": 0.5, "inwoners": 0.5}}})
    result = views.build(edited, origin="edited", scenario_id="k")
    before = views.pot_year_table(baseline, "elip", 2022)["amount_eur"]
    after = views.pot_year_table(result, "elip", 2022)["amount_eur"]
    assert after.sum() == before.sum() == 2_625_000
    assert (after != before).sum() > 300


def test_invalid_edit_gives_the_command_line_message():
    data = views.scenario_data(BASELINE.read_text(encoding="utf-8"))
    edited = views.apply_edits(data, {"invoering": {"budget_eur": 10_000_000, "scale_years": False}})
    with pytest.raises(InputError) as edit_info:
        views.build(edited, origin="s.yaml", scenario_id="s")
    with pytest.raises(InputError) as cli_info:
        parse_scenario(yaml.safe_dump(edited), origin="s.yaml", scenario_id="s")
    assert edit_info.value.problems == cli_info.value.problems
    assert "the years add up to EUR 9,000,000 but the budget is EUR 10,000,000" in edit_info.value.problems[0]


def test_budget_edit_scales_payment_years_in_euros_exactly():
    data = views.scenario_data(BASELINE.read_text(encoding="utf-8"))
    edited = views.apply_edits(data, {"elip": {"budget_eur": 9_000_001}})
    euros = edited["pots"]["elip"]["years"]["euros"]
    values = {year: entry["value"] for year, entry in euros.items()}
    assert sum(values.values()) == 9_000_001
    assert values == {2021: 2886001, 2022: 2625000, 2023: 1649000, 2024: 840000, 2025: 600000, 2026: 400000}
    assert euros[2021]["assumption"].startswith("Edited in the app: 2021 set to EUR 2,886,001")
    assert euros[2022] == data["pots"]["elip"]["years"]["euros"][2022]  # unchanged years keep their source
    result = views.build(edited, origin="edited", scenario_id="k")
    assert views.year_phasing(result)["amount_eur"].sum() == 9_000_001 + 21_000_000 + 9_000_000


def test_years_that_already_match_the_new_budget_are_not_rescaled():
    data = views.scenario_data(BASELINE.read_text(encoding="utf-8"))
    edited = views.apply_edits(data, {"invoering": {"budget_eur": 10_000_000, "years": {2021: 10_000_000}}})
    assert edited["pots"]["invoering"]["years"]["euros"][2021]["value"] == 10_000_000
    views.build(edited, origin="edited", scenario_id="k")


def test_infeasible_vast_bedrag_edit_is_explained_in_euros():
    data = views.scenario_data(BASELINE.read_text(encoding="utf-8"))
    edited = views.apply_edits(data, {"invoering": {"vast_bedrag_eur": 30_000}})
    with pytest.raises(InputError) as info:
        views.build(edited, origin="s.yaml", scenario_id="s")
    assert any("needs EUR 10,560,000; the budget is EUR 9,000,000 (short EUR 1,560,000)" in p for p in info.value.problems)


def upload(content: bytes, **options) -> views.KeyUpload:
    fields = dict(name="elip_duo", filename="elip.csv", content=content, value_column="aantal",
                  label="ELIP counts (FICTITIOUS test data)", source="test fixture", kind="real")
    fields.update(options)
    return views.KeyUpload(**fields)


def fictitious_counts() -> bytes:
    """FICTITIOUS ELIP counts: 1 per municipality, 50 for Amsterdam."""
    register = run_scenario(load_scenario(BASELINE)).municipalities["gm_code"]
    lines = ["gm_code;aantal"] + [f"{code};{50 if code == 'GM0363' else 1}" for code in register]
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_uploaded_key_is_declared_in_the_scenario_and_usable():
    data = views.scenario_data(BASELINE.read_text(encoding="utf-8"))
    edited = views.apply_edits(data, {"elip": {"weights": {"elip_duo": 1}}})
    result = views.build(edited, origin="edited", scenario_id="k", uploads=(upload(fictitious_counts()),))
    table = views.pot_year_table(result, "elip", 2022).set_index("gm_code")
    assert table.loc["GM0363", "amount_eur"] == round(2_625_000 * 50 / (351 + 50))
    text = views.edited_yaml(result)
    assert yaml.safe_load(text)["user_keys"]["elip_duo"]["file"] == "elip.csv"
    assert views.key_table(result.loaded).set_index("name").loc["elip_duo", "kind"] == "real"


def test_bad_key_upload_reports_the_row():
    bad = b"gm_code,aantal\nGM9999,3\n"
    with pytest.raises(InputError) as info:
        views.build(BASELINE.read_text(encoding="utf-8"), origin="k.yaml", scenario_id="k", uploads=(upload(bad),))
    assert any(p.startswith("elip.csv: row 2: gm_code 'GM9999' is not a municipality") for p in info.value.problems)


def test_key_upload_without_source_is_refused():
    with pytest.raises(InputError, match="give the key a source"):
        views.build(BASELINE.read_text(encoding="utf-8"), origin="k.yaml", scenario_id="k",
                    uploads=(upload(fictitious_counts(), source=""),))


def test_difference_map_colours_are_not_washed_out_by_a_few_extremes():
    import pandas as pd

    values = pd.Series([0.1] * 90 + [-0.2] * 8 + [50.0, -80.0])
    assert views.colour_limit(values) == pytest.approx(0.2)
    assert views.colour_limit(pd.Series([0.0, 0.0])) == 1.0


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_export_names_are_the_files_export_builds(path):
    from allocation.export import export_files

    result = run_scenario(load_scenario(path))
    assert views.export_names(result) == list(export_files(result))


def test_a_pot_that_would_overwrite_the_long_table_is_refused_when_the_scenario_is_built():
    data = views.scenario_data(BASELINE.read_text(encoding="utf-8"))
    data["pots"]["allocation"] = data["pots"].pop("invoering")
    with pytest.raises(InputError, match="pots.allocation: the pot id would overwrite s-allocation.csv"):
        views.build(data, origin="s.yaml", scenario_id="s")


def test_uploaded_key_cannot_replace_a_built_in_key():
    with pytest.raises(InputError, match="key name 'inwoners' is taken by a built-in key"):
        views.build(BASELINE.read_text(encoding="utf-8"), origin="k.yaml", scenario_id="k",
                    uploads=(upload(fictitious_counts(), name="inwoners"),))


def test_changes_list_every_edited_number_once():
    data = views.scenario_data(BASELINE.read_text(encoding="utf-8"))
    edited = views.apply_edits(data, {"elip": {"budget_eur": 9_000_001, "weights": {"migratieachtergrond": 1, "inwoners": 1}}})
    assert views.changes(data, edited) == [
        "pots.elip.budget.amount_eur: 9,000,000 -> 9,000,001",
        "pots.elip.years.euros.2021: 2,886,000 -> 2,886,001",
        "pots.elip.key.weights.migratieachtergrond: 1 -> 0.5",
        "pots.elip.key.weights.inwoners: absent -> 0.5",
    ]
    assert views.changes(data, data) == []


from hypothesis import given, settings
from hypothesis import strategies as st


@settings(max_examples=200, deadline=None)
@given(
    values=st.dictionaries(st.integers(2021, 2026), st.integers(0, 10**8), min_size=1, max_size=6),
    total=st.integers(0, 10**9),
)
def test_scaled_profile_adds_up_exactly_and_keeps_the_proportions(values, total):
    scaled = views.scaled_profile(values, total)
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
    data = views.scenario_data(BASELINE.read_text(encoding="utf-8"))
    edited = views.apply_edits(data, {"elip": {"weights": weights}})
    result = views.build(edited, origin="edited", scenario_id="k")
    for row in views.year_phasing(result).itertuples(index=False):
        table = views.pot_year_table(result, row.pot, row.year)
        assert table["amount_eur"].sum() == row.amount_eur
        assert (table["amount_eur"] >= 0).all()
    key = edited["pots"]["elip"]["key"]
    if key["weights"] != {"migratieachtergrond": 1.0}:
        assert key["assumption"].startswith("Edited in the app")
