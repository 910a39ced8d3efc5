"""Every input answered: each class of bad input gets one clear message (exit 2 on the
command line), never a traceback and never a silent wrong answer; output is all or nothing.

Key files written here are FICTITIOUS test data.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

from allocation import InputError, parse_scenario
from allocation.data.key_csv import parse_key_csv
from allocation.data.registers import load_register
from allocation.engine.bounded import check_feasible, combine_bounds
from allocation.publish.files import write_files
from tests.conftest import SCENARIOS
from tests.faces.test_cli import cli

# these tests assert the English wording of the library's messages and outputs
pytestmark = pytest.mark.usefixtures("english")

BASELINE_TEXT = (SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8")
CODES = list(load_register("2021-01-01")["gm_code"])


def problems(text: str, base_dir=SCENARIOS) -> list[str]:
    with pytest.raises(InputError) as info:
        parse_scenario(text, origin="s.yaml", scenario_id="s", base_dir=base_dir)
    assert info.value.problems
    return info.value.problems


def changed(old: str, new: str) -> str:
    assert old in BASELINE_TEXT
    return BASELINE_TEXT.replace(old, new, 1)


# --- wrong answers without a word -------------------------------------------------------


def test_a_year_given_twice_is_refused_not_the_last_one_taken():
    text = changed("shares: {2021: 1,", "shares: {2021: 1, 2021: 5,")
    assert problems(text) == [
        "s.yaml: line 32, column 25: the key `2021` is given twice in one mapping (first at line 32, column 16); "
        "keep one"
    ]


def test_a_pot_given_twice_is_refused():
    pot = BASELINE_TEXT[BASELINE_TEXT.index("  invoering:\n"):]
    assert any("the key `invoering` is given twice" in p for p in problems(BASELINE_TEXT + pot))


def test_a_key_weight_given_twice_as_number_and_text_is_refused():
    text = changed("weights: {inwoners: 1.0}", "weights: {inwoners: 0.5, 'inwoners': 0.5}")
    assert any("the key `inwoners` is given twice" in p for p in problems(text))


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("amount_eur: 21000000", "amount_eur: true", "pots.ondertussengroep.budget.amount_eur"),
        ("vast_bedrag_eur: 5000", "vast_bedrag_eur: yes", "pots.invoering.key.vast_bedrag_eur"),
        (
            "weights: {inwoners: 1.0}\n      vast",
            "weights: {inwoners: true}\n      vast",
            "pots.invoering.key.weights.inwoners",
        ),
    ],
)
def test_a_yes_no_value_where_a_number_goes_is_refused(old, new, field):
    assert any(p.startswith(f"s.yaml: {field}: must be a number, got true") for p in problems(changed(old, new)))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("amount_eur: 21000000", "amount_eur: 1.0e+20", "must be at most 1,000,000,000,000, got 1e+20"),
        ("amount_eur: 21000000", "amount_eur: " + "9" * 300, "must be at most 1,000,000,000,000, got a number of 300"),
        ("shares: {2021: 1,", "shares: {2021: .nan,", "must be a finite number, got nan"),
        ("shares: {2021: 1,", "shares: {2021: .inf,", "must be a finite number, got inf"),
        ("euros: {2021: 9000000}", "euros: {2021: .inf}", "must be a finite number, got inf"),
    ],
)
def test_non_finite_and_absurd_numbers_are_refused(old, new, message):
    assert any(message in p for p in problems(changed(old, new)))


def test_an_infinite_amount_per_inhabitant_is_refused():
    text = BASELINE_TEXT.replace(
        "  elip:\n",
        "  elip:\n    constraints:\n      minimum:\n        - {eur_per_inhabitant: .inf, assumption: x}\n",
        1,
    )
    assert any("eur_per_inhabitant: must be a finite number, got inf" in p for p in problems(text))


def test_an_impossible_date_names_its_field():
    text = BASELINE_TEXT + "peildata:\n  2022: {date: 2022-02-30, source: x}\n"
    assert any(p.startswith("s.yaml: peildata.2022.date:") for p in problems(text))


def test_deep_nesting_is_refused_in_one_line():
    found = problems("name: " + "[" * 5000 + "]" * 5000 + "\n")
    assert len(found) == 1 and "nested more than" in found[0]


def test_a_value_of_the_wrong_shape_is_named_not_swallowed():
    text = changed("weights: {migratieachtergrond: 1.0}", "weights: false")
    assert any("pots.elip.key.weights: must be a mapping" in p for p in problems(text))


# --- key CSVs ----------------------------------------------------------------------------


def key_text(values: list[str], separator: str = ";") -> bytes:
    lines = [f"gm_code{separator}aantal"] + [f"{code}{separator}{value}" for code, value in zip(CODES, values)]
    return ("\n".join(lines) + "\n").encode()


def read(content: bytes):
    return parse_key_csv(content, origin="k.csv", name="k", value_column="aantal")


def test_a_semicolon_file_with_decimal_points_reads_every_value_as_written():
    values = ["0.858", "0.62"] * (len(CODES) // 2)
    key = read(key_text(values))
    assert key.values["GM0014"] in (0.858, 0.62) and key.values.max() == 0.858  # not 858


def test_a_file_that_mixes_decimal_points_and_commas_is_refused_naming_rows():
    values = ["0.858"] * 10 + ["0,62"] * (len(CODES) - 10)
    with pytest.raises(InputError) as info:
        read(key_text(values))
    assert len(info.value.problems) == 1
    assert "mixes a decimal point (rows 2 (0.858)" in info.value.problems[0]
    assert "a decimal comma (rows 12 (0,62)" in info.value.problems[0]


def test_thousands_dots_are_read_when_the_file_uses_decimal_commas():
    key = read(key_text(["1.234"] + ["12,5"] * (len(CODES) - 1)))
    assert key.values[CODES[0]] == 1234.0


def test_a_cell_longer_than_the_csv_limit_is_a_message():
    with pytest.raises(InputError, match="row 2"):
        read(key_text(["1" * 200_000] + ["1"] * (len(CODES) - 1), separator=","))
    with pytest.raises(InputError, match="a cell may hold at most"):
        read(b'gm_code,aantal\nGM0014,"' + b"1" * 1_100_000 + b'"\n')


def test_names_in_the_code_column_are_summarised_not_listed_row_by_row():
    lines = ["gm_code,aantal"] + [f"Gemeente {i},1" for i in range(len(CODES) + 1)]
    with pytest.raises(InputError) as info:
        read(("\n".join(lines) + "\n").encode())
    found = info.value.problems
    assert len(found) <= 8 and sum(len(p) for p in found) < 2_000
    assert any("and 348 more row(s) with the same problem" in p for p in found)


def test_a_key_path_outside_the_scenario_folder_is_refused_without_reading_it(tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("top secret line\n", encoding="utf-8")
    folder = tmp_path / "scenarios"
    folder.mkdir()
    text = BASELINE_TEXT + (
        "user_keys:\n  elip_duo:\n    file: ../secret.csv\n    value_column: aantal\n    label: x\n"
        "    source: x\n    kind: real\n"
    )
    found = problems(text, base_dir=folder)
    assert any("outside the scenario's folder" in p for p in found)
    assert not any("top secret" in p for p in found)


# --- messages -------------------------------------------------------------------------------


def test_a_per_inhabitant_bound_is_quoted_with_the_value_that_applies():
    text = BASELINE_TEXT.replace(
        "  elip:\n",
        "  elip:\n    constraints:\n      minimum:\n        - {eur_per_inhabitant: 0.015, assumption: x}\n",
        1,
    )
    from allocation import run_scenario

    result = run_scenario(parse_scenario(text, origin="s.yaml", scenario_id="s", base_dir=SCENARIOS))
    labels = set(result.bound_report("elip")["constraint"])
    assert "a minimum of € 0.015 per inhabitant" in labels  # not "€ 0.01" or "€ 0.02"


def test_the_more_line_sums_only_the_municipalities_not_listed():
    n = 8
    codes = [f"GM{i:04d}" for i in range(n)]
    lower = np.array([110.0] * n)
    upper = np.array([100.0] * n)
    bounds = combine_bounds(n, [("min", lower)], [("max", upper)])
    found = check_feasible(codes, codes, np.zeros(n), np.ones(n), bounds, 800, "P 2021")
    assert found[-1] == ("P 2021: and 3 more municipalities whose minimum is above their maximum "
                         "(together € 30 apart)")


# --- output all or nothing ---------------------------------------------------------------


def test_a_folder_in_the_way_of_one_file_means_no_file_is_written(tmp_path):
    out = tmp_path / "out"
    (out / "kamerbrief-2021-meicirculaire.xlsx").mkdir(parents=True)
    result = cli("run", str(SCENARIOS / "kamerbrief-2021.yaml"), "--out", str(out))
    assert result.returncode == 2
    assert "kamerbrief-2021-meicirculaire.xlsx: is in the way" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["kamerbrief-2021-meicirculaire.xlsx"]


def test_a_failure_while_writing_leaves_no_file_behind(tmp_path, monkeypatch):
    calls = []
    real_chmod = os.chmod

    def failing_chmod(path, mode):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_chmod(path, mode)

    monkeypatch.setattr(os, "chmod", failing_chmod)
    with pytest.raises(InputError, match="Nothing was written"):
        write_files({"a.csv": b"1", "b.csv": b"2", "c.csv": b"3"}, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_output_folder_is_a_message(tmp_path, monkeypatch):
    # root may write anywhere, so the folder's permission is denied by the check itself here
    folder = tmp_path / "locked"
    folder.mkdir()
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(InputError, match="the output folder cannot be written"):
        write_files({"a.csv": b"1"}, folder)
    assert list(folder.iterdir()) == []


def test_group_shares_that_fill_the_pot_are_rounded_to_fit():
    # docs/solution-rules.md: share minimums are quotas scaled to the rounded total (largest remainder)
    from allocation.engine.groups import GroupRule, groups_for_year

    masks = [np.array([i == j for j in range(3)]) for i in range(3)]
    rules = [GroupRule(f"g{i}", masks[i], min_share=1 / 3) for i in range(3)]
    limits = groups_for_year(rules, 2021, 1000)
    assert sum(g.lower for g in limits) == 1000 and all(math.isfinite(g.upper) is False for g in limits)


def test_a_quoted_nan_in_a_year_profile_is_refused():
    text = BASELINE_TEXT.replace("euros: {2021: 9000000}", 'euros: {2021: "nan"}')
    assert any("must be a finite number" in p or "must be a number" in p for p in problems(text))


def test_an_alias_bomb_is_answered_without_expanding_it():
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for level in range(1, 10):
        previous = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([previous] * 9)}]")
    text = "\n".join(lines) + "\nname: x\ndescription: *a9\npots: {}\n"
    found = problems(text)  # returns at once: the value is quoted in short, never expanded
    assert any(p.startswith("s.yaml: description: must be text") for p in found)
    assert sum(len(p) for p in found) < 5_000


def test_a_tab_separated_key_file_with_only_ambiguous_dots_is_refused():
    lines = ["gm_code\taantal"] + [f"{code}\t12.345" for code in CODES]
    with pytest.raises(InputError, match="can be read as"):
        read(("\n".join(lines) + "\n").encode())
