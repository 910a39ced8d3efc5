"""Layer 3 (scenario): how sure each amount is. The scenario run again under many draws of its
key data (and, optionally, its year profiles), every rule applied in every draw.

The model: in each draw, each municipality's value of a key with spread ``sd`` is multiplied
by an independent log-normal factor with mean 1 and relative standard deviation ``sd``
(``log F ~ N(-s^2/2, s^2)`` with ``s^2 = ln(1 + sd^2)``); the keys are normalised and
combined again. With a year-profile spread, each pot's year values are multiplied the same
way and the pot's budget divided over the years again (whole euros, largest remainder).
Then the whole scenario runs: vast bedrag, every constraint, whole-euro rounding.

Draws are computed together (:mod:`allocation.engine.batch`): the pot without constraints
in closed form, a pot with per-municipality bounds, a transition band, a year band or
cross-pot caps by one factor per draw and pot-year. Draws the batch cannot settle (a year
band that only holds jointly, a rounding corner) and pots with group limits are computed
one by one with the engine itself, and counted. A draw whose constraints cannot hold is
refused and counted, never silently dropped. Each draw takes the same count of numbers from
one seeded generator, one draw after the other, so the same seed gives the same draws on any
machine and for any chunk size. Draws are computed in chunks of :data:`CHUNK`; their amounts
stay in memory up to :data:`MEMORY_BYTES` and go to a temporary folder past it, so the memory
in use does not grow with the number of draws beyond one pot-year of them (100,000 draws of a
352-municipality pot-year: 141 MB).
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from allocation.common import i18n
from allocation.common.errors import InfeasibleError, InputError
from allocation.common.texts import clipped
from allocation.data.registers import KEY_REGISTER_DATE, load_mergers
from allocation.engine.batch import (
    clip_and_rescale_rows,
    feasible_rows,
    largest_remainder_rows,
    round_within_bounds_rows,
)
from allocation.engine.bounded import combine_bounds
from allocation.engine.constrained_pot import PotProblem, allocate_constrained_pot
from allocation.engine.restate import restate
from allocation.scenario.result import ScenarioResult
from allocation.scenario.schema import assumption_text

#: Draws are computed in chunks of this many, which bounds the memory in use (each draw's random
#: numbers do not depend on the chunks: any chunk size gives the same draws).
CHUNK = 500
#: The draws' amounts are kept in memory up to this many bytes in all (10,000 draws of the
#: baseline take 180 MB); past it they go to a temporary folder (see :class:`DrawAmounts`).
MEMORY_BYTES = 256 * 2**20
#: Disk space left free beyond the draws' files.
DISK_SPARE = 2**30


@dataclass(frozen=True)
class SpreadSpec:
    """The draws to make: how many, the seed, the spread per key and of the year profiles."""

    draws: int
    seed: int
    keys: dict[str, float]
    profile_sd: float = 0.0
    provenance: dict[str, str] = field(default_factory=dict)  # figure -> its source or assumption


def spread_spec(result: ScenarioResult, draws: int | None = None, seed: int | None = None,
                key_sd: dict[str, float] | None = None, profile_sd: float | None = None) -> SpreadSpec:
    """The scenario's ``uncertainty:`` block with the command line's overrides on top."""
    block = result.scenario.uncertainty
    keys = {name: spread.relative_sd for name, spread in (block.keys.items() if block else [])}
    provenance = {f"key {name}": spread.provenance for name, spread in (block.keys.items() if block else [])}
    for name, sd in (key_sd or {}).items():
        if name not in result.loaded.keys:
            raise InputError(i18n._("sens_unknown_key", key=clipped(name),
                                    available=", ".join(sorted(result.loaded.keys))))
        if not 0 <= sd <= 5 or not math.isfinite(sd):
            raise InputError(i18n._("sens_bad_spread", key=clipped(name), value=sd))
        keys[name] = sd
        unused = not any(w > 0 and name == key for pot in result.scenario.pots.values()
                         for key, w in pot.key.weights.items())
        provenance[f"key {name}"] = assumption_text(i18n._("prov_command_line")) + (
            i18n._("sens_key_unused") if unused else "")
    problems = []
    if draws is not None and not 1 <= draws <= 100_000:
        problems.append(i18n._("sens_bad_draws", draws=draws, most=i18n.number(100_000)))
    if seed is not None and not 0 <= seed <= 2**32 - 1:
        problems.append(i18n._("sens_bad_seed", seed=seed, most=i18n.number(2**32 - 1)))
    if profile_sd is not None and not (math.isfinite(profile_sd) and 0 <= profile_sd <= 5):
        problems.append(i18n._("sens_bad_profile_sd", value=profile_sd))
    if problems:
        raise InputError(problems)
    profile = profile_sd if profile_sd is not None else (block.year_profiles.relative_sd
                                                         if block and block.year_profiles else 0.0)
    if profile_sd is not None:
        provenance["year profiles"] = assumption_text(i18n._("prov_command_line"))
    elif block and block.year_profiles:
        provenance["year profiles"] = block.year_profiles.provenance
    if not any(sd > 0 for sd in keys.values()) and not profile > 0:
        raise InputError(i18n._("sens_no_spread"))
    return SpreadSpec(draws if draws is not None else (block.draws if block else 1000),
                      seed if seed is not None else (block.seed if block else 20210428),
                      keys, float(profile), provenance)


def lognormal(uniforms: np.ndarray, sd: float) -> np.ndarray:
    """Mean-one log-normal factors with relative standard deviation ``sd`` (ones when 0), one per
    uniform number in [0, 1) (through the normal quantile: the same count of numbers per draw)."""
    if sd <= 0:
        return np.ones(uniforms.shape)
    from scipy.special import ndtri

    s2 = math.log1p(sd * sd)
    return np.exp(-s2 / 2 + math.sqrt(s2) * ndtri(uniforms + 2.0**-54))  # (0, 1): never 0 or 1


class DrawAmounts(Mapping):
    """Per (pot, payment year): the amounts of every draw (rows: draws, columns: the payment
    year's register), written chunk by chunk in draw order. In memory up to ``memory_bytes`` in
    all; past it in files of a temporary folder (removed with this object), a pot-year read back
    as a new array when asked for, so that only one pot-year of all draws is in memory at once."""

    def __init__(self, columns: dict[tuple[str, int], int], draws: int, dtype: type, memory_bytes: int):
        self.columns, self.draws, self.dtype = columns, draws, np.dtype(dtype)
        self.written = dict.fromkeys(columns, 0)
        size = draws * sum(columns.values()) * self.dtype.itemsize
        self.folder: tempfile.TemporaryDirectory | None = None
        self.arrays: dict[tuple[str, int], np.ndarray] = {}
        if size <= memory_bytes:
            self.arrays = {key: np.zeros((draws, count), dtype=self.dtype) for key, count in columns.items()}
            return
        where = tempfile.gettempdir()
        free = shutil.disk_usage(where).free
        if free < size + DISK_SPARE:
            raise InputError(f"{draws:,} draws need {size / 1e9:.1f} GB of temporary disk space in {where} "
                             f"({free / 1e9:.1f} GB free): give fewer draws, or another folder in TMPDIR")
        self.folder = tempfile.TemporaryDirectory(prefix="allocation-draws-")
        self.paths = {key: Path(self.folder.name) / f"{i}.bin" for i, key in enumerate(columns)}

    def write(self, key: tuple[str, int], values: np.ndarray) -> None:
        """The next draws' amounts of one pot-year (rows: draws, following the ones written)."""
        start = self.written[key]
        if self.folder is None:
            self.arrays[key][start:start + len(values)] = values
        else:
            with open(self.paths[key], "ab") as file:
                file.write(np.ascontiguousarray(values, dtype=self.dtype).tobytes())
        self.written[key] = start + len(values)

    def __getitem__(self, key: tuple[str, int]) -> np.ndarray:
        if self.folder is None:
            return self.arrays[key]
        return np.fromfile(self.paths[key], dtype=self.dtype).reshape(self.written[key], self.columns[key])

    def __iter__(self) -> Iterator[tuple[str, int]]:
        return iter(self.columns)

    def __len__(self) -> int:
        return len(self.columns)


@dataclass
class Draws:
    """The published amounts of every draw, per pot and payment year (rows: draws, columns:
    the payment year's register in ``codes[(pot, year)]`` order; see :class:`DrawAmounts`);
    refused draws per pot-year; and how many draws were computed one by one per pot."""

    amounts: DrawAmounts
    codes: dict[tuple[str, int], list[str]]
    refused: dict[tuple[str, int], np.ndarray]
    one_by_one: dict[str, int]
    draws: int


def _year_budgets(pot, allocated, factors: np.ndarray) -> np.ndarray:
    """Whole-euro budgets per draw and year (rows: draws), the profile times the factors."""
    years = list(allocated.years)
    profile = pot.years.values()
    weights = np.array([profile[y] for y in years], dtype=float)[None, :] * factors
    totals = np.full(len(factors), pot.budget.amount_eur)
    with np.errstate(invalid="ignore", divide="ignore"):
        ideal = weights / weights.sum(axis=1, keepdims=True) * totals[:, None]
    amounts, unsettled = largest_remainder_rows(np.nan_to_num(ideal), totals)
    if unsettled.any():  # pragma: no cover - noise past the floors of a handful of years
        from allocation.engine.rounding import apportion

        for row in np.flatnonzero(unsettled):
            amounts[row] = apportion(weights[row], int(totals[row]), [f"{y:04d}" for y in years])
    return amounts


class _Runner:
    """The scenario's pots for one chunk of draws, in pot order (cross-pot caps couple them)."""

    def __init__(self, result: ScenarioResult, spec: SpreadSpec):
        self.result, self.spec = result, spec
        self.codes = list(result.municipalities["gm_code"])
        # the problems the scenario's own run solved (references already resolved, its data folder used)
        self.problems: dict[str, PotProblem] = {
            pot_id: info.problem for pot_id, info in result.constrained.items() if info.problem is not None}
        self.one_by_one = {pot_id: 0 for pot_id in result.scenario.pots}

    def factors(self, rng: np.random.Generator, size: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """The next ``size`` draws' factors: per key (size x n) and per pot's years (size x years).

        Each draw takes the same count of numbers from ``rng``, all of them one after the other
        (every key's municipalities in key order, then every pot's years in pot order), so a draw
        gets the same numbers whatever the chunks around it."""
        spec, n = self.spec, len(self.codes)
        keys = [name for name in sorted(spec.keys) if spec.keys[name] > 0]
        pots = [(pot_id, len(allocated.years)) for pot_id, allocated in self.result.pots.items()]
        moved = [(pot_id, years) for pot_id, years in pots if spec.profile_sd > 0 and years > 1]
        uniforms = rng.random((size, n * len(keys) + sum(years for _, years in moved)))
        factors = {name: lognormal(uniforms[:, i * n:(i + 1) * n], spec.keys[name]) for i, name in enumerate(keys)}
        profiles, at = {pot_id: np.ones((size, years)) for pot_id, years in pots}, n * len(keys)
        for pot_id, years in moved:
            profiles[pot_id] = lognormal(uniforms[:, at:at + years], spec.profile_sd)
            at += years
        return factors, profiles

    def chunk(self, rng: np.random.Generator, size: int) -> tuple[dict, dict]:
        """Key-register amounts (size x n) per (pot, year) and refused masks, for one chunk."""
        spec, result, n = self.spec, self.result, len(self.codes)
        factors, profiles = self.factors(rng, size)
        used: dict[int, dict[int, np.ndarray]] = {}
        amounts = {}
        refused_any = np.zeros(size, bool)
        for pot_id, pot in result.scenario.pots.items():
            allocated = result.pots[pot_id]
            years = list(allocated.years)
            profile = profiles[pot_id]
            budgets = (_year_budgets(pot, allocated, profile) if spec.profile_sd > 0 and len(years) > 1
                       else np.tile(np.array(allocated.budgets, dtype=np.int64), (size, 1)))
            weights = {k: w for k, w in pot.key.weights.items() if w > 0}
            perturbed = any(spec.keys.get(k, 0) > 0 for k in weights) or (spec.profile_sd > 0 and len(years) > 1)
            problem = self.problems.get(pot_id)
            coupled = problem is not None and any(cap.index in used for cap in problem.caps)
            if not perturbed and not coupled:  # this pot is as in the scenario in every draw
                pot_amounts = np.repeat(allocated.amounts[None, :, :], size, axis=0)
                bad = np.zeros(size, bool)
            else:
                shares = self._shares(weights, factors, size)
                if problem is None:
                    pot_amounts, bad = self._closed_form(pot.key.vast_bedrag_eur, shares, budgets)
                else:
                    pot_amounts, bad = self._constrained(problem, shares, budgets, used)
            if problem is not None:
                for cap in problem.caps:
                    cap_used = used.setdefault(cap.index, {})
                    for column, year in enumerate(years):
                        cap_used[year] = cap_used.get(year, np.zeros((size, n))) + pot_amounts[:, :, column]
            for column, year in enumerate(years):
                amounts[(pot_id, year)] = pot_amounts[:, :, column]
            refused_any |= bad
        # a draw that one pot cannot allocate is refused as a whole, as the engine would refuse the scenario
        # (later pots under a shared cap saw this pot's zeros: their amounts of that draw are void too)
        return amounts, {pot_year: refused_any.copy() for pot_year in amounts}

    def _shares(self, weights: dict[str, float], factors: dict, size: int) -> np.ndarray:
        combined = np.zeros((size, len(self.codes)))
        for name in sorted(weights):
            values = self.result.loaded.keys[name].values.reindex(self.codes).to_numpy(dtype=float)[None, :]
            drawn = values * factors.get(name, 1.0)
            combined += weights[name] * drawn / drawn.sum(axis=1, keepdims=True)
        return combined

    def _closed_form(self, vast: int, shares: np.ndarray, budgets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        size, n = shares.shape
        amounts = np.zeros((size, n, budgets.shape[1]), dtype=np.int64)
        bad = np.zeros(size, bool)
        normalised = shares / shares.sum(axis=1, keepdims=True)
        for column in range(budgets.shape[1]):
            variable = budgets[:, column] - vast * n
            bad |= variable < 0  # the vast bedrag alone needs more than the year's budget
            rounded, unsettled = largest_remainder_rows(normalised * np.maximum(variable, 0)[:, None],
                                                        np.maximum(variable, 0))
            if unsettled.any():  # pragma: no cover - floating-point noise past the floors
                from allocation.engine.rounding import apportion

                for row in np.flatnonzero(unsettled):
                    rounded[row] = apportion(shares[row], int(max(variable[row], 0)), self.codes)
            amounts[:, :, column] = vast + rounded
        return amounts, bad

    def _constrained(self, problem: PotProblem, shares: np.ndarray, budgets: np.ndarray,
                     used: dict) -> tuple[np.ndarray, np.ndarray]:
        size, n = shares.shape
        years = problem.years
        amounts = np.zeros((size, n, len(years)), dtype=np.int64)
        alone = np.zeros(size, bool)  # draws to compute one by one with the engine
        refused = np.zeros(size, bool)  # draws whose constraints cannot hold
        if problem.groups:
            alone[:] = True
        else:
            vast = problem.vast_bedrag
            for column, year in enumerate(years):
                lowers, uppers = problem.fixed_bounds.get(year, ([], []))
                fixed = combine_bounds(n, list(lowers), list(uppers))
                lower = np.broadcast_to(fixed.lower, (size, n)).copy()
                upper = np.broadcast_to(fixed.upper, (size, n)).copy()
                for cap in problem.caps:
                    room = np.floor(cap.limit + 1e-9)[None, :] - used.get(cap.index, {}).get(year, np.zeros((size, n)))
                    upper = np.minimum(upper, np.maximum(room, 0.0))
                if problem.year_band is not None and column > 0:
                    previous = amounts[:, :, column - 1].astype(float)
                    if problem.year_band.decrease is not None:
                        lower = np.maximum(lower, np.maximum(np.ceil(previous * (1 - problem.year_band.decrease)
                                                                     - 1e-9), 0.0))
                    if problem.year_band.increase is not None:
                        upper = np.minimum(upper, np.floor(previous * (1 + problem.year_band.increase) + 1e-9))
                budget = budgets[:, column].astype(float)
                weight = shares / shares.sum(axis=1, keepdims=True) * (budget - vast * n)[:, None]
                ok = feasible_rows(np.full(n, float(vast)), weight, lower, upper, budget) & ~alone & ~refused & (
                    budget - vast * n >= 0)
                failed = ~ok & ~alone & ~refused
                if problem.year_band is not None and column > 0:
                    alone |= failed  # the pot may hold jointly over its years: the engine tries
                else:
                    refused |= failed  # the engine's first check would refuse it just the same
                if ok.any():
                    exact, _, missed = clip_and_rescale_rows(np.full(n, float(vast)), weight[ok], lower[ok],
                                                             upper[ok], budget[ok])
                    rounded, unsettled = round_within_bounds_rows(exact, lower[ok], upper[ok], budgets[ok, column])
                    amounts[ok, :, column] = rounded
                    alone[np.flatnonzero(ok)[unsettled | missed]] = True
        bad = refused.copy()
        for row in np.flatnonzero(alone & ~refused):
            self.one_by_one[problem.pot_id] += 1
            drawn = replace(problem, shares=shares[row], budgets=dict(zip(years, (int(b) for b in budgets[row]))))
            cross = {index: {year: values[row] for year, values in by_year.items()} for index, by_year in used.items()}
            try:
                allocation, _ = allocate_constrained_pot(drawn, cross, explain=False)
            except InfeasibleError:
                bad[row] = True
                continue
            amounts[row] = allocation.amounts
        return amounts, bad


def _restatement(result: ScenarioResult, year: int) -> tuple[list[str], np.ndarray | None]:
    """The payment year's codes and, per key-register municipality, the position of the payment
    year's municipality it is part of (None: a split, restated draw by draw)."""
    codes = list(result.municipalities["gm_code"])
    published = result.published
    target = list(published[published["year"] == year]["gm_code"].drop_duplicates())
    mapping = result.successors.get(year)
    index = {code: i for i, code in enumerate(target)}
    moved = {}
    if mapping is not None and not mapping.empty:
        if (mapping["share"] != "1").any():
            return target, None
        moved = dict(zip(mapping["predecessor"], mapping["successor"]))
    return target, np.array([index[moved.get(code, code)] for code in codes], dtype=np.int64)


def _published(values: np.ndarray, into: np.ndarray, count: int) -> np.ndarray:
    """Key-register amounts (rows: draws) summed into the payment year's ``count`` municipalities."""
    first = np.full(count, -1)
    parts, at = np.unique(into, return_index=True)
    first[parts] = at  # each payment-year municipality's first part
    published = values[:, first].astype(np.int64)
    for column in np.flatnonzero(first[into] != np.arange(len(into))):  # the other parts of a merger
        published[:, into[column]] += values[:, column]
    return published


def run_draws(result: ScenarioResult, spec: SpreadSpec, chunk: int = CHUNK,
              memory_bytes: int = MEMORY_BYTES) -> Draws:
    """Every draw of the scenario, published on the payment-year registers (see the module docstring),
    computed ``chunk`` draws at a time."""
    runner = _Runner(result, spec)
    rng = np.random.default_rng(spec.seed)
    keys = [(pot_id, int(year)) for pot_id, allocated in result.pots.items() for year in allocated.years]
    layout = {year: _restatement(result, year) for _, year in keys}
    big = max(pot.budget.amount_eur for pot in result.scenario.pots.values()) >= 2**31
    amounts = DrawAmounts({k: len(layout[k[1]][0]) for k in keys}, spec.draws, np.int64 if big else np.int32,
                          memory_bytes)
    refused = {k: np.zeros(spec.draws, bool) for k in keys}
    for start in range(0, spec.draws, chunk):
        size = min(chunk, spec.draws - start)
        key_amounts, key_refused = runner.chunk(rng, size)
        for pot_year in keys:
            codes, into = layout[pot_year[1]]
            values = key_amounts[pot_year]
            if into is not None:
                published = _published(values, into, len(codes))
            else:  # pragma: no cover - no split between the key register and the payment years in the data
                frame = pd.DataFrame(values.T, index=runner.codes)
                published = restate(frame, load_mergers(), after=KEY_REGISTER_DATE,
                                    until=result.peildata[pot_year[1]][0]).reindex(codes).to_numpy().T
            amounts.write(pot_year, published)
            refused[pot_year][start:start + size] = key_refused[pot_year]
        del key_amounts, values, published  # one chunk in memory at a time
    return Draws(amounts, {k: layout[k[1]][0] for k in keys}, refused, runner.one_by_one, spec.draws)
