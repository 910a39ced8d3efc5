"""The meicirculaire workbook recomputes itself: its formulas, recalculated by a real spreadsheet
program, give the numbers the product computed (README, "Zelf narekenen").

LibreOffice headless opens every shipped scenario's xlsx and ODS with recalculation on load
forced (a profile of the test's own whose settings say "always recalculate"), in one run,
and saves them again; every cell read back must equal the value the product cached, the pot
sheets and the calculation sheets must equal the long table, and every check cell must be
true. A copy with one cached value made wrong proves that the profile really recalculates.

The rounding the formulas spell out (largest remainder: the floor, one euro more for the
largest fractions within the euros left over, ties by the lower CBS number) is checked against
the engine's rounding with exact fractions, on ties and bounds.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import random
import re
import subprocess
import zipfile
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from allocation.engine.bounded import round_within_bounds
from allocation.engine.rounding import largest_remainder
from allocation.publish.meicirculaire import meicirculaire_files
from allocation.scenario.result import published_table
from tests.conftest import SCENARIOS, shipped

FIXED_DATE = dt.date(2026, 5, 31)
STEMS = sorted(path.stem for path in SCENARIOS.glob("*.yaml"))
#: The registry settings that make LibreOffice recalculate every formula when it loads a file
#: (0: always), for xlsx (OOXML) and ODS.
RECALCULATE_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""
#: The wrong cached value put in the copies: the first pot's first total of a row.
WRONG = 7


def _rows(content: bytes) -> dict[str, list[list[object]]]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def _with_wrong_total(content: bytes, suffix: str) -> bytes:
    """The workbook with the cached value of the first row total of the first sheet set to :data:`WRONG`."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    part = "xl/worksheets/sheet1.xml" if suffix == ".xlsx" else "content.xml"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == part:
                text = data.decode()
                if suffix == ".xlsx":
                    changed = re.sub(r"(<f>SUM\(E2:[A-Z]+2\)</f><v>)\d+", rf"\g<1>{WRONG}", text, count=1)
                else:
                    changed = re.sub(r'(table:formula="of:=SUM\(\[\.E2:\.[A-Z]+2\]\)"[^>]*office:value=")\d+"',
                                     rf'\g<1>{WRONG}"', text, count=1)
                assert changed != text
                data = changed.encode()
            target.writestr(info, data, compress_type=zipfile.ZIP_STORED if info.filename == "mimetype"
                            else zipfile.ZIP_DEFLATED)
    return out.getvalue()


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory, soffice: str) -> dict[str, tuple[bytes, bytes]]:
    """name -> (the file as written, the file as LibreOffice saved it after recalculating), for
    ``x-<stem>`` (xlsx) and ``o-<stem>`` (ODS) of every shipped scenario and the two wrong copies."""
    base = tmp_path_factory.mktemp("recalculation")
    profile = base / "profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALCULATE_ALWAYS, encoding="utf-8")
    written: dict[str, bytes] = {}
    for stem in STEMS:
        files = meicirculaire_files(shipped(stem), ("xlsx", "ods"), FIXED_DATE)
        written[f"x-{stem}.xlsx"], written[f"o-{stem}.ods"] = files["xlsx"], files["ods"]
    written["wrong-x.xlsx"] = _with_wrong_total(written["x-kamerbrief-2021.xlsx"], ".xlsx")
    written["wrong-o.ods"] = _with_wrong_total(written["o-kamerbrief-2021.ods"], ".ods")
    (base / "in").mkdir()
    for name, content in written.items():
        (base / "in" / name).write_bytes(content)
    done = subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "ods",
                           "--outdir", str(base / "out"), *sorted(str(p) for p in (base / "in").iterdir())],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return {Path(name).stem: (content, (base / "out" / f"{Path(name).stem}.ods").read_bytes())
            for name, content in written.items()}


def _same(cached: object, recomputed: object) -> bool:
    """A recalculated cell equals the cached one: whole numbers and texts exactly, other numbers
    up to floating-point noise (a spreadsheet adds in another order)."""
    if isinstance(cached, float) and isinstance(recomputed, (int, float)) and not isinstance(recomputed, bool):
        if cached.is_integer():
            return recomputed == cached
        return abs(recomputed - cached) <= 1e-9 + 1e-12 * abs(cached)
    return cached == recomputed


def _formula_count(content: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        if "content.xml" in archive.namelist():
            return archive.read("content.xml").decode().count("table:formula=")
        return sum(archive.read(name).decode().count("<f>") for name in archive.namelist()
                   if name.startswith("xl/worksheets/sheet"))


@pytest.mark.parametrize("stem", STEMS)
@pytest.mark.parametrize("kind", ["x", "o"], ids=["xlsx", "ods"])
def test_every_recalculated_cell_equals_the_cached_value_and_the_long_table(recalculated, stem, kind):
    written, saved = recalculated[f"{kind}-{stem}"]
    assert _formula_count(written) > 10000  # the amounts, the rounding, the shares and the totals
    cached, recomputed = _rows(written), _rows(saved)
    assert list(recomputed) == list(cached)
    for name, rows in cached.items():
        assert len(recomputed[name]) == len(rows), name
        for r, (row, again) in enumerate(zip(rows, recomputed[name]), start=1):
            for c, (value, value_again) in enumerate(zip(row, again), start=1):
                assert _same(value, value_again), (name, r, c, value, value_again)
    result = shipped(stem)
    published = published_table(result)
    for pot_id in result.scenario.pots:  # the pot sheets: the long CSV, every total the sum of its rows
        rows = recomputed[pot_id]
        header = [str(h) for h in rows[0]]
        for year in sorted(published.loc[published["pot"] == pot_id, "year"].unique()):
            at = header.index(str(year))
            expected = published[(published["pot"] == pot_id) & (published["year"] == year)]
            shown = {row[0]: row[at] for row in rows[1:-1] if row[at] != ""}
            assert shown == dict(zip(expected["gm_code"], expected["amount_eur"].astype(float))), (pot_id, year)
            assert rows[-1][at] == expected["amount_eur"].sum()
    calculation = [name for name in recomputed if name.startswith("Berekening ")]
    assert len(calculation) == len(result.scenario.pots)
    allocation = result.allocation
    for name, pot_id in zip(calculation, result.scenario.pots):  # the key register's whole euros and the checks
        rows = recomputed[name]
        header = [str(h) for h in rows[0]]
        codes = [row[0] for row in rows[1:] if str(row[0]).startswith("GM")]
        for year in result.pots[pot_id].years:
            at = header.index(f"Euro {year}")
            expected = allocation[(allocation["pot"] == pot_id) & (allocation["year"] == year)]
            assert dict(zip(codes, (row[at] for row in rows[1:]))) == dict(
                zip(expected["gm_code"], expected["amount_eur"].astype(float))), (pot_id, year)
            assert rows[-1][2].startswith("Controle") and rows[-1][at] is True, (pot_id, year)


@pytest.mark.parametrize("kind", ["x", "o"], ids=["xlsx", "ods"])
def test_the_profile_really_recalculates_a_wrong_cached_value(recalculated, kind):
    written, saved = recalculated[f"wrong-{kind}"]
    first = next(iter(_rows(written)))
    assert _rows(written)[first][1][-1] == WRONG
    assert _rows(saved)[first][1][-1] == _rows(recalculated[f"{kind}-kamerbrief-2021"][0])[first][1][-1] != WRONG


# --- the formulas' rounding against the engine's, with exact fractions ----------------------


def spreadsheet_rounding(exact: list[Fraction], numbers: list[int], budget: int,
                         lower: list[int] | None = None, upper: list[float] | None = None) -> list[int]:
    """The whole euros as the calculation sheet's formulas compute them, in exact fractions:
    basis ``INT(x)`` (within bounds: ``MIN(MAX(INT(x), minimum), maximum)``), rest ``x - basis``
    (-1 where the maximum takes no euro more), rank ``SUMPRODUCT((rest > r) + (rest = r) *
    (number < n)) + 1``, euros ``basis + IF(rank <= budget - SUM(basis), 1, 0)``."""
    n = len(exact)
    lower = lower or [0] * n
    upper = upper or [float("inf")] * n
    basis = [min(max(x.numerator // x.denominator, lo), hi) for x, lo, hi in zip(exact, lower, upper)]
    rest = [max(x - b, Fraction(0)) if b + 1 <= hi else Fraction(-1) for x, b, hi in zip(exact, basis, upper)]
    rank = [sum((rest[j] > rest[i]) + (rest[j] == rest[i]) * (numbers[j] < numbers[i]) for j in range(n)) + 1
            for i in range(n)]
    leftover = budget - sum(basis)
    return [int(b + (k <= leftover)) for b, k in zip(basis, rank)]


def _codes(numbers: list[int]) -> list[str]:
    return [f"GM{number:04d}" for number in numbers]


@pytest.mark.parametrize("exact, budget", [
    ([Fraction(100, 3)] * 3, 100),  # three equal fractions, one euro left: the lowest code
    ([Fraction(1, 2)] * 4, 2),  # halves: two of four by code
    ([Fraction(5, 2), Fraction(5, 2), Fraction(3, 1), Fraction(1, 1)], 9),  # a tie with whole amounts beside it
    ([Fraction(0)] * 3 + [Fraction(7)], 7),  # nothing left over
    ([Fraction(1, 4), Fraction(1, 4), Fraction(1, 4), Fraction(1, 4)], 1),
])
def test_largest_remainder_in_formulas_equals_the_engine_on_ties(exact, budget):
    for numbers in itertools.permutations([363, 14, 1680, 599][: len(exact)]):
        codes = _codes(list(numbers))
        engine = largest_remainder(np.array([float(x) for x in exact]), budget, codes)
        assert spreadsheet_rounding(exact, list(numbers), budget) == engine.tolist(), numbers


def test_largest_remainder_in_formulas_equals_the_engine_on_many_tied_draws():
    draw = random.Random(20)
    for _ in range(300):
        n = draw.randint(2, 9)
        quarters = [draw.randint(0, 40) for _ in range(n)]  # quarters of a euro: many equal fractions
        total = sum(quarters)
        if total % 4:
            quarters[0] += 4 - total % 4
        exact = [Fraction(q, 4) for q in quarters]
        budget = int(sum(exact))
        numbers = draw.sample(range(1, 2000), n)
        engine = largest_remainder(np.array([float(x) for x in exact]), budget, _codes(numbers))
        assert spreadsheet_rounding(exact, numbers, budget) == engine.tolist()


def test_rounding_within_bounds_in_formulas_equals_the_engine():
    draw = random.Random(21)
    for _ in range(300):
        n = draw.randint(2, 8)
        exact = [Fraction(draw.randint(0, 80), 4) for _ in range(n)]
        total = sum(exact)
        exact[0] += Fraction(4 - (total * 4) % 4, 4) if (total * 4) % 4 else 0
        budget = int(sum(exact))
        # bounds that the exact amounts keep: some sit on their maximum or minimum
        lower = [int(x) if draw.random() < 0.3 else 0 for x in exact]
        upper = [float(-(-x.numerator // x.denominator)) if draw.random() < 0.3 else float("inf") for x in exact]
        upper = [float(x) if draw.random() < 0.2 and x.denominator == 1 else hi for x, hi in zip(exact, upper)]
        numbers = draw.sample(range(1, 2000), n)
        engine = round_within_bounds(np.array([float(x) for x in exact]), np.array(lower, float), np.array(upper),
                                     budget, _codes(numbers))
        assert spreadsheet_rounding(exact, numbers, budget, lower, upper) == engine.tolist()


# --- where the formulas stop: values with a note that says why -------------------------------


def _workbook(data: dict):
    import openpyxl
    import yaml

    from allocation import parse_scenario, run_scenario

    result = run_scenario(parse_scenario(yaml.safe_dump(data), origin=str(SCENARIOS / "t.yaml"), scenario_id="t",
                                         base_dir=SCENARIOS))
    content = meicirculaire_files(result, ("xlsx",), FIXED_DATE)["xlsx"]
    return result, openpyxl.load_workbook(io.BytesIO(content))


def _base() -> dict:
    import yaml

    return yaml.safe_load((SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8"))


TEST = {"assumption": "fictitious test setting"}


def _year_columns(sheet, year: int) -> tuple[int, int]:
    header = [cell.value for cell in sheet[1]]
    return header.index(f"Exact {year}") + 1, header.index(f"Euro {year}") + 1


def test_a_pot_allocated_jointly_keeps_values_with_a_note_that_says_why():
    data = _base()  # FICTITIOUS: a floor in 2026 that a year band of +10% cannot reach year by year
    data["pots"]["ondertussengroep"]["constraints"] = {"minimum": [{"eur": 5000, "years": [2026], **TEST}],
                                                      "year_band": {"max_increase_pct": 10, **TEST}}
    result, book = _workbook(data)
    assert result.constrained["ondertussengroep"].joint
    sheet = book["Berekening ondertussengroep"]
    exact, euro = _year_columns(sheet, 2026)
    amounts = dict(zip(*(result.allocation.query("pot == 'ondertussengroep' and year == 2026")[c]
                         for c in ("gm_code", "amount_eur"))))
    for row in sheet.iter_rows(min_row=2, max_row=353):
        assert row[euro - 1].data_type == "n" and row[exact - 1].data_type == "n"  # values, not formulas
        assert row[euro - 1].value == amounts[row[0].value]
    notes = [row[3] for row in book["Rekenparameters"].iter_rows(values_only=True) if row[2] == "Formules"]
    assert notes and all("over alle betaaljaren samen verdeeld" in note for note in notes)
    other = book["Berekening elip"]  # the other pots keep their formulas
    assert str(other.cell(2, _year_columns(other, 2021)[1]).value).startswith("=")


def test_a_year_with_a_group_limit_keeps_values_with_a_note():
    data = _base()  # FICTITIOUS: Drenthe at least 5% of every ELIP year
    data["pots"]["elip"]["constraints"] = {"groups": [{"name": "Drenthe", "province": "PV22", "min_share": 0.05,
                                                       **TEST}]}
    _result, book = _workbook(data)
    notes = {row[1]: row[3] for row in book["Rekenparameters"].iter_rows(values_only=True)
             if row[0] == "elip" and row[2] == "Formules"}
    assert set(notes) == set(range(2021, 2027)) and all("groepsgrens" in note for note in notes.values())


def test_a_bounded_pot_has_the_closed_form_with_its_factor_and_bounds():
    import openpyxl

    result = shipped("kamerbrief-2021-floor")
    book = openpyxl.load_workbook(io.BytesIO(meicirculaire_files(result, ("xlsx",), FIXED_DATE)["xlsx"]))
    sheet = book["Berekening elip"]
    exact, _euro = _year_columns(sheet, 2021)
    formula = sheet.cell(2, exact).value
    assert formula.startswith("=MAX(Vast_elip+Factor_elip_2021*(D2*(Budget_elip_2021-Aantal_gemeenten*Vast_elip))")
    assert formula.endswith(",2500)")
    factors = {row[4]: row[3] for row in book["Rekenparameters"].iter_rows(values_only=True)
               if str(row[4]).startswith("Factor_elip_")}
    assert factors["Factor_elip_2021"] == pytest.approx(result.constrained["elip"].scales[2021])
