"""The constraint texts (labels and infeasibility messages) speak the user's language: built
from the catalogue where they are made, Dutch by default, English with ``--lang en``; never a
Dutch sentence around an English label ("208 op a minimum of EUR 2,500").

The changed bounds here (an ELIP minimum of € 6.000 in every year) are FICTITIOUS test settings.
"""

from __future__ import annotations

import contextlib
import io
import re

import pytest
import yaml

from allocation.analysis.summary import constraint_summary_lines
from allocation.common import i18n
from allocation.common.errors import InfeasibleError
from allocation.faces.cli import main
from allocation.scenario.build import build
from allocation.scenario.edits import set_bound
from allocation.scenario.loading import load_scenario
from allocation.scenario.running import run_scenario
from tests.conftest import SCENARIOS

FLOOR = SCENARIOS / "kamerbrief-2021-floor.yaml"

#: Words of the English constraint texts; none may reach a Dutch reader.
ENGLISH = re.compile(
    r"\bEUR\b|\ba (minimum|maximum) of\b|\bat (least|most)\b|\bper (inhabitant|municipality)\b|\bthe year band\b|"
    r"\btransition band\b|\bof the pot\b|\bgroup\b|\bsits on\b|\bjointly\b|\bthe budget is\b|\bfits\b|"
    r"\bevery year\b|\bmore than\b|\bless than\b"
)


def cli(*argv: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(list(argv)) in (0, None)
    return out.getvalue()


def english_words(text: str) -> list[str]:
    return [m.group(0) for m in ENGLISH.finditer(text)]


def test_run_words_the_constraint_summary_of_the_floor_in_dutch(tmp_path):
    text = cli("run", str(FLOOR), "--out", str(tmp_path), "--format", "xlsx")
    summary = [line for line in text.splitlines() if " op een minimum van " in line]
    assert summary, text  # "271 op een minimum van € 2.500: +€ 382.257 in totaal"
    assert all("een minimum van € 2.500:" in line for line in summary)
    assert english_words(text) == [], text


def test_explain_words_a_municipality_on_the_floor_in_dutch():
    text = cli("explain", str(FLOOR), "Vlieland")
    assert "2021: zit op een minimum van € 2.500 -> € 2.500" in text
    assert english_words(text) == [], text


def test_the_same_texts_in_english_with_lang_en():
    text = cli("--lang", "en", "explain", str(FLOOR), "Vlieland")
    assert "2021: sits on a minimum of € 2,500 -> € 2,500" in text
    assert "een minimum" not in text


def test_the_transition_and_year_band_labels_are_dutch_in_a_dutch_run():
    result = run_scenario(load_scenario(SCENARIOS / "kamerbrief-2021-ingroei.yaml"))
    lines = "\n".join(constraint_summary_lines(result))
    assert "de ingroeiregeling (ten hoogste" in lines or "de jaarband (ten hoogste" in lines, lines
    assert english_words(lines) == [], lines


@pytest.mark.parametrize(
    ("lang", "failing", "fitting"),
    [
        ("nl", "ELIP (Einde Lening nog Inburgeringsplichtig) 2026: een minimum van € 6.000 voor 352 gemeenten vraagt "
               "€ 2.112.000; het budget is € 400.000 (tekort € 1.712.000)",
         "ELIP (Einde Lening nog Inburgeringsplichtig): een minimum van ten hoogste € 1.136 per gemeente past in elk "
         "jaar (2021-2026)"),
        ("en", "ELIP (Einde Lening nog Inburgeringsplichtig) 2026: a minimum of € 6,000 for 352 municipalities needs "
               "€ 2,112,000; the budget is € 400,000 (short € 1,712,000)",
         "ELIP (Einde Lening nog Inburgeringsplichtig): a minimum of at most € 1,136 per municipality fits every "
         "year (2021-2026)"),
    ],
)
def test_an_infeasible_minimum_is_explained_in_the_language(lang, failing, fitting):
    data = set_bound(yaml.safe_load(FLOOR.read_text(encoding="utf-8")), "elip", "minimum", 6000, "eur")
    data["pots"]["elip"]["constraints"]["minimum"][0].pop("years", None)
    with i18n.using(lang), pytest.raises(InfeasibleError) as info:
        build(data, origin="t.yaml", scenario_id="t", base_dir=SCENARIOS)
    problems = [p.removeprefix("t.yaml: pots.elip: ") for p in info.value.problems]
    assert failing in problems
    assert fitting in problems  # one message per problem, the fix last
    if lang == "nl":
        assert english_words("\n".join(problems)) == [], problems


def test_a_damaged_data_file_is_named_in_dutch(data_copy):
    from allocation.common.errors import DataError
    from allocation.data import registers

    path = data_copy / "population_2021.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(lines[3].split(",")[2], "abc")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with i18n.using("nl"), pytest.raises(DataError) as info:
        registers.load_municipalities_2021(data_copy)
    expected = "population_2021.csv: rij 4: population 'abc' is geen getal >= 1"
    assert any(p.endswith(expected) for p in info.value.problems), info.value.problems


def test_the_fitted_scenario_is_written_in_dutch_and_runs(tmp_path):
    from allocation.publish.circular_tables import allocation_csv
    from tests.conftest import shipped

    table = tmp_path / "mig.csv"
    table.write_bytes(allocation_csv(shipped("variant-migratie")))
    out = tmp_path / "out"
    cli("fit", str(table), "--pot", "ondertussengroep", "--keys", "inwoners,migratieachtergrond", "--out", str(out))
    scenario = out / "fit-mig-ondertussengroep.yaml"
    text = scenario.read_text(encoding="utf-8")
    assert text.count("AFGELEID uit de gepubliceerde tabel mig.csv") >= 8
    assert "DERIVED" not in text and "range" not in text and "the table" not in text
    cli("validate", str(scenario))  # the Dutch texts are a valid scenario


def test_the_app_keeps_a_run_per_language_so_sessions_never_see_each_others_words():
    from allocation.faces.web import state
    from allocation.scenario.source import ScenarioSource

    source = ScenarioSource(FLOOR.read_text(encoding="utf-8"), state.shipped_origin(FLOOR), FLOOR.stem)
    with i18n.using("en"):
        english = state.compute(source)[0].bound_report("elip")["constraint"].unique().tolist()
    with i18n.using("nl"):
        dutch = state.compute(source)[0].bound_report("elip")["constraint"].unique().tolist()
    assert english == ["a minimum of € 2,500"]
    assert dutch == ["een minimum van € 2.500"]


def test_overlapping_groups_are_refused_in_dutch():
    from allocation.common.errors import InputError

    data = yaml.safe_load(FLOOR.read_text(encoding="utf-8"))
    data["pots"]["elip"]["constraints"] = {"groups": [
        {"name": "Drenthe", "province": "PV22", "min_share": 0.01, "assumption": "fictitious test setting"},
        {"name": "Assen", "codes": ["GM0106"], "max_eur": 100000, "assumption": "fictitious test setting"},
    ]}
    with i18n.using("nl"), pytest.raises(InputError) as info:
        build(data, origin="t.yaml", scenario_id="t", base_dir=SCENARIOS)
    assert "t.yaml: pots.elip.constraints.groups: de groepen Drenthe en Assen delen 1 gemeenten; groepen van één " \
           "pot mogen elkaar niet overlappen" in info.value.problems
