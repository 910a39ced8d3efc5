"""Layer 4 (analysis): comparing scenarios, for negotiations (who gains, who loses, by how much).

:func:`compare` takes two or more :class:`~allocation.scenario.result.ScenarioResult` objects,
one of them the baseline, and compares every other scenario with it on the 2021 key
register, per municipality, pot and payment year, and summed over years (``year ==
"all"``) and over pots (``pot == "all"``).

Definitions (also written on the notes sheet of the workbook):

* ``diff_eur = other_eur - base_eur``: whole euros, exact.
* ``diff_pct = diff_eur / base_eur * 100``. When the baseline amount is 0 it is 0 if the
  other amount is 0 too, and empty (NaN) otherwise: a percentage of nothing is undefined.
* Bands, by the percent change: ``gain > 5%``; ``gain 0.1-5%`` (more than 0.1%, at most
  5%); ``no change`` (within +-0.1%, bounds included); ``loss 0.1-5%``; ``loss > 5%``. The
  bands are decided in whole-euro integer arithmetic, so a boundary is never blurred by
  floating point. A municipality with 0 in the baseline and money in the other scenario
  counts as ``gain > 5%``.
* ``redistributed_eur`` = half the sum of the absolute differences. When both scenarios
  spend the same total this is exactly the money that moves from losers to gainers.
* Concentration: the Gini coefficient of euros per inhabitant, weighted by inhabitants
  (every inhabitant counts once, with the per-inhabitant amount of their municipality).
  0 means every inhabitant gets the same amount (a pure inhabitants key); higher means the
  money is more concentrated.
* Swapping baseline and other flips the sign of every difference in euros and per
  inhabitant and leaves the totals, the redistributed amount and the Gini coefficients
  (exchanged) as they were. Percentages and bands are relative to the baseline and so are
  not simply mirrored.

Scenarios with different pots or payment years are compared on the overlap (the pots
present in every scenario and, per pot, the years present in every scenario), with a note
for each pot or year left out; without any overlap :func:`compare` raises
:class:`~allocation.common.errors.InputError` explaining the mismatch. The summary text is
:func:`allocation.analysis.compare_text.summary_text`; the files,
:mod:`allocation.publish.comparison`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from allocation.common import i18n
from allocation.common.errors import InputError
from allocation.common.i18n import _
from allocation.common.texts import quoted
from allocation.data.registers import SIZE_CLASSES
from allocation.scenario.result import ScenarioResult, used_keys

ALL = "all"

BANDS = ["gain > 5%", "gain 0.1-5%", "no change (within +-0.1%)", "loss 0.1-5%", "loss > 5%"]

MUNICIPALITY_COLUMNS = [
    "baseline",
    "scenario",
    "pot",
    "year",
    "gm_code",
    "gm_name",
    "province_name",
    "size_class",
    "population",
    "base_eur",
    "other_eur",
    "diff_eur",
    "diff_pct",
    "diff_per_inhabitant",
    "base_per_inhabitant",
    "other_per_inhabitant",
    "band",
]

GROUP_COLUMNS = [
    "municipalities",
    "population",
    "base_eur",
    "other_eur",
    "diff_eur",
    "diff_pct",
    "diff_per_inhabitant",
    "gaining",
    "losing",
]


@dataclass(frozen=True)
class ScenarioInfo:
    """What a scenario is and what it assumes, for the notes of a comparison."""

    scenario_id: str
    label: str  # unique within the comparison (the id, or the id with a suffix)
    name: str
    description: str
    origin: str
    content_hash: str
    pots: dict[str, tuple[int, ...]]  # pot id -> payment years
    budgets: dict[tuple[str, int], int]  # (pot, year) -> whole euros
    assumptions: list[str]  # one readable line per pot element, with its provenance
    keys: dict[str, str] = field(default_factory=dict)  # key name -> kind, label, source, vintage, note


@dataclass
class Comparison:
    """Every scenario compared with the baseline. All frames are plain pandas DataFrames.

    ``year`` columns hold text: the payment year (``"2022"``) or ``"all"`` (summed over
    the compared years); ``pot`` columns hold the pot id or ``"all"`` (summed over the
    compared pots). ``scenario`` names the scenario compared with the baseline.
    """

    baseline: ScenarioInfo
    others: list[ScenarioInfo]
    pots: list[str]  # compared pots, in the baseline's order
    years: dict[str, list[int]]  # compared years per pot
    notes: list[str]  # overlap and budget notes, one sentence each
    per_municipality: pd.DataFrame  # MUNICIPALITY_COLUMNS
    bands: pd.DataFrame  # scenario, pot, year, one column per band, municipalities
    totals: pd.DataFrame  # scenario, pot, year, base/other/diff totals, redistributed_eur, gini
    largest_gains: pd.DataFrame  # per scenario, all pots and years, by diff_eur
    largest_losses: pd.DataFrame
    by_province: pd.DataFrame  # scenario, pot, year, province_name, GROUP_COLUMNS
    by_size_class: pd.DataFrame  # scenario, pot, year, size_class, GROUP_COLUMNS
    concentration: pd.DataFrame  # scenario, role, pot, year, gini_eur_per_inhabitant
    top: int = 10
    scenario_ids: list[str] = field(default_factory=list)

    @property
    def redistributed_eur(self) -> dict[str, float]:
        """Per compared scenario: half the sum of absolute differences, all pots and years."""
        rows = self.totals[(self.totals["pot"] == ALL) & (self.totals["year"] == ALL)]
        return {row.scenario: float(row.redistributed_eur) for row in rows.itertuples(index=False)}

    def municipality_totals(self, scenario: str | None = None) -> pd.DataFrame:
        """Per municipality over all compared pots and years (one scenario, or all)."""
        frame = self.per_municipality
        frame = frame[(frame["pot"] == ALL) & (frame["year"] == ALL)]
        if scenario is not None:
            frame = frame[frame["scenario"] == scenario]
        return frame.reset_index(drop=True)


# --- building the comparison ----------------------------------------------------------------


def _kind(kind: str) -> str:
    """A key's kind in words (``echt``, ``proxy``, ``aanname``)."""
    return _(f"kind_{kind}") if kind in ("real", "proxy", "assumption") else kind


def _info(result: ScenarioResult, label: str) -> ScenarioInfo:
    scenario = result.scenario
    pots = {pot_id: tuple(allocated.years) for pot_id, allocated in result.pots.items()}
    budgets = {
        (pot_id, year): int(budget)
        for pot_id, allocated in result.pots.items()
        for year, budget in zip(allocated.years, allocated.budgets)
    }
    kinds = {key.name: key.kind for key in used_keys(result.loaded)}
    keys = {
        key.name: _("info_key_text", kind=_kind(key.kind), label=key.label, source=key.source, vintage=key.vintage)
        + (_("info_key_note", note=key.note) if key.note else "")
        for key in used_keys(result.loaded)
    }
    lines = []
    for pot_id, pot in scenario.pots.items():
        lines.append(_("info_budget", pot=pot_id, label=pot.label, amount=i18n.eur(pot.budget.amount_eur),
                       provenance=pot.budget.provenance))
        for year in pot.years.values():
            lines.append(_("info_year", pot=pot_id, year=year, amount=i18n.eur(budgets.get((pot_id, year), 0)),
                           provenance=pot.years.provenance(year)))
        weights = ", ".join(
            _("info_weight", name=name, weight=i18n.share(weight), kind=_kind(kinds.get(name, "?")))
            for name, weight in sorted(pot.key.weights.items())
        )
        vast = _("info_vast", amount=i18n.eur(pot.key.vast_bedrag_eur)) if pot.key.vast_bedrag_eur else ""
        lines.append(_("info_key", pot=pot_id, vast=vast, weights=weights, provenance=pot.key.provenance))
    return ScenarioInfo(
        scenario_id=result.loaded.scenario_id,
        label=label,
        name=scenario.name,
        description=" ".join(scenario.description.split()),
        origin=result.loaded.origin,
        content_hash=result.loaded.content_hash,
        pots=pots,
        budgets=budgets,
        assumptions=lines,
        keys=keys,
    )


def _labels(results: list[ScenarioResult]) -> list[str]:
    labels, seen = [], {}
    for result in results:
        base = result.loaded.scenario_id
        seen[base] = seen.get(base, 0) + 1
        labels.append(base if seen[base] == 1 else f"{base}#{seen[base]}")
    return labels


def _overlap(infos: list[ScenarioInfo]) -> tuple[list[str], dict[str, list[int]], list[str]]:
    baseline = infos[0]
    notes: list[str] = []
    pots = [p for p in baseline.pots if all(p in info.pots for info in infos[1:])]
    for info in infos:
        left_out = [p for p in info.pots if p not in pots]
        for pot_id in left_out:
            missing_in = [other.label for other in infos if pot_id not in other.pots]
            notes.append(_("cmpn_pot_left_out", pot=quoted(pot_id), id=info.label, missing=", ".join(missing_in)))
    years: dict[str, list[int]] = {}
    for pot_id in pots:
        common = sorted(set.intersection(*(set(info.pots[pot_id]) for info in infos)))
        every = sorted(set.union(*(set(info.pots[pot_id]) for info in infos)))
        for year in every:
            if year not in common:
                having = [info.label for info in infos if year in info.pots[pot_id]]
                notes.append(_("cmpn_year_left_out", pot=quoted(pot_id), year=year, having=", ".join(having)))
        if common:
            years[pot_id] = common
        else:
            spans = "; ".join(f"{info.label}: {', '.join(map(str, info.pots[pot_id]))}" for info in infos)
            notes.append(_("cmpn_no_shared_year", pot=quoted(pot_id), spans=spans))
    pots = [p for p in pots if p in years]
    if not pots:
        described = "; ".join(
            _("cmpn_has", id=info.label, pots=", ".join(f"{p} ({min(y)}-{max(y)})" for p, y in info.pots.items())
              or _("cmpn_no_pots"))
            for info in infos
        )
        raise InputError(_("cmpn_nothing_in_common", described=described))
    for info in infos[1:]:
        for pot_id in pots:
            for year in years[pot_id]:
                base, other = baseline.budgets[(pot_id, year)], info.budgets[(pot_id, year)]
                if base != other:
                    notes.append(_("cmpn_budget_differs", pot=quoted(pot_id), year=year, base=i18n.eur(base),
                                   base_id=baseline.label, other=i18n.eur(other), other_id=info.label,
                                   net=i18n.eur(other - base)))
    return pots, years, notes


def _long_amounts(result: ScenarioResult, pots: list[str], years: dict[str, list[int]]) -> pd.DataFrame:
    """Amounts on every level: (pot, year), (pot, all), (all, year), (all, all)."""
    allocation = result.allocation
    keep = pd.Series(False, index=allocation.index)
    for pot_id in pots:
        keep |= (allocation["pot"] == pot_id) & allocation["year"].isin(years[pot_id])
    frame = allocation.loc[keep, ["pot", "year", "gm_code", "amount_eur"]].copy()
    frame["amount_eur"] = frame["amount_eur"].astype("int64")
    per_pot = frame.groupby(["pot", "gm_code"], as_index=False)["amount_eur"].sum().assign(year=ALL)
    per_year = frame.groupby(["year", "gm_code"], as_index=False)["amount_eur"].sum().assign(pot=ALL)
    overall = frame.groupby("gm_code", as_index=False)["amount_eur"].sum().assign(pot=ALL, year=ALL)
    frame["year"] = frame["year"].astype(str)
    per_year["year"] = per_year["year"].astype(str)
    return pd.concat([frame, per_pot, per_year, overall], ignore_index=True)[["pot", "year", "gm_code", "amount_eur"]]


def band_of(base: np.ndarray, diff: np.ndarray) -> np.ndarray:
    """The band of each change, decided in whole euros (see the module docstring)."""
    base = np.asarray(base, dtype=np.int64)
    diff = np.asarray(diff, dtype=np.int64)
    size = np.abs(diff)
    no_change = size * 1000 <= base  # within 0.1% (0 = 0 counts as no change)
    small = (size * 20 <= base) & ~no_change  # more than 0.1%, at most 5%
    return np.select(
        [no_change, small & (diff > 0), small & (diff < 0), diff > 0],
        [BANDS[2], BANDS[1], BANDS[3], BANDS[0]],
        default=BANDS[4],
    )


def percent_change(base: np.ndarray, diff: np.ndarray) -> np.ndarray:
    """``diff / base * 100``; 0 when both are 0, NaN when only the baseline is 0."""
    base = np.asarray(base, dtype=float)
    diff = np.asarray(diff, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(base > 0, diff / np.where(base > 0, base, 1) * 100.0, np.nan)
    return np.where((base == 0) & (diff == 0), 0.0, pct)


def gini(amounts: np.ndarray, population: np.ndarray) -> float:
    """Gini coefficient of euros per inhabitant, weighted by inhabitants (NaN without money)."""
    amounts = np.asarray(amounts, dtype=float)
    population = np.asarray(population, dtype=float)
    money = math.fsum(amounts)
    if not money > 0:
        return float("nan")
    order = np.lexsort((np.arange(len(amounts)), amounts / population))
    people = population[order] / population.sum()
    shares = amounts[order] / money
    lorenz = np.concatenate([[0.0], np.cumsum(shares)])
    area = np.sum(people * (lorenz[1:] + lorenz[:-1]))  # twice the area under the Lorenz curve
    return float(min(1.0, max(0.0, 1.0 - area)))


def _groups(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    keys = ["scenario", "pot", "year", by]
    # the bands tested once for the whole frame and counted per group (not a test per group)
    counted = frame[keys + ["gm_code", "population", "base_eur", "other_eur", "diff_eur"]].assign(
        _gaining=frame["band"].isin(BANDS[:2]).astype("int64"),
        _losing=frame["band"].isin(BANDS[3:]).astype("int64"),
    )
    grouped = counted.groupby(keys, sort=False, as_index=False).agg(
        municipalities=("gm_code", "size"),
        population=("population", "sum"),
        base_eur=("base_eur", "sum"),
        other_eur=("other_eur", "sum"),
        diff_eur=("diff_eur", "sum"),
        gaining=("_gaining", "sum"),
        losing=("_losing", "sum"),
    )
    grouped["diff_pct"] = percent_change(grouped["base_eur"].to_numpy(), grouped["diff_eur"].to_numpy())
    grouped["diff_per_inhabitant"] = grouped["diff_eur"] / grouped["population"]
    return grouped[keys + GROUP_COLUMNS]


def _order(frame: pd.DataFrame, pots: list[str], labels: list[str], extra: list[str] | None = None) -> pd.DataFrame:
    """Sort by scenario (given order), pot (baseline order, 'all' last), year ('all' last)."""
    sort = frame.assign(
        _s=frame["scenario"].map({label: i for i, label in enumerate(labels)}),
        _p=frame["pot"].map({pot: i for i, pot in enumerate(pots + [ALL])}),
        _y=frame["year"].map({y: 9999 if y == ALL else int(y) for y in frame["year"].unique()}),
    )
    return (
        sort.sort_values(["_s", "_p", "_y"] + (extra or []), kind="stable")
        .drop(columns=["_s", "_p", "_y"])
        .reset_index(drop=True)
    )


def shared_pot_years(
    reference: ScenarioResult, other: ScenarioResult
) -> tuple[list[str], dict[str, list[int]], list[str]]:
    """The pots and, per pot, the payment years two scenarios share (as :func:`compare` uses
    them), and a note for each left out. Raises :class:`InputError` without any overlap."""
    labels = _labels([reference, other])
    return _overlap([_info(reference, labels[0]), _info(other, labels[1])])


def compare(results: list[ScenarioResult], baseline: int = 0, top: int = 10) -> Comparison:
    """Compare every scenario result with ``results[baseline]``.

    Raises :class:`InputError` with fewer than two results, a baseline index out of range,
    or scenarios without any pot and payment year in common.
    """
    results = list(results)
    baseline = _baseline_index(results, baseline)
    labels = _labels(results)
    order = [baseline] + [i for i in range(len(results)) if i != baseline]
    infos = [_info(results[i], labels[i]) for i in order]
    pots, years, notes = _overlap(infos)
    municipalities = _shared_municipalities(results, order, labels)
    others = [info.label for info in infos[1:]]
    per_municipality = _order(
        _municipality_frame([results[i] for i in order], infos, pots, years, municipalities)[MUNICIPALITY_COLUMNS],
        pots, others, ["gm_code"],
    )
    levels = per_municipality.groupby(["scenario", "pot", "year"], sort=False)
    totals = _totals(levels, pots, others)
    largest_gains, largest_losses = _largest(per_municipality, others, top)
    return Comparison(
        baseline=infos[0],
        others=infos[1:],
        pots=pots,
        years=years,
        notes=notes,
        per_municipality=per_municipality,
        bands=_band_counts(levels, pots, others),
        totals=totals,
        largest_gains=largest_gains,
        largest_losses=largest_losses,
        by_province=_order(_groups(per_municipality, "province_name"), pots, others, ["province_name"]),
        by_size_class=_by_size_class(per_municipality, pots, others),
        concentration=_concentration(totals, labels[baseline], others),
        top=top,
        scenario_ids=[info.label for info in infos],
    )


def _baseline_index(results: list[ScenarioResult], baseline: int) -> int:
    """The baseline's index from 0 (a negative one counts from the end); refused when out of range."""
    if len(results) < 2:
        raise InputError(f"a comparison needs at least two scenarios (a baseline and another), got {len(results)}")
    if not -len(results) <= baseline < len(results):
        raise InputError(f"baseline {baseline} is not one of the {len(results)} scenarios (0-{len(results) - 1})")
    return baseline % len(results)


def _shared_municipalities(results: list[ScenarioResult], order: list[int], labels: list[str]) -> pd.DataFrame:
    """The baseline's municipalities with what the groups need; refused when another
    scenario is on other municipalities."""
    municipalities = results[order[0]].municipalities[["gm_code", "gm_name", "province_name", "size_class",
                                                       "population"]]
    for i in order[1:]:
        if set(results[i].municipalities["gm_code"]) != set(municipalities["gm_code"]):
            raise InputError(
                f"{labels[i]}: its municipalities differ from the baseline's; both must be on the 2021 key register"
            )
    return municipalities


def _municipality_frame(ordered: list[ScenarioResult], infos: list[ScenarioInfo], pots: list[str],
                        years: dict[str, list[int]], municipalities: pd.DataFrame) -> pd.DataFrame:
    """Every other scenario against the baseline (``ordered[0]``) per municipality, pot and
    year on every level: amounts, differences, percentages, per inhabitant, band."""
    base = _long_amounts(ordered[0], pots, years).rename(columns={"amount_eur": "base_eur"})
    frames = []
    for result, info in zip(ordered[1:], infos[1:]):
        other = _long_amounts(result, pots, years).rename(columns={"amount_eur": "other_eur"})
        merged = base.merge(other, on=["pot", "year", "gm_code"], how="outer", validate="one_to_one")
        merged = merged.fillna({"base_eur": 0, "other_eur": 0})
        merged.insert(0, "scenario", info.label)
        frames.append(merged)
    frame = pd.concat(frames, ignore_index=True)
    frame["base_eur"] = frame["base_eur"].astype("int64")
    frame["other_eur"] = frame["other_eur"].astype("int64")
    frame = frame.merge(municipalities, on="gm_code", how="left")
    frame["baseline"] = infos[0].label
    frame["diff_eur"] = frame["other_eur"] - frame["base_eur"]
    frame["diff_pct"] = percent_change(frame["base_eur"].to_numpy(), frame["diff_eur"].to_numpy())
    population = frame["population"].astype(float)
    frame["diff_per_inhabitant"] = frame["diff_eur"] / population
    frame["base_per_inhabitant"] = frame["base_eur"] / population
    frame["other_per_inhabitant"] = frame["other_eur"] / population
    frame["band"] = band_of(frame["base_eur"].to_numpy(), frame["diff_eur"].to_numpy())
    return frame


def _band_counts(levels, pots: list[str], others: list[str]) -> pd.DataFrame:
    """Per scenario, pot and year (``levels``: the per-municipality frame grouped so): the
    municipalities in each band."""
    bands = levels["band"].value_counts().unstack(fill_value=0).reindex(columns=BANDS, fill_value=0)
    bands = bands.reset_index()
    bands.columns.name = None
    bands["municipalities"] = bands[BANDS].sum(axis=1)
    return _order(bands, pots, others)


def _totals(levels, pots: list[str], others: list[str]) -> pd.DataFrame:
    """Per scenario, pot and year: the totals, the money redistributed, and the Gini
    coefficients of the baseline and the other scenario."""
    totals = levels.agg(
        base_eur=("base_eur", "sum"),
        other_eur=("other_eur", "sum"),
        diff_eur=("diff_eur", "sum"),
        redistributed_eur=("diff_eur", lambda d: float(np.abs(d.to_numpy()).sum()) / 2.0),
    ).reset_index()
    gini_rows = []
    for (scenario, pot, year), group in levels:
        gini_rows.append(
            {
                "scenario": scenario,
                "pot": pot,
                "year": year,
                "gini_base": gini(group["base_eur"].to_numpy(), group["population"].to_numpy()),
                "gini_other": gini(group["other_eur"].to_numpy(), group["population"].to_numpy()),
            }
        )
    return _order(totals.merge(pd.DataFrame(gini_rows), on=["scenario", "pot", "year"]), pots, others)


def _concentration(totals: pd.DataFrame, base_label: str, others: list[str]) -> pd.DataFrame:
    """The Gini coefficients as rows: the baseline's once (with the first other scenario's
    rows), then each compared scenario's."""
    rows = []
    for row in totals.itertuples(index=False):
        if row.scenario == others[0]:
            rows.append({"scenario": base_label, "role": "baseline", "pot": row.pot, "year": row.year,
                         "gini_eur_per_inhabitant": row.gini_base})
        rows.append({"scenario": row.scenario, "role": "compared", "pot": row.pot, "year": row.year,
                     "gini_eur_per_inhabitant": row.gini_other})
    return pd.DataFrame(rows)


def _largest(per_municipality: pd.DataFrame, others: list[str], top: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per scenario, over all pots and years: the ``top`` largest gains and losses (ties by code)."""
    overall = per_municipality[(per_municipality["pot"] == ALL) & (per_municipality["year"] == ALL)]
    gains, losses = [], []
    for label in others:
        rows = overall[overall["scenario"] == label]
        gains.append(
            rows[rows["diff_eur"] > 0]
            .sort_values(["diff_eur", "gm_code"], ascending=[False, True], kind="stable")
            .head(top)
        )
        losses.append(
            rows[rows["diff_eur"] < 0]
            .sort_values(["diff_eur", "gm_code"], ascending=[True, True], kind="stable")
            .head(top)
        )
    return pd.concat(gains, ignore_index=True), pd.concat(losses, ignore_index=True)


def _by_size_class(per_municipality: pd.DataFrame, pots: list[str], others: list[str]) -> pd.DataFrame:
    """The groups by size class, the classes from small to large."""
    size_order = {label: i for i, (_, label) in enumerate(SIZE_CLASSES)}
    by_size_class = _groups(per_municipality, "size_class")
    return _order(
        by_size_class.assign(_c=by_size_class["size_class"].map(size_order)), pots, others, ["_c"]
    ).drop(columns="_c")


# --- text ------------------------------------------------------------------------------------
