"""Mutaties: a scenario against a published table (the long CSV of run, a wide CSV, xlsx or
ODS), on each payment year's register. The tables here are this product's own output or
FICTITIOUS edits of it."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from allocation import InputError, export_files
from allocation.analysis.mutaties import mutaties
from allocation.data.published_table import read_published_table
from tests.conftest import SCENARIOS, shipped
from tests.faces.test_cli import cli

# these tests assert the English wording of the library's messages and outputs
pytestmark = pytest.mark.usefixtures("english")

BASELINE = "kamerbrief-2021"


@pytest.fixture(scope="module")
def published():
    return export_files(shipped(BASELINE), workbook_format="both")


def long_of(files) -> pd.DataFrame:
    return read_published_table(files[f"{BASELINE}-allocation.csv"], f"{BASELINE}-allocation.csv")


@pytest.mark.parametrize("suffix", ["allocation.csv", "meicirculaire.xlsx", "meicirculaire.ods", "elip.csv"])
def test_every_published_format_reads_back_as_the_amounts_run_wrote(published, suffix):
    name = f"{BASELINE}-{suffix}"
    table = read_published_table(published[name], name, pot="elip" if suffix == "elip.csv" else None)
    expected = long_of(published)
    if suffix == "elip.csv":
        expected = expected[expected["pot"] == "elip"]
    key = ["pot", "year", "gm_code"]
    merged = expected.merge(table, on=key, suffixes=("", "_read"), how="outer", indicator=True)
    assert (merged["_merge"] == "both").all()
    assert (merged["amount_eur"] == merged["amount_eur_read"]).all()


def test_a_scenario_against_its_own_published_table_has_no_mutatie(published):
    found = mutaties(long_of(published), shipped(BASELINE), "own.csv")
    assert (found.table["mutatie_eur"] == 0).all() and not found.notes


def test_mutaties_add_up_to_the_difference_of_the_totals(published):
    other = shipped("variant-migratie")
    found = mutaties(long_of(published), other, "k.csv")
    for row in found.totals.itertuples(index=False):
        part = found.table[(found.table["pot"] == row.pot) & (found.table["year"] == row.year)]
        assert part["mutatie_eur"].sum() == row.mutatie_eur == row.scenario_eur - row.baseline_eur
    assert (found.table["mutatie_eur"] == found.table["scenario_eur"] - found.table["baseline_eur"]).all()
    amsterdam = found.table[(found.table["gm_code"] == "GM0363") & (found.table["pot"] == "ondertussengroep")]
    assert (amsterdam["mutatie_eur"] > 0).all()  # the migration key gives the cities more


def test_a_table_on_an_earlier_register_is_restated_merged_municipalities_summed(published):
    # FICTITIOUS: the 2023 amounts published on the 2021 register (Brielle, Hellevoetsluis,
    # Westvoorne separately); the scenario's 2023 register has Voorne aan Zee
    result = shipped(BASELINE)
    base = result.allocation[(result.allocation["year"] == 2023)][["pot", "year", "gm_code", "amount_eur"]]
    found = mutaties(base, result, "old-register.csv")
    voorne = found.table[(found.table["gm_code"] == "GM1992") & (found.table["pot"] == "elip")]
    assert len(voorne) == 1 and int(voorne["mutatie_eur"].iloc[0]) == 0
    assert set(found.table["gm_code"]) == set(result.registers[2023]["gm_code"])


def test_an_unknown_code_in_the_table_is_an_error_naming_it(published):
    base = long_of(published)
    base.loc[base.index[0], "gm_code"] = "GM9999"
    with pytest.raises(InputError, match="GM9999"):
        mutaties(base, shipped(BASELINE), "bad.csv")


def test_a_wide_csv_with_names_numbers_and_a_total_row_reads(published):
    text = ("Nummer;Gemeente;2022;2023;Totaal\n363;Amsterdam;1.234;2.000;3.234\n14;Groningen;10;;10\n"
            ";Totaal;1.244;2.000;3.244\n")
    table = read_published_table(text.encode(), "wide.csv", pot="elip")
    assert table.set_index(["gm_code", "year"])["amount_eur"].to_dict() == {
        ("GM0363", 2022): 1234, ("GM0363", 2023): 2000, ("GM0014", 2022): 10}


def test_a_table_without_a_code_column_says_what_it_needs():
    with pytest.raises(InputError, match="no code column"):
        read_published_table(b"naam,2022\nAmsterdam,5\n", "x.csv", pot="elip")


def test_compare_with_a_published_table_writes_the_mutaties(published, tmp_path):
    table = tmp_path / f"{BASELINE}-meicirculaire.ods"
    table.write_bytes(published[table.name])
    out = tmp_path / "out"
    done = cli("compare", str(table), str(SCENARIOS / "variant-migratie.yaml"), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "Mutaties of variant-migratie against kamerbrief-2021-meicirculaire.ods" in done.stdout
    csv = pd.read_csv(out / "mutaties-kamerbrief-2021-meicirculaire-vs-variant-migratie.csv")
    assert list(csv.columns) == ["pot", "year", "gm_code", "gm_name", "baseline_eur", "scenario_eur", "mutatie_eur",
                                 "mutatie_pct"]
    from openpyxl import load_workbook

    book = load_workbook(out / "mutaties-kamerbrief-2021-meicirculaire-vs-variant-migratie.xlsx", read_only=True)
    assert book.sheetnames == ["Mutaties", "Totalen", "Notes"]


def test_compare_two_scenarios_on_the_payment_registers_adds_a_mutaties_sheet(tmp_path):
    out = tmp_path / "out"
    done = cli("compare", str(SCENARIOS / f"{BASELINE}.yaml"), str(SCENARIOS / "variant-inwoners.yaml"),
               "--out", str(out), "--registers", "payment")
    assert done.returncode == 0, done.stderr
    stem = "comparison-kamerbrief-2021-vs-variant-inwoners"
    frame = pd.read_csv(out / f"{stem}-mutaties.csv")
    codes_2023 = set(frame.loc[frame["year"] == 2023, "gm_code"])
    assert "GM1992" in codes_2023 and "GM0501" not in codes_2023  # on the 2023 register
    from openpyxl import load_workbook

    assert "Mutaties" in load_workbook(io.BytesIO((out / f"{stem}.xlsx").read_bytes()), read_only=True).sheetnames


@pytest.mark.parametrize(("cell", "message"), [("9" * 31, "is larger than € 1,000,000,000,000"),
                                               ("-728", "is negative")])
def test_absurd_or_negative_published_amounts_are_refused(cell, message):
    text = f"Code,2022\nGM0363,{cell}\n"
    with pytest.raises(InputError, match=message):
        read_published_table(text.encode(), "wide.csv", pot="elip")


def test_a_total_row_that_does_not_match_the_rows_is_refused():
    text = "Code;2022\nGM0363;10\nGM0014;5\n;Totaal;1\n".replace(";Totaal;1", "Totaal;1")
    with pytest.raises(InputError, match="the total says 1 but the rows add up to 15"):
        read_published_table(text.encode(), "wide.csv", pot="elip")


def test_english_thousands_separators_are_read_as_thousands():
    text = 'gm_code,gm_name,2022,2023\nGM0014,Groningen,"2,000","1,250,000"\nGM0034,Almere,"12,000",500\n'
    table = read_published_table(text.encode(), "wide.csv", pot="elip")
    assert table.set_index(["gm_code", "year"])["amount_eur"].to_dict() == {
        ("GM0014", 2022): 2000, ("GM0014", 2023): 1250000, ("GM0034", 2022): 12000, ("GM0034", 2023): 500}


def test_a_semicolon_table_with_only_ambiguous_amounts_is_refused():
    with pytest.raises(InputError, match="can be read two ways"):
        read_published_table(b"Code;2022\nGM0363;2.000\n", "wide.csv", pot="elip")


def test_a_workbook_with_one_table_sheet_takes_the_pot_given(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Blad1"
    book.active.append(["Code", "2022"])
    book.active.append(["GM0363", 100])
    book.create_sheet("Notes").append(["text"])
    buffer = io.BytesIO()
    book.save(buffer)
    table = read_published_table(buffer.getvalue(), "table.xlsx", pot="elip")
    assert set(table["pot"]) == {"elip"}
