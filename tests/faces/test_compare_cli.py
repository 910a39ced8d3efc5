"""`python -m allocation compare`: writes the workbook and CSVs, prints a summary; bad input exits 2."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from tests.conftest import SCENARIOS
from tests.faces.test_cli import cli, cli_process

# these tests assert the English wording of the library's messages and outputs
pytestmark = pytest.mark.usefixtures("english")

BASELINE = str(SCENARIOS / "kamerbrief-2021.yaml")


def test_compare_writes_the_workbook_and_csvs_and_prints_the_summary(tmp_path):
    out = tmp_path / "out"
    result = cli("compare", BASELINE, str(SCENARIOS / "variant-vast-bedrag.yaml"), "--out", str(out))
    assert result.returncode == 0, result.stderr
    stem = "comparison-kamerbrief-2021-vs-variant-vast-bedrag"
    assert (out / f"{stem}.xlsx").is_file()
    assert "Notes" in load_workbook(out / f"{stem}.xlsx", read_only=True).sheetnames
    totals = pd.read_csv(out / f"{stem}-municipality-totals.csv")
    assert len(totals) == 352 and totals["diff_eur"].sum() == 0
    for text in ("Baseline: Kamerbrief 28 april 2021", "redistributed EUR", "Municipalities per band", "Largest gains",
                 "Largest losses", "By size class", "By province", "Schiermonnikoog"):
        assert text in result.stdout
    assert f"wrote {out / (stem + '.xlsx')}" in result.stdout
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "no temporary files left behind"


def test_compare_takes_more_than_two_scenarios(tmp_path):
    result = cli(
        "compare",
        BASELINE,
        str(SCENARIOS / "variant-migratie.yaml"),
        str(SCENARIOS / "variant-inwoners.yaml"),
        "--out",
        str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert "== variant-migratie against kamerbrief-2021 ==" in result.stdout
    assert "== variant-inwoners against kamerbrief-2021 ==" in result.stdout
    frame = pd.read_csv(tmp_path / "comparison-kamerbrief-2021-vs-variant-migratie-variant-inwoners-bands.csv")
    assert set(frame["scenario"]) == {"variant-migratie", "variant-inwoners"}


def test_compare_with_bad_files_exits_2_names_every_problem_and_writes_nothing(tmp_path):
    text = (
        (SCENARIOS / "variant-migratie.yaml")
        .read_text(encoding="utf-8")
        .replace("  elip:\n    label:", "  elip:\n    lable:")
    )
    bad = tmp_path / "typo.yaml"
    bad.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = cli_process("compare", BASELINE, str(bad), str(tmp_path / "missing.yaml"), "--out", str(out))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert f"error: {bad}: pots.elip.lable: unknown field; did you mean `label`?" in lines
    assert f"error: {tmp_path / 'missing.yaml'}: scenario file not found" in lines
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_compare_needs_two_scenarios_and_explains_a_mismatch(tmp_path):
    result = cli("compare", BASELINE, "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and "at least two scenarios" in result.stderr
    data = yaml.safe_load((SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8"))
    data["pots"] = {"andere_pot": data["pots"]["invoering"]}
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = cli("compare", BASELINE, str(other), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "no pot and payment year in common" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
