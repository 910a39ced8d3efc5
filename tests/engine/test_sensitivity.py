"""How sure each amount is: draws of the key data with every rule applied in every draw.
The spreads and the uncertainty blocks written here are FICTITIOUS test settings."""

from __future__ import annotations

import gc
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocation import InputError, parse_scenario, run_scenario
from allocation.analysis.sensitivity import band_csv, band_table
from allocation.engine.bounded import combine_bounds
from allocation.engine.constrained_pot import allocate_constrained_pot
from allocation.scenario.sensitivity import _Runner, run_draws, spread_spec
from tests.conftest import SCENARIOS, shipped
from tests.faces.test_cli import cli

# these tests assert the English wording of the library's messages and outputs
pytestmark = pytest.mark.usefixtures("english")


def published_of(result, pot, year, codes):
    rows = result.published[(result.published["pot"] == pot) & (result.published["year"] == year)]
    return rows.set_index("gm_code")["amount_eur"].reindex(codes).to_numpy()


def test_with_zero_spread_every_draw_equals_the_scenario():
    result = shipped("kamerbrief-2021-floor")
    # a spread on a key no pot uses: nothing moves
    draws = run_draws(result, spread_spec(result, draws=5, seed=1, key_sd={"oppervlakte": 0.5}))
    for (pot, year), values in draws.amounts.items():
        assert (values == published_of(result, pot, year, draws.codes[(pot, year)])[None, :]).all()


@pytest.mark.parametrize("stem", ["kamerbrief-2021", "kamerbrief-2021-floor", "kamerbrief-2021-ingroei"])
def test_every_draw_adds_up_to_each_budget(stem):
    result = shipped(stem)
    draws = run_draws(result, spread_spec(result, draws=300, seed=2,
                                          key_sd={"migratieachtergrond": 0.3, "inwoners": 0.05}))
    for (pot, year), values in draws.amounts.items():
        budget = int(result.allocation[(result.allocation["pot"] == pot) & (result.allocation["year"] == year)]
                     ["amount_eur"].sum())
        kept = values[~draws.refused[(pot, year)]]
        assert (kept.sum(axis=1) == budget).all() and (kept >= 0).all()


def test_every_draw_keeps_every_constraint_and_matches_the_engine_draw_by_draw():
    # the batched solve against the engine itself, draw by draw (an independent path)
    result = shipped("kamerbrief-2021-floor")
    spec = spread_spec(result, draws=40, seed=3, key_sd={"migratieachtergrond": 0.4, "inwoners": 0.1})
    runner = _Runner(result, spec)
    amounts, refused = runner.chunk(np.random.default_rng(3), 40)
    factors, _ = runner.factors(np.random.default_rng(3), 40)  # the same numbers again
    for pot_id, problem in runner.problems.items():
        pot = result.scenario.pots[pot_id]
        shares = runner._shares({k: w for k, w in pot.key.weights.items() if w > 0}, factors, 40)
        for row in range(40):
            engine, _ = allocate_constrained_pot(replace(problem, shares=shares[row]), {})
            batch = np.column_stack([amounts[(pot_id, year)][row] for year in problem.years])
            assert (engine.amounts == batch).all()
            for column, year in enumerate(problem.years):  # every bound holds in every draw
                bounds = combine_bounds(len(runner.codes), *problem.fixed_bounds[year])
                assert (batch[:, column] >= bounds.lower).all() and (batch[:, column] <= bounds.upper).all()


def test_the_chunk_size_does_not_change_any_draw():
    # each draw takes its own numbers from the seeded stream: chunks of 1, 7 and all give the same bands
    result = shipped("kamerbrief-2021-floor")
    spec = spread_spec(result, draws=30, seed=13, key_sd={"migratieachtergrond": 0.3, "inwoners": 0.05},
                       profile_sd=0.1)
    runs = {size: run_draws(result, spec, chunk=size) for size in (1, 7, 30)}
    for pot_year, values in runs[30].amounts.items():
        for size in (1, 7):
            assert (runs[size].amounts[pot_year] == values).all()
            assert (runs[size].refused[pot_year] == runs[30].refused[pot_year]).all()
    bands = {size: band_csv(band_table(result, draws)) for size, draws in runs.items()}
    assert bands[1] == bands[7] == bands[30]
    assert runs[1].one_by_one == runs[30].one_by_one


def test_draws_kept_on_disk_give_the_same_bands_as_draws_in_memory():
    result = shipped("kamerbrief-2021-floor")
    spec = spread_spec(result, draws=120, seed=14, key_sd={"migratieachtergrond": 0.25, "inwoners": 0.01})
    in_memory = run_draws(result, spec)
    on_disk = run_draws(result, spec, chunk=50, memory_bytes=0)
    assert in_memory.amounts.folder is None and on_disk.amounts.folder is not None
    folder = Path(on_disk.amounts.folder.name)
    for pot_year, values in in_memory.amounts.items():
        assert (on_disk.amounts[pot_year] == values).all()
    assert band_csv(band_table(result, on_disk)) == band_csv(band_table(result, in_memory))
    del on_disk
    gc.collect()
    assert not folder.exists()  # the temporary folder goes with the draws


def test_draws_the_disk_cannot_hold_are_refused_before_any_is_made(monkeypatch, tmp_path):
    import shutil

    monkeypatch.setattr(shutil, "disk_usage", lambda where: shutil._ntuple_diskusage(10**12, 10**12 - 10**8, 10**8))
    done = cli("sensitivity", str(SCENARIOS / "kamerbrief-2021.yaml"), "--out", str(tmp_path / "out"), "--draws",
               "100000", "--relative-sd", "migratieachtergrond=0.25")
    assert done.returncode == 2 and "100,000 draws need 1.8 GB of temporary disk space" in done.stderr
    assert not (tmp_path / "out").exists()


PEAK_SCRIPT = """
import resource, sys
from allocation.analysis.sensitivity import band_table
from allocation.scenario.sensitivity import run_draws, spread_spec
from tests.conftest import SCENARIOS
from allocation import load_scenario, run_scenario
result = run_scenario(load_scenario(SCENARIOS / "kamerbrief-2021.yaml"))
spec = spread_spec(result, draws=int(sys.argv[1]), seed=1, key_sd={"migratieachtergrond": 0.25, "inwoners": 0.01})
band_table(result, run_draws(result, spec, memory_bytes=0))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def test_the_memory_of_the_draws_grows_with_the_chunks_not_with_the_draws():
    # 100,000 draws take minutes (benchmarks/bench_sensitivity.py measures their peak): here ten
    # times the draws, each process's peak resident memory, against what the extra draws would take
    import subprocess
    import sys

    peaks = {}
    for count in (500, 5_000):  # one chunk, ten chunks
        done = subprocess.run([sys.executable, "-c", PEAK_SCRIPT, str(count)], capture_output=True, text=True,
                              cwd=Path(__file__).resolve().parents[2], timeout=600)
        assert done.returncode == 0, done.stderr
        peaks[count] = int(done.stdout.split()[-1])
    held = 4_500 * 4_482 * 4  # the extra draws' amounts as int32 (4,482 municipality-years): 81 MB
    assert peaks[5_000] - peaks[500] < held / 4
    assert peaks[5_000] < 2**30


def test_the_bands_are_numpys_inverted_cdf_percentiles_of_the_kept_draws():
    from allocation.analysis.sensitivity import _percentiles

    rng = np.random.default_rng(15)
    for count in (1, 2, 19, 20, 21, 99, 100, 101, 997):
        values = rng.integers(0, 6 if count % 2 else 10**6, (count, 70)).astype(np.int32)  # ties or none
        kept = rng.random(count) < 0.9
        found = _percentiles(values, kept)
        if kept.any():
            expected = np.percentile(values[kept], [5, 50, 95], axis=0, method="inverted_cdf")
            assert (found == expected).all()
        else:
            assert np.isnan(found).all()


def test_a_key_with_weight_zero_has_no_effect():
    text = (SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8").replace(
        "weights: {inwoners: 1.0}\n      assumption: >-\n        The ondertussengroep",
        "weights: {inwoners: 1.0, oppervlakte: 0.0}\n      assumption: >-\n        The ondertussengroep", 1)
    result = run_scenario(parse_scenario(text, origin="w.yaml", scenario_id="w", base_dir=SCENARIOS))
    draws = run_draws(result, spread_spec(result, draws=20, seed=4, key_sd={"oppervlakte": 1.0}))
    for year in range(2021, 2027):
        codes = draws.codes[("ondertussengroep", year)]
        assert (
            draws.amounts[("ondertussengroep", year)] == published_of(result, "ondertussengroep", year, codes)
        ).all()


def test_the_band_widens_with_the_spread():
    result = shipped("kamerbrief-2021")
    widths = []
    for sd in (0.05, 0.15, 0.45):
        table = band_table(result, run_draws(result, spread_spec(result, draws=400, seed=5,
                                                                 key_sd={"migratieachtergrond": sd})))
        elip = table[(table["pot"] == "elip") & (table["year"] == 2022)]
        widths.append(float(elip["band_pct"].median()))
    # the median band grows roughly in proportion (3.3 sd for a log-normal): far beyond noise
    assert widths[0] * 2 < widths[1] and widths[1] * 2 < widths[2]


def test_percentiles_are_in_order_and_the_same_seed_gives_the_same_bytes():
    result = shipped("kamerbrief-2021-ingroei")
    spec = spread_spec(result, draws=250, seed=6, key_sd={"inwoners": 0.1, "migratieachtergrond": 0.2})
    table = band_table(result, run_draws(result, spec))
    assert ((table["p5_eur"] <= table["p50_eur"]) & (table["p50_eur"] <= table["p95_eur"])).all()
    again = band_table(result, run_draws(result, spec))
    assert band_csv(table) == band_csv(again)
    other = band_table(result, run_draws(result, replace(spec, seed=7)))
    assert band_csv(table) != band_csv(other)


def test_a_year_profile_spread_moves_money_between_years_but_keeps_each_pot_total():
    result = shipped("kamerbrief-2021")
    draws = run_draws(result, spread_spec(result, draws=100, seed=8, key_sd={}, profile_sd=0.2))
    per_year = np.column_stack([draws.amounts[("ondertussengroep", y)].sum(axis=1) for y in range(2021, 2027)])
    assert (per_year.sum(axis=1) == 21_000_000).all()
    assert per_year.std(axis=0).min() > 0


def test_draws_that_need_the_joint_programme_are_computed_one_by_one_and_counted():
    # FICTITIOUS: year profiles moved 10% under a transition band and a year band
    result = shipped("kamerbrief-2021-ingroei")
    draws = run_draws(result, spread_spec(result, draws=12, seed=6, key_sd={}, profile_sd=0.1))
    assert draws.one_by_one["ondertussengroep"] > 0
    assert draws.one_by_one["elip"] == draws.one_by_one["invoering"] == 0


def test_infeasible_draws_are_counted_not_dropped_silently():
    # FICTITIOUS: a floor that fits the scenario's year profile exactly, so profile draws break it
    text = (SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8").replace(
        "  elip:\n", "  elip:\n    constraints:\n      minimum:\n        - {eur: 1130, assumption: test}\n", 1)
    result = run_scenario(parse_scenario(text, origin="f.yaml", scenario_id="f", base_dir=SCENARIOS))
    draws = run_draws(result, spread_spec(result, draws=200, seed=9, key_sd={}, profile_sd=0.3))
    refused = draws.refused[("elip", 2026)]
    assert 0 < refused.sum() < 200
    table = band_table(result, draws)
    assert table["p5_eur"].notna().all()


def test_the_uncertainty_block_is_validated_and_labelled():
    base = (SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8")
    text = base + ("uncertainty:\n  draws: 100\n  seed: 11\n  keys:\n"
                   "    migratieachtergrond: {relative_sd: 0.25, assumption: \"proxy for DUO's ELIP counts\"}\n")
    result = run_scenario(parse_scenario(text, origin="u.yaml", scenario_id="u", base_dir=SCENARIOS))
    spec = spread_spec(result)
    assert spec.draws == 100 and spec.seed == 11 and spec.keys == {"migratieachtergrond": 0.25}
    assert spec.provenance["key migratieachtergrond"].startswith("ASSUMPTION")
    with pytest.raises(InputError, match="uncertainty.keys.migratieachtergrond: give a `source:`"):
        parse_scenario(base + "uncertainty:\n  keys:\n    migratieachtergrond: {relative_sd: 0.25}\n",
                       origin="u.yaml", scenario_id="u", base_dir=SCENARIOS)
    with pytest.raises(InputError, match="uncertainty.keys.onbekend: unknown key"):
        parse_scenario(base + "uncertainty:\n  keys:\n    onbekend: {relative_sd: 0.2, assumption: x}\n",
                       origin="u.yaml", scenario_id="u", base_dir=SCENARIOS)


def test_the_sensitivity_command_writes_the_bands(tmp_path):
    done = cli("sensitivity", str(SCENARIOS / "kamerbrief-2021.yaml"), "--out", str(tmp_path), "--draws", "200",
               "--relative-sd", "migratieachtergrond=0.25")
    assert done.returncode == 0, done.stderr
    frame = pd.read_csv(tmp_path / "kamerbrief-2021-sensitivity.csv")
    assert list(frame.columns) == ["pot", "year", "gm_code", "gm_name", "amount_eur", "p5_eur", "p50_eur",
                                   "p95_eur", "band_pct"]
    assert frame.groupby("year")["gm_code"].nunique()[2023] == 342  # payment-year registers, like run
    assert "may move more than +-10%" in done.stdout
    missing = cli("sensitivity", str(SCENARIOS / "kamerbrief-2021.yaml"), "--out", str(tmp_path / "x"))
    assert missing.returncode == 2 and "no spread to draw from" in missing.stderr


def test_a_draw_one_pot_cannot_allocate_is_refused_for_every_pot():
    # FICTITIOUS: an ELIP floor that year profile draws break, under a cap shared with invoering
    text = (SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8").replace(
        "  elip:\n", "  elip:\n    constraints:\n      minimum:\n        - {eur: 8000, years: [2021], assumption: t}\n",
        1) + "cross_pot:\n  - {pots: [elip, invoering], eur: 60000, assumption: test}\n"
    result = run_scenario(parse_scenario(text, origin="c.yaml", scenario_id="c", base_dir=SCENARIOS))
    draws = run_draws(result, spread_spec(result, draws=100, seed=12, key_sd={}, profile_sd=0.3))
    elip, invoering = draws.refused[("elip", 2021)], draws.refused[("invoering", 2021)]
    assert elip.any() and (elip == invoering).all()
    kept = draws.amounts[("invoering", 2021)][~invoering]
    assert kept.max() <= 60_000


def test_the_batched_factor_is_found_far_below_minus_two():
    from allocation.engine.batch import clip_and_rescale_rows
    from allocation.engine.bounded import clip_and_rescale

    offset = np.array([100.0, 100.0, 100.0])
    weight = np.array([[10.0, 20.0, 30.0]])
    lower, upper = np.zeros((1, 3)), np.full((1, 3), np.inf)
    exact, mu, unsettled = clip_and_rescale_rows(offset, weight, lower, upper, np.array([15.0]))
    expected, expected_mu = clip_and_rescale(offset, weight[0], lower[0], upper[0], 15.0)
    assert not unsettled.any() and mu[0] == pytest.approx(expected_mu)
    np.testing.assert_allclose(exact[0], expected, atol=1e-9)


# The batched whole-euro step against the one-draw rounding it stands for, row by row: many ties
# (fractions from small denominators), zero leftovers (whole amounts), all-equal fractions, and rows
# long enough for several buckets of the counting pass. The amounts are FICTITIOUS test values.
@st.composite
def ideal_rows(draw):
    n = draw(st.integers(1, 160))
    rows = draw(st.integers(1, 5))
    kind = draw(st.sampled_from(["ties", "whole", "equal", "any"]))
    totals, ideal = [], []
    for _ in range(rows):
        total = draw(st.integers(0, 10**7))
        if kind == "ties":
            weights = np.array(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)), dtype=float)
        elif kind == "whole":  # every amount whole: nothing left over
            weights = np.array(draw(st.lists(st.integers(0, 50), min_size=n, max_size=n)), dtype=float)
            total = int(weights.sum())
        elif kind == "equal":
            weights = np.ones(n)
        else:
            weights = np.array(draw(st.lists(st.floats(0, 1e6), min_size=n, max_size=n)))
        if not weights.sum() > 0:
            weights = np.ones(n)
        totals.append(total)
        ideal.append(weights if kind == "whole" else weights / weights.sum() * total)
    return np.array(ideal), np.array(totals, dtype=np.int64)


@settings(max_examples=150, deadline=None)
@given(case=ideal_rows())
def test_batched_largest_remainder_equals_rounding_each_draw_alone(case):
    from allocation.engine.batch import largest_remainder_rows
    from allocation.engine.rounding import largest_remainder

    ideal, totals = case
    amounts, unsettled = largest_remainder_rows(ideal, totals)
    codes = [f"GM{i:04d}" for i in range(ideal.shape[1])]
    for row in np.flatnonzero(~unsettled):
        assert (amounts[row] == largest_remainder(ideal[row], int(totals[row]), codes)).all()
    assert (amounts[~unsettled].sum(axis=1) == totals[~unsettled]).all()


@st.composite
def bounded_rows(draw):
    n = draw(st.integers(1, 160))
    rows = draw(st.integers(1, 5))
    q = draw(st.sampled_from([1, 2, 3, 4, 7, 1000]))  # small q: many equal fractions
    lower = np.array(draw(st.lists(st.integers(0, 20), min_size=n, max_size=n)), dtype=float)
    room = np.array(draw(st.lists(st.integers(0, 3) | st.none(), min_size=n, max_size=n)), dtype=object)
    upper = np.array([lo + r if r is not None else np.inf for lo, r in zip(lower, room)], dtype=float)
    exact, totals = [], []
    for _ in range(rows):
        steps = np.array(draw(st.lists(st.integers(0, 3 * q), min_size=n, max_size=n)))
        steps = np.minimum(steps, np.minimum(upper - lower, 3) * q).astype(np.int64)  # within the bounds
        steps[-1] -= steps.sum() % q  # the row adds up to whole euros
        exact.append(lower + steps / q)
        totals.append(int(lower.sum()) + int(steps.sum()) // q)
    rows_lower = np.broadcast_to(lower, (rows, n))
    return np.array(exact), rows_lower, np.broadcast_to(upper, (rows, n)), np.array(totals, dtype=np.int64)


@settings(max_examples=100, deadline=None)
@given(case=bounded_rows())
def test_batched_rounding_within_bounds_equals_rounding_each_draw_alone(case):
    from allocation.engine.batch import round_within_bounds_rows
    from allocation.engine.bounded import round_within_bounds

    exact, lower, upper, totals = case
    amounts, unsettled = round_within_bounds_rows(exact, lower, upper, totals)
    codes = [f"GM{i:04d}" for i in range(exact.shape[1])]
    for row in np.flatnonzero(~unsettled):
        alone = round_within_bounds(exact[row], lower[row], upper[row], int(totals[row]), codes)
        assert (amounts[row] == alone).all()
        assert amounts[row].sum() == totals[row] and (amounts[row] >= lower[row]).all()
        assert (amounts[row] <= upper[row]).all()
