"""Layer 4 (analysis): the summary ``run`` prints: totals per pot and year, the provenance of
every number, what the constraints did, and the largest recipients."""

from __future__ import annotations

from allocation.common import i18n
from allocation.common.i18n import N_, _
from allocation.common.texts import text_table
from allocation.data.keys import kind_word
from allocation.scenario.result import (
    ScenarioResult,
    allocation_table,
    published_table,
    used_keys,
)


def _kind(kind: str) -> str:
    """``sourced`` / ``assumption`` in words (``bron`` / ``aanname``)."""
    return _(_KINDS[kind]) if kind in _KINDS else kind


_KINDS = {"sourced": N_("sum_kind_sourced"), "assumption": N_("sum_kind_assumption")}


def summary_text(result: ScenarioResult, top: int = 10) -> str:
    """A readable summary in the language: totals per pot and year, provenance, and the
    largest recipients (amounts the language's way)."""
    scenario = result.scenario
    table = allocation_table(result)
    lines = [_("sum_scenario", name=scenario.name, id=result.loaded.scenario_id), ""]
    years = sorted(table["year"].unique())
    rows = [[_("sum_pot")] + [str(y) for y in years] + [_("sum_total")]]
    for pot_id in scenario.pots:
        per_year = table[table["pot"] == pot_id].groupby("year")["amount_eur"].sum()
        rows.append(
            [pot_id]
            + [i18n.number(per_year[y]) if y in per_year.index else "-" for y in years]
            + [i18n.number(per_year.sum())]
        )
    grand = table.groupby("year")["amount_eur"].sum()
    rows.append([_("sum_all_pots")] + [i18n.number(grand[y]) for y in years] + [i18n.number(grand.sum())])
    lines.append(_("sum_totals"))
    lines += text_table(rows, right=set(range(1, len(years) + 2)))
    lines.append(_("sum_municipalities", count=table["gm_code"].nunique()))
    if result.peildata:
        published = published_table(result)
        counts = published.groupby("year")["gm_code"].nunique()
        lines.append(_("sum_published"))
        for year, (date, _provenance) in sorted(result.peildata.items()):
            lines.append(_("sum_published_year", year=year, count=counts[year], date=date))
    lines.append("")
    lines.append(_("sum_provenance"))
    for pot_id, pot in scenario.pots.items():
        key_kinds = ", ".join(f"{k.name} ({kind_word(k.kind)})" for k in used_keys(result.loaded)
                              if k.name in pot.key.weights)
        year_kinds = _("sum_and").join(_kind(k) for k in pot.years.kinds())
        lines.append(_("sum_provenance_pot", pot=pot_id, budget=_kind(pot.budget.kind), years=year_kinds,
                       key=_kind(pot.key.kind), keys=key_kinds))
    lines.append("")
    lines += constraint_summary_lines(result)
    totals = table.groupby(["gm_code", "gm_name"], as_index=False)["amount_eur"].sum()
    totals = totals.sort_values(["amount_eur", "gm_code"], ascending=[False, True]).head(top)
    lines.append(_("sum_largest"))
    rows = [[code, name, i18n.number(amount)] for code, name, amount in totals.itertuples(index=False)]
    lines += text_table(rows, right={2})
    return "\n".join(lines) + "\n"


def constraint_summary_lines(result: ScenarioResult) -> list[str]:
    """Compact bound report: per pot-year and constraint, how many municipalities sit on it
    and what it cost or gave them against the pure key; and the factor on the key for the rest."""
    lines = []
    for pot_id, info in result.constrained.items():
        report = result.bound_report(pot_id)
        pot = result.scenario.pots[pot_id]
        lines.append(_("sum_constraints", pot=pot_id))
        joint = info.joint
        if joint:
            lines.append(_("sum_joint", solver=info.solver))
        for year, scale in sorted(info.scales.items()):
            part = report[report["year"] == year]
            if joint:
                lines.append(f"  {year}:" + ("" if not part.empty else _("sum_pure_key")))
            elif part.empty:
                lines.append(_("sum_no_binding", year=year, factor=i18n.share(scale)))
                continue
            if not joint:
                lines.append(_("sum_factor", year=year, factor=i18n.share(scale)))
            grouped = part.groupby("constraint", sort=True).agg(
                count=("gm_code", "size"), effect=("effect_eur", "sum")
            )
            for constraint, row in grouped.iterrows():
                lines.append(_("sum_on_constraint", count=f"{int(row['count']):>3}", constraint=constraint,
                               effect=i18n.signed_eur(int(row["effect"]))))
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
        lines.append(_("sum_constraint_provenance", kinds=", ".join(_kind(k) for k in sorted(set(provenance))) or "-"))
    if lines:
        lines.append("")
    return lines
