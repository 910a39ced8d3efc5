"""A result carries the data folder it ran on: what is computed from it later reads that
folder, never the project's default one. The copy's changed names are FICTITIOUS, made up
for the test."""

from __future__ import annotations

import hashlib

from allocation import load_scenario, run_scenario
from allocation.data.registers import DATA_DIR
from allocation.faces.views import pot_year_table
from allocation.publish.meicirculaire import content_hashes
from allocation.scenario.running import refresh_published
from tests.conftest import SCENARIOS

MARK = "Provincie Fictief (test)"


def _run_on_changed_copy(data_copy):
    """The baseline run on a copy of the data whose later registers name GM0014's province
    differently from the project's data."""
    path = data_copy / "register.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    changed = [line.replace(",GM0014,Groningen,PV20,Groningen", f",GM0014,Groningen,PV20,{MARK}")
               if not line.startswith("2021-") else line for line in lines]
    assert changed != lines
    path.write_text("\n".join(changed) + "\n", encoding="utf-8")
    return run_scenario(load_scenario(SCENARIOS / "kamerbrief-2021.yaml", data_copy), data_copy)


def test_a_result_names_the_data_folder_it_ran_on(data_copy):
    result = _run_on_changed_copy(data_copy)
    assert result.data_dir == data_copy
    assert run_scenario(load_scenario(SCENARIOS / "kamerbrief-2021.yaml")).data_dir == DATA_DIR


def test_restating_again_reads_the_registers_the_result_ran_on(data_copy):
    result = _run_on_changed_copy(data_copy)
    result.registers.clear()
    refresh_published(result)  # no folder given: the result's own
    later = max(result.registers)
    register = result.registers[later].set_index("gm_code")
    assert register.loc["GM0014", "province_name"] == MARK


def test_a_pot_table_on_a_payment_register_reads_the_result_s_data(data_copy):
    result = _run_on_changed_copy(data_copy)
    pot_id = next(iter(result.pots))
    year = max(result.pots[pot_id].years)
    del result.registers[year]  # so the table loads the register itself
    table = pot_year_table(result, pot_id, year).set_index("gm_code")
    assert table.loc["GM0014", "province_name"] == MARK


def test_the_workbook_s_check_hashes_the_data_the_result_ran_on(data_copy):
    result = _run_on_changed_copy(data_copy)
    expected = hashlib.sha256((data_copy / "register.csv").read_bytes()).hexdigest()
    assert content_hashes(result)["data/register.csv"] == expected
    assert expected != hashlib.sha256((DATA_DIR / "register.csv").read_bytes()).hexdigest()
