"""Layer 4 (analysis): which part of a change causes each loss. "Why does Amsterdam lose
EUR 363,566?": how much of a municipality's difference between two scenarios comes from
the budget, from the key, from the key data, from the constraints, from the peildata.

The factors, each a part of the scenario file:

* ``budget``: each shared pot's ``budget`` and ``years`` (amounts and profiles);
* ``key``: each shared pot's ``key`` (weights and vast bedrag);
* ``key_data``: the values of the user keys (``user_keys``: other files, another vintage);
* ``constraints``: each shared pot's ``constraints`` and the ``cross_pot`` caps;
* ``peildata``: the payment years' reference dates (this moves amounts only on the
  payment-year registers, so on the key register its part is zero).

A hybrid scenario takes some factors from OTHER and the rest from BASE. Each factor's part is
its Shapley value: its added effect averaged over every order in which the factors can be
switched, computed exactly over every subset (2^k runs for the k factors in which the
scenarios differ, k <= 5), so no arbitrary order decides. The parts are rounded to whole
euros by largest remainder so that they add up exactly to each municipality's difference,
per pot and payment year (on the 2021 key register, like ``compare``), and the ``all`` rows
are the sums over the shared years. A factor the scenarios share gets zero everywhere.
"""

from __future__ import annotations

import copy
import functools
import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd

from allocation.analysis.compare import shared_pot_years
from allocation.common import i18n
from allocation.common.errors import InputError
from allocation.common.i18n import N_, _
from allocation.common.texts import text_table
from allocation.scenario.loading import parse_scenario, scenario_data, to_yaml
from allocation.scenario.result import ScenarioResult
from allocation.scenario.running import run_scenario

FACTORS = ("budget", "key", "key_data", "constraints", "peildata")
#: What no factor explains: the order of the pots, pots only one scenario has under a cap for
#: all pots, the solver. Reported as a part of its own (not a Shapley value), normally zero.
OTHER = "other"
COLUMNS = ["pot", "year", "gm_code", "gm_name", "factor", "effect_eur"]


def _factor_parts(data: dict, pots: list[str]) -> dict[str, object]:
    pot_data = data.get("pots") or {}
    return {
        "budget": {p: (pot_data[p].get("budget"), pot_data[p].get("years")) for p in pots},
        "key": {p: pot_data[p].get("key") for p in pots},
        "key_data": data.get("user_keys") or {},
        "constraints": ({p: pot_data[p].get("constraints") for p in pots}, data.get("cross_pot") or []),
        "peildata": data.get("peildata") or {},
    }


@functools.lru_cache(maxsize=16)
def _parsed(text: str) -> dict:
    return scenario_data(text)


def _data(result: ScenarioResult) -> dict:
    """The scenario's file as plain data: read once per text (the strict YAML reader is slow,
    and a decomposition reads both files for every hybrid), a fresh copy for every caller."""
    return copy.deepcopy(_parsed(result.loaded.text))


def differing_factors(base: ScenarioResult, other: ScenarioResult, pots: list[str]) -> list[str]:
    """The factors in which the two scenarios differ (on their shared pots)."""
    a = _factor_parts(_data(base), pots)
    b = _factor_parts(_data(other), pots)
    found = [factor for factor in FACTORS if a[factor] != b[factor]]
    if "key_data" not in found:  # the same declarations may still read other files
        names = set(a["key_data"]) & set(b["key_data"])
        if any(not base.loaded.keys[n].values.equals(other.loaded.keys[n].values) for n in names):
            found.append("key_data")
    return [factor for factor in FACTORS if factor in found]


def _hybrid(base: ScenarioResult, other: ScenarioResult, pots: list[str], taken: frozenset[str]) -> ScenarioResult:
    """BASE with the factors in ``taken`` from OTHER, run on the same data."""
    data = _data(base)
    source = _data(other)
    for pot in pots:
        if "budget" in taken:
            for field in ("budget", "years"):
                data["pots"][pot][field] = copy.deepcopy(source["pots"][pot][field])
        if "key" in taken:
            data["pots"][pot]["key"] = copy.deepcopy(source["pots"][pot]["key"])
        if "constraints" in taken:
            data["pots"][pot].pop("constraints", None)
            if source["pots"][pot].get("constraints") is not None:
                data["pots"][pot]["constraints"] = copy.deepcopy(source["pots"][pot]["constraints"])
    if "constraints" in taken:
        data["cross_pot"] = copy.deepcopy(source.get("cross_pot") or [])
    if "peildata" in taken:
        data["peildata"] = copy.deepcopy(source.get("peildata") or {})
    # every user key either side declares, the values from the side the key_data factor names
    first, second = (other, base) if "key_data" in taken else (base, other)
    declared = {**(_data(second).get("user_keys") or {}), **(_data(first).get("user_keys") or {})}
    if declared:
        data["user_keys"] = declared
    keys = {name: (first.loaded.keys.get(name) or second.loaded.keys[name]) for name in declared}
    base_dir = (other if "constraints" in taken else base).loaded.base_dir
    switched = ", ".join(sorted(taken)) or "nothing"
    loaded = parse_scenario(to_yaml(data), origin=f"{base.loaded.origin} with {switched} from {other.loaded.origin}",
                            scenario_id=base.loaded.scenario_id, base_dir=base_dir, extra_keys=keys or None,
                            data_dir=base.data_dir)
    return run_scenario(loaded, base.data_dir)


def _amounts(result: ScenarioResult, index: pd.MultiIndex) -> np.ndarray:
    frame = result.allocation.set_index(["pot", "year", "gm_code"])["amount_eur"]
    return frame.reindex(index).to_numpy(dtype=float)


def shapley_round(parts: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Whole euros per row and factor that add up exactly to ``totals`` (largest remainder;
    ties to the earlier factor). ``parts`` (rows x factors) must add up to ``totals``."""
    floors = np.floor(parts + 1e-9)
    leftover = np.rint(totals - floors.sum(axis=1)).astype(np.int64)
    fractions = parts - floors
    order = np.argsort(-fractions, axis=1, kind="stable")
    result = floors.astype(np.int64)
    for rank in range(parts.shape[1]):
        give = leftover > rank
        rows = np.flatnonzero(give)
        result[rows, order[rows, rank]] += 1
    return result


def decompose(base: ScenarioResult, other: ScenarioResult) -> tuple[pd.DataFrame, list[str]]:
    """Each municipality's difference (OTHER minus BASE) split into the factors, with the notes
    of the overlap. Columns :data:`COLUMNS`; ``year`` holds the payment year as text or ``all``."""
    pots, years, notes = shared_pot_years(base, other)
    factors = differing_factors(base, other, pots)
    codes = list(base.municipalities["gm_code"])
    index = pd.MultiIndex.from_tuples([(p, y, c) for p in pots for y in years[p] for c in codes],
                                      names=["pot", "year", "gm_code"])
    runs: dict[frozenset[str], np.ndarray] = {}

    def value(taken: frozenset[str]) -> np.ndarray:
        if taken not in runs:
            if not taken:
                result = base
            else:
                try:
                    result = _hybrid(base, other, pots, taken)
                except InputError as exc:
                    raise InputError([_("dec_cannot_allocate", base=base.loaded.scenario_id,
                                        factors=", ".join(factor_word(f) for f in sorted(taken)),
                                        other=other.loaded.scenario_id, problem=p) for p in exc.problems]
                                     ) from None
            runs[taken] = _amounts(result, index)
        return runs[taken]

    k = len(factors)
    total = value(frozenset(factors)) - value(frozenset())
    residual = (_amounts(other, index) - value(frozenset(factors))).astype(np.int64)
    parts = np.zeros((len(index), max(k, 1)))
    for j, factor in enumerate(factors):
        rest = [f for f in factors if f != factor]
        for size in range(k):
            weight = math.factorial(size) * math.factorial(k - size - 1) / math.factorial(k)
            for subset in itertools.combinations(rest, size):
                taken = frozenset(subset)
                parts[:, j] += weight * (value(taken | {factor}) - value(taken))
    whole = shapley_round(parts[:, :k], total) if k else np.zeros((len(index), 0), dtype=np.int64)
    names = base.municipalities.set_index("gm_code")["gm_name"]
    frames = []
    for factor in FACTORS + (OTHER,):
        if factor == OTHER:
            effect = residual
        else:
            effect = whole[:, factors.index(factor)] if factor in factors else np.zeros(len(index), dtype=np.int64)
        frames.append(pd.DataFrame({
            "pot": index.get_level_values("pot"), "year": index.get_level_values("year").astype(str),
            "gm_code": index.get_level_values("gm_code"), "factor": factor, "effect_eur": effect}))
    table = pd.concat(frames, ignore_index=True)
    all_years = table.groupby(["pot", "gm_code", "factor"], as_index=False, sort=False)["effect_eur"].sum()
    table = pd.concat([table, all_years.assign(year="all")], ignore_index=True)
    table["gm_name"] = table["gm_code"].map(names)
    if not factors and not residual.any():
        notes = notes + [_("dec_no_factor")]
    if residual.any():
        notes = notes + [_("dec_residual", eur=i18n.eur(int(np.abs(residual).sum())), part=factor_word(OTHER))]
    return table[COLUMNS], notes


def factor_word(factor: str) -> str:
    """A factor in words (``key_data`` -> ``sleutelgegevens``); the CSV keeps the code."""
    return _(_FACTOR_WORDS[factor]) if factor in _FACTOR_WORDS else factor


_FACTOR_WORDS = {"budget": N_("factor_budget"), "key": N_("factor_key"), "key_data": N_("factor_key_data"),
                 "constraints": N_("factor_constraints"), "peildata": N_("factor_peildata"),
                 OTHER: N_("wb_factor_other")}


def decomposition_text(table: pd.DataFrame, base: str, other: str, top: int = 5) -> str:
    """Per pot the parts summed (all years), and the largest losers with their parts, in the language."""
    lines = [_("dec_title", other=other, base=base)]
    overall = table[table["year"] == "all"]
    for pot, part in overall.groupby("pot", sort=False):
        wide = part.pivot(index="gm_code", columns="factor", values="effect_eur")[list(FACTORS) + [OTHER]]
        wide["difference"] = wide.sum(axis=1)
        moved = wide.abs().sum()
        shown = list(FACTORS) + ([OTHER] if moved[OTHER] else [])
        lines.append(_("dec_moved", pot=pot, parts=", ".join(f"{factor_word(f)} {i18n.number(int(moved[f]))}"
                                                            for f in shown)))
        losers = wide.nsmallest(top, "difference")
        losers = losers[losers["difference"] < 0]
        if losers.empty:
            continue
        names = part.drop_duplicates("gm_code").set_index("gm_code")["gm_name"]
        rows = [[_("dec_col_code"), _("dec_col_name"), _("dec_col_difference")] + [factor_word(f) for f in FACTORS]]
        rows += [[code, str(names[code]), i18n.signed(int(r["difference"]))]
                 + [i18n.signed(int(r[f])) for f in FACTORS] for code, r in losers.iterrows()]
        lines += text_table(rows, right=set(range(2, 3 + len(FACTORS))))
    return "\n".join(lines) + "\n"


def file_name(base: ScenarioResult, other: ScenarioResult) -> str:
    return f"decomposition-{base.loaded.scenario_id}-vs-{Path(other.loaded.scenario_id).stem}.csv"
