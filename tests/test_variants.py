"""The shipped negotiation variants: they change keys only, and label every changed number."""

from __future__ import annotations

import pytest

from allocation import load_scenario
from tests.conftest import SCENARIOS

BASELINE = load_scenario(SCENARIOS / "kamerbrief-2021.yaml").scenario
VARIANTS = sorted(SCENARIOS.glob("variant-*.yaml"))


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
    assert "position" in variant.description and "ASSUMPTION" in variant.description
    changed = [pot_id for pot_id, pot in variant.pots.items() if pot.key != BASELINE.pots[pot_id].key]
    assert changed, f"{path.name} changes no key"
    for pot_id in changed:
        key = variant.pots[pot_id].key
        assert key.kind == "assumption" and "VARIANT ASSUMPTION" in key.assumption
