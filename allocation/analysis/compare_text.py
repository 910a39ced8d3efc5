"""Layer 4 (analysis): a comparison in words: the summary the command line prints, the
definitions and the notes that every comparison file carries."""

from __future__ import annotations

import pandas as pd

from allocation.analysis.compare import ALL, BANDS, Comparison
from allocation.common.i18n import _
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
    for _index, row in overview.iterrows():
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
    """The definitions used in a comparison, as (term, meaning) pairs, in the language."""
    return [(_(term), _(meaning)) for term, meaning in (
        ("def_amounts", "def_amounts_text"), ("def_diff", "def_diff_text"), ("def_diff_pct", "def_diff_pct_text"),
        ("def_diff_per_inhabitant", "def_diff_per_inhabitant_text"), ("def_bands", "def_bands_text"),
        ("def_redistributed", "def_redistributed_text"), ("def_gini", "def_gini_text"), ("def_all", "def_all_text"))]


def notes_table(comparison: Comparison) -> pd.DataFrame:
    """The notes sheet: scenarios, their assumptions, the overlap notes and the definitions
    (in the language; the CSV's column names ``about``, ``item``, ``text`` stay)."""
    about = _("notes_comparison")
    rows: list[tuple[str, str, str]] = [
        (about, _("notes_baseline"), f"{comparison.baseline.name} ({comparison.baseline.label})"),
    ]
    for info in comparison.others:
        rows.append((about, _("notes_compared"), f"{info.name} ({info.label})"))
    rows.append(
        (
            about,
            _("notes_compared_pots"),
            "; ".join(f"{p}: {', '.join(map(str, comparison.years[p]))}" for p in comparison.pots),
        )
    )
    rows.append((about, _("notes_register"), _("notes_register_text")))
    rows.append((about, _("notes_status"), _("notes_status_text")))
    for note in comparison.notes:
        rows.append((about, _("notes_note"), note))
    for info in [comparison.baseline] + comparison.others:
        role = _("wb_role_baseline") if info is comparison.baseline else _("wb_role_compared")
        rows.append((info.label, _("notes_role"), role))
        rows.append((info.label, _("notes_name"), info.name))
        rows.append((info.label, _("notes_description"), info.description))
        rows.append((info.label, _("notes_file"), _("notes_file_text", origin=info.origin,
                                                     hash=info.content_hash[:12])))
        for line in info.assumptions:
            rows.append((info.label, _("notes_assumption"), line))
    described: dict[str, str] = {}
    for info in [comparison.baseline] + comparison.others:
        for name, text in info.keys.items():
            described.setdefault(name, text)
    for name, text in sorted(described.items()):
        rows.append((_("notes_key"), name, text))
    for term, meaning in definitions():
        rows.append((_("notes_definition"), term, meaning))
    return pd.DataFrame(rows, columns=["about", "item", "text"])
