"""Layer 4 (analysis): a comparison in words: the summary the command line prints, the
definitions and the notes that every comparison file carries."""

from __future__ import annotations

import pandas as pd

from allocation.analysis.compare import ALL, BANDS, Comparison
from allocation.common.texts import signed_pct, text_table


def summary_text(comparison: Comparison, top: int = 5) -> str:
    """A readable summary of a comparison, for the terminal or an e-mail."""
    base = comparison.baseline
    lines = [f"Baseline: {base.name} ({base.label})"]
    for info in comparison.others:
        lines.append(f"Compared: {info.name} ({info.label})")
    compared = "; ".join(
        f"{pot} {min(comparison.years[pot])}-{max(comparison.years[pot])}"
        if len(comparison.years[pot]) > 1
        else f"{pot} {comparison.years[pot][0]}"
        for pot in comparison.pots
    )
    count = comparison.per_municipality["gm_code"].nunique()
    lines.append(f"Compared pots and years: {compared}; {count} municipalities of the 2021 key register")
    for note in comparison.notes:
        lines.append(f"NOTE: {note}")
    lines.append(
        "Amounts are this product's own computation under each scenario's stated assumptions, not published "
        "circular amounts."
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
    lines += text_table(rows, right={1, 2, 3, 4, 5, 6, 7})
    for info in comparison.others:
        label = info.label
        totals = comparison.totals[comparison.totals["scenario"] == label]
        lines += ["", f"== {label} against {base.label} =="]
        rows = [
            ["pot", "year", "baseline EUR", "scenario EUR", "net EUR", "redistributed EUR", "Gini base", "Gini scen."]
        ]
        for row in totals[totals["year"] == ALL].itertuples(index=False):
            rows.append(
                [
                    row.pot,
                    row.year,
                    f"{row.base_eur:,}",
                    f"{row.other_eur:,}",
                    f"{row.diff_eur:+,}",
                    f"{row.redistributed_eur:,.0f}",
                    f"{row.gini_base:.4f}",
                    f"{row.gini_other:.4f}",
                ]
            )
        lines.append("Totals (all compared years):")
        lines += text_table(rows, right={2, 3, 4, 5, 6, 7})
        band_row = comparison.bands[
            (comparison.bands["scenario"] == label)
            & (comparison.bands["pot"] == ALL)
            & (comparison.bands["year"] == ALL)
        ].iloc[0]
        lines.append("Municipalities per band (all pots and years):")
        lines += text_table(
            [[band, f"{int(band_row[band])}"] for band in BANDS] + [["total", f"{int(band_row['municipalities'])}"]],
            right={1},
        )
        for title, frame in (
            ("Largest gains", comparison.largest_gains),
            ("Largest losses", comparison.largest_losses),
        ):
            chosen = frame[frame["scenario"] == label].head(top)
            lines.append(f"{title} (all pots and years):")
            if chosen.empty:
                lines.append("  none")
                continue
            lines += text_table(
                [
                    [
                        r.gm_code,
                        r.gm_name,
                        f"{r.diff_eur:+,}",
                        signed_pct(r.diff_pct),
                        f"{r.diff_per_inhabitant:+.2f}/inh.",
                    ]
                    for r in chosen.itertuples(index=False)
                ],
                right={2, 3, 4},
            )
        sizes = comparison.by_size_class
        sizes = sizes[(sizes["scenario"] == label) & (sizes["pot"] == ALL) & (sizes["year"] == ALL)]
        lines.append("By size class (CBS gemeentegrootteklasse, inhabitants 30-04-2021), all pots and years:")
        rows = [["size class", "munic.", "net EUR", "change", "EUR/inh.", "gain", "loss"]]
        rows += [
            [
                r.size_class,
                str(r.municipalities),
                f"{r.diff_eur:+,}",
                signed_pct(r.diff_pct),
                f"{r.diff_per_inhabitant:+.3f}",
                str(r.gaining),
                str(r.losing),
            ]
            for r in sizes.itertuples(index=False)
        ]
        lines += text_table(rows, right={1, 2, 3, 4, 5, 6})
        provinces = comparison.by_province
        provinces = provinces[(provinces["scenario"] == label) & (provinces["pot"] == ALL) & (provinces["year"] == ALL)]
        lines.append("By province, all pots and years:")
        rows = [["province", "munic.", "net EUR", "change", "EUR/inh."]]
        rows += [
            [
                r.province_name,
                str(r.municipalities),
                f"{r.diff_eur:+,}",
                signed_pct(r.diff_pct),
                f"{r.diff_per_inhabitant:+.3f}",
            ]
            for r in provinces.itertuples(index=False)
        ]
        lines += text_table(rows, right={1, 2, 3, 4})
    return "\n".join(lines) + "\n"


def definitions() -> list[tuple[str, str]]:
    """The definitions used in a comparison, as (term, meaning) pairs."""
    return [
        (
            "base_eur / other_eur",
            "Whole euros for the municipality in the baseline / the compared scenario (2021 key register).",
        ),
        ("diff_eur", "other_eur - base_eur (exact, whole euros)."),
        (
            "diff_pct",
            "diff_eur / base_eur x 100. 0 when both amounts are 0; empty when only the baseline amount is 0 "
            "(undefined).",
        ),
        ("diff_per_inhabitant", "diff_eur / inhabitants (CBS, 30 April 2021)."),
        (
            "bands",
            "gain > 5%; gain 0.1-5% (more than 0.1%, at most 5%); no change (within +-0.1%, bounds "
            "included); loss 0.1-5%; loss > 5%. A municipality with 0 in the baseline and money in the "
            "compared scenario counts as gain > 5%.",
        ),
        (
            "redistributed_eur",
            "Half the sum of the absolute differences: the money that moves from losers to gainers when both "
            "scenarios spend the same total.",
        ),
        (
            "Gini",
            "Gini coefficient of euros per inhabitant, weighted by inhabitants: 0 = every inhabitant gets "
            "the same amount; higher = more concentrated.",
        ),
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
    rows.append(
        (
            "comparison",
            "compared pots and years",
            "; ".join(f"{p}: {', '.join(map(str, comparison.years[p]))}" for p in comparison.pots),
        )
    )
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
