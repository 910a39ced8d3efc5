"""Layer 4 (analysis): how a municipality's amounts follow from the keys, so that it can
recompute them: key values and shares, the combined share, the vast bedrag, the factor of
the constraints, and the rounding."""

from __future__ import annotations

from allocation.common.texts import euro
from allocation.scenario.result import ScenarioResult


def explanation_text(result: ScenarioResult, gm_code: str) -> str:
    """How a municipality's amounts follow from the keys, so that it can recompute them."""
    lines = []
    for pot_id, pot in result.scenario.pots.items():
        detail = result.explanation(pot_id)
        rows = detail[detail["gm_code"] == gm_code]
        if rows.empty:
            continue
        first = rows.iloc[0]
        lines.append(f"{pot.label} ({pot_id}) for {first['gm_name']} ({gm_code})")
        for key_name, weight in sorted(pot.key.weights.items()):
            key = result.loaded.keys[key_name]
            total = key.values.sum()
            lines.append(
                f"  key {key_name} [{key.kind}]: {first[f'value:{key_name}']:,.2f} {key.unit} of {total:,.2f} "
                f"= share {first[f'share:{key_name}']:.8f}, weight {weight:g}"
            )
        lines.append(f"  combined share: {first['combined_share']:.10f}   ({pot.key.provenance})")
        info = result.constrained.get(pot_id)
        bound = {}
        if info is not None:
            report = info.report[info.report["gm_code"] == gm_code]
            bound = {int(r.year): r.constraint for r in report.itertuples(index=False)}
        for row in rows.itertuples(index=False):
            vast = f"{euro(row.vast_bedrag)} + " if row.vast_bedrag else ""
            if info is None:
                lines.append(
                    f"  {row.year}: {vast}{row.combined_share:.10f} x {euro(row.variable_budget)} = "
                    f"{row.exact_amount:,.2f} -> {euro(row.amount_eur)} (rounding {row.rounding_eur:+.2f})"
                )
            elif row.year in bound:
                lines.append(
                    f"  {row.year}: sits on {bound[row.year]} -> {euro(row.amount_eur)} "
                    f"(the pure key would give {vast}{row.combined_share:.10f} x {euro(row.variable_budget)})"
                )
            elif info.joint:
                lines.append(
                    f"  {row.year}: {euro(row.amount_eur)}, its pure-key amount {vast}{row.combined_share:.10f} x "
                    f"{euro(row.variable_budget)} (the pot was allocated jointly over all payment years, {info.solver})"
                )
            else:
                factor = info.scales[row.year]
                lines.append(
                    f"  {row.year}: {vast}{factor:.10f} x {row.combined_share:.10f} x {euro(row.variable_budget)} = "
                    f"{row.exact_amount:,.2f} -> {euro(row.amount_eur)} (rounding {row.rounding_eur:+.2f}; "
                    f"{factor:.10f} is the pot-year's factor for municipalities no constraint holds)"
                )
        lines.append("")
    if not lines:
        return f"{gm_code} is not a municipality of the 2021 register\n"
    lines.append(
        "Rounding: largest remainder. Each municipality gets the whole euros of its exact amount; the "
        "euros left over go one each to the largest fractions (ties: lowest code first)."
    )
    return "\n".join(lines) + "\n"
