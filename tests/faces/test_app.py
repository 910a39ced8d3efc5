"""The Streamlit app (app.py) driven by streamlit.testing.v1.AppTest, for every shipped scenario.

The app speaks Dutch by default; widgets are found by their keys, so the tests do not
depend on the wording. Key files uploaded here are FICTITIOUS test data.
"""

from __future__ import annotations

import html
import json
import math
import re

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from allocation.faces.web.inputs import shown as field_text
from allocation.faces.web.labels import Lang
from allocation.faces.web.numbers import Numbers
from tests.conftest import ROOT, SCENARIOS

SHIPPED = sorted(p.stem for p in SCENARIOS.glob("*.yaml"))
VIEWS = ["allocation", "certainty", "scenario", "compare", "export"]


@pytest.fixture(autouse=True)
def clear_cache(clear_streamlit_caches):
    """AppTest runs the app in this process: Streamlit's caches are shared between tests."""


def start(scenario_id: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    if scenario_id is not None:
        at.sidebar.selectbox(key="shipped").set_value(scenario_id).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def by_key(widgets, suffix: str, prefix: bool = False):
    """The widget whose key ends in ``suffix`` (edit keys carry the scenario's content hash),
    or with ``prefix`` starts with it (the column choices carry the uploaded file's)."""
    matches = [widget for widget in widgets if (str(widget.key).startswith(suffix) if prefix
                                                else str(widget.key).endswith(suffix))]
    assert matches, f"no widget key ends in {suffix!r}: {[w.key for w in widgets]}"
    return matches[0]


def type_in(at: AppTest, suffix: str, text: str) -> None:
    """Type ``text`` in the sidebar field whose key ends in ``suffix`` and rerun."""
    by_key(at.sidebar.text_input, suffix).set_value(text).run()


def weigh(at: AppTest, pot_id: str, **percents: str) -> None:
    """Type the pot's key weights in percent (``inwoners="50", oppervlakte="50"``) and rerun once."""
    for name, text in percents.items():
        by_key(at.sidebar.text_input, f":{pot_id}_w_{name}").set_value(text)
    at.run()


def choose(at: AppTest, pot_id: str, year: int | None = None) -> None:
    """The one pot-and-year selection above the view (it also chooses the pot edited)."""
    at.selectbox(key="pot").set_value(pot_id).run()
    if year is not None:
        at.selectbox(key="year").set_value(year).run()


def view(at: AppTest, name: str) -> None:
    at.sidebar.radio(key="view").set_value(name).run()


def amounts(at: AppTest) -> list[int]:
    return at.main.dataframe[0].value["amount_eur"].tolist()


def errors(at: AppTest) -> str:
    return "\n".join(e.value for e in at.error)


def metrics(at: AppTest) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


def map_shapes(at: AppTest, index: int = 0) -> dict[str, tuple[str, str]]:
    """The municipalities of the page's SVG map: gm code -> (fill colour, tooltip text)."""
    document = at.get("iframe")[index].proto.srcdoc
    found = re.findall(r'<path d="[^"]+" fill="([^"]+)" data-code="([^"]+)"><title>([^<]*)</title></path>', document)
    return {code: (fill, html.unescape(title)) for fill, code, title in found}


@pytest.mark.parametrize("scenario_id", SHIPPED)
def test_every_view_renders_without_exception(scenario_id):
    at = start(scenario_id)  # one session per scenario, through every view and back
    for name in VIEWS[1:] + VIEWS[:1]:
        view(at, name)
        assert not at.exception, (name, [e.value for e in at.exception])
        assert not at.error, (name, errors(at))


@pytest.mark.parametrize("scenario_id", SHIPPED)
def test_changing_a_weight_changes_the_amounts_but_not_the_total(scenario_id):
    at = start(scenario_id)
    before = amounts(at)
    weights = [w for w in at.sidebar.text_input if "_w_" in str(w.key)]
    numbers = Numbers("nl")
    used = next(w for w in weights if numbers.parse(w.value) > 0)
    other = next(w for w in weights if w.key != used.key)  # half of a used weight moves to another key
    half = numbers.parse(used.value) / 2
    used.set_value(field_text(Lang("nl"), half))
    other.set_value(field_text(Lang("nl"), numbers.parse(other.value) + half)).run()
    assert not at.exception and not at.error, errors(at)
    after = amounts(at)
    assert sum(after) == sum(before)
    assert after != before


def test_the_app_speaks_dutch_by_default_with_dutch_numbers_and_english_one_switch_away():
    at = start("kamerbrief-2021")
    assert metrics(at)["Totaal 2021"][0] == "€ 3.500.000"
    assert metrics(at)["Mediaan per inwoner"][0] == "€ 0,200"
    assert by_key(at.sidebar.text_input, "_budget").value == "21.000.000"
    assert at.sidebar.radio(key="view").options == ["Verdeling", "Zekerheid", "Scenario", "Vergelijken", "Exporteren"]
    at.sidebar.radio(key="lang").set_value("en").run()
    assert not at.exception and not at.error, errors(at)
    assert metrics(at)["Total 2021"][0] == "€ 3,500,000"
    assert by_key(at.sidebar.text_input, "_budget").value == "21,000,000"  # the fields follow the language
    assert at.sidebar.radio(key="view").options[0] == "Allocation"


def test_an_edit_survives_a_switch_of_language_written_the_new_way():
    at = start("kamerbrief-2021")
    weigh(at, "ondertussengroep", inwoners="87,5", oppervlakte="12,5")
    edited = amounts(at)
    at.sidebar.radio(key="lang").set_value("en").run()
    assert not at.exception and not at.error, errors(at)
    assert by_key(at.sidebar.text_input, ":ondertussengroep_w_oppervlakte").value == "12.5"
    assert "edited (2 changes)" in at.main.header[0].value
    assert amounts(at) == edited


def test_the_view_chooses_the_pot_the_sidebar_edits():
    """One selection: after choosing ELIP above the view, the sidebar edits ELIP."""
    at = start("kamerbrief-2021")
    choose(at, "elip", 2022)
    assert "ELIP" in at.sidebar.header[1].value
    assert by_key(at.sidebar.text_input, "_budget").key.endswith(":elip_budget")
    before = amounts(at)
    weigh(at, "elip", inwoners="50", migratieachtergrond="50")
    assert not at.exception and not at.error, errors(at)
    assert amounts(at) != before and sum(amounts(at)) == 2_625_000


def test_an_edit_shows_its_effect_against_the_scenario_it_started_from():
    at = start("kamerbrief-2021")
    choose(at, "elip", 2022)
    at.checkbox(key="key_register").check().run()  # the strip's figures are on the 2021 key register
    before = at.main.dataframe[0].value.set_index("gm_code")["amount_eur"]
    weigh(at, "elip", inwoners="50", migratieachtergrond="50")
    title = at.main.header[0].value
    assert title.startswith("Kamerbrief") and "bewerkt (2 wijzigingen)" in title
    table = at.main.dataframe[0].value.set_index("gm_code")
    diff = table["amount_eur"] - before.reindex(table.index)
    assert (table["diff_eur"] == diff).all()  # the verschil column
    assert list(at.main.dataframe[0].value["diff_eur"]) == sorted(diff)  # the largest loss first
    shown = metrics(at)
    at.checkbox(key="key_register").uncheck().run()
    assert metrics(at) == shown  # one register for the strip, whichever the table shows
    assert shown["Herverdeeld"][0] == "€ " + f"{int(diff.abs().sum() / 2):,}".replace(",", ".")
    losing = int(((diff * 100) < (-5 * before.reindex(table.index))).sum())
    assert shown["Gemeenten > 5% minder"][0] == str(losing)
    loser = diff.idxmin()
    assert shown["Grootste verlies"][0] == table.loc[loser, "gm_name"]
    pct = diff[loser] / before[loser] * 100
    numbers = Numbers("nl")
    assert shown["Grootste verlies"][1] == f"{numbers.pct(pct, 1, signed=True)} ({numbers.delta_eur(diff[loser])})"
    assert shown["Grootste verlies"][1].startswith("-")  # Streamlit colours a delta by its first character
    assert at.radio(key="map_what").value == "diff"  # the map shows the difference
    shapes = map_shapes(at)
    assert len(shapes) == 345  # ELIP 2022: the register of 1 January 2022
    gainer = diff.idxmax()
    red, _, blue = (int(v) for v in shapes[loser][0].removeprefix("rgb(").rstrip(")").split(","))
    assert red > blue, shapes[loser]  # losing is red
    red, _, blue = (int(v) for v in shapes[gainer][0].removeprefix("rgb(").rstrip(")").split(","))
    assert blue > red, shapes[gainer]  # gaining is blue


def test_the_first_view_needs_no_plotly_and_its_map_shows_every_municipality_with_its_figures():
    """The first page loads no chart code: the map is an SVG drawn on the server (each
    municipality's figures in its tooltip); the plotly map and the phasing chart are one switch away."""
    at = start("kamerbrief-2021")
    choose(at, "elip", 2022)
    assert not at.get("plotly_chart")
    shapes = map_shapes(at)
    assert len(shapes) == 345 and len(set(fill for fill, _ in shapes.values())) > 20  # coloured by level
    row = at.main.dataframe[0].value.set_index("gm_code").loc["GM0363"]
    numbers = Numbers("nl")
    assert shapes["GM0363"][1] == (f"Amsterdam (GM0363)\n{numbers.eur(row['amount_eur'])}\n"
                                   f"{numbers.eur(row['eur_per_inhabitant'], 3)} per inwoner")
    at.toggle(key="map_interactive").set_value(True).run()
    assert not at.exception and not at.error, errors(at)
    charts = at.get("plotly_chart")
    assert len(charts) == 1 and not at.get("iframe")
    figure = json.loads(charts[0].proto.spec)
    assert len(figure["data"][0]["locations"]) == 345
    at.toggle(key="phasing_chart").set_value(True).run()
    assert len(at.get("plotly_chart")) == 2


def test_downloads_of_an_edited_scenario_are_named_bewerkt():
    at = start("kamerbrief-2021")
    weigh(at, "ondertussengroep", inwoners="50", oppervlakte="50")
    view(at, "export")
    labels = [b.label for b in at.download_button]
    assert "Download kamerbrief-2021-bewerkt-meicirculaire.xlsx" in labels
    assert "Download het scenario (kamerbrief-2021-bewerkt.yaml)" in labels
    assert not any("kamerbrief-2021-meicirculaire" in label for label in labels)


def test_compare_and_export_default_to_edited_against_its_origin():
    at = start("kamerbrief-2021")
    weigh(at, "ondertussengroep", inwoners="50", oppervlakte="50")
    view(at, "compare")
    assert at.multiselect(key="compare_chosen_edited").value == ["origin", "edited"]
    assert at.selectbox(key="compare_baseline_edited").value == "origin"
    assert at.selectbox(key="compare_scenario").value == "kamerbrief-2021-bewerkt"
    assert not at.exception and not at.error, errors(at)
    view(at, "export")
    at.button(key="build_comparison").click().run()
    labels = [b.label for b in at.download_button]
    assert "Download comparison-kamerbrief-2021-vs-kamerbrief-2021-bewerkt.xlsx" in labels


def test_the_allocation_view_shows_key_kinds_and_provenance():
    at = start("kamerbrief-2021")
    choose(at, "elip")
    markdown = "\n".join(m.value for m in at.markdown)
    assert ":orange[proxy]" in markdown and "Inwoners met niet-westerse migratieachtergrond 100%" in markdown
    provenance = next(t.value for t in at.table if "Sleutels (gewicht, soort)" in t.value.columns)
    assert provenance.iloc[1]["Sleutels (gewicht, soort)"] == "migratieachtergrond 1 (proxy)"


def test_the_allocation_view_explains_a_municipality():
    at = start("kamerbrief-2021")
    at.selectbox(key="explain_code").set_value("GM0014")
    at.toggle(key="explain_show").set_value(True).run()
    text = at.main.text[0].value
    assert "voor Groningen (GM0014)" in text and "grootste rest" in text.lower()  # in Dutch, as the app


def test_search_shows_only_the_matching_rows():
    at = start("kamerbrief-2021")
    at.text_input(key="search").set_value("363").run()
    table = at.main.dataframe[0].value
    assert table["gm_name"].tolist() == ["Amsterdam"]
    from allocation.faces.web.charts import table_height

    assert table_height(len(table)) == 2 * 35 + 3  # a header and one row: no empty rows below


def test_a_uniform_rate_is_said_not_coloured():
    at = start("kamerbrief-2021")  # ondertussengroep 2021: a pure inhabitants key
    assert any("Gelijk: € 0,20 per inwoner" in i.value for i in at.info)
    choose(at, "elip")
    assert not any("Gelijk:" in i.value for i in at.info)


def test_a_number_written_the_english_way_is_refused_at_its_field_and_the_other_edits_stay():
    at = start("kamerbrief-2021")
    choose(at, "elip", 2022)
    weigh(at, "elip", inwoners="50", migratieachtergrond="50")
    edited = amounts(at)
    type_in(at, ":elip_vast", "2.5")  # in Dutch 2.5 is neither 2,5 nor 25: refused, not guessed
    assert not at.exception
    assert "Vast bedrag (€ per gemeente per jaar): '2.5' is niet eenduidig" in errors(at)
    assert "bedoelt u 25 of 2,5?" in errors(at)
    assert amounts(at) == edited  # the weight edit is kept


def test_an_invalid_edit_is_marked_at_its_field_and_every_valid_edit_is_kept():
    at = start("kamerbrief-2021")
    choose(at, "invoering")
    by_key(at.sidebar.checkbox, ":invoering_scale").uncheck().run()
    type_in(at, ":invoering_budget", "10.000.000")  # the years still add up to 9 mln: invalid
    weigh(at, "invoering", inwoners="50", oppervlakte="50")  # valid
    assert not at.exception
    message = errors(at)
    assert "Niet toegepast: budget en betaaljaren" in message
    assert "pots.invoering.years.euros: de jaren tellen op tot € 9.000.000 maar het budget is € 10.000.000" in message
    assert sum(amounts(at)) == 9_000_000  # the budget edit is left out ...
    assert "bewerkt" in at.main.header[0].value  # ... the weight edit is applied
    assert any("niet toegepast" in w.value for w in at.warning)
    type_in(at, ":invoering_y2021", "10.000.000")  # fix it: the years now match
    assert not at.error, errors(at)
    assert sum(amounts(at)) == 10_000_000


def test_a_budget_edit_scales_the_payment_years():
    at = start("kamerbrief-2021")
    choose(at, "elip", 2022)
    type_in(at, ":elip_budget", "18.000.000")
    assert not at.error and not at.exception, errors(at)
    assert by_key(at.sidebar.text_input, ":elip_y2022").value == "5.250.000"
    assert sum(amounts(at)) == 5_250_000


def test_edits_are_labelled_in_the_downloadable_yaml():
    at = start("kamerbrief-2021")
    weigh(at, "ondertussengroep", inwoners="50", oppervlakte="50")
    view(at, "scenario")
    text = at.code[0].value
    assert "Bewerkt in de app: sleutelgewichten gezet op inwoners 0,5, oppervlakte 0,5" in text  # in Dutch
    markdown = "\n".join(m.value for m in at.markdown)
    assert "`pots.ondertussengroep.key.weights.oppervlakte: afwezig → 0,5`" in markdown  # in Dutch
    assert at.download_button(key="dl_yaml")


def upload_key(at: AppTest, name: str, content: bytes, *, key_name="elip_duo", kind="real",
               source="test fixture (FICTITIOUS)", value_column="aantal", code_column="gm_code") -> None:
    at.sidebar.file_uploader(key="key_upload").set_value((name, content, "text/csv")).run()
    if key_name is not None:
        at.sidebar.text_input(key="key_name").set_value(key_name)
    if kind is not None:
        at.sidebar.selectbox(key="key_kind").set_value(kind)
    if source is not None:
        at.sidebar.text_input(key="key_source").set_value(source)
    if value_column is not None:
        by_key(at.sidebar.selectbox, "key_value_column", prefix=True).set_value(value_column)
    if code_column is not None:
        by_key(at.sidebar.selectbox, "key_code_column", prefix=True).set_value(code_column)
    at.run()


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.sidebar.caption)


def test_a_key_upload_takes_its_defaults_from_the_file_says_them_and_lists_every_problem_at_once():
    at = start("kamerbrief-2021")
    assert at.sidebar.text_input(key="key_name").value == ""
    assert at.sidebar.selectbox(key="key_kind").value is None
    upload_key(at, "elip.csv", b"gm_code,aantal\nGM9999,3\n", key_name=None, kind=None, source=None,
               value_column=None, code_column=None)
    assert not at.exception
    assert "elip.csv: rij 2: gm_code 'GM9999' is geen gemeente van het register van 2021-01-01" in errors(at)
    said = captions(at)
    assert "Sleutel 'elip', id elip" in said  # the name from the file name
    assert "gemeente 'gm_code', waarden 'aantal'" in said  # the guessed columns, shown
    assert "telt de sleutel als aanname" in said  # the cautious kind until one is chosen
    # a file whose columns leave doubt: no guess, each field named
    upload_key(at, "telling.csv", b"x,y,z\n1,2,3\n", key_name=None, kind=None, source=None,
               value_column=None, code_column=None)
    message = errors(at)
    for field in ("Kolom met de waarden: kies een kolom",
                  "Kolom met de gemeente (code, nummer of naam): kies een kolom"):
        assert field in message, message
    by_key(at.sidebar.selectbox, "key_value_column", prefix=True).set_value("y")
    by_key(at.sidebar.selectbox, "key_code_column", prefix=True).set_value("x").run()
    assert "telling.csv: rij 2: x '1' is geen gemeente van het register van 2021-01-01" in errors(at)


def test_a_two_column_dutch_excel_file_is_one_step_and_the_encoding_is_named():
    at = start("kamerbrief-2021")
    names = dict(zip(*(at.main.dataframe[0].value[c].tolist() for c in ("gm_code", "gm_name"))))
    # FICTITIOUS counts, by name as Dutch Excel saves a CSV: Windows-1252, ';', decimal comma
    rows = "Gemeente;Aantal\r\n" + "".join(f"{n};{'5,5' if c == 'GM1900' else '1'}\r\n" for c, n in names.items())
    at.sidebar.file_uploader(key="key_upload").set_value(("ELIP DUO.csv", rows.encode("cp1252"), "text/csv")).run()
    assert not at.exception and not at.error, errors(at)
    assert "Sleutel 'ELIP DUO', id elip_duo" in captions(at)
    by_key(at.sidebar.text_input, "_w_elip_duo").set_value("100")
    type_in(at, "_w_inwoners", "0")
    assert not at.error, errors(at)
    table = at.main.dataframe[0].value.set_index("gm_code")
    assert table.loc["GM1900", "amount_eur"] == round(3_500_000 * 5.5 / (351 + 5.5))
    view(at, "scenario")
    declared = yaml.safe_load(at.code[0].value)["user_keys"]["elip_duo"]
    assert declared["label"] == "ELIP DUO" and declared["kind"] == "assumption"
    assert declared["source"] == "geüpload bestand ELIP DUO.csv, bron niet opgegeven"


def test_a_key_on_the_second_sheet_of_a_workbook_is_chosen_in_the_sheet_chooser():
    import io

    import pandas as pd

    at = start("kamerbrief-2021")
    codes = at.main.dataframe[0].value["gm_code"].tolist()
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        pd.DataFrame({"toelichting": ["FICTITIOUS test workbook"]}).to_excel(writer, sheet_name="Uitleg", index=False)
        pd.DataFrame({"Code": codes, "Telling": [2 if c == "GM0363" else 1 for c in codes]}).to_excel(
            writer, sheet_name="Telling", index=False)
    at.sidebar.file_uploader(key="key_upload").set_value(("telling.xlsx", buffer.getvalue(), "application/xlsx")).run()
    assert errors(at)  # the first sheet holds no key
    by_key(at.sidebar.selectbox, "key_sheet", prefix=True).set_value("Telling").run()
    assert not at.error, errors(at)
    assert "gemeente 'Code', waarden 'Telling' (blad 'Telling' van een XLSX-werkboek)" in captions(at)


def test_a_bad_key_upload_shows_its_error_and_the_app_still_works():
    at = start("kamerbrief-2021")
    before = amounts(at)
    upload_key(at, "elip.csv", b"gm_code,aantal\nGM9999,3\n")
    assert not at.exception
    assert "elip.csv: rij 2: gm_code 'GM9999' is geen gemeente van het register van 2021-01-01" in errors(at)
    assert amounts(at) == before
    weigh(at, "ondertussengroep", inwoners="50", oppervlakte="50")
    assert amounts(at) != before


def test_a_good_key_upload_can_be_weighted():
    at = start("kamerbrief-2021")
    codes = at.main.dataframe[0].value["gm_code"].tolist()
    csv = "gm_code;aantal\n" + "".join(f"{c};{50 if c == 'GM0363' else 1}\n" for c in codes)  # FICTITIOUS counts
    upload_key(at, "elip.csv", csv.encode())
    assert not at.error, errors(at)
    by_key(at.sidebar.text_input, "_w_elip_duo").set_value("100")
    type_in(at, "_w_inwoners", "0")
    assert not at.error, errors(at)
    table = at.main.dataframe[0].value.set_index("gm_code")
    assert table.loc["GM0363", "amount_eur"] == round(3_500_000 * 50 / (351 + 50))


def test_a_bad_scenario_upload_shows_its_error_and_a_shipped_one_still_works():
    at = start()
    at.sidebar.radio(key="source").set_value("upload").run()
    at.sidebar.file_uploader(key="scenario_upload").set_value(
        ("bad.yaml", b"name: [unclosed\n", "application/x-yaml")
    ).run()
    assert not at.exception
    assert "bad.yaml: geen geldige YAML op regel" in errors(at)
    at.sidebar.radio(key="source").set_value("shipped").run()
    assert not at.error and not at.exception
    assert sum(amounts(at)) > 0


def test_an_uploaded_scenario_is_used():
    at = start()
    text = (SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8").replace(
        "amount_eur: 21000000", "amount_eur: 21000006")
    at.sidebar.radio(key="source").set_value("upload").run()
    at.sidebar.file_uploader(key="scenario_upload").set_value(("mine.yaml", text.encode(), "application/x-yaml")).run()
    assert not at.exception and not at.error, errors(at)
    assert sum(amounts(at)) == 3_500_001


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("shares: {2021: 1,", "shares: {2021: 1, 2021: 5,", "the key `2021` is given twice"),
        ("amount_eur: 21000000", "amount_eur: true", "moet een getal zijn, gegeven: true"),
        ("shares: {2021: 1,", "shares: {2021: .inf,", "moet een eindig getal zijn, gegeven: inf"),
    ],
)
def test_an_uploaded_scenario_with_bad_input_shows_the_command_lines_message(old, new, message):
    at = start()
    text = (SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8").replace(old, new, 1)
    at.sidebar.radio(key="source").set_value("upload").run()
    at.sidebar.file_uploader(key="scenario_upload").set_value(("mine.yaml", text.encode(), "application/x-yaml")).run()
    assert not at.exception
    assert message in errors(at)


def test_the_export_view_offers_the_circular_files():
    at = start("kamerbrief-2021")
    view(at, "export")
    labels = [b.label for b in at.download_button]
    assert "Download kamerbrief-2021-allocation.csv" in labels
    assert "Download kamerbrief-2021-meicirculaire.xlsx" in labels
    assert "Download kamerbrief-2021-meicirculaire.ods" in labels
    assert {"Download kamerbrief-2021-elip.csv", "Download kamerbrief-2021-invoering.csv"} <= set(labels)


def test_the_compare_view_shows_bands_losers_and_aggregates_with_charts():
    at = start("kamerbrief-2021")
    view(at, "compare")
    assert at.multiselect(key="compare_chosen_plain").value[0] == "origin"
    at.multiselect(key="compare_chosen_plain").set_value(["origin", "variant-inwoners"]).run()
    at.radio(key="compare_level").set_value("all").run()
    shown = metrics(at)
    assert shown["Basis"][0] == "€ 39.000.000" and shown["variant-inwoners"][0] == "€ 39.000.000"
    redistributed = shown["Herverdeeld"][0]
    frames = [frame.value for frame in at.main.dataframe]
    losers = frames[0]
    assert len(losers) == 10 and losers["diff_eur"].is_monotonic_increasing and (losers["diff_eur"] < 0).all()
    sizes = next(f for f in frames if "size_class" in f.columns)
    assert sizes["size_class"].iloc[0] == "< 5.000" and sizes["diff_eur"].sum() == 0
    provinces = next(f for f in frames if "province_name" in f.columns and len(f) == 12)
    assert provinces["diff_eur"].sum() == 0
    assert len(at.get("plotly_chart")) >= 3  # the bands, and a chart beside each breakdown table
    assert len(map_shapes(at)) == 352  # the map of the difference
    # an edit: now the edited scenario against its origin
    weigh(at, "ondertussengroep", inwoners="50", migratieachtergrond="50")
    assert not at.exception and not at.error, errors(at)
    assert at.selectbox(key="compare_scenario").value == "kamerbrief-2021-bewerkt"
    assert metrics(at)["Herverdeeld"][0] != redistributed


def test_compare_follows_the_pot_and_year_chosen_above_the_view():
    at = start("kamerbrief-2021")
    choose(at, "elip", 2022)
    view(at, "compare")
    at.multiselect(key="compare_chosen_plain").set_value(["origin", "variant-inwoners", "variant-migratie"]).run()
    assert at.selectbox(key="compare_scenario").options == ["variant-inwoners", "variant-migratie"]
    assert not at.exception and not at.error, errors(at)
    assert metrics(at)["Basis"][0] == "€ 2.625.000"


def test_compare_needs_two_scenarios():
    at = start("kamerbrief-2021")
    view(at, "compare")
    at.multiselect(key="compare_chosen_plain").set_value(["variant-inwoners"]).run()
    assert not at.exception
    assert any("Kies minstens twee scenario's" in i.value for i in at.info)


def test_a_bad_uploaded_comparison_scenario_shows_its_error():
    at = start("kamerbrief-2021")
    view(at, "compare")
    at.file_uploader(key="compare_uploads").set_value([("bad.yaml", b"name: x\n", "application/x-yaml")]).run()
    at.multiselect(key="compare_chosen_plain").select("upload:bad.yaml").run()
    assert not at.exception
    assert "bad.yaml: description: verplicht veld ontbreekt" in errors(at)


def test_the_export_view_builds_the_comparison_workbook_on_request():
    at = start("kamerbrief-2021")
    view(at, "compare")
    at.multiselect(key="compare_chosen_plain").set_value(["origin", "variant-inwoners"]).run()
    view(at, "export")
    assert not any(b.label.endswith(".xlsx") and "comparison" in b.label for b in at.download_button)
    at.button(key="build_comparison").click().run()
    assert not at.exception and not at.error, errors(at)
    labels = [b.label for b in at.download_button]
    assert "Download comparison-kamerbrief-2021-vs-variant-inwoners.xlsx" in labels
    assert "Download comparison-kamerbrief-2021-vs-variant-inwoners-bands.csv" in labels


def test_an_uploaded_scenario_with_a_user_key_runs_once_the_key_file_is_uploaded():
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
    at.sidebar.radio(key="source").set_value("upload").run()
    at.sidebar.file_uploader(key="scenario_upload").set_value(("duo.yaml", text.encode(), "application/x-yaml")).run()
    assert not at.exception
    assert "user_keys.elip_duo" in errors(at) and "sleutelbestand niet gevonden" in errors(at)
    upload_key(at, "elip_duo.csv", csv.encode())
    assert not at.exception and not at.error, errors(at)
    choose(at, "elip")
    table = at.main.dataframe[0].value.set_index("gm_code")
    assert table.loc["GM0363", "amount_eur"] == round(2_886_000 * 2 / 353)


def bound_tables(at: AppTest):
    frames = [frame.value for frame in at.main.dataframe]
    summary = next(f for f in frames if "municipalities" in f.columns and "constraint" in f.columns)
    report = next(f for f in frames if "key_amount_eur" in f.columns)
    return summary, report


def test_the_bound_report_shows_where_constraints_apply_and_follows_an_edit():
    at = start("kamerbrief-2021-floor")
    choose(at, "elip")
    summary, report = bound_tables(at)
    assert summary["constraint"].tolist() == ["een minimum van € 2.500"]
    on_floor = int(summary["municipalities"].iloc[0])  # 208 in 2021: the report shows the 100 largest effects
    assert len(report) == 100 and report["effect_eur"].abs().is_monotonic_decreasing
    assert any(f"De 100 met het grootste effect van {on_floor} gemeenten" in c.value for c in at.caption)
    type_in(at, ":elip_minimum", "3.000")
    assert not at.exception and not at.error, errors(at)
    assert bound_tables(at)[0]["constraint"].tolist() == ["een minimum van € 3.000"]
    assert min(amounts(at)) >= 3000
    view(at, "scenario")
    yaml_text = " ".join(at.code[0].value.split())  # YAML wraps long lines
    assert "Bewerkt in de app: minimum gezet op € 3.000 per gemeente per jaar (was € 2.500)" in yaml_text


def test_an_infeasible_minimum_is_explained_in_euros_at_its_field():
    at = start("kamerbrief-2021-floor")
    choose(at, "elip")
    before = amounts(at)
    type_in(at, ":elip_minimum", "50.000")
    assert not at.exception
    message = errors(at)
    assert "Niet toegepast: minimum" in message and "tekort €" in message
    assert "ELIP (Einde Lening nog Inburgeringsplichtig) 2023: een minimum van € 50.000" in message  # every year named
    assert "een minimum van ten hoogste € 4.684 per gemeente past in elk jaar (2021-2023)" in message  # 1,649,000 / 352
    assert amounts(at) == before  # the scenario without the edit is still shown


def test_a_year_band_can_be_added_in_the_app():
    at = start("kamerbrief-2021")
    type_in(at, ":ondertussengroep_year_band_dec", "10")  # ondertussengroep: equal years
    assert not at.exception and not at.error, errors(at)
    view(at, "scenario")
    assert "year_band:" in at.code[0].value and "max_decrease_pct: 10.0" in at.code[0].value


def test_a_year_band_the_budget_cannot_meet_is_explained_in_euros():
    at = start("kamerbrief-2021")
    choose(at, "elip")
    type_in(at, ":elip_year_band_dec", "10")  # ELIP falls from 2.6 to 1.6 mln
    assert not at.exception
    assert "de jaarband (ten hoogste 10% minder dan 2022)" in errors(at) and "tekort €" in errors(at)


def add_group(at: AppTest, pot_id: str, province: str, min_share: str) -> None:
    choose(at, pot_id)
    by_key(at.sidebar.button, f":{pot_id}_add_group").click().run()
    by_key(at.sidebar.selectbox, f":{pot_id}_new0_province").set_value(province).run()
    assert by_key(at.sidebar.selectbox, f":{pot_id}_new0_min_unit").value == "share"
    type_in(at, f":{pot_id}_new0_min_share", min_share)


def test_a_province_group_added_in_the_app_binds_is_labelled_and_can_be_removed():
    at = start("kamerbrief-2021")
    choose(at, "elip")
    before = amounts(at)
    add_group(at, "elip", "PV22", "0,05")  # Drenthe: about 2% of ELIP's key, held at 5%
    assert not at.exception and not at.error, errors(at)
    table = at.main.dataframe[0].value
    after = table["amount_eur"].tolist()
    assert after != before and sum(after) == sum(before)
    summary, _ = bound_tables(at)
    assert summary["constraint"].iloc[0].startswith("groep Drenthe: ten minste 5,00% van de pot")
    assert summary["municipalities"].iloc[0] == 12
    markdown = "\n".join(m.value for m in at.markdown)
    assert "Bewerkt in de app: groep Drenthe toegevoegd" in markdown

    view(at, "scenario")
    data = yaml.safe_load(at.code[0].value)
    group = data["pots"]["elip"]["constraints"]["groups"][0]
    assert {k: group[k] for k in ("name", "province", "min_share")} == {"name": "Drenthe", "province": "PV22",
                                                                          "min_share": 0.05}
    by_key(at.sidebar.checkbox, ":elip_new0_remove").check().run()
    assert not at.exception and not at.error, errors(at)
    assert "groups" not in at.code[0].value
    view(at, "allocation")
    assert amounts(at) == before


def test_a_province_group_holds_its_share_after_rounding():
    at = start("kamerbrief-2021")
    choose(at, "elip", 2021)
    total = sum(amounts(at))
    add_group(at, "elip", "PV22", "0,05")
    table = at.main.dataframe[0].value
    from allocation.data.registers import load_register

    drenthe = set(load_register("2021-01-01").query("province_code == 'PV22'")["gm_code"])
    assert table[table["gm_code"].isin(drenthe)]["amount_eur"].sum() == math.ceil(0.05 * total)


def test_an_infeasible_group_edit_is_explained_in_euros_and_the_other_edits_stay():
    at = start("kamerbrief-2021-floor")  # ELIP: at least € 2.500 per municipality in 2021-2023
    choose(at, "elip")
    before = amounts(at)
    add_group(at, "elip", "PV29", "0,9")  # Zeeland: 13 municipalities asking 90% of the pot
    assert not at.exception
    message = errors(at)
    assert "Niet toegepast: groepsgrenzen" in message
    assert "de groepsminimums (Zeeland € 2.597.400)" in message and "tekort € 558.900" in message
    assert amounts(at) == before  # the scenario without the edit is still shown
    type_in(at, ":elip_new0_min_share", "0,03")
    assert not at.exception and not at.error, errors(at)
    assert amounts(at) != before
    by_key(at.sidebar.checkbox, ":elip_new0_remove").check().run()
    assert not at.error and amounts(at) == before


def test_a_cross_pot_cap_added_in_the_app_binds_and_is_listed():
    at = start("kamerbrief-2021")
    choose(at, "elip", 2021)
    before = amounts(at)
    by_key(at.sidebar.button, "::xpot_add").click().run()
    assert not at.error and amounts(at) == before  # a new cap starts where it does not bind
    by_key(at.sidebar.multiselect, "::xpot_new0_pots").set_value(["ondertussengroep", "elip"]).run()
    type_in(at, "::xpot_new0_eur_per_inhabitant", "0,5")
    assert not at.exception and not at.error, errors(at)
    table = at.main.dataframe[0].value
    assert table["amount_eur"].tolist() != before and table["amount_eur"].sum() == sum(before)
    view(at, "scenario")
    cap = yaml.safe_load(at.code[0].value)["cross_pot"][0]
    assert cap["pots"] == ["ondertussengroep", "elip"] and cap["eur_per_inhabitant"] == 0.5
    assert cap["assumption"].startswith("Bewerkt in de app: plafond over potten toegevoegd")


def test_the_compare_view_shows_the_mutaties_against_an_uploaded_published_table():
    from allocation.publish.run_files import export_files
    from tests.conftest import shipped

    published = export_files(shipped("variant-inwoners"), workbook_format="ods")
    at = start("kamerbrief-2021")
    view(at, "compare")
    name = "variant-inwoners-meicirculaire.ods"
    at.file_uploader(key="published_table").set_value((name, published[name], "application/octet-stream")).run()
    assert not at.exception and not at.error, errors(at)
    totals = next(frame.value for frame in at.main.dataframe if "mutatie_eur" in frame.value.columns)
    assert set(totals["pot"]) == {"ondertussengroep", "elip", "invoering"}
    assert (totals["mutatie_eur"] == 0).all()  # same budgets: only redistribution
    labels = [b.label for b in at.download_button]
    assert "Download mutaties-variant-inwoners-meicirculaire-vs-kamerbrief-2021.xlsx" in labels


def test_a_workbook_bomb_uploaded_as_a_published_table_is_refused_with_its_message():
    from tests.data.test_input_files import stray_far_cell

    at = start("kamerbrief-2021")
    view(at, "compare")
    at.file_uploader(key="published_table").set_value(("stray.xlsx", stray_far_cell(), "application/xlsx")).run()
    assert not at.exception
    assert "stray.xlsx: deel xl/worksheets/sheet1.xml heeft cellen met een waarde voorbij de grens" in errors(at)


def test_the_compare_view_answers_the_three_negotiation_questions():
    at = start("kamerbrief-2021")
    view(at, "compare")
    at.multiselect(key="compare_chosen_plain").set_value(["origin", "kamerbrief-2021-ingroei"]).run()
    assert not any("top_up_eur" in frame.value.columns for frame in at.main.dataframe)  # only on request
    at.toggle(key="negotiate").set_value(True).run()
    assert not at.exception and not at.error, errors(at)
    tables = [frame.value for frame in at.main.dataframe]
    guarantee = next(t for t in tables if "max_loss_pct" in t.columns and "top_up_eur" in t.columns)
    assert set(guarantee["max_loss_pct"]) == {0.0, 1.0, 2.0, 5.0, 10.0, 20.0}
    frontier = next(t.value for t in at.table if "Afstand (€)" in t.value.columns)  # a plain table: it wraps
    assert (frontier["Haalbaar"] == "ja").any()
    picked = at.selectbox(key="why_municipality")
    assert picked.options[0].split(": ")[-1].startswith("-€ ")  # the largest loser first
    assert at.download_button(key="dl_compromise")


def negotiation_open(level: str | None = None) -> AppTest:
    at = start("kamerbrief-2021")
    view(at, "compare")
    at.multiselect(key="compare_chosen_plain").set_value(["origin", "kamerbrief-2021-ingroei"]).run()
    at.toggle(key="negotiate").set_value(True).run()
    if level is not None:
        at.text_input(key="compromise_pct").set_value(level).run()
    assert not at.exception and not at.error, errors(at)
    return at


def test_the_guarantee_of_the_chosen_year_names_who_is_topped_up_and_who_pays_as_the_command_line(tmp_path):
    import pandas as pd

    from tests.faces.test_cli import cli

    done = cli("guarantee", str(SCENARIOS / "kamerbrief-2021.yaml"), str(SCENARIOS / "kamerbrief-2021-ingroei.yaml"),
               "--out", str(tmp_path), "--max-loss-pct", "1")
    assert done.returncode == 0, done.stderr
    written = pd.read_csv(tmp_path / "guarantee-kamerbrief-2021-vs-kamerbrief-2021-ingroei-municipalities.csv")
    expected = written[(written["pot"] == "ondertussengroep") & (written["year"] == 2022)]
    at = start("kamerbrief-2021")
    choose(at, "ondertussengroep", 2022)
    view(at, "compare")
    at.multiselect(key="compare_chosen_plain").set_value(["origin", "kamerbrief-2021-ingroei"]).run()
    at.toggle(key="negotiate").set_value(True).run()
    at.text_input(key="guarantee_pct").set_value("1").run()
    assert not at.exception and not at.error, errors(at)
    tables = [frame.value for frame in at.main.dataframe]
    years = next(t for t in tables if "cap" in t.columns).set_index("year")
    assert years.loc["2022", "top_up_eur"] == expected["top_up_eur"].sum() == expected["afroming_eur"].sum() > 0
    assert years.loc["alle jaren", "top_up_eur"] > years.loc["2022", "top_up_eur"]  # over all years, too
    topped = next(t for t in tables if "guaranteed_eur" in t.columns and "top_up_eur" in t.columns)
    payers = next(t for t in tables if "afroming_eur" in t.columns)
    assert topped.set_index("gm_code")["top_up_eur"].to_dict() == (
        expected[expected["top_up_eur"] > 0].set_index("gm_code")["top_up_eur"].to_dict())
    assert payers.set_index("gm_code")["afroming_eur"].to_dict() == (
        expected[expected["afroming_eur"] > 0].set_index("gm_code")["afroming_eur"].to_dict())
    assert list(topped["top_up_eur"]) == sorted(topped["top_up_eur"], reverse=True)  # the largest first
    at.text_input(key="guarantee_pct").set_value("5").run()  # the ingroei keeps everyone within 5%
    said = " ".join(s.value for s in at.success)
    assert "kost niets" in said and "None" not in said  # said in words
    assert "kost niets" in " ".join(next(t for t in (f.value for f in at.main.dataframe) if "cap" in t.columns)["cap"])


def test_any_compromise_level_typed_is_said_in_words_and_opens_as_the_edited_scenario_in_one_click():
    at = negotiation_open("3,5")
    said = " ".join(s.value for s in at.success).lower()
    assert "3,50%" in said and ("inwoners" in said or "referentiesleutel" in said), said
    assert "none" not in said
    at.button(key="compromise_open").click().run()
    assert not at.exception and not at.error, errors(at)
    assert "bewerkt" in at.header[0].value
    source = by_key(at.sidebar.text_input, f":{at.selectbox(key='pot').value}_source").value
    assert "Compromissleutel" in source and "3,5" in source  # the edit carries its provenance
    # the compromise's weights in the fields, in percent; kept exactly while untouched
    opened = _weights_edited(at, at.selectbox(key="pot").value)
    total = math.fsum(w for _, w in opened)
    for name, weight in opened:
        field = by_key(at.sidebar.text_input, f":{at.selectbox(key='pot').value}_w_{name}").value
        assert abs(Numbers("nl").parse(field) - 100 * weight / total) < 1e-4, (name, field, weight)
    assert at.download_button(key="dl_compromise") is not None
    # the edited scenario allocates as the compromise scenario the library writes (the download)
    from allocation.analysis.negotiation import compromise_of
    from allocation.scenario.build import build
    from tests.conftest import shipped

    pot, year = at.selectbox(key="pot").value, at.selectbox(key="year").value
    found = compromise_of(shipped("kamerbrief-2021"), shipped("kamerbrief-2021-ingroei"), pot, 3.5, year=year)
    written = build(found.scenario_yaml, origin="compromis.yaml", scenario_id="compromis", base_dir=SCENARIOS)
    view(at, "allocation")
    at.checkbox(key="key_register").check().run()
    shown = at.main.dataframe[0].value.set_index("gm_code")["amount_eur"]
    rows = written.allocation[(written.allocation["pot"] == pot) & (written.allocation["year"] == year)]
    assert shown.sort_index().to_dict() == rows.set_index("gm_code")["amount_eur"].sort_index().to_dict()
    assert _weights_edited(at, pot) == opened


def test_a_compromise_against_another_shipped_reference_opens_on_that_reference_edited():
    at = start("kamerbrief-2021")
    choose(at, "elip")  # variant-inwoners has another ELIP key
    view(at, "compare")
    at.multiselect(key="compare_chosen_plain").set_value(["origin", "variant-inwoners"]).run()
    at.selectbox(key="compare_baseline_plain").set_value("variant-inwoners").run()
    at.toggle(key="negotiate").set_value(True).run()
    at.text_input(key="compromise_pct").set_value("10").run()
    assert not at.exception and not at.error, errors(at)
    at.button(key="compromise_open").click().run()
    assert not at.exception and not at.error, errors(at)
    assert at.sidebar.selectbox(key="shipped").value == "variant-inwoners"  # the reference, edited
    assert "bewerkt" in at.header[0].value
    view(at, "compare")  # opens on the edited scenario against where it started
    assert at.multiselect(key="compare_chosen_edited").value == ["origin", "edited"]


def test_why_a_municipality_loses_is_said_in_its_key_data_with_labelled_parts():
    at = start("kamerbrief-2021")
    choose(at, "ondertussengroep")
    view(at, "compare")
    at.multiselect(key="compare_chosen_plain").set_value(["origin", "kamerbrief-2021-ingroei"]).run()
    at.toggle(key="negotiate").set_value(True).run()
    at.selectbox(key="why_municipality").set_value("GM0363").run()
    assert not at.exception and not at.error, errors(at)
    said = " ".join(m.value for m in at.markdown)
    # the key data, as in the register
    assert "Amsterdam heeft" in said and "12,9% van" in said and "5,0% van" in said, said
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    waterfall = next(c for c in charts if c["data"][0]["type"] == "waterfall")
    assert all(text.startswith(("-€ ", "€ ", "+€ ")) for text in waterfall["data"][0]["text"])  # value labels
    assert waterfall["layout"]["height"] <= 300  # compact


def test_one_edit_has_one_herverdeeld_in_every_view_on_the_stated_register():
    at = start("kamerbrief-2021")
    choose(at, "elip", 2022)
    weigh(at, "elip", inwoners="50", migratieachtergrond="50")
    allocation = metrics(at)
    view(at, "compare")
    at.radio(key="compare_level").set_value("pot_year").run()
    assert not at.exception and not at.error, errors(at)
    compared = metrics(at)
    assert compared["Herverdeeld"][0] == allocation["Herverdeeld"][0]
    assert compared["Grootste verlies"] == allocation["Grootste verlies"]
    assert any("sleutelregister van 2021" in c.value for c in at.caption)  # the register is stated


def test_euro_axes_read_dutch_amounts():
    from allocation.faces.web.charts import euro_ticks
    from allocation.faces.web.labels import Lang

    values, texts = euro_ticks(Lang("nl"), -238_423, 0)
    assert texts[0].startswith("-€ ") or texts[0].startswith("€ -"), texts
    assert all("k" not in t and "M" not in t for t in texts)
    assert "€ 100.000" in [t.replace("-", "") for t in texts] or "€ 50.000" in [t.replace("-", "") for t in texts]
    values, texts = euro_ticks(Lang("nl"), 0, 1_200_000)
    assert "€ 0,2 mln" in texts or "€ 0,5 mln" in texts, texts


def test_the_zekerheid_view_shows_bands_that_follow_the_spread():
    at = start("kamerbrief-2021")
    choose(at, "elip")
    view(at, "certainty")
    assert not at.exception and not at.error, errors(at)
    by_key(at.text_input, "_draws").set_value("200").run()
    narrow = at.main.dataframe[0].value["band_pct"].median()
    by_key(at.text_input, "_migratieachtergrond").set_value("0,5").run()
    assert not at.exception and not at.error, errors(at)
    wide = at.main.dataframe[0].value["band_pct"].median()
    assert wide > narrow > 0
    band_chart = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                      if json.loads(c.proto.spec)["data"][0]["type"] == "scatter")
    ticks = band_chart["layout"]["xaxis"]["ticktext"]  # Dutch amounts, not plotly's 0.2M or 500k
    assert all(t.startswith("€ ") and not t.endswith(("k", "M")) for t in ticks), ticks


def test_an_edit_is_kept_when_a_key_file_is_uploaded_after_it():
    at = start("kamerbrief-2021")
    weigh(at, "ondertussengroep", inwoners="50", oppervlakte="50")
    edited = amounts(at)
    codes = at.main.dataframe[0].value["gm_code"].tolist()
    csv = "gm_code,aantal\n" + "".join(f"{c},1\n" for c in codes)  # FICTITIOUS counts
    upload_key(at, "elip.csv", csv.encode())
    assert not at.exception and not at.error, errors(at)
    assert by_key(at.sidebar.text_input, ":ondertussengroep_w_oppervlakte").value == "50"
    assert "bewerkt" in at.main.header[0].value and amounts(at) == edited


def test_a_switch_of_language_never_changes_a_number_typed():
    at = start("kamerbrief-2021")
    choose(at, "elip")
    view(at, "certainty")
    spread = by_key(at.text_input, "_migratieachtergrond")
    spread.set_value("0,1234").run()
    at.sidebar.radio(key="lang").set_value("en").run()
    assert by_key(at.text_input, "_migratieachtergrond").value == "0.1234"  # not rounded to 0.123
    at = start("kamerbrief-2021-floor")
    choose(at, "elip")
    weigh(at, "elip", inwoners="33,3333333", migratieachtergrond="66,6666667")
    at.sidebar.radio(key="lang").set_value("en").run()
    assert by_key(at.sidebar.text_input, ":elip_w_inwoners").value == "33.3333333"


def test_undo_all_changes_brings_back_the_scenario_as_shipped():
    at = start("kamerbrief-2021")
    before = amounts(at)
    weigh(at, "ondertussengroep", inwoners="50", oppervlakte="50")
    assert amounts(at) != before
    at.sidebar.button(key="reset").click().run()
    assert not at.exception and not at.error, errors(at)
    assert amounts(at) == before and "bewerkt" not in at.main.header[0].value
    assert by_key(at.sidebar.text_input, ":ondertussengroep_w_oppervlakte").value == "0"


def test_an_edited_scenario_renders_in_every_view_even_with_a_budget_of_zero():
    at = start("kamerbrief-2021")
    type_in(at, ":ondertussengroep_budget", "0")  # a pot with nothing to share: refused or shown, never a crash
    for name in VIEWS[1:] + VIEWS[:1]:
        view(at, name)
        assert not at.exception, (name, [e.value for e in at.exception])


def test_a_pot_whose_id_looks_like_an_app_key_does_not_clash():
    text = (SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8")
    assert "\n  ondertussengroep:\n" in text
    text = text.replace("\n  ondertussengroep:\n", "\n  xpot:\n", 1)
    at = start()
    at.sidebar.radio(key="source").set_value("upload").run()
    at.sidebar.file_uploader(key="scenario_upload").set_value(("x.yaml", text.encode(), "application/x-yaml")).run()
    assert not at.exception and not at.error, errors(at)
    weigh(at, "xpot", inwoners="50", oppervlakte="50")
    assert not at.exception and not at.error, errors(at)


def test_missing_municipalities_in_a_key_upload_point_to_the_apps_check_box():
    at = start("kamerbrief-2021")
    upload_key(at, "few.csv", b"gm_code,aantal\nGM0363,5\nGM0014,2\n")
    assert "350 gemeenten ontbreken" in errors(at)  # in Dutch, as the app
    assert "vink 'Ontbrekende gemeenten tellen als nul' aan" in errors(at)
    assert "missing_as_zero" not in errors(at)
    at.sidebar.checkbox(key="key_missing").check().run()
    assert not at.error, errors(at)


def test_a_key_upload_keeps_its_choices_through_a_switch_of_language():
    at = start("kamerbrief-2021")
    codes = at.main.dataframe[0].value["gm_code"].tolist()
    csv = "gm_code,aantal\n" + "".join(f"{c},{1 + i % 3}\n" for i, c in enumerate(codes))  # FICTITIOUS counts
    upload_key(at, "telling.csv", csv.encode(), kind="assumption")
    by_key(at.sidebar.text_input, "_w_elip_duo").set_value("50")
    type_in(at, "_w_inwoners", "50")
    assert "bewerkt" in at.main.header[0].value
    at.sidebar.radio(key="lang").set_value("en").run()
    at.sidebar.radio(key="view").set_value("scenario").run()  # the next click
    assert not at.error, errors(at)
    assert at.sidebar.selectbox(key="key_kind").value == "assumption"
    assert "edited" in at.main.header[0].value


def test_switching_scenarios_keeps_each_ones_edits_and_says_so():
    at = start("kamerbrief-2021")
    weigh(at, "ondertussengroep", inwoners="50", oppervlakte="50")
    edited = amounts(at)
    at.sidebar.selectbox(key="shipped").set_value("kamerbrief-2021-floor").run()
    assert "bewerkt" not in at.main.header[0].value
    assert any("kamerbrief-2021 blijven bewaard" in c.value for c in at.sidebar.caption)
    at.sidebar.selectbox(key="shipped").set_value("kamerbrief-2021").run()
    assert "bewerkt" in at.main.header[0].value and amounts(at) == edited


def _weights_edited(at: AppTest, pot_id: str):
    """The weights the sidebar's edit plans pass for the pot (None: no plan edits them)."""
    found = [plan.pot(pot_id).weights for plan in at.session_state["edits"].values()
             if plan.pot(pot_id).weights is not None]
    assert len(found) <= 1, found
    return found[0] if found else None


def _with_weights(pot_id: str, line: str) -> str:
    """kamerbrief-2021 with the pot's key weights written as ``line`` in the YAML itself."""
    text = (SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8")
    start_at = text.index(f"\n  {pot_id}:\n")
    at = text.index("      weights: {", start_at)
    end = text.index("\n", at)
    return text[:at] + f"      weights: {line}" + text[end:]


def test_weights_typed_in_percent_allocate_as_the_same_weights_written_in_the_yaml():
    from allocation.scenario.build import build

    at = start("kamerbrief-2021")  # ondertussengroep 2021: inwoners 100%
    assert by_key(at.sidebar.text_input, ":ondertussengroep_w_inwoners").value == "100"
    weigh(at, "ondertussengroep", inwoners="30", oppervlakte="70")
    assert not at.exception and not at.error, errors(at)
    edited = {name: weight for name, weight in _weights_edited(at, "ondertussengroep") if weight}
    assert edited == {"inwoners": 0.3, "oppervlakte": 0.7}  # fractions, as the YAML keeps
    # the independent reference: the scenario with the weights edited in its YAML, run by the library
    written = build(_with_weights("ondertussengroep", "{inwoners: 0.3, oppervlakte: 0.7}"),
                    origin="gewichten.yaml", scenario_id="gewichten", base_dir=SCENARIOS)
    rows = written.allocation[(written.allocation["pot"] == "ondertussengroep") & (written.allocation["year"] == 2021)]
    shown = at.main.dataframe[0].value.set_index("gm_code")["amount_eur"]
    assert shown.sort_index().to_dict() == rows.set_index("gm_code")["amount_eur"].sort_index().to_dict()
    view(at, "scenario")  # the YAML keeps fractions
    assert yaml.safe_load(at.code[0].value)["pots"]["ondertussengroep"]["key"]["weights"] == {"inwoners": 0.3,
                                                                                               "oppervlakte": 0.7}


def test_weights_that_do_not_sum_to_100_percent_are_said_under_the_field_and_not_applied():
    at = start("kamerbrief-2021")
    before = amounts(at)
    weigh(at, "ondertussengroep", inwoners="30", oppervlakte="60")
    assert not at.exception
    assert "De gewichten zijn samen 90%, niet 100%" in errors(at)
    assert _weights_edited(at, "ondertussengroep") is None  # no edit
    assert amounts(at) == before and "bewerkt" not in at.main.header[0].value
    weigh(at, "ondertussengroep", inwoners="30,005", oppervlakte="70")  # within 0,01 percentage point
    assert not at.error, errors(at)
    assert "bewerkt" in at.main.header[0].value


def test_untouched_weight_fields_keep_the_scenarios_own_weights_exactly():
    text = _with_weights("ondertussengroep", "{inwoners: 0.123456789, oppervlakte: 0.876543211}")
    at = start()
    at.sidebar.radio(key="source").set_value("upload").run()
    at.sidebar.file_uploader(key="scenario_upload").set_value(("w.yaml", text.encode(), "application/x-yaml")).run()
    assert not at.exception and not at.error, errors(at)
    before = amounts(at)
    assert by_key(at.sidebar.text_input, ":ondertussengroep_w_inwoners").value == "12,3457"  # shown in percent
    assert by_key(at.sidebar.text_input, ":ondertussengroep_w_oppervlakte").value == "87,6543"
    type_in(at, ":ondertussengroep_vast", "1.000")  # another field: the weights stay as they are
    assert not at.exception and not at.error, errors(at)
    assert _weights_edited(at, "ondertussengroep") is None
    view(at, "scenario")
    weights = yaml.safe_load(at.code[0].value)["pots"]["ondertussengroep"]["key"]["weights"]
    assert weights == {"inwoners": 0.123456789, "oppervlakte": 0.876543211}  # no rounding drift
    type_in(at, ":ondertussengroep_vast", "0")
    view(at, "allocation")
    assert amounts(at) == before and "bewerkt" not in at.main.header[0].value
