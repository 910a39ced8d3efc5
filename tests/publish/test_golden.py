"""Golden outputs: every shipped scenario is paired with its allocation, checked byte for byte.

A change that moves any amount by one euro fails here. When the change is intended,
regenerate with ``python -m tests.regenerate_golden`` and review the diff.
"""

from __future__ import annotations

import pytest

from allocation.publish.circular_tables import allocation_csv
from tests.conftest import GOLDEN, SCENARIOS, shipped

SHIPPED = sorted(SCENARIOS.glob("*.yaml"))


@pytest.mark.parametrize("scenario_path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenario_matches_its_golden_allocation(scenario_path):
    golden = GOLDEN / f"{scenario_path.stem}-allocation.csv"
    assert golden.is_file(), f"no golden output for {scenario_path.name}; run python -m tests.regenerate_golden"
    produced = allocation_csv(shipped(scenario_path.stem))
    assert produced == golden.read_bytes()


def test_every_golden_output_has_a_shipped_scenario():
    assert {p.name.removesuffix("-allocation.csv") for p in GOLDEN.glob("*-allocation.csv")} == {
        p.stem for p in SHIPPED
    }
