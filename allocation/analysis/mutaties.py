"""Layer 4 (analysis): mutaties, the change per municipality and payment year against a
published table, as a circular is read against the previous one.

Both sides are on each payment year's own register (the one in force on the scenario's
peildatum), where the published tables live. A baseline on an earlier register (a table
of 2022 with Landerd and Uden for a payment year whose register has Maashorst) is restated
the way ``run`` restates: a merged municipality is the sum of its predecessors, a split is
divided by its weights. A baseline code that is on no register up to that year's, a pot or
a payment year that only one side has, is an error or a note, never silently dropped.

``mutatie_eur = scenario_eur - baseline_eur``; ``mutatie_pct = mutatie_eur / baseline_eur x
100`` (0 when both are 0, empty when only the baseline is 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from allocation.analysis.compare import percent_change
from allocation.common.errors import InputError
from allocation.common.texts import capped, listed, quoted, signed_pct, text_table
from allocation.data.registers import load_mergers, load_register, register_dates
from allocation.engine.restate import RestatementError, restate
from allocation.scenario.result import ScenarioResult

COLUMNS = ["pot", "year", "gm_code", "gm_name", "baseline_eur", "scenario_eur", "mutatie_eur", "mutatie_pct"]
TOTAL_COLUMNS = ["pot", "year", "baseline_eur", "scenario_eur", "mutatie_eur", "mutatie_pct"]


@dataclass
class Mutaties:
    """The scenario against a published baseline, per municipality, pot and payment year."""

    baseline: str  # the baseline's name (a file name or a scenario id)
    scenario: str
    table: pd.DataFrame  # COLUMNS
    totals: pd.DataFrame  # TOTAL_COLUMNS, per pot and year
    notes: list[str] = field(default_factory=list)


def _register_of(codes: set[str], data_dir: Path) -> str | None:
    for date in register_dates(data_dir):
        if set(load_register(date, data_dir)["gm_code"]) == codes:
            return date
    return None


def _on_register(amounts: pd.Series, target: pd.DataFrame, peildatum: str, where: str,
                 data_dir: Path) -> pd.Series:
    """The baseline amounts of one pot-year on the target register (restated when earlier;
    ``data_dir``: the registers and mergers the scenario ran on)."""
    codes = set(amounts.index)
    wanted = set(target["gm_code"])
    if codes == wanted:
        return amounts
    date = _register_of(codes, data_dir)
    if date is not None and date < peildatum:
        try:
            return restate(amounts, load_mergers(data_dir), after=date, until=peildatum)
        except RestatementError as exc:
            raise InputError([f"{where}: {p}" for p in exc.problems]) from None
    foreign = sorted(codes - wanted)
    absent = sorted(wanted - codes)
    parts = []
    if foreign:
        parts.append(f"codes not on the register of {peildatum}: {', '.join(foreign[:8])}"
                     f"{' ...' if len(foreign) > 8 else ''}")
    if absent:
        parts.append(f"{len(absent)} municipalities of that register missing: {', '.join(absent[:8])}"
                     f"{' ...' if len(absent) > 8 else ''}")
    raise InputError(f"{where}: the table does not match the register of {peildatum} ({'; '.join(parts)}); give "
                     "one row per municipality of one register")


def mutaties(baseline: pd.DataFrame, result: ScenarioResult, baseline_name: str) -> Mutaties:
    """The scenario's published amounts against ``baseline`` (long: pot, year, gm_code, amount_eur)."""
    scenario_pots = list(result.scenario.pots)
    base_pots = list(dict.fromkeys(baseline["pot"]))
    notes = capped([f"Pot {quoted(pot)} of {baseline_name} is not in the scenario; left out." for pot in base_pots
                    if pot not in scenario_pots], f"And {{count}} more pots of {baseline_name} not in the scenario; "
                   "left out.")
    notes += [f"Pot {quoted(pot)} of the scenario is not in {baseline_name}; left out." for pot in scenario_pots
              if pot not in base_pots]
    pots = [pot for pot in scenario_pots if pot in base_pots]
    if not pots:
        raise InputError(f"{baseline_name}: no pot in common with the scenario (the table has "
                         f"{listed(map(str, base_pots)) or 'none'}; the scenario has {listed(scenario_pots)}); "
                         "name the pot (--pot POT) or use the scenario's pot ids")
    published = result.published
    frames, problems = [], []
    for pot in pots:
        base_years = set(baseline.loc[baseline["pot"] == pot, "year"])
        scenario_years = set(published.loc[published["pot"] == pot, "year"])
        notes += [f"Pot {quoted(pot)}, year {year}: only in {baseline_name}; left out." for year in sorted(base_years
                                                                                                   - scenario_years)]
        notes += [f"Pot {quoted(pot)}, year {year}: not in {baseline_name}; left out." for year in sorted(scenario_years
                                                                                                  - base_years)]
        for year in sorted(base_years & scenario_years):
            rows = baseline[(baseline["pot"] == pot) & (baseline["year"] == year)]
            amounts = rows.set_index("gm_code")["amount_eur"].astype("int64")
            peildatum = result.peildata[year][0]
            try:
                base = _on_register(amounts, result.registers[year], peildatum, f"{baseline_name}: pot {pot} {year}",
                                    result.data_dir)
            except InputError as exc:
                problems += exc.problems
                continue
            other = published[(published["pot"] == pot) & (published["year"] == year)].set_index("gm_code")
            frame = pd.DataFrame({
                "pot": pot, "year": int(year), "gm_code": other.index, "gm_name": other["gm_name"].to_numpy(),
                "baseline_eur": base.reindex(other.index).to_numpy(dtype="int64"),
                "scenario_eur": other["amount_eur"].to_numpy(dtype="int64"),
            })
            frames.append(frame)
    if problems:
        raise InputError(problems)
    table = pd.concat(frames, ignore_index=True)
    table["mutatie_eur"] = table["scenario_eur"] - table["baseline_eur"]
    table["mutatie_pct"] = percent_change(table["baseline_eur"].to_numpy(), table["mutatie_eur"].to_numpy())
    totals = table.groupby(["pot", "year"], sort=False, as_index=False)[["baseline_eur", "scenario_eur",
                                                                          "mutatie_eur"]].sum()
    totals["mutatie_pct"] = percent_change(totals["baseline_eur"].to_numpy(), totals["mutatie_eur"].to_numpy())
    return Mutaties(baseline_name, result.loaded.scenario_id, table[COLUMNS], totals[TOTAL_COLUMNS], notes)


def mutaties_text(found: Mutaties, top: int = 5) -> str:
    """A readable summary: the totals per pot and year, and the largest mutaties."""
    lines = [f"Mutaties of {found.scenario} against {found.baseline} (on each payment year's register):"]
    rows = [["pot", "year", "baseline EUR", "scenario EUR", "mutatie EUR", "mutatie"]]
    rows += [[r.pot, str(r.year), f"{r.baseline_eur:,}", f"{r.scenario_eur:,}", f"{r.mutatie_eur:+,}",
              signed_pct(r.mutatie_pct)] for r in found.totals.itertuples(index=False)]
    lines += text_table(rows, right={2, 3, 4, 5})
    for note in found.notes:
        lines.append(f"NOTE: {note}")
    table = found.table
    for title, chosen in (("Largest decreases", table.nsmallest(top, "mutatie_eur")),
                          ("Largest increases", table.nlargest(top, "mutatie_eur"))):
        chosen = chosen[chosen["mutatie_eur"] != 0]
        lines.append(f"{title}:")
        if chosen.empty:
            lines.append("  none")
            continue
        lines += text_table([[r.pot, str(r.year), r.gm_code, r.gm_name, f"{r.mutatie_eur:+,}",
                              signed_pct(r.mutatie_pct)] for r in chosen.itertuples(index=False)], right={4, 5})
    return "\n".join(lines) + "\n"
