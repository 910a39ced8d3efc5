"""The Streamlit app (app.py) driven by streamlit.testing.v1.AppTest, for every shipped scenario.

Key files uploaded here are FICTITIOUS test data.
"""

from __future__ import annotations

import math

import pytest
import streamlit as st
import yaml
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT, SCENARIOS

SHIPPED = sorted(p.stem for p in SCENARIOS.glob("*.yaml"))
VIEWS = ["Allocation", "Zekerheid", "Scenario", "Compare", "Export"]


@pytest.fixture(autouse=True)
def clear_cache():
    """AppTest runs the app in this process, so st.cache_data is shared between tests."""
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def start(scenario_id: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    if scenario_id is not None:
        at.sidebar.selectbox(key="shipped").set_value(scenario_id).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def number_input(at: AppTest, label_start: str):
    matches = [widget for widget in at.sidebar.number_input if widget.label.startswith(label_start)]
    assert matches, f"no number input starting with {label_start!r}: {[w.label for w in at.sidebar.number_input]}"
    return matches[0]


def amounts(at: AppTest) -> list[int]:
    table = at.main.dataframe[0].value
    return table["amount_eur"].tolist()


def errors(at: AppTest) -> str:
    return "\n".join(e.value for e in at.error)


@pytest.mark.parametrize("scenario_id", SHIPPED)
def test_every_view_renders_without_exception(scenario_id):
    at = start(scenario_id)  # one session per scenario, through every view and back
    for view in VIEWS[1:] + VIEWS[:1]:
        at.sidebar.radio(key="view").set_value(view).run()
        assert not at.exception, (view, [e.value for e in at.exception])
        assert not at.error, (view, errors(at))


@pytest.mark.parametrize("scenario_id", SHIPPED)
def test_changing_a_weight_changes_the_amounts_but_not_the_total(scenario_id):
    at = start(scenario_id)
    before = amounts(at)
    unused = [w for w in at.sidebar.number_input if "[" in w.label and w.value == 0]
    widget = unused[0] if unused else [w for w in at.sidebar.number_input if "[" in w.label][0]
    widget.set_value(widget.value + 1.0).run()
    assert not at.exception and not at.error, errors(at)
    after = amounts(at)
    assert sum(after) == sum(before)
    assert after != before


def test_allocation_view_shows_key_kinds_and_provenance():
    at = start("kamerbrief-2021")
    at.selectbox(key="view_pot").set_value("elip").run()
    markdown = "\n".join(m.value for m in at.markdown)
    assert "migratieachtergrond :orange[proxy]" in markdown
    provenance = at.main.dataframe[2].value.set_index("pot")
    assert provenance.loc["elip", "keys"] == "migratieachtergrond 1 (proxy)"


def test_allocation_view_explains_a_municipality():
    at = start("kamerbrief-2021")
    at.selectbox(key="explain_code").set_value("GM0014").run()
    text = at.code[0].value
    assert "for Groningen (GM0014)" in text and "largest remainder" in text.lower()


def test_search_filters_the_table():
    at = start("kamerbrief-2021")
    at.text_input(key="search").set_value("363").run()
    table = at.main.dataframe[0].value
    assert table["gm_name"].tolist() == ["Amsterdam"]


def test_invalid_edit_shows_the_command_line_message_and_the_app_keeps_working():
    at = start("kamerbrief-2021")
    at.sidebar.selectbox(key="edit_pot").set_value("invoering").run()
    [box for box in at.sidebar.checkbox if box.label.startswith("Scale the payment years")][0].uncheck().run()
    number_input(at, "Budget").set_value(10_000_000).run()
    assert not at.exception
    assert "pots.invoering.years.euros: the years add up to EUR 9,000,000 but the budget is EUR 10,000,000" in errors(
        at
    )
    assert sum(amounts(at)) > 0  # the scenario without the edit is still shown
    number_input(at, "2021").set_value(10_000_000).run()  # fix it: the years now match
    assert not at.error, errors(at)
    at.sidebar.selectbox(key="edit_pot").set_value("invoering").run()
    at.selectbox(key="view_pot").set_value("invoering").run()
    assert sum(amounts(at)) == 10_000_000


def test_budget_edit_scales_the_payment_years():
    at = start("kamerbrief-2021")
    at.sidebar.selectbox(key="edit_pot").set_value("elip").run()
    number_input(at, "Budget").set_value(18_000_000).run()
    assert not at.error and not at.exception, errors(at)
    assert number_input(at, "2022").value == 5_250_000
    at.selectbox(key="view_pot").set_value("elip").run()
    at.selectbox(key="view_year_elip").set_value(2022).run()
    assert sum(amounts(at)) == 5_250_000


def test_edits_are_labelled_in_the_downloadable_yaml():
    at = start("kamerbrief-2021")
    number_input(at, "oppervlakte").set_value(1.0).run()
    at.sidebar.radio(key="view").set_value("Scenario").run()
    text = at.code[0].value
    assert "Edited in the app: key weights set to inwoners 0.5, oppervlakte 0.5" in text
    markdown = "\n".join(m.value for m in at.markdown)
    assert "`pots.ondertussengroep.key.weights.oppervlakte: absent -> 0.5`" in markdown
    assert at.download_button(key="dl_yaml")


def test_bad_key_upload_shows_its_error_and_the_app_still_works():
    at = start("kamerbrief-2021")
    before = amounts(at)
    at.sidebar.text_input(key="key_source").set_value("test fixture (FICTITIOUS)")
    at.sidebar.file_uploader(key="key_upload").set_value(("elip.csv", b"gm_code,aantal\nGM9999,3\n", "text/csv")).run()
    assert not at.exception
    assert "elip.csv: row 2: gm_code 'GM9999' is not a municipality of the 2021-01-01 register" in errors(at)
    assert amounts(at) == before
    number_input(at, "oppervlakte").set_value(1.0).run()
    assert amounts(at) != before


def test_good_key_upload_can_be_weighted():
    at = start("kamerbrief-2021")
    codes = at.main.dataframe[0].value["gm_code"].tolist()
    csv = "gm_code;aantal\n" + "".join(f"{c};{50 if c == 'GM0363' else 1}\n" for c in codes)  # FICTITIOUS counts
    at.sidebar.text_input(key="key_source").set_value("test fixture (FICTITIOUS)")
    at.sidebar.file_uploader(key="key_upload").set_value(("elip.csv", csv.encode(), "text/csv")).run()
    assert not at.error, errors(at)
    number_input(at, "elip_duo [real]").set_value(1.0)
    number_input(at, "inwoners").set_value(0.0).run()
    assert not at.error, errors(at)
    table = at.main.dataframe[0].value.set_index("gm_code")
    assert table.loc["GM0363", "amount_eur"] == round(3_500_000 * 50 / (351 + 50))


def test_bad_scenario_upload_shows_its_error_and_a_shipped_one_still_works():
    at = start()
    at.sidebar.radio(key="source").set_value("Upload a YAML file").run()
    at.sidebar.file_uploader(key="scenario_upload").set_value(
        ("bad.yaml", b"name: [unclosed\n", "application/x-yaml")
    ).run()
    assert not at.exception
    assert "bad.yaml: not valid YAML at line" in errors(at)
    at.sidebar.radio(key="source").set_value("Shipped scenario").run()
    assert not at.error and not at.exception
    assert sum(amounts(at)) > 0


def test_uploaded_scenario_is_used():
    at = start()
    text = (
        (SCENARIOS / "kamerbrief-2021.yaml")
        .read_text(encoding="utf-8")
        .replace("amount_eur: 21000000", "amount_eur: 21000006")
    )
    text = text.replace("shares: {2021: 1,", "shares: {2021: 1,")
    at.sidebar.radio(key="source").set_value("Upload a YAML file").run()
    at.sidebar.file_uploader(key="scenario_upload").set_value(("mine.yaml", text.encode(), "application/x-yaml")).run()
    assert not at.exception and not at.error, errors(at)
    assert sum(amounts(at)) == 3_500_001


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("shares: {2021: 1,", "shares: {2021: 1, 2021: 5,", "the key `2021` is given twice"),
        ("amount_eur: 21000000", "amount_eur: true", "must be a number, got true"),
        ("shares: {2021: 1,", "shares: {2021: .inf,", "must be a finite number, got inf"),
    ],
)
def test_an_uploaded_scenario_with_bad_input_shows_the_command_lines_message(old, new, message):
    at = start()
    text = (SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8").replace(old, new, 1)
    at.sidebar.radio(key="source").set_value("Upload a YAML file").run()
    at.sidebar.file_uploader(key="scenario_upload").set_value(("mine.yaml", text.encode(), "application/x-yaml")).run()
    assert not at.exception
    assert message in errors(at)


def test_export_view_offers_the_allocation_csv():
    at = start("kamerbrief-2021")
    at.sidebar.radio(key="view").set_value("Export").run()
    labels = [b.label for b in at.download_button]
    assert "Download kamerbrief-2021-allocation.csv" in labels
    assert "Download kamerbrief-2021-meicirculaire.xlsx" in labels
    assert {"Download kamerbrief-2021-elip.csv", "Download kamerbrief-2021-invoering.csv"} <= set(labels)


def test_compare_view_shows_bands_changes_and_aggregates():
    at = start("kamerbrief-2021")
    at.sidebar.radio(key="view").set_value("Compare").run()
    assert at.multiselect(key="compare_chosen").value[0] == "this scenario (as edited)"
    assert len(at.multiselect(key="compare_chosen").value) == 2
    at.multiselect(key="compare_chosen").set_value(["this scenario (as edited)", "variant-inwoners"]).run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Baseline"] == "EUR 39,000,000"
    assert metrics["variant-inwoners"] == "EUR 39,000,000"
    redistributed = metrics["Redistributed"]
    changes = at.main.dataframe[0].value
    assert len(changes) == 15 and changes["diff_eur"].abs().is_monotonic_decreasing
    size_classes = at.main.dataframe[1].value
    assert size_classes["size_class"].iloc[0] == "< 5.000" and size_classes["diff_eur"].sum() == 0
    provinces = at.main.dataframe[2].value
    assert len(provinces) == 12 and provinces["diff_eur"].sum() == 0

    number_input(at, "migratieachtergrond").set_value(1.0).run()  # edit the baseline: the comparison follows
    assert not at.exception and not at.error, errors(at)
    assert {m.label: m.value for m in at.metric}["Redistributed"] != redistributed


def test_compare_three_scenarios_and_pick_a_pot_and_year():
    at = start("kamerbrief-2021")
    at.sidebar.radio(key="view").set_value("Compare").run()
    at.multiselect(key="compare_chosen").set_value(
        ["this scenario (as edited)", "variant-inwoners", "variant-migratie"]).run()
    assert at.selectbox(key="compare_scenario").options == ["variant-inwoners", "variant-migratie"]
    at.selectbox(key="compare_scenario").set_value("variant-migratie").run()
    at.selectbox(key="compare_pot").set_value("elip").run()
    at.selectbox(key="compare_year_elip").set_value("2022").run()
    assert not at.exception and not at.error, errors(at)
    assert {m.label: m.value for m in at.metric}["Baseline"] == "EUR 2,625,000"


def test_compare_needs_two_scenarios():
    at = start("kamerbrief-2021")
    at.sidebar.radio(key="view").set_value("Compare").run()
    at.multiselect(key="compare_chosen").set_value(["variant-inwoners"]).run()
    assert not at.exception
    assert any("Choose at least two scenarios" in i.value for i in at.info)


def test_bad_uploaded_comparison_scenario_shows_its_error():
    at = start("kamerbrief-2021")
    at.sidebar.radio(key="view").set_value("Compare").run()
    at.file_uploader(key="compare_uploads").set_value([("bad.yaml", b"name: x\n", "application/x-yaml")]).run()
    at.multiselect(key="compare_chosen").select("uploaded: bad.yaml").run()
    assert not at.exception
    assert "bad.yaml: description: required field is missing" in errors(at)


def test_export_view_builds_the_comparison_workbook_on_request():
    at = start("kamerbrief-2021")
    at.sidebar.radio(key="view").set_value("Compare").run()
    at.multiselect(key="compare_chosen").set_value(["this scenario (as edited)", "variant-inwoners"]).run()
    at.sidebar.radio(key="view").set_value("Export").run()
    assert not any(b.label.endswith(".xlsx") and "comparison" in b.label for b in at.download_button)
    at.button(key="build_comparison").click().run()
    assert not at.exception and not at.error, errors(at)
    labels = [b.label for b in at.download_button]
    assert "Download comparison-kamerbrief-2021-vs-variant-inwoners.xlsx" in labels
    assert "Download comparison-kamerbrief-2021-vs-variant-inwoners-bands.csv" in labels


def test_uploaded_scenario_with_a_user_key_runs_once_the_key_file_is_uploaded():
    at = start("kamerbrief-2021")
    codes = at.main.dataframe[0].value["gm_code"].tolist()
    csv = "gm_code,aantal\n" + "".join(f"{c},{2 if c == 'GM0363' else 1}\n" for c in codes)  # FICTITIOUS counts
    text = (SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8")
    text = text.replace("key_register: 2021-01-01", """key_register: 2021-01-01
user_keys:
  elip_duo:
    file: elip_duo.csv
    value_column: aantal
    label: ELIP counts (FICTITIOUS)
    source: test fixture
    kind: real""").replace("weights: {migratieachtergrond: 1.0}", "weights: {elip_duo: 1.0}")
    at.sidebar.radio(key="source").set_value("Upload a YAML file").run()
    at.sidebar.file_uploader(key="scenario_upload").set_value(("duo.yaml", text.encode(), "application/x-yaml")).run()
    assert not at.exception
    assert "user_keys.elip_duo" in errors(at) and "key file not found" in errors(at)
    at.sidebar.text_input(key="key_source").set_value("test fixture (FICTITIOUS)")
    at.sidebar.file_uploader(key="key_upload").set_value(("elip_duo.csv", csv.encode(), "text/csv")).run()
    assert not at.exception and not at.error, errors(at)
    at.selectbox(key="view_pot").set_value("elip").run()
    table = at.main.dataframe[0].value.set_index("gm_code")
    assert table.loc["GM0363", "amount_eur"] == round(2_886_000 * 2 / 353)


def test_bound_report_shows_where_constraints_apply_and_follows_an_edit():
    at = start("kamerbrief-2021-floor")
    at.selectbox(key="view_pot").set_value("elip").run()
    summary = at.main.dataframe[1].value
    assert summary["constraint"].tolist() == ["a minimum of EUR 2,500"]
    assert summary["municipalities"].iloc[0] == len(at.main.dataframe[2].value)
    markdown = "\n".join(m.value for m in at.markdown)
    assert "minimum per municipality: EUR 2,500 in 2021, 2022, 2023" in markdown
    at.sidebar.selectbox(key="edit_pot").set_value("elip").run()
    number_input(at, "Minimum").set_value(3000.0).run()
    assert not at.exception and not at.error, errors(at)
    assert at.main.dataframe[1].value["constraint"].tolist() == ["a minimum of EUR 3,000"]
    assert min(amounts(at)) >= 3000
    at.sidebar.radio(key="view").set_value("Scenario").run()
    yaml_text = " ".join(at.code[0].value.split())  # YAML wraps long lines
    assert "Edited in the app: minimum set to 3,000 EUR per municipality per year (was 2,500 EUR)" in yaml_text


def test_infeasible_constraint_edit_is_explained_in_euros():
    at = start("kamerbrief-2021-floor")
    at.sidebar.selectbox(key="edit_pot").set_value("elip").run()
    number_input(at, "Minimum").set_value(50_000.0).run()
    assert not at.exception
    assert "short EUR" in errors(at)
    assert sum(amounts(at)) > 0  # the scenario without the edit is still shown


def test_a_year_band_can_be_added_in_the_app():
    at = start("kamerbrief-2021")
    number_input(at, "Year band: max % less").set_value(10.0).run()  # ondertussengroep: equal years
    assert not at.exception and not at.error, errors(at)
    at.sidebar.radio(key="view").set_value("Scenario").run()
    assert "year_band:" in at.code[0].value and "max_decrease_pct: 10.0" in at.code[0].value


def test_a_year_band_the_budget_cannot_meet_is_explained_in_euros():
    at = start("kamerbrief-2021")
    at.sidebar.selectbox(key="edit_pot").set_value("elip").run()
    number_input(at, "Year band: max % less").set_value(10.0).run()  # ELIP falls from 2.6 to 1.6 mln
    assert not at.exception
    assert "the year band (at most 10% less than 2022)" in errors(at) and "short EUR" in errors(at)


def by_key(widgets, suffix: str):
    """The widget whose key ends in ``suffix`` (edit keys carry the scenario's content hash)."""
    matches = [widget for widget in widgets if str(widget.key).endswith(suffix)]
    assert matches, f"no widget key ends in {suffix!r}: {[w.key for w in widgets]}"
    return matches[0]


def add_group(at: AppTest, pot_id: str, province: str, min_share: float) -> None:
    at.sidebar.selectbox(key="edit_pot").set_value(pot_id).run()
    by_key(at.sidebar.button, f"_{pot_id}_add_group").click().run()
    by_key(at.sidebar.selectbox, f"_{pot_id}_new0_province").set_value(province).run()
    assert by_key(at.sidebar.selectbox, f"_{pot_id}_new0_min_unit").value == "share"
    by_key(at.sidebar.number_input, f"_{pot_id}_new0_min_share").set_value(min_share).run()


def test_a_province_group_added_in_the_app_binds_is_labelled_and_can_be_removed():
    at = start("kamerbrief-2021")
    at.selectbox(key="view_pot").set_value("elip").run()
    before = amounts(at)
    add_group(at, "elip", "PV22", 0.05)  # Drenthe: about 2% of ELIP's key, held at 5%
    assert not at.exception and not at.error, errors(at)
    table = at.main.dataframe[0].value
    after = table["amount_eur"].tolist()
    assert after != before and sum(after) == sum(before)
    assert table[table["province_name"] == "Drenthe"]["amount_eur"].sum() == math.ceil(0.05 * sum(before))
    summary = at.main.dataframe[1].value
    assert summary["constraint"].iloc[0].startswith("group Drenthe: at least 5.00% of the pot")
    assert summary["municipalities"].iloc[0] == 12
    markdown = "\n".join(m.value for m in at.markdown)
    assert "group Drenthe" in markdown and "Edited in the app: group Drenthe added" in markdown

    at.sidebar.radio(key="view").set_value("Scenario").run()
    assert at.download_button(key="dl_yaml")  # offers views.edited_yaml, shown below it
    data = yaml.safe_load(at.code[0].value)
    group = data["pots"]["elip"]["constraints"]["groups"][0]
    assert {k: group[k] for k in ("name", "province", "min_share")} == {"name": "Drenthe", "province": "PV22",
                                                                          "min_share": 0.05}
    assert group["assumption"].startswith("Edited in the app: group Drenthe added: province PV22")

    by_key(at.sidebar.checkbox, "_elip_new0_remove").check().run()
    assert not at.exception and not at.error, errors(at)
    assert "groups" not in at.code[0].value
    at.sidebar.radio(key="view").set_value("Allocation").run()
    at.selectbox(key="view_pot").set_value("elip").run()
    assert amounts(at) == before


def test_an_infeasible_group_edit_is_explained_in_euros_and_the_app_keeps_working():
    at = start("kamerbrief-2021-floor")  # ELIP: at least EUR 2,500 per municipality in 2021-2023
    at.selectbox(key="view_pot").set_value("elip").run()
    before = amounts(at)
    add_group(at, "elip", "PV29", 0.9)  # Zeeland: 13 municipalities asking 90% of the pot
    assert not at.exception
    message = errors(at)
    assert "Your edits are not valid" in message
    assert "the group minimums (Zeeland EUR 2,597,400)" in message and "short EUR 558,900" in message
    assert amounts(at) == before  # the scenario without the edit is still shown
    by_key(at.sidebar.number_input, "_elip_new0_min_share").set_value(0.03).run()
    assert not at.exception and not at.error, errors(at)
    assert amounts(at) != before
    by_key(at.sidebar.checkbox, "_elip_new0_remove").check().run()
    assert not at.error and amounts(at) == before


def test_a_cross_pot_cap_added_in_the_app_binds_and_is_listed():
    at = start("kamerbrief-2021")
    at.selectbox(key="view_pot").set_value("elip").run()
    at.selectbox(key="view_year_elip").set_value(2021).run()
    before = amounts(at)
    by_key(at.sidebar.button, "_xpot_add").click().run()
    assert not at.error and amounts(at) == before  # a new cap starts where it does not bind
    by_key(at.sidebar.multiselect, "_xpot_new0_pots").set_value(["ondertussengroep", "elip"]).run()
    by_key(at.sidebar.number_input, "_xpot_new0_eur_per_inhabitant").set_value(0.5).run()
    assert not at.exception and not at.error, errors(at)
    table = at.main.dataframe[0].value
    assert table["amount_eur"].tolist() != before and table["amount_eur"].sum() == sum(before)
    markdown = "\n".join(m.value for m in at.markdown)
    assert "cross-pot maximum: EUR 0.50 per inhabitant per municipality per year for ondertussengroep, elip" in markdown
    summary = at.main.dataframe[1].value
    assert any(c.startswith("the cross-pot maximum") or "cross-pot" in c for c in summary["constraint"])
    at.sidebar.radio(key="view").set_value("Scenario").run()
    cap = yaml.safe_load(at.code[0].value)["cross_pot"][0]
    assert cap["pots"] == ["ondertussengroep", "elip"] and cap["eur_per_inhabitant"] == 0.5
    assert cap["assumption"].startswith("Edited in the app: cross-pot cap added")


def test_compare_view_shows_the_mutaties_against_an_uploaded_published_table():
    from allocation.publish.run_files import export_files
    from tests.conftest import shipped

    published = export_files(shipped("variant-inwoners"), workbook_format="ods")
    at = start("kamerbrief-2021")
    at.sidebar.radio(key="view").set_value("Compare").run()
    name = "variant-inwoners-meicirculaire.ods"
    at.file_uploader(key="published_table").set_value((name, published[name], "application/octet-stream")).run()
    assert not at.exception and not at.error, errors(at)
    totals = at.main.dataframe[-2].value
    assert set(totals["pot"]) == {"ondertussengroep", "elip", "invoering"}
    assert (totals["mutatie_eur"] == 0).all()  # same budgets: only redistribution
    labels = [b.label for b in at.download_button]
    assert "Download mutaties-variant-inwoners-meicirculaire-vs-kamerbrief-2021.xlsx" in labels


def test_compare_view_answers_the_three_negotiation_questions():
    at = start("kamerbrief-2021")
    at.sidebar.radio(key="view").set_value("Compare").run()
    at.multiselect(key="compare_chosen").set_value(["this scenario (as edited)", "kamerbrief-2021-ingroei"]).run()
    assert not any("top_up_eur" in frame.value.columns for frame in at.main.dataframe)  # only on request
    at.toggle(key="negotiate").set_value(True).run()
    assert not at.exception and not at.error, errors(at)
    tables = [frame.value for frame in at.main.dataframe]
    guarantee = next(t for t in tables if "top_up_eur" in t.columns)
    assert set(guarantee["max_loss_pct"]) == {0.0, 1.0, 2.0, 5.0, 10.0, 20.0}
    frontier = next(t for t in tables if "distance_eur" in t.columns)
    assert frontier["feasible"].any()
    picked = at.selectbox(key="why_municipality")
    assert picked.value.split(": ")[-1].startswith("-")  # the largest loser first
    assert any(b.label.startswith("Download the compromise scenario") for b in at.download_button)


def test_the_zekerheid_view_shows_bands_that_follow_the_spread():
    at = start("kamerbrief-2021")
    at.sidebar.radio(key="view").set_value("Zekerheid").run()
    assert not at.exception and not at.error, errors(at)
    at.number_input(key="spread_draws").set_value(200).run()
    at.selectbox(key="band_pot").set_value("elip").run()
    narrow = at.main.dataframe[0].value["band_pct"].median()
    at.number_input(key="spread_migratieachtergrond").set_value(0.5).run()
    assert not at.exception and not at.error, errors(at)
    wide = at.main.dataframe[0].value["band_pct"].median()
    assert wide > narrow > 0
