"""The shipped negotiation variants: they change keys only, and label every changed number."""

from __future__ import annotations

import pytest

from allocation import load_scenario
from tests.conftest import SCENARIOS

BASELINE = load_scenario(SCENARIOS / "kamerbrief-2021.yaml").scenario
#: variants that change keys; the profile variant changes a year profile (tested below)
PROFILE_VARIANT = SCENARIOS / "variant-profiel-instroom.yaml"
VARIANTS = sorted(p for p in SCENARIOS.glob("variant-*.yaml") if p != PROFILE_VARIANT)


# these tests assert the English wording of the library's messages and outputs
pytestmark = pytest.mark.usefixtures("english")

def test_there_are_variants_to_put_on_the_table():
    assert {p.stem for p in VARIANTS} >= {"variant-vast-bedrag", "variant-migratie", "variant-inwoners"}


@pytest.mark.parametrize("path", VARIANTS, ids=[p.stem for p in VARIANTS])
def test_variant_keeps_the_baseline_budgets_and_years_with_their_sources(path):
    variant = load_scenario(path).scenario
    assert list(variant.pots) == list(BASELINE.pots)
    for pot_id, pot in BASELINE.pots.items():
        other = variant.pots[pot_id]
        assert other.budget == pot.budget, f"{path.name}: pots.{pot_id}.budget differs from the baseline"
        assert other.years == pot.years, f"{path.name}: pots.{pot_id}.years differ from the baseline"


@pytest.mark.parametrize("path", VARIANTS, ids=[p.stem for p in VARIANTS])
def test_variant_states_its_position_and_labels_changed_keys_as_assumptions(path):
    variant = load_scenario(path).scenario
    assert variant.name.startswith("Variant - ")
    assert "standpunt" in variant.description and "AANNAME" in variant.description
    changed = [pot_id for pot_id, pot in variant.pots.items() if pot.key != BASELINE.pots[pot_id].key]
    assert changed, f"{path.name} changes no key"
    for pot_id in changed:
        key = variant.pots[pot_id].key
        assert key.kind == "assumption" and "AANNAME VAN DEZE VARIANT" in key.assumption


def test_the_profile_variant_changes_only_the_ondertussengroep_years_and_labels_each_year():
    variant = load_scenario(PROFILE_VARIANT).scenario
    assert "standpunt" in variant.description and "AANNAME" in variant.description
    for pot_id, pot in BASELINE.pots.items():
        other = variant.pots[pot_id]
        assert other.budget == pot.budget and other.key == pot.key
        assert (other.years == pot.years) == (pot_id != "ondertussengroep")
    years = variant.pots["ondertussengroep"].years
    # the derived intake counts: the maatschappelijke begeleiding totals / EUR 2,370
    assert years.values() == {2021: 8789, 2022: 14763, 2023: 5424, 2024: 579, 2025: 579, 2026: 579}
    for year in (2021, 2022, 2023, 2024):
        assert years.year_kind(year) == "sourced"
        assert "AFGELEID" in years.provenance(year) and "2.370" in years.provenance(year)
    for year in (2025, 2026):
        assert years.year_kind(year) == "assumption" and "AANNAME VAN DEZE VARIANT" in years.provenance(year)
    for year, total in ((2021, 20_830_000), (2022, 34_988_000), (2023, 12_855_000), (2024, 1_372_230)):
        assert round(total / 2370) == years.values()[year]


def test_the_whole_letter_shows_the_46_5_million_for_the_ondertussengroep_in_one_table():
    from tests.conftest import shipped

    result = shipped("kamerbrief-2021-volledig")
    totals = result.allocation.groupby("pot")["amount_eur"].sum()
    assert totals.to_dict() == {"ondertussengroep": 21_000_000, "ondertussengroep_eerder": 16_500_000,
                                "elip": 9_000_000, "invoering": 9_000_000}
    ondertussengroep_money = totals[["ondertussengroep", "ondertussengroep_eerder", "elip"]].sum()
    assert ondertussengroep_money == 46_500_000
    assert set(result.allocation["year"]) == set(range(2021, 2027))
    # the baseline's three pots are unchanged
    baseline = shipped("kamerbrief-2021").allocation
    for pot in ("ondertussengroep", "elip", "invoering"):
        assert (result.allocation[result.allocation["pot"] == pot]["amount_eur"].to_numpy()
                == baseline[baseline["pot"] == pot]["amount_eur"].to_numpy()).all()
    fourth = result.scenario.pots["ondertussengroep_eerder"]
    assert "25,5 miljoen" in fourth.budget.source and fourth.years.kinds() == ("assumption",)
    assert fourth.key.kind == "assumption"
