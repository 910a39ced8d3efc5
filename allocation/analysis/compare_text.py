"""Layer 4 (analysis): a comparison in words: the summary the command line prints, the
definitions and the notes that every comparison file carries."""

from __future__ import annotations

import pandas as pd

from allocation.analysis.compare import ALL, BANDS, Comparison
from allocation.common import i18n
from allocation.common.i18n import _
from allocation.common.texts import text_table


def _band_word(band: str) -> str:
    return _(f"band_{BANDS.index(band)}")


def summary_text(comparison: Comparison, top: int = 5) -> str:
    """A readable summary of a comparison, for the terminal or an e-mail, in the language."""
    n, signed, pct = i18n.number, i18n.signed, i18n.pct
    base = comparison.baseline
    lines = [_("cmp_baseline", name=base.name, id=base.label)]
    for info in comparison.others:
        lines.append(_("cmp_compared", name=info.name, id=info.label))
    compared = "; ".join(
        f"{pot} {min(comparison.years[pot])}-{max(comparison.years[pot])}"
        if len(comparison.years[pot]) > 1
        else f"{pot} {comparison.years[pot][0]}"
        for pot in comparison.pots
    )
    count = comparison.per_municipality["gm_code"].nunique()
    lines.append(_("cmp_compared_pots", pots=compared, count=n(count)))
    for note in comparison.notes:
        lines.append(_("cli_note", note=note))
    lines.append(_("cmp_own_computation"))
    overview = comparison.totals.merge(comparison.bands, on=["scenario", "pot", "year"])
    overview = overview[(overview["pot"] == ALL) & (overview["year"] == ALL)]
    lines += ["", _("cmp_overview", id=base.label)]
    rows = [[_("cmp_col_scenario"), _("cmp_col_net"), _("cmp_col_redistributed"), _("cmp_col_gaining"),
             _("cmp_col_unchanged"), _("cmp_col_losing"), _("cmp_col_gini_base"), _("cmp_col_gini_other")]]
    for _index, row in overview.iterrows():
        gaining, unchanged, losing = int(row[BANDS[:2]].sum()), int(row[BANDS[2]]), int(row[BANDS[3:]].sum())
        rows.append(
            [row["scenario"], signed(row["diff_eur"]), n(row["redistributed_eur"]), n(gaining), n(unchanged),
             n(losing), n(row["gini_base"], 4), n(row["gini_other"], 4)]
        )
    lines += text_table(rows, right={1, 2, 3, 4, 5, 6, 7})
    for info in comparison.others:
        label = info.label
        totals = comparison.totals[comparison.totals["scenario"] == label]
        lines += ["", _("cmp_against", id=label, base=base.label)]
        rows = [[_("cmp_col_pot"), _("cmp_col_year"), _("cmp_col_base_eur"), _("cmp_col_other_eur"), _("cmp_col_net"),
                 _("cmp_col_redistributed"), _("cmp_col_gini_base"), _("cmp_col_gini_other")]]
        for row in totals[totals["year"] == ALL].itertuples(index=False):
            rows.append(
                [
                    _("cmp_all") if row.pot == ALL else row.pot,
                    _("cmp_all") if row.year == ALL else str(row.year),
                    n(row.base_eur),
                    n(row.other_eur),
                    signed(row.diff_eur),
                    n(row.redistributed_eur),
                    n(row.gini_base, 4),
                    n(row.gini_other, 4),
                ]
            )
        lines.append(_("cmp_totals"))
        lines += text_table(rows, right={2, 3, 4, 5, 6, 7})
        band_row = comparison.bands[
            (comparison.bands["scenario"] == label)
            & (comparison.bands["pot"] == ALL)
            & (comparison.bands["year"] == ALL)
        ].iloc[0]
        lines.append(_("cmp_bands"))
        lines += text_table(
            [[_band_word(band), n(int(band_row[band]))] for band in BANDS]
            + [[_("cmp_total"), n(int(band_row["municipalities"]))]],
            right={1},
        )
        for title, frame in (
            (_("cmp_largest_gains"), comparison.largest_gains),
            (_("cmp_largest_losses"), comparison.largest_losses),
        ):
            chosen = frame[frame["scenario"] == label].head(top)
            lines.append(title)
            if chosen.empty:
                lines.append(_("cmp_none"))
                continue
            lines += text_table(
                [
                    [
                        r.gm_code,
                        r.gm_name,
                        signed(r.diff_eur),
                        pct(r.diff_pct, 2, signed=True),
                        _("cmp_per_inhabitant", value=signed(r.diff_per_inhabitant, 2)),
                    ]
                    for r in chosen.itertuples(index=False)
                ],
                right={2, 3, 4},
            )
        sizes = comparison.by_size_class
        sizes = sizes[(sizes["scenario"] == label) & (sizes["pot"] == ALL) & (sizes["year"] == ALL)]
        lines.append(_("cmp_by_size"))
        rows = [[_("cmp_col_size_class"), _("cmp_col_municipalities"), _("cmp_col_net"), _("cmp_col_change"),
                 _("cmp_col_per_inhabitant"), _("cmp_col_gain"), _("cmp_col_loss")]]
        rows += [
            [
                r.size_class,
                n(r.municipalities),
                signed(r.diff_eur),
                pct(r.diff_pct, 2, signed=True),
                signed(r.diff_per_inhabitant, 3),
                n(r.gaining),
                n(r.losing),
            ]
            for r in sizes.itertuples(index=False)
        ]
        lines += text_table(rows, right={1, 2, 3, 4, 5, 6})
        provinces = comparison.by_province
        provinces = provinces[(provinces["scenario"] == label) & (provinces["pot"] == ALL) & (provinces["year"] == ALL)]
        lines.append(_("cmp_by_province"))
        rows = [[_("cmp_col_province"), _("cmp_col_municipalities"), _("cmp_col_net"), _("cmp_col_change"),
                 _("cmp_col_per_inhabitant")]]
        rows += [
            [
                r.province_name,
                n(r.municipalities),
                signed(r.diff_eur),
                pct(r.diff_pct, 2, signed=True),
                signed(r.diff_per_inhabitant, 3),
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
