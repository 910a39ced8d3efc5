"""Scenario files: strict validation with messages that name the field path and the fix."""

from __future__ import annotations

import copy

import pytest
import yaml

from allocation import load_scenario, parse_scenario
from allocation.common.errors import InputError
from tests.conftest import SCENARIOS

# these tests assert the English wording of the library's messages and outputs
pytestmark = pytest.mark.usefixtures("english")

BASE = yaml.safe_load((SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8"))


def problems_for(changed: dict) -> list[str]:
    with pytest.raises(InputError) as info:
        parse_scenario(yaml.safe_dump(changed), origin="s.yaml", scenario_id="s")
    return info.value.problems


def variant(edit) -> dict:
    data = copy.deepcopy(BASE)
    edit(data)
    return data


def test_shipped_scenario_is_valid():
    loaded = load_scenario(SCENARIOS / "kamerbrief-2021.yaml")
    assert set(loaded.scenario.pots) == {"ondertussengroep", "elip", "invoering"}
    assert loaded.scenario_id == "kamerbrief-2021"


def test_misspelt_field_is_an_error_naming_the_field_and_the_likely_fix():
    data = variant(lambda d: d["pots"]["elip"]["key"].update(wieghts=d["pots"]["elip"]["key"].pop("weights")))
    problems = problems_for(data)
    assert "s.yaml: pots.elip.key.wieghts: unknown field; did you mean `weights`?" in problems


def test_negative_weight_names_the_path_and_the_value():
    data = variant(lambda d: d["pots"]["elip"]["key"].update(weights={"inwoners": -0.2, "migratieachtergrond": 1.2}))
    problems = problems_for(data)
    assert any("pots.elip.key.weights: weight inwoners: must be >= 0, got -0.2" in p for p in problems)


def test_weights_must_sum_to_one():
    data = variant(lambda d: d["pots"]["elip"]["key"].update(weights={"inwoners": 0.5, "migratieachtergrond": 0.4}))
    assert any("pots.elip.key.weights: weights must sum to 1, got 0.9" in p for p in problems_for(data))


def test_a_number_without_source_or_assumption_is_refused():
    data = variant(lambda d: d["pots"]["invoering"]["budget"].pop("source"))
    assert any(
        "pots.invoering.budget: give a `source:` or label it with `assumption:`" in p for p in problems_for(data)
    )


def test_year_without_provenance_is_refused():
    def edit(d):
        d["pots"]["elip"]["years"]["euros"][2025] = 600000

    assert any("year 2025 has no provenance" in p for p in problems_for(variant(edit)))


def test_year_euros_that_do_not_add_up_report_the_difference():
    def edit(d):
        d["pots"]["elip"]["years"]["euros"][2026]["value"] = 399000

    problems = problems_for(variant(edit))
    assert any(
        "pots.elip.years.euros: the years add up to € 8,999,000 but the budget is € 9,000,000 "
        "(difference -€ 1,000)" in p
        for p in problems
    )


def test_unknown_key_suggests_the_closest_name():
    data = variant(lambda d: d["pots"]["ondertussengroep"]["key"].update(weights={"inwoner": 1.0}))
    assert "s.yaml: pots.ondertussengroep.key.weights.inwoner: unknown key; did you mean `inwoners`?" in problems_for(
        data
    )


def test_fractional_budget_is_refused():
    data = variant(lambda d: d["pots"]["invoering"]["budget"].update(amount_eur=9000000.5))
    assert any("pots.invoering.budget.amount_eur: must be a whole number of euros" in p for p in problems_for(data))


def test_year_outside_the_registers_is_refused():
    data = variant(lambda d: d["pots"]["ondertussengroep"]["years"]["shares"].update({2030: 1}))
    assert any("year 2030 is outside 2021-2026" in p for p in problems_for(data))


def test_every_problem_is_reported_not_just_the_first():
    def edit(d):
        d["pots"]["elip"]["key"]["wieghts"] = d["pots"]["elip"]["key"].pop("weights")
        d["pots"]["invoering"]["budget"]["amount_eur"] = -1
        d["naam"] = "x"

    problems = problems_for(variant(edit))
    assert len(problems) >= 3


def test_yaml_syntax_error_names_line_and_column():
    with pytest.raises(InputError, match=r"s.yaml: not valid YAML at line \d+, column \d+"):
        parse_scenario("name: [unclosed\n", origin="s.yaml", scenario_id="s")


def test_user_key_problems_are_reported_under_the_scenario_field(tmp_path):
    # FICTITIOUS key file with one unknown code
    (tmp_path / "elip.csv").write_text("gm_code,aantal\nGM9999,3\n", encoding="utf-8")
    data = copy.deepcopy(BASE)
    data["user_keys"] = {
        "elip_duo": {
            "file": "elip.csv",
            "value_column": "aantal",
            "label": "ELIP counts (fictitious)",
            "source": "test fixture",
            "kind": "real",
        }
    }
    data["pots"]["elip"]["key"]["weights"] = {"elip_duo": 1.0}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert any(f"{path}: user_keys.elip_duo: {tmp_path / 'elip.csv'}: row 2:" in p for p in info.value.problems)
    assert not any("unknown key" in p for p in info.value.problems)
