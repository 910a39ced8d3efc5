"""Layer 4: outputs. Tables, readable summaries and file writing.

All file output goes through :func:`write_files`: every file's bytes are built in memory
first and then written atomically (temporary file, then rename), so a failure never
leaves a half-written output behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from allocation.errors import InputError, euro
from allocation.scenario import ScenarioResult, used_keys

ALLOCATION_COLUMNS = ["pot", "year", "gm_code", "gm_name", "amount_eur"]


def allocation_table(result: ScenarioResult) -> pd.DataFrame:
    """The long allocation table in scenario pot order, then year, then code."""
    frame = result.allocation[ALLOCATION_COLUMNS].copy()
    pot_order = {pot_id: i for i, pot_id in enumerate(result.scenario.pots)}
    frame["_pot"] = frame["pot"].map(pot_order)
    frame = frame.sort_values(["_pot", "year", "gm_code"], kind="stable").drop(columns="_pot")
    return frame.reset_index(drop=True)


def published_table(result: ScenarioResult) -> pd.DataFrame:
    """The long table as published: each payment year on the register in force on its
    peildatum (mergers applied), in scenario pot order, then year, then code."""
    if result.published is None:
        return allocation_table(result)
    frame = result.published[ALLOCATION_COLUMNS].copy()
    pot_order = {pot_id: i for i, pot_id in enumerate(result.scenario.pots)}
    frame["_pot"] = frame["pot"].map(pot_order)
    frame = frame.sort_values(["_pot", "year", "gm_code"], kind="stable").drop(columns="_pot")
    return frame.reset_index(drop=True)


def allocation_csv(result: ScenarioResult) -> bytes:
    """``<scenario-id>-allocation.csv``: long format, integer euros, UTF-8, LF line ends.

    Each payment year lists the municipalities of its own register (see
    :func:`published_table`).
    """
    return published_table(result).to_csv(index=False, lineterminator="\n").encode("utf-8")


def write_files(files: dict[str, bytes], out_dir: Path) -> list[Path]:
    """Write every file atomically into ``out_dir`` (created if needed)."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"{out_dir}: cannot be used as the output folder ({exc.strerror}); give a folder that exists or can be created"
        ) from None
    written = []
    for name, content in files.items():
        target = out_dir / name
        handle, temporary = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
            os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
            os.replace(temporary, target)
        except OSError as exc:
            Path(temporary).unlink(missing_ok=True)
            raise InputError(f"{target}: cannot be written ({exc.strerror}); check the output folder") from None
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        written.append(target)
    return written


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _table(rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    return lines


def summary_text(result: ScenarioResult, top: int = 10) -> str:
    """A readable summary: totals per pot and year, provenance, and the largest recipients."""
    scenario = result.scenario
    table = allocation_table(result)
    lines = [f"Scenario: {scenario.name} ({result.loaded.scenario_id})", ""]
    years = sorted(table["year"].unique())
    rows = [["pot"] + [str(y) for y in years] + ["total"]]
    for pot_id, pot in scenario.pots.items():
        per_year = table[table["pot"] == pot_id].groupby("year")["amount_eur"].sum()
        rows.append(
            [pot_id]
            + [f"{per_year[y]:,}" if y in per_year.index else "-" for y in years]
            + [f"{per_year.sum():,}"]
        )
    grand = table.groupby("year")["amount_eur"].sum()
    rows.append(["all pots"] + [f"{grand[y]:,}" for y in years] + [f"{grand.sum():,}"])
    lines.append("Totals per pot and payment year (EUR):")
    lines += ["  " + line for line in _table(rows, right=set(range(1, len(years) + 2)))]
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
        lines.append(f"  {pot_id}: budget {pot.budget.kind}; years {_years_kind(pot)}; key {pot.key.kind}: {key_kinds}")
    lines.append("")
    lines += constraint_summary_lines(result)
    totals = table.groupby(["gm_code", "gm_name"], as_index=False)["amount_eur"].sum()
    totals = totals.sort_values(["amount_eur", "gm_code"], ascending=[False, True]).head(top)
    lines.append(f"Largest recipients, all pots and years (EUR):")
    rows = [[code, name, f"{amount:,}"] for code, name, amount in totals.itertuples(index=False)]
    lines += ["  " + line for line in _table(rows, right={2})]
    return "\n".join(lines) + "\n"


def constraint_summary_lines(result: ScenarioResult) -> list[str]:
    """Compact bound report: per pot-year and constraint, how many municipalities sit on it
    and what it cost or gave them against the pure key; and the factor on the key for the rest."""
    lines = []
    for pot_id, info in result.constrained.items():
        report = result.bound_report(pot_id)
        pot = result.scenario.pots[pot_id]
        lines.append(f"Constraints in {pot_id} (bound municipalities; effect = amount - pure key amount):")
        joint = getattr(info, "joint", False)
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
                lines.append(f"  {year}: the other municipalities get {scale:.6f} x their pure-key amount (after any vast bedrag)")
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


def _years_kind(pot) -> str:
    kinds = {pot.years.provenance(year).split(":")[0] for year in pot.years.values()}
    return " and ".join(sorted("assumption" if k == "ASSUMPTION" else "sourced" for k in kinds))


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
            elif getattr(info, "joint", False):
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
