"""`fit`: which key made this table? Known mixes, vast bedragen and profiles are recovered.

Every mix, vast bedrag, profile, noise and user key made up here is FICTITIOUS (test data,
not published figures); the key shares are the built-in keys' real shares.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import least_squares, lsq_linear

from allocation.analysis.fit import fit_table
from allocation.common.errors import InputError
from allocation.data.keys import Key, builtin_keys
from allocation.data.published_table import read_published_table
from allocation.engine.key_fit import exact_shares, fit_key, solve_nonnegative
from allocation.engine.rounding import apportion
from allocation.publish.circular_tables import allocation_csv
from allocation.scenario.loading import parse_scenario, scenario_data, to_yaml
from allocation.scenario.running import run_scenario
from tests.conftest import SCENARIOS, shipped
from tests.faces.test_cli import cli

pytestmark = pytest.mark.usefixtures("english")  # asserts the English wording of messages

KEYS = ["inwoners", "vast_bedrag", "migratieachtergrond", "oppervlakte"]


def _shares() -> np.ndarray:
    keys = builtin_keys()
    values = np.column_stack([keys[k].values.sort_index().to_numpy(float) for k in KEYS])
    return values / values.sum(axis=0)


def _model(weights, vast, budgets, shares=None):
    """Exact (unrounded) amounts of a fictitious pot on the 352 municipalities, year by year."""
    shares = _shares() if shares is None else shares
    n = len(shares)
    variable = np.asarray(budgets, float) - vast * n
    amounts = vast + np.outer(shares @ np.asarray(weights, float), variable)  # (n, years)
    year = np.repeat(np.arange(len(budgets)), n)
    return np.tile(shares, (len(budgets), 1)), np.ones(n * len(budgets)), year, amounts.T.reshape(-1)


@pytest.mark.parametrize("seed", range(6))
def test_a_known_mix_vast_bedrag_and_profile_are_recovered_to_1e_6(seed):
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.ones(4)) * (rng.random(4) > 0.3)
    weights = weights / weights.sum() if weights.sum() > 0 else np.array([1.0, 0, 0, 0])
    vast = float(rng.integers(0, 5000)) if seed % 2 else 0.0
    budgets = rng.uniform(2e6, 2e7, size=int(rng.integers(1, 7)))
    used = [0, 2, 3] if seed % 2 else [0, 1, 2, 3]  # a vast bedrag and the key vast_bedrag: see below
    if seed % 2:
        weights[[0, 2, 3]] += weights[1] / 3
        weights[1] = 0.0
    shares, counts, year, amounts = _model(weights, vast, budgets)
    fit = fit_key(shares[:, used], counts, year, amounts, years=len(budgets), municipalities=352,
                  vast=bool(seed % 2))
    assert np.abs(fit.weights - weights[used]).max() < 1e-6
    assert fit.vast == vast
    assert np.abs(fit.budget - budgets).max() < 1e-6 * budgets.max()
    assert fit.weight_identifiable.all()


def test_in_one_year_a_vast_bedrag_and_the_key_vast_bedrag_are_not_identifiable():
    shares, counts, year, amounts = _model([0.5, 0.2, 0.3, 0.0], 1000.0, [5e6])
    fit = fit_key(shares, counts, year, amounts, years=1, municipalities=352, vast=True)
    assert not fit.vast_identifiable and not fit.weight_identifiable[1]
    assert fit.budget_identifiable.all()  # but the year's national amount is


def test_shipped_mixes_are_recovered_to_1e_6_from_their_whole_euro_tables():
    """The shipped variant's keys (50/50 inwoners/migratieachtergrond; the invoering pot with
    its EUR 5,000 vast bedrag) with budgets scaled to EUR 60 bn (FICTITIOUS) so that whole
    euros hide nothing: the table that `run` writes gives back the mix."""
    data = scenario_data((SCENARIOS / "variant-migratie.yaml").read_text(encoding="utf-8"))
    data["pots"]["ondertussengroep"]["budget"]["amount_eur"] = 60_000_000_000
    data["pots"]["invoering"]["budget"]["amount_eur"] = 9_000_000_000
    data["pots"]["invoering"]["years"] = {"euros": {2021: 9_000_000_000}, "assumption": "FICTITIOUS test budget"}
    del data["pots"]["elip"]
    result = run_scenario(parse_scenario(to_yaml(data), origin="scaled.yaml", scenario_id="scaled"))
    table = result.published.drop(columns="gm_name")
    fit = fit_table(table, "scaled.csv", pot="ondertussengroep")
    weights = fit.weights.set_index("key")["weight"]
    assert abs(weights["inwoners"] - 0.5) < 1e-6 and abs(weights["migratieachtergrond"] - 0.5) < 1e-6
    assert weights.drop(["inwoners", "migratieachtergrond"]).max() < 1e-6
    assert fit.profile["budget_eur"].tolist() == [10_000_000_000] * 6
    assert fit.level == "exact" and fit.quality["max_abs_eur"] <= 1
    vast = fit_table(table, "scaled.csv", pot="invoering", vast=True)
    assert vast.vast_bedrag_eur == 5000
    found = vast.weights.set_index("key")["weight"]
    assert abs(found["inwoners"] - 0.5) < 1e-6 and abs(found["migratieachtergrond"] - 0.5) < 1e-6


@pytest.mark.parametrize("stem,pot,truth", [
    ("kamerbrief-2021", "elip", {"migratieachtergrond": 1.0}),
    ("variant-migratie", "ondertussengroep", {"inwoners": 0.5, "migratieachtergrond": 0.5}),
    ("variant-inwoners", "elip", {"inwoners": 1.0}),
])
def test_shipped_tables_at_their_own_budgets_give_the_mix_within_the_stated_ranges(stem, pot, truth):
    table = shipped(stem).published.drop(columns="gm_name")
    fit = fit_table(table, f"{stem}-allocation.csv", pot=pot)
    for row in fit.weights.itertuples(index=False):
        assert row.low <= truth.get(row.key, 0.0) <= row.high, row
        assert row.identifiable
    assert fit.level == "exact"
    assert (fit.points["difference_eur"].abs() <= 2).all()


def test_with_rounding_and_noise_of_known_size_the_truth_lies_within_the_ranges():
    """The ranges are +- 3 standard errors of the linearised fit (about 99.7% under normal
    noise): over 20 tables with noise of 40 euros, at least 97% of the 160 true values
    (weights, vast bedrag, national amounts) lie within their stated ranges, and the noise's
    size is found back."""
    weights = np.array([0.3, 0.1, 0.6, 0.0])
    budgets = np.array([3e6, 5e6, 2e6])
    shares, counts, year, amounts = _model(weights, 1500.0, budgets)
    inside, checks = 0, 0
    for seed in range(20):
        rng = np.random.default_rng(100 + seed)
        noisy = np.round(amounts + rng.normal(0, 40.0, len(amounts)))
        fit = fit_key(shares, counts, year, noisy, years=3, municipalities=352, vast=True)
        inside += int(((fit.weights_low <= weights) & (weights <= fit.weights_high)).sum())
        inside += int(fit.vast_low <= 1500 <= fit.vast_high)
        inside += int(((fit.budget_low <= budgets) & (budgets <= fit.budget_high)).sum())
        checks += 8
        assert 30 < fit.sigma < 50  # the noise's size, found back
        assert (fit.weights_high - fit.weights_low).max() < 0.05  # and the ranges are informative
        assert fit.weight_identifiable.all()
    assert inside >= 0.97 * checks


def test_least_squares_agree_with_an_independent_solver():
    """The relaxed step (NNLS) against scipy's bounded least squares (another algorithm); the
    one-mix fit against a general nonlinear least-squares polish started from it."""
    rng = np.random.default_rng(7)
    shares, counts, year, amounts = _model([0.4, 0.2, 0.4, 0.0], 0.0, [4e6, 6e6])
    noisy = np.round(amounts + rng.normal(0, 200.0, len(amounts)))
    design = np.column_stack([shares[:, k] * (year == y) for k in range(4) for y in range(2)])
    ours = solve_nonnegative(design, noisy)
    scale = np.sqrt((design**2).sum(axis=0))
    reference = lsq_linear(design / scale, noisy, bounds=(0, np.inf), tol=1e-14, lsmr_tol="auto").x / scale
    assert np.abs(ours - reference).max() < 1e-6 * np.abs(reference).max()

    fit = fit_key(shares, counts, year, noisy, years=2, municipalities=352)

    def residual(theta):  # F_y and the weights w = u / sum(u): the model of the module docstring
        u = np.abs(theta[2:])
        return theta[:2][year] * (shares @ (u / u.sum())) - noisy

    start = np.concatenate([fit.variable, fit.weights + 1e-9])
    polished = least_squares(residual, start, xtol=1e-15, ftol=1e-15, gtol=1e-15)
    assert fit.objective <= 2 * polished.cost * (1 + 1e-9) + 1e-6  # nothing better nearby


def test_least_absolute_deviations_resist_an_outlier():
    shares, counts, year, amounts = _model([0.5, 0.0, 0.5, 0.0], 0.0, [5e6])
    spoiled = np.round(amounts)
    spoiled[10] += 2_000_000  # one municipality's amount mistyped
    plain = fit_key(shares, counts, year, spoiled, years=1, municipalities=352)
    robust = fit_key(shares, counts, year, spoiled, years=1, municipalities=352, robust=True)
    assert np.abs(robust.weights - [0.5, 0, 0.5, 0]).max() < 1e-3
    assert np.abs(plain.weights - [0.5, 0, 0.5, 0]).max() > 10 * np.abs(robust.weights - [0.5, 0, 0.5, 0]).max()


def test_keys_too_alike_are_named_not_identifiable_never_a_confident_answer():
    """A FICTITIOUS user key equal to inwoners times two cannot be told apart from inwoners."""
    keys = builtin_keys()
    double = Key(name="inwoners_dubbel", label="FICTITIOUS: inwoners x 2", unit="", source="test", vintage="",
                 kind="assumption", values=keys["inwoners"].values * 2)
    table = shipped("variant-migratie").published.drop(columns="gm_name")
    fit = fit_table(table, "t.csv", pot="ondertussengroep", keys=["inwoners", "inwoners_dubbel", "migratieachtergrond"],
                    extra_keys={"inwoners_dubbel": double})
    weights = fit.weights.set_index("key")
    assert not weights.loc["inwoners", "identifiable"] and not weights.loc["inwoners_dubbel", "identifiable"]
    assert weights.loc["migratieachtergrond", "identifiable"]
    assert weights.loc["inwoners", "low"] == 0 and weights.loc["inwoners", "high"] >= 0.49  # any split fits
    assert any("too alike to tell apart" in note and "inwoners, inwoners_dubbel" in note for note in fit.notes)
    assert "NOT IDENTIFIABLE" in fit.scenario_text
    total = weights.loc["inwoners", "weight"] + weights.loc["inwoners_dubbel", "weight"]
    assert abs(total - 0.5) < 1e-4  # the pair's total is still determined


def test_sparse_points_on_5_municipalities_and_3_years_recover_the_profile_with_the_key_fixed():
    """Five municipalities in 2021, 2023 and 2025 of a six-year pot (the profile variant,
    pro rata inhabitants): the national amounts of those years come back; the others are not
    determined and are said to be."""
    data = scenario_data((SCENARIOS / "variant-profiel-instroom.yaml").read_text(encoding="utf-8"))
    data["pots"]["ondertussengroep"]["key"] = {"weights": {"inwoners": 1.0}, "assumption": "FICTITIOUS test key"}
    result = run_scenario(parse_scenario(to_yaml(data), origin="p.yaml", scenario_id="p"))
    published = result.published[result.published["pot"] == "ondertussengroep"]
    budgets = published.groupby("year")["amount_eur"].sum()
    codes = ["GM0363", "GM0599", "GM0518", "GM0344", "GM1992"]  # Voorne aan Zee: a merger, from 2023
    sparse = published[published["year"].isin([2021, 2023, 2025]) & published["gm_code"].isin(codes)]
    sparse = sparse[~((sparse["year"] == 2021) & (sparse["gm_code"] == "GM1992"))]
    fit = fit_table(sparse.drop(columns="gm_name"), "points.csv", keys=["inwoners"])
    assert len(fit.points) == 14 and not fit.complete
    profile = fit.profile.set_index("year")
    for year in (2021, 2023, 2025):
        assert profile.loc[year, "low_eur"] <= budgets[year] <= profile.loc[year, "high_eur"]
        assert abs(profile.loc[year, "budget_eur"] - budgets[year]) < 1e-4 * budgets[year]
        assert profile.loc[year, "determined"]
    assert any("No point in 2022, 2024" in note and "not determined" in note for note in fit.notes)
    assert (fit.points["difference_eur"].abs() <= 2).all()


def test_a_point_on_a_register_no_longer_in_force_is_named():
    table = pd.DataFrame({"pot": "p", "year": [2023, 2023], "gm_code": ["GM0501", "GM0363"],
                          "amount_eur": [1000, 50000]})
    with pytest.raises(InputError) as caught:
        fit_table(table, "old.csv", keys=["inwoners"])
    assert "GM0501 no longer exists in 2023" in caught.value.problems[0]


def test_exact_round_trip_gives_the_table_byte_for_byte(tmp_path):
    """Each pot of the baseline (a merger-spanning profile, a vast bedrag, one year) as a table
    of its own; the exact scenario, run, writes that table again, byte for byte."""
    result = shipped("kamerbrief-2021")
    whole = allocation_csv(result).decode("utf-8").splitlines()
    for pot in ("ondertussengroep", "elip", "invoering"):
        lines = [whole[0]] + [line for line in whole[1:] if line.startswith(f"{pot},")]
        table = tmp_path / f"table-{pot}.csv"
        table.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
        out = tmp_path / f"out-{pot}"
        found = cli("fit", str(table), "--out", str(out), "--exact", *(["--vast-bedrag"] if pot == "invoering" else []))
        assert found.returncode == 0, found.stderr
        exact = out / f"fit-table-{pot}-{pot}-exact.yaml"
        assert cli("validate", str(exact)).returncode == 0
        ran = cli("run", str(exact), "--out", str(tmp_path / f"run-{pot}"))
        assert ran.returncode == 0, ran.stderr
        assert (tmp_path / f"run-{pot}" / f"fit-table-{pot}-{pot}-exact-allocation.csv").read_bytes() == \
            table.read_bytes()


def test_the_fitted_scenario_is_valid_and_run_reproduces_the_fitted_amounts(tmp_path):
    table = tmp_path / "mig.csv"
    table.write_bytes(allocation_csv(shipped("variant-migratie")))
    out = tmp_path / "out"
    found = cli("fit", str(table), "--pot", "ondertussengroep", "--keys", "inwoners,migratieachtergrond",
                "--out", str(out))
    assert found.returncode == 0, found.stderr
    assert "Quality: exact" in found.stdout and "range that fits about as well" in found.stdout
    scenario = out / "fit-mig-ondertussengroep.yaml"
    assert cli("validate", str(scenario)).returncode == 0
    text = scenario.read_text(encoding="utf-8")
    assert text.count("DERIVED from the published table mig.csv") >= 8 and "R² " in text
    points = pd.read_csv(out / "fit-mig-ondertussengroep.csv")
    assert list(points.columns) == ["pot", "year", "gm_code", "gm_name", "published_eur", "fitted_eur",
                                    "difference_eur", "difference_pct"]
    assert cli("run", str(scenario), "--out", str(tmp_path / "run")).returncode == 0
    ran = pd.read_csv(tmp_path / "run" / "fit-mig-ondertussengroep-allocation.csv")
    merged = points.merge(ran, on=["year", "gm_code"])
    assert len(merged) == len(points) and (merged["fitted_eur"] == merged["amount_eur"]).all()
    summary = pd.read_csv(out / "fit-mig-ondertussengroep-summary.csv")
    assert set(summary["section"]) >= {"weight", "year_budget_eur", "quality"}


def test_bad_tables_get_the_compare_readers_messages_and_exit_2(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("pot,year,gm_code,amount_eur\nelip,2021,GM0363,12.5\nelip,2021,GM0363,3\n", encoding="utf-8")
    with pytest.raises(InputError) as expected:
        read_published_table(bad.read_bytes(), str(bad))
    found = cli("fit", str(bad), "--out", str(tmp_path / "out"))
    assert found.returncode == 2
    assert found.stderr.splitlines() == [f"error: {p}" for p in expected.value.problems]
    assert not (tmp_path / "out").exists()
    wide = tmp_path / "wide.csv"
    wide.write_text("gm_code,2021\nGM0363,100\n", encoding="utf-8")
    found = cli("fit", str(wide), "--out", str(tmp_path / "out"))
    assert found.returncode == 2 and "say which (--pot POT)" in found.stderr


def test_exact_needs_a_complete_table_and_unknown_keys_are_named(tmp_path):
    table = tmp_path / "few.csv"
    table.write_text("pot,year,gm_code,amount_eur\nelip,2021,GM0363,100000\nelip,2021,GM0599,80000\n"
                     "elip,2021,GM0518,60000\n", encoding="utf-8")
    found = cli("fit", str(table), "--keys", "inwoners", "--out", str(tmp_path / "o"), "--exact")
    assert found.returncode == 2 and "--exact needs a complete table" in found.stderr
    found = cli("fit", str(table), "--keys", "inwonrs", "--out", str(tmp_path / "o"))
    assert found.returncode == 2 and "inwonrs: unknown key(s)" in found.stderr


def test_a_workbook_table_is_fitted_on_its_sheet(tmp_path):
    from allocation.publish.meicirculaire import meicirculaire_workbook

    book = tmp_path / "mei.xlsx"
    book.write_bytes(meicirculaire_workbook(shipped("variant-migratie")))
    found = cli("fit", str(book), "--pot", "ELIP", "--keys", "inwoners", "migratieachtergrond", "--out",
                str(tmp_path / "o"))
    assert found.returncode == 2 and "no pot 'ELIP' in the table; it holds ondertussengroep, elip" in found.stderr
    found = cli("fit", str(book), "--pot", "elip", "--keys", "inwoners", "migratieachtergrond", "--out",
                str(tmp_path / "o"))
    assert found.returncode == 0, found.stderr
    assert "Quality: exact" in found.stdout


@settings(max_examples=60, deadline=None)
@given(st.integers(3, 60), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_the_exact_shares_round_back_to_every_year_of_a_one_key_table(n, years, seed):
    """Any table that largest remainder made from one key (FICTITIOUS random keys and budgets)
    has exact shares, and rounding them gives back every year's amounts."""
    rng = np.random.default_rng(seed)
    truth = rng.dirichlet(np.ones(n))
    budgets = rng.integers(n, 10_000_000, size=years)
    codes = [f"GM{i:04d}" for i in range(n)]
    targets = np.column_stack([apportion(truth, int(b), codes) for b in budgets])
    found = exact_shares(targets, budgets.astype(float))
    assert found is not None
    for column, budget in enumerate(budgets):
        assert (apportion(found, int(budget), codes) == targets[:, column]).all()


def test_the_summary_csv_writes_plain_decimals_never_scientific_notation(tmp_path):
    table = tmp_path / "base.csv"
    table.write_bytes(allocation_csv(shipped("kamerbrief-2021")))
    out = tmp_path / "out"
    assert cli("fit", str(table), "--pot", "elip", "--out", str(out)).returncode == 0
    text = (out / "fit-base-elip-summary.csv").read_text(encoding="utf-8")
    assert not re.search(r"\d[eE][-+]?\d", text)  # tiny weights and errors as 0.0000087..., not 8.7e-06
    summary = pd.read_csv(out / "fit-base-elip-summary.csv")
    weights = summary[summary["section"] == "weight"].set_index("item")
    assert weights.loc["migratieachtergrond", "value"] == pytest.approx(1, abs=1e-5)  # still numbers with a '.'
    from allocation.publish.fit import plain_decimal

    assert plain_decimal(8.794233286e-06) == "0.000008794233286" and plain_decimal(2886000.0) == "2886000"
