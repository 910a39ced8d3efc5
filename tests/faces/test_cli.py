"""The command line: the shipped scenario runs, bad input exits 2 with one line per problem.

Most tests call the command line's ``main`` in this process (:func:`cli`); one test per
command runs it as a real process (:func:`cli_process`) to check the exit code, the
streams and the absence of a traceback as a user sees them.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys

import pandas as pd
import pytest
import yaml

from allocation import summary_text
from allocation.common import i18n
from allocation.faces.cli import main
from tests.conftest import ROOT, SCENARIOS, shipped

# these tests assert the English wording of the library's messages and outputs
pytestmark = pytest.mark.usefixtures("english")


def cli_process(*args: str) -> subprocess.CompletedProcess:
    """``python -m allocation ARGS`` as a separate process."""
    return subprocess.run([sys.executable, "-m", "allocation", *args], cwd=ROOT, capture_output=True, text=True)


def cli(*args: str) -> subprocess.CompletedProcess:
    """``python -m allocation ARGS`` run in this process: the exit code and both streams."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exit_:  # argparse's own errors
            code = exit_.code if isinstance(exit_.code, int) else 2
    return subprocess.CompletedProcess(["python", "-m", "allocation", *args], code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def baseline_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    result = cli_process("run", str(SCENARIOS / "kamerbrief-2021.yaml"), "--out", str(out))
    return result, out


def test_run_writes_the_long_allocation_csv_with_exact_pot_year_totals(baseline_run):
    result, out = baseline_run
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(out / "kamerbrief-2021-allocation.csv", dtype={"gm_code": str})
    assert list(frame.columns) == ["pot", "year", "gm_code", "gm_name", "amount_eur"]
    assert frame["amount_eur"].dtype.kind == "i"
    scenario = yaml.safe_load((SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8"))
    for pot_id, pot in scenario["pots"].items():
        totals = frame[frame["pot"] == pot_id].groupby("year")["amount_eur"].sum()
        assert totals.sum() == pot["budget"]["amount_eur"]
        counts = frame[frame["pot"] == pot_id].groupby("year")["gm_code"].nunique()
        # each payment year on the register in force on 1 January (DOMAIN.md counts)
        expected = {2021: 352, 2022: 345, 2023: 342, 2024: 342, 2025: 342, 2026: 342}
        assert counts.to_dict() == {year: expected[year] for year in counts.index}
    assert (frame["amount_eur"] >= 0).all()


def test_run_prints_totals_and_largest_recipients(baseline_run):
    result, _ = baseline_run
    assert "Totals per pot and payment year" in result.stdout
    assert "21,000,000" in result.stdout
    assert "Largest recipients" in result.stdout and "Amsterdam" in result.stdout


def test_misspelt_field_exits_2_with_one_line_naming_the_field(tmp_path):
    text = (
        (SCENARIOS / "kamerbrief-2021.yaml")
        .read_text(encoding="utf-8")
        .replace("  invoering:\n    label:", "  invoering:\n    lable:")
    )
    bad = tmp_path / "typo.yaml"
    bad.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = cli_process("run", str(bad), "--out", str(out))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert f"error: {bad}: pots.invoering.lable: unknown field; did you mean `label`?" in lines
    assert "Traceback" not in result.stderr
    assert not out.exists(), "nothing may be written for bad input"


def test_infeasible_vast_bedrag_exits_2_with_the_shortfall_in_euros(tmp_path):
    data = yaml.safe_load((SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8"))
    data["pots"]["elip"]["key"]["vast_bedrag_eur"] = 5000
    bad = tmp_path / "floor.yaml"
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = cli("run", str(bad), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert (
        "ELIP (Einde Lening nog Inburgeringsplichtig) 2023: a vast bedrag of € 5,000 for 352 "
        "municipalities needs € 1,760,000; the budget is € 1,649,000 (short € 111,000)"
        in result.stderr
    )
    assert not (tmp_path / "out").exists()


def test_missing_scenario_file_exits_2(tmp_path):
    result = cli_process("validate", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2
    assert "scenario file not found" in result.stderr and "Traceback" not in result.stderr


def test_validate_accepts_the_shipped_scenario():
    result = cli("validate", str(SCENARIOS / "kamerbrief-2021.yaml"))
    assert result.returncode == 0 and "valid" in result.stdout


def test_keys_lists_every_builtin_key_with_kind_and_source():
    result = cli_process("keys")
    assert result.returncode == 0
    for name in ("inwoners", "vast_bedrag", "migratieachtergrond", "oppervlakte"):
        assert name in result.stdout
    assert "[proxy]" in result.stdout and "source:" in result.stdout


def test_a_short_command_ending_without_teardown_delivers_its_whole_output():
    """The short commands end the process without the interpreter's teardown: what they
    print reaches a pipe whole, the same as the command run in process, with its exit code."""
    for args in (["keys"], ["explain", str(SCENARIOS / "kamerbrief-2021.yaml"), "363"]):
        process, inside = cli_process(*args), cli(*args)
        assert (process.returncode, process.stdout) == (inside.returncode, inside.stdout), args
        assert process.stdout.endswith("\n") and len(process.stdout) > 500


def test_explain_lets_a_municipality_recompute_its_amount():
    result = cli_process("explain", str(SCENARIOS / "kamerbrief-2021.yaml"), "363")
    assert result.returncode == 0
    assert "Amsterdam (GM0363)" in result.stdout
    assert "key migratieachtergrond [proxy]" in result.stdout


def test_an_output_path_that_is_a_file_exits_2_with_the_fix(tmp_path):
    occupied = tmp_path / "out"
    occupied.write_text("not a folder", encoding="utf-8")
    result = cli("run", str(SCENARIOS / "kamerbrief-2021.yaml"), "--out", str(occupied))
    assert result.returncode == 2
    assert f"error: {occupied}: cannot be used as the output folder" in result.stderr
    assert "Traceback" not in result.stderr
    assert occupied.read_text(encoding="utf-8") == "not a folder"


def test_the_help_of_every_command_prints():
    assert cli_process("--help").returncode == 0
    for command in ("keys", "validate", "run", "compare", "guarantee", "compromise", "decompose", "sensitivity",
                    "explain"):
        assert cli(command, "--help").returncode == 0, command


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--draws", "0"], "--draws 0: give between 1 and 100,000 draws"),
        (["--draws", "100000000"], "give between 1 and 100,000 draws"),
        (["--seed", "-1"], "--seed -1"),
        (["--profile-sd", "nan"], "--profile-sd nan"),
        (["--relative-sd", "inwoners=0.1", "inwoners=0.2"], "inwoners is given twice"),
    ],
)
def test_sensitivity_flags_outside_their_range_are_refused(tmp_path, args, message):
    done = cli("sensitivity", str(SCENARIOS / "kamerbrief-2021.yaml"), "--out", str(tmp_path), *args,
               *([] if "--relative-sd" in args else ["--relative-sd", "inwoners=0.1"]))
    assert done.returncode == 2 and message in done.stderr


def test_an_empty_output_folder_name_is_refused(tmp_path):
    done = cli("run", str(SCENARIOS / "kamerbrief-2021.yaml"), "--out", "")
    assert done.returncode == 2 and "give an output folder" in done.stderr


def test_spread_flags_without_with_sensitivity_are_refused(tmp_path):
    done = cli("run", str(SCENARIOS / "kamerbrief-2021.yaml"), "--out", str(tmp_path), "--draws", "10")
    assert done.returncode == 2 and "--with-sensitivity" in done.stderr


def test_the_command_line_speaks_dutch_by_default_and_english_with_lang_en(monkeypatch):
    monkeypatch.delenv("ALLOCATION_LANG", raising=False)
    missing = str(ROOT / "scenarios" / "missing.yaml")
    assert cli("validate", missing).stderr.startswith(f"fout: {missing}: scenariobestand niet gevonden")
    assert cli("validate", str(ROOT / "scenarios" / "kamerbrief-2021.yaml")).stdout.endswith("geldig (3 potten)\n")
    assert cli("--lang", "en", "validate", missing).stderr.startswith("error: ")
    with i18n.using("nl"):
        assert "alle potten       15.386.000" in summary_text(shipped("kamerbrief-2021"))  # amounts the Dutch way
    with i18n.using("en"):
        assert "all pots          15,386,000" in summary_text(shipped("kamerbrief-2021"))
    monkeypatch.setenv("ALLOCATION_LANG", "de")
    result = cli("validate", missing)
    assert result.returncode == 2 and "unknown language 'de'" in result.stderr


def test_a_short_command_turns_the_garbage_collector_back_on_when_it_ends():
    """`validate` runs with the cyclic collector off (it is a short process); a caller of
    ``main`` in its own process gets the collector back, also after an error."""
    import gc

    assert gc.isenabled()
    assert cli("validate", str(SCENARIOS / "kamerbrief-2021.yaml")).returncode == 0
    assert gc.isenabled()
    assert cli("validate", str(SCENARIOS / "no-such-file.yaml")).returncode == 2
    assert gc.isenabled()
