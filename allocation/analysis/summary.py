"""Layer 4 (analysis): the summary ``run`` prints: totals per pot and year, the provenance of
every number, what the constraints did, and the largest recipients."""

from __future__ import annotations

from allocation.common.texts import text_table
from allocation.scenario.result import (
    ScenarioResult,
    allocation_table,
    published_table,
    used_keys,
)


def summary_text(result: ScenarioResult, top: int = 10) -> str:
    """A readable summary: totals per pot and year, provenance, and the largest recipients."""
    scenario = result.scenario
    table = allocation_table(result)
    lines = [f"Scenario: {scenario.name} ({result.loaded.scenario_id})", ""]
    years = sorted(table["year"].unique())
    rows = [["pot"] + [str(y) for y in years] + ["total"]]
    for pot_id in scenario.pots:
        per_year = table[table["pot"] == pot_id].groupby("year")["amount_eur"].sum()
        rows.append(
            [pot_id]
            + [f"{per_year[y]:,}" if y in per_year.index else "-" for y in years]
            + [f"{per_year.sum():,}"]
        )
    grand = table.groupby("year")["amount_eur"].sum()
    rows.append(["all pots"] + [f"{grand[y]:,}" for y in years] + [f"{grand.sum():,}"])
    lines.append("Totals per pot and payment year (EUR):")
    lines += text_table(rows, right=set(range(1, len(years) + 2)))
    lines.append(f"  {table['gm_code'].nunique()} municipalities on the 2021 register")
    if result.peildata:
        published = published_table(result)
        counts = published.groupby("year")["gm_code"].nunique()
        lines.append("Published per payment year on the register in force on its peildatum:")
        for year, (date, _) in sorted(result.peildata.items()):
            lines.append(f"  {year}: {counts[year]} municipalities (register of {date})")
    lines.append("")
    lines.append("Provenance:")
    for pot_id, pot in scenario.pots.items():
        key_kinds = ", ".join(f"{k.name} ({k.kind})" for k in used_keys(result.loaded) if k.name in pot.key.weights)
        lines.append(
            f"  {pot_id}: budget {pot.budget.kind}; years {pot.years.kinds_text()}; key {pot.key.kind}: {key_kinds}"
        )
    lines.append("")
    lines += constraint_summary_lines(result)
    totals = table.groupby(["gm_code", "gm_name"], as_index=False)["amount_eur"].sum()
    totals = totals.sort_values(["amount_eur", "gm_code"], ascending=[False, True]).head(top)
    lines.append("Largest recipients, all pots and years (EUR):")
    rows = [[code, name, f"{amount:,}"] for code, name, amount in totals.itertuples(index=False)]
    lines += text_table(rows, right={2})
    return "\n".join(lines) + "\n"


def constraint_summary_lines(result: ScenarioResult) -> list[str]:
    """Compact bound report: per pot-year and constraint, how many municipalities sit on it
    and what it cost or gave them against the pure key; and the factor on the key for the rest."""
    lines = []
    for pot_id, info in result.constrained.items():
        report = result.bound_report(pot_id)
        pot = result.scenario.pots[pot_id]
        lines.append(f"Constraints in {pot_id} (bound municipalities; effect = amount - pure key amount):")
        joint = info.joint
        if joint:
            lines.append(
                f"  allocated jointly over all payment years ({info.solver}) because the year band could not hold "
                "year by year: closest to the key in the least sum of relative deviations; no single factor per year"
            )
        for year, scale in sorted(info.scales.items()):
            part = report[report["year"] == year]
            if joint:
                lines.append(f"  {year}:" + ("" if not part.empty else " every municipality gets its pure-key amount"))
            elif part.empty:
                lines.append(f"  {year}: no constraint binds (factor {scale:.6f})")
                continue
            if not joint:
                lines.append(
                    f"  {year}: the other municipalities get {scale:.6f} x their pure-key amount (after any "
                    "vast bedrag)"
                )
            grouped = part.groupby("constraint", sort=True).agg(
                count=("gm_code", "size"), effect=("effect_eur", "sum")
            )
            for constraint, row in grouped.iterrows():
                lines.append(f"    {int(row['count']):>3} on {constraint}: {int(row['effect']):+,} EUR in all")
        provenance = []
        spec = pot.constraints
        if spec is not None:
            for entry in list(spec.minimum) + list(spec.maximum):
                provenance.append(entry.kind)
            for entry in (spec.transition, spec.year_band):
                if entry is not None:
                    provenance.append(entry.kind)
            provenance += [entry.kind for entry in spec.groups]
        provenance += [cap.kind for cap in result.scenario.cross_pot if cap.pots is None or pot_id in cap.pots]
        lines.append(f"  constraint provenance: {', '.join(sorted(set(provenance))) or '-'}")
    if lines:
        lines.append("")
    return lines
