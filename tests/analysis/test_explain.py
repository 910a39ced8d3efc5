"""`explain` by name, number or code, and on a payment year's register (a merged municipality
as the sum of its predecessors)."""

from __future__ import annotations

import pytest

from allocation import InputError, explanation_text
from allocation.data.municipality_names import find_municipality
from tests.conftest import SCENARIOS, shipped
from tests.faces.test_cli import cli

# these tests assert the English wording of the library's messages and outputs
pytestmark = pytest.mark.usefixtures("english")

BASELINE = str(SCENARIOS / "kamerbrief-2021.yaml")


@pytest.mark.parametrize("typed", ["Amsterdam", "amsterdam", "AMSTERDAM", "363", "0363", "GM0363", "gm0363"])
def test_a_municipality_is_found_by_name_number_or_code(typed):
    assert find_municipality(typed).code == "GM0363"


def test_accents_and_punctuation_do_not_matter():
    assert find_municipality("Sudwest Fryslan").code == "GM1900"
    assert find_municipality("súdwest-fryslân").code == "GM1900"


def test_a_typo_gets_the_closest_names():
    with pytest.raises(InputError, match=r"did you mean Amsterdam \(GM0363\)"):
        find_municipality("Amsterdm")


def test_an_ambiguous_name_lists_the_candidates():
    with pytest.raises(InputError) as info:
        find_municipality("Bergen")
    message = info.value.problems[0]
    assert "Bergen (NH.) (GM0373)" in message and "Bergen (L.) (GM0893)" in message
    assert "Haaksbergen" not in message  # a word of the name must start with what was typed


def test_explain_by_name_on_the_command_line():
    result = cli("explain", BASELINE, "Amsterdam")
    assert result.returncode == 0, result.stderr
    assert "for Amsterdam (GM0363)" in result.stdout


def test_a_later_municipality_without_a_year_is_a_message_with_the_fix():
    result = cli("explain", BASELINE, "Voorne aan Zee")
    assert result.returncode == 2
    assert "Voorne aan Zee (GM1992) exists from 2023-01-01" in result.stderr and "--year" in result.stderr


def test_a_merged_municipality_is_explained_as_the_sum_of_its_predecessors():
    result = shipped("kamerbrief-2021")
    text = explanation_text(result, "GM1992", 2023)
    for code, name in (("GM0501", "Brielle"), ("GM0530", "Hellevoetsluis"), ("GM0614", "Westvoorne")):
        assert f"{code} {name}: 2023-01-01 merged into a new municipality" in text  # in words, not the data code
    published = result.published
    for pot in ("ondertussengroep", "elip"):
        amount = int(published[(published["pot"] == pot) & (published["year"] == 2023)
                               & (published["gm_code"] == "GM1992")]["amount_eur"].iloc[0])
        parts = result.allocation[(result.allocation["pot"] == pot) & (result.allocation["year"] == 2023)
                                  & result.allocation["gm_code"].isin(["GM0501", "GM0530", "GM0614"])]
        assert int(parts["amount_eur"].sum()) == amount
        assert f"= € {amount:,}" in text


def test_amsterdam_in_2022_on_the_register_after_weesp_joined():
    # FICTITIOUS peildatum choice: 2022 on the register of 24 March 2022 (Weesp inside Amsterdam)
    text = (SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8") + (
        "peildata:\n  2022: {date: 2022-03-24, assumption: test}\n")
    from allocation import parse_scenario, run_scenario

    result = run_scenario(parse_scenario(text, origin="t.yaml", scenario_id="t", base_dir=SCENARIOS))
    explained = explanation_text(result, "GM0363", 2022)
    assert "GM0457 Weesp" in explained and "GM0363 Amsterdam" in explained


def test_a_predecessor_in_a_later_year_points_to_its_successor():
    with pytest.raises(InputError, match=r"it is part of Voorne aan Zee \(GM1992\) then"):
        explanation_text(shipped("kamerbrief-2021"), "GM0501", 2023)


@pytest.mark.parametrize(("typed", "code"), [("Den Haag", "GM0518"), ("den bosch", "GM0796")])
def test_names_in_common_use_are_found(typed, code):
    assert find_municipality(typed).code == code


def test_the_key_shares_of_a_municipality_are_its_key_data_over_the_national_total():
    """The why in the data (Amsterdam: 12,9% of the migration-background key, 5,0% of inhabitants)
    against the register file itself."""
    from allocation.analysis.explain import key_shares
    from allocation.data.registers import load_municipalities_2021
    from tests.conftest import shipped

    register = load_municipalities_2021().set_index("gm_code")
    population = register["population"].astype(float)
    background = population * register["pct_non_western"] / 100
    found = key_shares(shipped("kamerbrief-2021"), shipped("kamerbrief-2021-ingroei"), "ondertussengroep", "GM0363")
    by_key = {item.key: item for item in found.keys}
    assert set(by_key) == {"inwoners", "migratieachtergrond"}
    assert by_key["inwoners"].share == pytest.approx(population["GM0363"] / population.sum(), rel=1e-12)
    assert by_key["migratieachtergrond"].share == pytest.approx(background["GM0363"] / background.sum(), rel=1e-12)
    assert round(by_key["migratieachtergrond"].share * 100, 1) == 12.9
    assert round(by_key["inwoners"].share * 100, 1) == 5.0
    assert (by_key["inwoners"].weight_base, by_key["inwoners"].weight_other) == (1.0, 0.5)
    both = 0.5 * by_key["inwoners"].share + 0.5 * by_key["migratieachtergrond"].share
    assert found.combined_other == pytest.approx(both)
