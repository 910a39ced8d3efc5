"""Regenerate the golden outputs of the shipped scenarios: ``python -m tests.regenerate_golden``."""

from allocation import load_scenario, run_scenario
from allocation.publish.circular_tables import allocation_csv
from tests.conftest import GOLDEN, SCENARIOS

if __name__ == "__main__":
    for path in sorted(SCENARIOS.glob("*.yaml")):
        target = GOLDEN / f"{path.stem}-allocation.csv"
        target.write_bytes(allocation_csv(run_scenario(load_scenario(path))))
        print(f"wrote {target}")
