"""Layer 4: comparing scenarios, for negotiations (who gains, who loses, by how much).

:func:`compare` takes two or more :class:`~allocation.scenario.ScenarioResult` objects,
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
:class:`~allocation.errors.InputError` explaining the mismatch.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from allocation.data import SIZE_CLASSES
from allocation.errors import InputError, euro
from allocation.scenario import ScenarioResult, used_keys

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

    def summary_text(self, top: int = 5) -> str:
        """A readable summary for the terminal or an e-mail."""
        return _summary_text(self, top)


# --- building the comparison ----------------------------------------------------------------


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
        key.name: f"[{key.kind}] {key.label}; source: {key.source}; vintage {key.vintage}" + (f"; note: {key.note}" if key.note else "")
        for key in used_keys(result.loaded)
    }
    lines = []
    for pot_id, pot in scenario.pots.items():
        lines.append(f"{pot_id} ({pot.label}): budget {euro(pot.budget.amount_eur)}; {pot.budget.provenance}")
        for year in pot.years.values():
            lines.append(f"{pot_id} year {year}: {euro(budgets.get((pot_id, year), 0))}; {pot.years.provenance(year)}")
        weights = ", ".join(f"{name} {weight:g} [{kinds.get(name, '?')}]" for name, weight in sorted(pot.key.weights.items()))
        vast = f"vast bedrag {euro(pot.key.vast_bedrag_eur)} per municipality per year, then " if pot.key.vast_bedrag_eur else ""
        lines.append(f"{pot_id} key: {vast}{weights}; {pot.key.provenance}")
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
            notes.append(
                f"Pot {pot_id!r} of {info.label} is left out: it is not in {', '.join(missing_in)}. "
                "Only pots present in every scenario are compared."
            )
    years: dict[str, list[int]] = {}
    for pot_id in pots:
        common = sorted(set.intersection(*(set(info.pots[pot_id]) for info in infos)))
        every = sorted(set.union(*(set(info.pots[pot_id]) for info in infos)))
        for year in every:
            if year not in common:
                having = [info.label for info in infos if year in info.pots[pot_id]]
                notes.append(
                    f"Pot {pot_id!r}, year {year} is left out: only {', '.join(having)} pay(s) in that year. "
                    "Only years present in every scenario are compared."
                )
        if common:
            years[pot_id] = common
        else:
            spans = "; ".join(f"{info.label}: {', '.join(map(str, info.pots[pot_id]))}" for info in infos)
            notes.append(f"Pot {pot_id!r} is left out: the scenarios share no payment year ({spans}).")
    pots = [p for p in pots if p in years]
    if not pots:
        described = "; ".join(
            f"{info.label} has " + (", ".join(f"{p} ({min(y)}-{max(y)})" for p, y in info.pots.items()) or "no pots")
            for info in infos
        )
        raise InputError(
            "the scenarios have no pot and payment year in common, so there is nothing to compare: "
            f"{described}. Give the pots the same ids (the keys under `pots:`) and overlapping years"
        )
    for info in infos[1:]:
        for pot_id in pots:
            for year in years[pot_id]:
                base, other = baseline.budgets[(pot_id, year)], info.budgets[(pot_id, year)]
                if base != other:
                    notes.append(
                        f"Pot {pot_id!r}, year {year}: the budget is {euro(base)} in {baseline.label} and "
                        f"{euro(other)} in {info.label} (net {euro(other - base)}); differences there are "
                        "partly new or withdrawn money, not only redistribution."
                    )
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
    grouped = frame.groupby(keys, sort=False, as_index=False).agg(
        municipalities=("gm_code", "size"),
        population=("population", "sum"),
        base_eur=("base_eur", "sum"),
        other_eur=("other_eur", "sum"),
        diff_eur=("diff_eur", "sum"),
        gaining=("band", lambda b: int(b.isin(BANDS[:2]).sum())),
        losing=("band", lambda b: int(b.isin(BANDS[3:]).sum())),
    )
    grouped["diff_pct"] = percent_change(grouped["base_eur"].to_numpy(), grouped["diff_eur"].to_numpy())
    grouped["diff_per_inhabitant"] = grouped["diff_eur"] / grouped["population"]
    return grouped[keys + GROUP_COLUMNS]


def _order(frame: pd.DataFrame, pots: list[str], labels: list[str], extra: list[str] | None = None) -> pd.DataFrame:
    """Sort by scenario (given order), pot (baseline order, 'all' last), year ('all' last)."""
    sort = frame.assign(
        _s=frame["scenario"].map({label: i for i, label in enumerate(labels)}),
        _p=frame["pot"].map({pot: i for i, pot in enumerate(pots + [ALL])}),
        _y=frame["year"].map(lambda y: 9999 if y == ALL else int(y)),
    )
    return sort.sort_values(["_s", "_p", "_y"] + (extra or []), kind="stable").drop(columns=["_s", "_p", "_y"]).reset_index(drop=True)


def compare(results: list[ScenarioResult], baseline: int = 0, top: int = 10) -> Comparison:
    """Compare every scenario result with ``results[baseline]``.

    Raises :class:`InputError` with fewer than two results, a baseline index out of range,
    or scenarios without any pot and payment year in common.
    """
    results = list(results)
    if len(results) < 2:
        raise InputError(f"a comparison needs at least two scenarios (a baseline and another), got {len(results)}")
    if not -len(results) <= baseline < len(results):
        raise InputError(f"baseline {baseline} is not one of the {len(results)} scenarios (0-{len(results) - 1})")
    baseline = baseline % len(results)
    labels = _labels(results)
    order = [baseline] + [i for i in range(len(results)) if i != baseline]
    infos = [_info(results[i], labels[i]) for i in order]
    pots, years, notes = _overlap(infos)

    base_result = results[baseline]
    municipalities = base_result.municipalities[["gm_code", "gm_name", "province_name", "size_class", "population"]]
    for i in order[1:]:
        if set(results[i].municipalities["gm_code"]) != set(municipalities["gm_code"]):
            raise InputError(f"{labels[i]}: its municipalities differ from the baseline's; both must be on the 2021 key register")

    amounts = {labels[i]: _long_amounts(results[i], pots, years) for i in order}
    base_label = labels[baseline]
    base = amounts[base_label].rename(columns={"amount_eur": "base_eur"})
    frames = []
    for info in infos[1:]:
        other = amounts[info.label].rename(columns={"amount_eur": "other_eur"})
        merged = base.merge(other, on=["pot", "year", "gm_code"], how="outer", validate="one_to_one")
        merged = merged.fillna({"base_eur": 0, "other_eur": 0})
        merged.insert(0, "scenario", info.label)
        frames.append(merged)
    frame = pd.concat(frames, ignore_index=True)
    frame["base_eur"] = frame["base_eur"].astype("int64")
    frame["other_eur"] = frame["other_eur"].astype("int64")
    frame = frame.merge(municipalities, on="gm_code", how="left")
    frame["baseline"] = base_label
    frame["diff_eur"] = frame["other_eur"] - frame["base_eur"]
    frame["diff_pct"] = percent_change(frame["base_eur"].to_numpy(), frame["diff_eur"].to_numpy())
    population = frame["population"].astype(float)
    frame["diff_per_inhabitant"] = frame["diff_eur"] / population
    frame["base_per_inhabitant"] = frame["base_eur"] / population
    frame["other_per_inhabitant"] = frame["other_eur"] / population
    frame["band"] = band_of(frame["base_eur"].to_numpy(), frame["diff_eur"].to_numpy())
    others = [info.label for info in infos[1:]]
    per_municipality = _order(frame[MUNICIPALITY_COLUMNS], pots, others, ["gm_code"])

    levels = per_municipality.groupby(["scenario", "pot", "year"], sort=False)
    bands = levels["band"].value_counts().unstack(fill_value=0).reindex(columns=BANDS, fill_value=0)
    bands = bands.reset_index()
    bands.columns.name = None
    bands["municipalities"] = bands[BANDS].sum(axis=1)
    bands = _order(bands, pots, others)

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
    totals = _order(totals.merge(pd.DataFrame(gini_rows), on=["scenario", "pot", "year"]), pots, others)

    concentration_rows = []
    for row in totals.itertuples(index=False):
        if row.scenario == others[0]:
            concentration_rows.append({"scenario": base_label, "role": "baseline", "pot": row.pot, "year": row.year, "gini_eur_per_inhabitant": row.gini_base})
        concentration_rows.append({"scenario": row.scenario, "role": "compared", "pot": row.pot, "year": row.year, "gini_eur_per_inhabitant": row.gini_other})
    concentration = pd.DataFrame(concentration_rows)

    overall = per_municipality[(per_municipality["pot"] == ALL) & (per_municipality["year"] == ALL)]
    gains, losses = [], []
    for label in others:
        rows = overall[overall["scenario"] == label]
        gains.append(rows[rows["diff_eur"] > 0].sort_values(["diff_eur", "gm_code"], ascending=[False, True], kind="stable").head(top))
        losses.append(rows[rows["diff_eur"] < 0].sort_values(["diff_eur", "gm_code"], ascending=[True, True], kind="stable").head(top))
    largest_gains = pd.concat(gains, ignore_index=True)
    largest_losses = pd.concat(losses, ignore_index=True)

    by_province = _order(_groups(per_municipality, "province_name"), pots, others, ["province_name"])
    size_order = {label: i for i, (_, label) in enumerate(SIZE_CLASSES)}
    by_size_class = _groups(per_municipality, "size_class")
    by_size_class = _order(by_size_class.assign(_c=by_size_class["size_class"].map(size_order)), pots, others, ["_c"]).drop(columns="_c")

    return Comparison(
        baseline=infos[0],
        others=infos[1:],
        pots=pots,
        years=years,
        notes=notes,
        per_municipality=per_municipality,
        bands=bands,
        totals=totals,
        largest_gains=largest_gains,
        largest_losses=largest_losses,
        by_province=by_province,
        by_size_class=by_size_class,
        concentration=concentration,
        top=top,
        scenario_ids=[info.label for info in infos],
    )


# --- text ------------------------------------------------------------------------------------


def _rows_to_lines(rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  " + "  ".join(c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(row)).rstrip()
        for row in rows
    ]


def _pct(value: float) -> str:
    return "n/a" if value != value else f"{value:+.2f}%"


def _summary_text(comparison: Comparison, top: int) -> str:
    base = comparison.baseline
    lines = [f"Baseline: {base.name} ({base.label})"]
    for info in comparison.others:
        lines.append(f"Compared: {info.name} ({info.label})")
    compared = "; ".join(
        f"{pot} {min(comparison.years[pot])}-{max(comparison.years[pot])}" if len(comparison.years[pot]) > 1 else f"{pot} {comparison.years[pot][0]}"
        for pot in comparison.pots
    )
    count = comparison.per_municipality["gm_code"].nunique()
    lines.append(f"Compared pots and years: {compared}; {count} municipalities of the 2021 key register")
    for note in comparison.notes:
        lines.append(f"NOTE: {note}")
    lines.append(
        "Amounts are this product's own computation under each scenario's stated assumptions, not published circular amounts."
    )
    overview = comparison.totals.merge(comparison.bands, on=["scenario", "pot", "year"])
    overview = overview[(overview["pot"] == ALL) & (overview["year"] == ALL)]
    lines += ["", f"Overview against {base.label} (all compared pots and years):"]
    rows = [["scenario", "net EUR", "redistributed EUR", "gaining", "no change", "losing", "Gini base", "Gini scen."]]
    for _, row in overview.iterrows():
        gaining, unchanged, losing = int(row[BANDS[:2]].sum()), int(row[BANDS[2]]), int(row[BANDS[3:]].sum())
        rows.append(
            [row["scenario"], f"{row['diff_eur']:+,}", f"{row['redistributed_eur']:,.0f}", str(gaining), str(unchanged),
             str(losing), f"{row['gini_base']:.4f}", f"{row['gini_other']:.4f}"]
        )
    lines += _rows_to_lines(rows, right={1, 2, 3, 4, 5, 6, 7})
    for info in comparison.others:
        label = info.label
        totals = comparison.totals[comparison.totals["scenario"] == label]
        lines += ["", f"== {label} against {base.label} =="]
        rows = [["pot", "year", "baseline EUR", "scenario EUR", "net EUR", "redistributed EUR", "Gini base", "Gini scen."]]
        for row in totals[totals["year"] == ALL].itertuples(index=False):
            rows.append(
                [row.pot, row.year, f"{row.base_eur:,}", f"{row.other_eur:,}", f"{row.diff_eur:+,}", f"{row.redistributed_eur:,.0f}", f"{row.gini_base:.4f}", f"{row.gini_other:.4f}"]
            )
        lines.append("Totals (all compared years):")
        lines += _rows_to_lines(rows, right={2, 3, 4, 5, 6, 7})
        band_row = comparison.bands[(comparison.bands["scenario"] == label) & (comparison.bands["pot"] == ALL) & (comparison.bands["year"] == ALL)].iloc[0]
        lines.append("Municipalities per band (all pots and years):")
        lines += _rows_to_lines([[band, f"{int(band_row[band])}"] for band in BANDS] + [["total", f"{int(band_row['municipalities'])}"]], right={1})
        for title, frame in (("Largest gains", comparison.largest_gains), ("Largest losses", comparison.largest_losses)):
            chosen = frame[frame["scenario"] == label].head(top)
            lines.append(f"{title} (all pots and years):")
            if chosen.empty:
                lines.append("  none")
                continue
            lines += _rows_to_lines(
                [[r.gm_code, r.gm_name, f"{r.diff_eur:+,}", _pct(r.diff_pct), f"{r.diff_per_inhabitant:+.2f}/inh."] for r in chosen.itertuples(index=False)],
                right={2, 3, 4},
            )
        sizes = comparison.by_size_class
        sizes = sizes[(sizes["scenario"] == label) & (sizes["pot"] == ALL) & (sizes["year"] == ALL)]
        lines.append("By size class (CBS gemeentegrootteklasse, inhabitants 30-04-2021), all pots and years:")
        rows = [["size class", "munic.", "net EUR", "change", "EUR/inh.", "gain", "loss"]]
        rows += [
            [r.size_class, str(r.municipalities), f"{r.diff_eur:+,}", _pct(r.diff_pct), f"{r.diff_per_inhabitant:+.3f}", str(r.gaining), str(r.losing)]
            for r in sizes.itertuples(index=False)
        ]
        lines += _rows_to_lines(rows, right={1, 2, 3, 4, 5, 6})
        provinces = comparison.by_province
        provinces = provinces[(provinces["scenario"] == label) & (provinces["pot"] == ALL) & (provinces["year"] == ALL)]
        lines.append("By province, all pots and years:")
        rows = [["province", "munic.", "net EUR", "change", "EUR/inh."]]
        rows += [
            [r.province_name, str(r.municipalities), f"{r.diff_eur:+,}", _pct(r.diff_pct), f"{r.diff_per_inhabitant:+.3f}"]
            for r in provinces.itertuples(index=False)
        ]
        lines += _rows_to_lines(rows, right={1, 2, 3, 4})
    return "\n".join(lines) + "\n"


# --- files -----------------------------------------------------------------------------------


def definitions() -> list[tuple[str, str]]:
    """The definitions used in a comparison, as (term, meaning) pairs."""
    return [
        ("base_eur / other_eur", "Whole euros for the municipality in the baseline / the compared scenario (2021 key register)."),
        ("diff_eur", "other_eur - base_eur (exact, whole euros)."),
        ("diff_pct", "diff_eur / base_eur x 100. 0 when both amounts are 0; empty when only the baseline amount is 0 (undefined)."),
        ("diff_per_inhabitant", "diff_eur / inhabitants (CBS, 30 April 2021)."),
        ("bands", "gain > 5%; gain 0.1-5% (more than 0.1%, at most 5%); no change (within +-0.1%, bounds included); loss 0.1-5%; loss > 5%. A municipality with 0 in the baseline and money in the compared scenario counts as gain > 5%."),
        ("redistributed_eur", "Half the sum of the absolute differences: the money that moves from losers to gainers when both scenarios spend the same total."),
        ("Gini", "Gini coefficient of euros per inhabitant, weighted by inhabitants: 0 = every inhabitant gets the same amount; higher = more concentrated."),
        ("pot / year = all", "Summed over the compared pots / payment years."),
        ("size_class", "CBS gemeentegrootteklasse by inhabitants on 30 April 2021."),
        ("gaining / losing", "Municipalities in a gain band / a loss band (beyond +-0.1%)."),
    ]


def notes_table(comparison: Comparison) -> pd.DataFrame:
    """The notes sheet: scenarios, their assumptions, the overlap notes and the definitions."""
    rows: list[tuple[str, str, str]] = [
        ("comparison", "baseline", f"{comparison.baseline.name} ({comparison.baseline.label})"),
    ]
    for info in comparison.others:
        rows.append(("comparison", "compared", f"{info.name} ({info.label})"))
    rows.append(("comparison", "compared pots and years", "; ".join(f"{p}: {', '.join(map(str, comparison.years[p]))}" for p in comparison.pots)))
    rows.append(("comparison", "register", "All amounts on the 352 municipalities of the 2021 key register."))
    rows.append(
        (
            "comparison",
            "status",
            "Per-municipality amounts are this product's own computation under the assumptions below; the 2021 "
            "circular annexes for these pots were not found in public copies. Key kinds: real = published data "
            "used for what it measures; proxy = published data standing in for a quantity that is not public; "
            "assumption = chosen by the analyst.",
        )
    )
    for note in comparison.notes:
        rows.append(("comparison", "note", note))
    for info in [comparison.baseline] + comparison.others:
        role = "baseline" if info is comparison.baseline else "compared"
        rows.append((info.label, "role", role))
        rows.append((info.label, "name", info.name))
        rows.append((info.label, "description", info.description))
        rows.append((info.label, "file", f"{info.origin} (sha256 {info.content_hash[:12]})"))
        for line in info.assumptions:
            rows.append((info.label, "assumption/source", line))
    described: dict[str, str] = {}
    for info in [comparison.baseline] + comparison.others:
        for name, text in info.keys.items():
            described.setdefault(name, text)
    for name, text in sorted(described.items()):
        rows.append(("key", name, text))
    for term, meaning in definitions():
        rows.append(("definition", term, meaning))
    return pd.DataFrame(rows, columns=["about", "item", "text"])


def comparison_views(comparison: Comparison) -> list[tuple[str, str, pd.DataFrame]]:
    """(sheet name, file suffix, frame) for every view."""
    summary = comparison.totals.merge(comparison.bands, on=["scenario", "pot", "year"])
    return [
        ("Summary", "summary", summary),
        ("Per municipality", "municipality-totals", comparison.municipality_totals()),
        ("Per pot and year", "per-municipality", comparison.per_municipality),
        ("Bands", "bands", comparison.bands),
        ("Largest gains", "largest-gains", comparison.largest_gains),
        ("Largest losses", "largest-losses", comparison.largest_losses),
        ("By province", "by-province", comparison.by_province),
        ("By size class", "by-size-class", comparison.by_size_class),
        ("Concentration", "concentration", comparison.concentration),
        ("Notes", "notes", notes_table(comparison)),
    ]


def file_stem(comparison: Comparison) -> str:
    """``comparison-<baseline>-vs-<other>[-<other>...]`` (``-vs-<n>-scenarios`` when that gets long)."""
    others = "-".join(info.label for info in comparison.others)
    if len(others) > 60:
        others = f"{len(comparison.others)}-scenarios"
    return f"comparison-{comparison.baseline.label}-vs-{others}"


_EURO_COLUMNS = {"base_eur", "other_eur", "diff_eur", "redistributed_eur"}
_FORMATS = {
    "diff_pct": "0.00",
    "diff_per_inhabitant": "0.000",
    "base_per_inhabitant": "0.000",
    "other_per_inhabitant": "0.000",
    "gini_base": "0.0000",
    "gini_other": "0.0000",
    "gini_eur_per_inhabitant": "0.0000",
    "population": "#,##0",
}


def comparison_workbook(comparison: Comparison) -> bytes:
    """The comparison as an xlsx workbook in memory: a sheet per view and a notes sheet."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for sheet, _, frame in comparison_views(comparison):
            frame.to_excel(writer, sheet_name=sheet, index=False)
            worksheet = writer.sheets[sheet]
            worksheet.freeze_panes = "A2"
            if len(frame):
                worksheet.auto_filter.ref = worksheet.dimensions
            for column_index, column in enumerate(frame.columns, start=1):
                letter = get_column_letter(column_index)
                worksheet[f"{letter}1"].font = Font(bold=True)
                number_format = "#,##0" if column in _EURO_COLUMNS or column in BANDS else _FORMATS.get(column)
                if sheet == "Notes":
                    width = {"about": 24, "item": 26, "text": 120}[column]
                else:
                    sample = [len(str(v)) for v in frame[column].head(200)]
                    width = min(60, max([len(str(column))] + sample) + 2)
                    if number_format:
                        width = max(width, 12)
                worksheet.column_dimensions[letter].width = width
                if number_format:
                    for cell in worksheet[letter][1:]:
                        cell.number_format = number_format
            if sheet == "Notes":
                for cell in worksheet["C"][1:]:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
    return buffer.getvalue()


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n", float_format="%.6f").encode("utf-8")


def comparison_files(comparison: Comparison) -> dict[str, bytes]:
    """The workbook and one CSV per view (UTF-8, LF), by file name."""
    stem = file_stem(comparison)
    files = {f"{stem}.xlsx": comparison_workbook(comparison)}
    for _, suffix, frame in comparison_views(comparison):
        files[f"{stem}-{suffix}.csv"] = _csv(frame)
    return files
