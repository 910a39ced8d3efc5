"""Fuzzing the inputs: mutated shipped scenarios and key CSVs are either allocated exactly
or refused with a message; never a traceback, never a silent wrong total.

Mutations: a field deleted, replaced by a value of another type (yes/no, null, text, lists,
huge or non-finite numbers, impossible dates), a line duplicated (a key given twice), the
text truncated, bytes inserted. The key CSVs mutated here are FICTITIOUS test data.

CI runs a few hundred examples. To run many more locally::

    FUZZ_EXAMPLES=10000 .venv/bin/python -m pytest tests/test_fuzz.py -q
"""

from __future__ import annotations

import copy
import math
import os

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocation import InputError, export_files, parse_scenario, run_scenario
from allocation.data.key_csv import parse_key_csv
from allocation.data.registers import load_register
from tests.conftest import SCENARIOS

# these tests assert the English wording of the library's messages and outputs
pytestmark = pytest.mark.usefixtures("english")

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0"))
SHIPPED = {path.stem: path.read_text(encoding="utf-8") for path in sorted(SCENARIOS.glob("*.yaml"))}
CODES = list(load_register("2021-01-01")["gm_code"])

ODD_VALUES = st.one_of(
    st.booleans(),
    st.none(),
    st.integers(-(10**30), 10**30),
    st.sampled_from([10**300, -1, 0, 1e20, 1e-300]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["2022-02-30", "2021-01-01", "1e20", ".inf", "12,5", "GM0363", "inwoners"]),
    st.lists(st.integers(0, 3000), max_size=3),
    st.dictionaries(st.sampled_from(["value", "source", "eur", "2021", "x"]), st.integers(0, 10**7), max_size=2),
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, prefix + (index,))


def _set(data, path, value=None, delete=False):
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value


def _text_mutation(draw, text: str) -> str:
    kind = draw(st.sampled_from(["duplicate line", "truncate", "insert"]))
    if kind == "duplicate line" and text:
        lines = text.splitlines(keepends=True)
        index = draw(st.integers(0, len(lines) - 1))
        return "".join(lines[: index + 1] + [lines[index]] + lines[index + 1:])
    position = draw(st.integers(0, len(text)))
    if kind == "truncate":
        return text[:position]
    inserted = draw(st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=8) | st.sampled_from(
        ["[" * 200, "{", ": :", "\t", "&a [*a, *a]", "!!python/object:os.system", "\x00", "---\n"]))
    return text[:position] + inserted + text[position:]


@st.composite
def mutated_scenarios(draw):
    stem = draw(st.sampled_from(sorted(SHIPPED)))
    text = SHIPPED[stem]
    if draw(st.booleans()):
        return stem, _text_mutation(draw, text)
    data = yaml.safe_load(text)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(data) if p]
        path = draw(st.sampled_from(paths))
        if draw(st.booleans()) and len(path) > 0:
            _set(data, path, delete=True)
        else:
            _set(data, path, copy.deepcopy(draw(ODD_VALUES)))
    return stem, yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _budgets(data) -> dict[str, int]:
    return {pot_id: pot["budget"]["amount_eur"] for pot_id, pot in data["pots"].items()}


@settings(max_examples=EXAMPLES or 150, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated_scenarios())
def test_a_mutated_scenario_is_allocated_exactly_or_refused_with_messages(case):
    stem, text = case
    try:
        loaded = parse_scenario(text, origin=str(SCENARIOS / f"{stem}-fuzz.yaml"), scenario_id=f"{stem}-fuzz",
                                base_dir=SCENARIOS)
        result = run_scenario(loaded)
    except InputError as exc:
        assert exc.problems and all(isinstance(p, str) and p.strip() for p in exc.problems)
        assert all(len(p) < 2000 for p in exc.problems), "a message that long is no message"
        return
    for pot_id, budget in _budgets(yaml.safe_load(text)).items():
        amounts = result.allocation[result.allocation["pot"] == pot_id]["amount_eur"]
        assert int(amounts.sum()) == budget and (amounts >= 0).all()
    published = result.published.groupby(["pot", "year"])["amount_eur"].sum()
    kept = result.allocation.groupby(["pot", "year"])["amount_eur"].sum()
    assert published.equals(kept)  # restating on later registers keeps every total
    if EXAMPLES == 0 and stem == "kamerbrief-2021":  # the exports too, now and then
        files = export_files(result)
        assert all(isinstance(content, bytes) and content for content in files.values())


def _key_csv(separator: str, decimal: str) -> str:
    rng = np.random.default_rng(7)
    rows = [f"gm_code{separator}aantal"]
    for code in CODES:
        value = f"{rng.integers(0, 500)}{decimal}{rng.integers(0, 100):02d}"
        rows.append(f"{code}{separator}{value}")
    return "\n".join(rows) + "\n"


BASE_CSVS = [_key_csv(",", "."), _key_csv(";", ","), _key_csv(";", ".")]


@st.composite
def mutated_key_csvs(draw):
    text = draw(st.sampled_from(BASE_CSVS))
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["delete row", "duplicate row", "replace cell", "text"]))
        lines = lines or [""]
        index = draw(st.integers(0, len(lines) - 1))
        if kind == "delete row" and len(lines) > 1:
            del lines[index]
        elif kind == "duplicate row":
            lines.insert(index, lines[index])
        elif kind == "replace cell":
            separator = ";" if ";" in lines[0] else ","
            cells = lines[index].split(separator)
            cell = draw(st.integers(0, len(cells) - 1))
            cells[cell] = draw(st.one_of(
                st.text(max_size=10), st.sampled_from(["1.234", "0,5", "0.858", "-3", "1e5", "nan", "x" * 200_000,
                                                       "Amsterdam", "GM9999", "GM1992", "", '"'])))
            lines[index] = separator.join(cells)
        else:
            lines = _text_mutation(draw, "\n".join(lines)).splitlines()
    return "\n".join(lines) + "\n"


@settings(max_examples=EXAMPLES or 120, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated_key_csvs(), st.booleans())
def test_a_mutated_key_csv_is_read_or_refused_with_messages(text, missing_as_zero):
    try:
        key = parse_key_csv(text.encode("utf-8"), origin="fuzz.csv", name="fuzz", value_column="aantal",
                            missing_as_zero=missing_as_zero)
    except InputError as exc:
        assert exc.problems and all(p.startswith("fuzz.csv") for p in exc.problems)
        assert len(exc.problems) <= 40, "problems of one kind are summarised, not listed row by row"
        return
    values = key.values.to_numpy()
    assert np.all(np.isfinite(values)) and np.all(values >= 0) and values.sum() > 0
    assert list(key.values.index) == sorted(CODES)


def test_the_fuzzers_base_inputs_are_valid():
    # the mutations start from inputs that work, so a refusal is the mutation's doing
    for stem, text in SHIPPED.items():
        run_scenario(parse_scenario(text, origin=str(SCENARIOS / f"{stem}.yaml"), scenario_id=stem, base_dir=SCENARIOS))
    for text in BASE_CSVS:
        key = parse_key_csv(text.encode(), origin="base.csv", name="k", value_column="aantal")
        assert math.isfinite(float(key.values.sum()))


@pytest.mark.parametrize("value", ["1.234", "12.500"])
def test_a_semicolon_file_whose_dots_could_be_thousands_or_decimals_is_refused(value):
    lines = ["gm_code;aantal"] + [f"{code};{value}" for code in CODES]
    with pytest.raises(InputError, match="can be read as"):
        parse_key_csv("\n".join(lines).encode(), origin="k.csv", name="k", value_column="aantal")
