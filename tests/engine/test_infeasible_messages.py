"""Infeasible constraints: every failing payment year gets its message, and one line names the
minimum (or maximum) that would fit every year.

The constraint settings here (an ELIP minimum of € 6,000 per municipality in every year, a
maximum of € 100, a year band, a small made-up pot) are FICTITIOUS test settings.
"""

from __future__ import annotations

import copy
import re

import numpy as np
import pytest
import yaml

from allocation.common.errors import InfeasibleError
from allocation.engine import constrained_pot
from allocation.engine.bands import BandLimits
from allocation.engine.constrained_pot import PotProblem, allocate_constrained_pot
from allocation.engine.fits import AdjustableBound, years_text
from allocation.engine.groups import GroupRule
from allocation.scenario.build import build
from allocation.scenario.edits import set_bound
from tests.conftest import SCENARIOS

pytestmark = pytest.mark.usefixtures("english")  # asserts the English wording of messages

FLOOR = yaml.safe_load((SCENARIOS / "kamerbrief-2021-floor.yaml").read_text(encoding="utf-8"))
BASE = yaml.safe_load((SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8"))
TEST = {"assumption": "fictitious test setting"}
ELIP = "ELIP (Einde Lening nog Inburgeringsplichtig)"


def with_bound(data: dict, which: str, value: float, unit: str = "eur") -> dict:
    """The scenario with the ELIP pot's first minimum or maximum at ``value`` in every payment year."""
    data = set_bound(data, "elip", which, value, unit)
    data["pots"]["elip"]["constraints"][which][0].pop("years", None)
    return data


def problems_of(data: dict) -> list[str]:
    with pytest.raises(InfeasibleError) as info:
        build(data, origin="t.yaml", scenario_id="t", base_dir=SCENARIOS)
    return [p.removeprefix("t.yaml: pots.elip: ") for p in info.value.problems]


def runs(data: dict) -> bool:
    try:
        build(data, origin="t.yaml", scenario_id="t", base_dir=SCENARIOS)
    except InfeasibleError:
        return False
    return True


def named_value(problems: list[str], pattern: str) -> str:
    found = [m.group(1) for p in problems if (m := re.fullmatch(pattern, p))]
    assert len(found) == 1, problems
    return found[0]


def test_an_infeasible_minimum_names_every_failing_year():
    problems = problems_of(with_bound(FLOOR, "minimum", 6000))
    budgets = {2023: 1_649_000, 2024: 840_000, 2025: 600_000, 2026: 400_000}
    for year, budget in budgets.items():
        assert (f"{ELIP} {year}: a minimum of € 6,000 for 352 municipalities needs € 2,112,000; the budget is "
                f"€ {budget:,} (short € {2_112_000 - budget:,})") in problems
    assert not any(f"{ELIP} 2021" in p or f"{ELIP} 2022" in p for p in problems)  # those years can pay it


def test_the_minimum_that_fits_every_year_is_the_largest_that_fits():
    problems = problems_of(with_bound(FLOOR, "minimum", 6000))
    value = named_value(problems, rf"{re.escape(ELIP)}: a minimum of at most € ([\d,]+) per municipality fits "
                                  r"every year \(2021-2026\)")
    fits = int(value.replace(",", ""))
    assert fits == 400_000 // 352  # the smallest budget, 2026, over its 352 municipalities
    assert runs(with_bound(FLOOR, "minimum", fits))
    assert not runs(with_bound(FLOOR, "minimum", fits + 1))


def test_a_per_inhabitant_minimum_that_fits_is_named_to_the_cent():
    problems = problems_of(with_bound(BASE, "minimum", 0.5, "eur_per_inhabitant"))
    value = named_value(problems, rf"{re.escape(ELIP)}: a minimum of at most € (\d+\.\d\d) per inhabitant fits "
                                  r"every year \(2021-2026\)")
    cents = round(float(value) * 100)
    assert cents > 0
    assert runs(with_bound(BASE, "minimum", cents / 100, "eur_per_inhabitant"))
    assert not runs(with_bound(BASE, "minimum", (cents + 1) / 100, "eur_per_inhabitant"))


def test_the_maximum_that_fits_every_year_is_the_smallest_that_fits():
    problems = problems_of(with_bound(BASE, "maximum", 100))
    assert sum(f"{ELIP} {year}: the maximums (a maximum of € 100)" in p for p in problems for year in
               range(2021, 2027)) == 6
    value = named_value(problems, rf"{re.escape(ELIP)}: a maximum of at least € ([\d,]+) per municipality fits "
                                  r"every year \(2021-2026\)")
    fits = int(value.replace(",", ""))
    assert runs(with_bound(BASE, "maximum", fits))
    assert not runs(with_bound(BASE, "maximum", fits - 1))


def test_a_minimum_of_some_years_fits_those_years():
    data = copy.deepcopy(BASE)
    data["pots"]["elip"]["constraints"] = {"minimum": [{"eur": 3000, "years": [2023, 2025], **TEST}]}
    problems = problems_of(data)
    assert [p for p in problems if "needs" in p] == [
        f"{ELIP} 2025: a minimum of € 3,000 for 352 municipalities needs € 1,056,000; the budget is "
        "€ 600,000 (short € 456,000)"
    ]
    assert f"{ELIP}: a minimum of at most € {600_000 // 352:,} per municipality fits every year (2023, 2025)" \
        in problems


def test_no_value_is_named_when_several_minimums_cause_the_conflict():
    data = copy.deepcopy(BASE)
    data["pots"]["elip"]["constraints"] = {
        "minimum": [{"eur": 3000, **TEST}, {"eur_per_inhabitant": 0.1, **TEST}]
    }
    problems = problems_of(data)
    assert len([p for p in problems if "the minimums (" in p]) == 4  # 2023-2026
    assert not any(" fits " in p for p in problems)


def test_no_minimum_is_named_when_the_minimum_is_not_the_cause():
    data = copy.deepcopy(BASE)
    data["pots"]["elip"]["constraints"] = {"minimum": [{"eur": 50, **TEST}], "maximum": [{"eur": 100, **TEST}]}
    problems = problems_of(data)
    assert not any("a minimum of at most" in p for p in problems)
    assert any("a maximum of at least" in p for p in problems)


def test_with_a_year_band_later_years_are_checked_on_their_own_constraints():
    data = copy.deepcopy(BASE)
    data["pots"]["elip"]["constraints"] = {
        "minimum": [{"eur": 3000, **TEST}], "year_band": {"max_decrease_pct": 60, **TEST},
    }
    problems = problems_of(data)
    # 2024 fails with the band around 2023; 2025 and 2026 fail on their own minimum, without the band
    assert any(p.startswith(f"{ELIP} 2024: the minimums (a minimum of € 3,000; the year band") for p in problems)
    for year, budget in ((2025, 600_000), (2026, 400_000)):
        assert (f"{ELIP} {year}: a minimum of € 3,000 for 352 municipalities needs € 1,056,000; the budget is "
                f"€ {budget:,} (short € {1_056_000 - budget:,})") in problems
    assert not any(f"{ELIP} {year}" in p and "year band" in p for p in problems for year in (2025, 2026))
    assert any("even solved jointly over all payment years" in p for p in problems)


def _banded_pot(floor: int) -> PotProblem:
    """Four municipalities, two years; the first two may get € 1,000 together in 2021 and at most
    10% more each the year after, so a 2022 minimum above € 550 cannot hold (statically € 1,000 could)."""
    codes = ("GM0001", "GM0002", "GM0003", "GM0004")
    per, label = np.ones(4), f"a minimum of € {floor}"
    return PotProblem(
        pot_id="p", label="P", codes=codes, names=codes, shares=np.full(4, 0.25), budgets={2021: 4000, 2022: 4000},
        fixed_bounds={2021: ([], []), 2022: ([(label, floor * per)], [])},
        year_band=BandLimits(None, 10),
        groups=(GroupRule("north", np.array([True, True, False, False]), max_eur=1000, years=frozenset([2021])),),
        adjustable=(AdjustableBound("minimum", label, floor, per, False, (2022,)),),
    )


def test_with_a_year_band_the_minimum_named_allocates_the_whole_pot():
    with pytest.raises(InfeasibleError) as info:
        allocate_constrained_pot(_banded_pot(1000), {})
    assert info.value.problems[-1] == "P: a minimum of at most € 550 per municipality fits 2022"
    allocate_constrained_pot(_banded_pot(550), {})
    with pytest.raises(InfeasibleError):
        allocate_constrained_pot(_banded_pot(551), {}, explain=False)


def test_the_draws_do_not_search_for_what_fits(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("searched for what fits with explain=False")

    monkeypatch.setattr(constrained_pot, "_what_fits", refuse)
    with pytest.raises(InfeasibleError) as info:
        allocate_constrained_pot(_banded_pot(1000), {}, explain=False)
    assert not any(" fits " in p for p in info.value.problems)


def test_years_are_written_as_a_range_a_list_or_one_year():
    assert years_text((2021, 2022, 2023)) == "every year (2021-2023)"
    assert years_text((2023, 2025)) == "every year (2023, 2025)"
    assert years_text((2026,)) == "2026"
