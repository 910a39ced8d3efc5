"""Layer 4 (publishing): the brief to forward, a PDF of at most six A4 pages (Dutch by default).

``python -m allocation brief BASE.yaml OTHER.yaml --out DIR`` writes
``brief-<base>-vs-<other>.pdf``: the two scenarios and how they differ, the headline
(herverdeeld, gemeenten met meer dan 5% minder, grootste verlies en winst in euro en %), a map
of the differences, the largest losers and gainers, per grootteklasse and provincie, the
guarantee per payment year with who pays, the compromise key at the chosen level, the sources
and assumptions, the date and the version.

Every figure comes from analysis: the :class:`~allocation.analysis.compare.Comparison`
(``compare``'s numbers) and the :class:`~allocation.analysis.negotiation.Negotiation` (the
guarantee and the compromise); this module only picks rows and writes them in the language, every
text from the catalogue (Dutch by default), numbers through :mod:`allocation.common.i18n` (Babel:
``€ 3.500.000``, ``12,5%``).

Typesetting: fpdf2. It is a pure-Python wheel (no system libraries, unlike WeasyPrint or
Cairo), maintained and released often, small, with tables, embedded TrueType fonts (the
DejaVu Sans that ships with matplotlib, so ``€`` and ``ë`` print and the text can be
extracted again) and a settable creation date, so the same inputs give the same bytes (the
tests fix the date). reportlab would do too but is larger for the same result; typst needs
its own template language next to the Python that holds the figures. The map is a static
matplotlib choropleth of the boundary GeoJSON of the key register (2021), drawn as PNG.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from fpdf import FPDF
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from allocation.analysis.compare import ALL, Comparison, compare
from allocation.analysis.negotiation import DEFAULT_MAX_LOSS_PCT, Negotiation, key_in_words, negotiate
from allocation.common import i18n
from allocation.common.errors import InputError
from allocation.common.i18n import _
from allocation.common.version import __version__
from allocation.data.registers import KEY_REGISTER_DATE, geojson_path
from allocation.scenario.result import ScenarioResult

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
TOP = 10  # losers and gainers listed
MAX_PAGES = 6


def file_name(comparison: Comparison) -> str:
    """``brief-<base>-vs-<other>.pdf``."""
    return f"brief-{comparison.baseline.label}-vs-{comparison.others[0].label}.pdf"


def _difference_map(rows: pd.DataFrame, data_dir: Path) -> bytes:
    """A choropleth of the difference in % per municipality (key register boundaries), as PNG."""
    geo = json.loads(geojson_path(KEY_REGISTER_DATE, data_dir).read_text(encoding="utf-8"))
    change = rows.set_index("gm_code")["diff_pct"]
    polygons, values = [], []
    for feature in geo["features"]:
        geometry = feature["geometry"]
        rings = ([geometry["coordinates"][0]] if geometry["type"] == "Polygon"
                 else [polygon[0] for polygon in geometry["coordinates"]])
        value = change.get(feature["properties"]["statcode"], np.nan)
        for ring in rings:
            points = np.asarray(ring, dtype=float)
            points[:, 0] *= np.cos(np.radians(52.2))  # degrees of longitude are shorter in the Netherlands
            polygons.append(points)
            values.append(value)
    limit = max(5.0, float(np.nanmax(np.abs(change.to_numpy(dtype=float)), initial=5.0)))
    limit = min(limit, 50.0)
    figure = Figure(figsize=(6.0, 6.0), dpi=110)  # no pyplot: no global state, safe in the app's threads
    axes = figure.add_subplot()
    collection = PolyCollection(polygons, array=np.ma.masked_invalid(np.asarray(values, dtype=float)),
                                cmap=matplotlib.colormaps["RdBu"].with_extremes(bad="#cccccc"), edgecolors="#ffffff",
                                linewidths=0.15)
    collection.set_clim(-limit, limit)
    axes.add_collection(collection)
    axes.autoscale_view()
    axes.set_aspect("equal")
    axes.axis("off")
    bar = figure.colorbar(collection, ax=axes, shrink=0.6, pad=0.01)
    ticks = np.linspace(-limit, limit, 5)
    bar.set_ticks(ticks, labels=[i18n.pct(t, 0, signed=True) for t in ticks])
    bar.set_label(_("brf_map_legend"))
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None}, bbox_inches="tight", pad_inches=0.02)
    return buffer.getvalue()


class _Document(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(format="A4")
        self.footer_text = footer_text
        self.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(True, margin=14)
        self.set_margins(16, 14, 16)

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font("DejaVu", "", 7)
        self.cell(0, 5, _("brf_footer_page", footer=self.footer_text, page=self.page_no()), align="C")

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font("DejaVu", "B", 11)
        self.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT", align="L")
        self.set_font("DejaVu", "", 8.5)

    def para(self, text: str, size: float = 8.5) -> None:
        self.set_font("DejaVu", "", size)
        self.multi_cell(0, 4.2, text, new_x="LMARGIN", new_y="NEXT", align="L")

    def grid(self, rows: list[list[str]], widths: tuple[float, ...], right: set[int]) -> None:
        self.set_font("DejaVu", "", 7.5)
        align = tuple("RIGHT" if i in right else "LEFT" for i in range(len(widths)))
        with self.table(col_widths=widths, text_align=align, line_height=4, first_row_as_headings=True,
                        width=sum(widths)) as table:
            for row in rows:
                cells = table.row()
                for value in row:
                    cells.cell(value)
        self.ln(1)


def _per_inhabitant(value: float) -> str:
    """``+€ 0,066`` per inhabitant (three decimals)."""
    return ("+" if value > 0 else "-" if value < 0 else "") + "€ " + i18n.number(abs(value), 3)


def _differences(base: ScenarioResult, other: ScenarioResult) -> list[str]:
    """How the two scenario files differ, per pot: the key in words and the year budgets."""
    lines = []
    for pot in [p for p in base.scenario.pots if p in other.scenario.pots]:
        mine, theirs = base.scenario.pots[pot], other.scenario.pots[pot]
        if (mine.key.weights, mine.key.vast_bedrag_eur) != (theirs.key.weights, theirs.key.vast_bedrag_eur):
            lines.append(_("brf_diff_key", pot=pot, old=key_in_words(dict(mine.key.weights), mine.key.vast_bedrag_eur),
                           new=key_in_words(dict(theirs.key.weights), theirs.key.vast_bedrag_eur)))
        old = dict(zip(base.pots[pot].years, base.pots[pot].budgets))
        new = dict(zip(other.pots[pot].years, other.pots[pot].budgets))
        changed = [_("brf_diff_year", year=year, old=i18n.eur(old.get(year, 0)), new=i18n.eur(new.get(year, 0)))
                   for year in sorted(set(old) | set(new)) if old.get(year, 0) != new.get(year, 0)]
        if changed:
            lines.append(_("brf_diff_budget", pot=pot, changes="; ".join(changed)))
        if mine.constraints != theirs.constraints:
            lines.append(_("brf_diff_constraints", pot=pot))
    for pot in [p for p in other.scenario.pots if p not in base.scenario.pots]:
        lines.append(_("brf_diff_only_in", pot=pot, id=other.loaded.scenario_id))
    for pot in [p for p in base.scenario.pots if p not in other.scenario.pots]:
        lines.append(_("brf_diff_only_in", pot=pot, id=base.loaded.scenario_id))
    return lines or [_("brf_diff_none")]


def brief_pdf(base: ScenarioResult, other: ScenarioResult, comparison: Comparison, negotiation: Negotiation,
              *, pot: str | None = None, year: int | None = None, created: dt.datetime | None = None,
              data_dir: Path | None = None) -> bytes:
    """The brief as PDF bytes (``created``: the date printed and stored; default now, UTC;
    ``data_dir``: the map's boundaries, default the folder ``base`` was computed on). At
    most :data:`MAX_PAGES` pages: where the sources and assumptions would run over, fewer of
    their lines are printed, with a line saying how many are left to the scenario files."""
    created = created or dt.datetime.now(dt.UTC).replace(microsecond=0)
    data_dir = base.data_dir if data_dir is None else data_dir
    for limit in (None, 40, 20, 10, 0):
        pdf = _render(base, other, comparison, negotiation, pot, year, created, data_dir, limit)
        if pdf.page_no() <= MAX_PAGES:
            break
    return bytes(pdf.output())


def _change(value: float) -> str:
    """A change in %, one decimal; ``nieuw`` where the base had nothing (a % of nothing is undefined)."""
    return _("brf_new") if value != value else i18n.pct(value, 1, signed=True)


def _render(base: ScenarioResult, other: ScenarioResult, comparison: Comparison, negotiation: Negotiation,
            pot: str | None, year: int | None, created: dt.datetime, data_dir: Path, limit: int | None) -> _Document:
    label = comparison.others[0].label
    pot_key, year_key = pot or ALL, str(year) if year is not None else ALL
    scope = (_("brf_scope_pot", pot=pot) if pot else _("brf_scope_all_pots")) + (
        _("brf_scope_year", year=year) if year is not None else _("brf_scope_all_years"))
    date = f"{created:%d-%m-%Y}"
    pdf = _Document(_("brf_footer", label=label, base=comparison.baseline.label, date=date, version=__version__))
    pdf.set_creation_date(created)
    pdf.set_title(_("brf_title", base=comparison.baseline.label, label=label))
    pdf.set_author("inburgering-allocation")
    pdf.add_page()

    def select(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[(frame["scenario"] == label) & (frame["pot"] == pot_key) & (frame["year"] == year_key)]

    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(0, 7, _("brf_heading", name=comparison.others[0].name, label=label,
                           base_name=comparison.baseline.name, base=comparison.baseline.label),
                   new_x="LMARGIN", new_y="NEXT")
    pdf.para(_("brf_intro", base=comparison.baseline.label, label=label, scope=scope, date=date,
               version=__version__))

    pdf.heading(_("brf_what_differs"))
    for line in _differences(base, other):
        pdf.para(f"• {line}")

    totals = select(comparison.totals).iloc[0]
    bands = select(comparison.bands).iloc[0]
    rows = select(comparison.per_municipality)
    worst = rows.sort_values(["diff_eur", "gm_code"]).iloc[0]
    worst_pct = rows.sort_values(["diff_pct", "gm_code"]).iloc[0]
    best = rows.sort_values(["diff_eur", "gm_code"], ascending=[False, True]).iloc[0]
    pdf.heading(_("brf_in_short"))
    pdf.para(_("brf_redistributed", eur=i18n.eur(totals["redistributed_eur"])))
    pdf.para(_("brf_losing_more", count=int(bands["loss > 5%"]), total=int(bands["municipalities"])))
    if worst["diff_eur"] < 0:
        pdf.para(_("brf_largest_loss", name=worst["gm_name"], eur=i18n.signed_eur(worst["diff_eur"]),
                   pct=_change(worst["diff_pct"]), pct_name=worst_pct["gm_name"],
                   pct_pct=_change(worst_pct["diff_pct"]), pct_eur=i18n.signed_eur(worst_pct["diff_eur"])))
    else:
        pdf.para(_("brf_largest_loss_none"))
    if best["diff_eur"] > 0:
        pdf.para(_("brf_largest_gain", name=best["gm_name"], eur=i18n.signed_eur(best["diff_eur"]),
                   pct=_change(best["diff_pct"])))
    else:
        pdf.para(_("brf_largest_gain_none"))

    pdf.heading(_("brf_map"))
    pdf.image(io.BytesIO(_difference_map(rows, data_dir)), w=105, x=(pdf.w - 105) / 2)

    pdf.heading(_("brf_losers_gainers", scope=scope))
    header = [_("brf_col_municipality"), _("brf_col_province"), _("brf_col_base"), _("brf_col_other"),
              _("brf_col_difference"), "%"]
    widths = (42, 30, 26, 26, 26, 16)

    def municipality_rows(part: pd.DataFrame) -> list[list[str]]:
        return [header] + [[r.gm_name, r.province_name, i18n.eur(r.base_eur), i18n.eur(r.other_eur),
                            i18n.signed_eur(r.diff_eur), _change(r.diff_pct)]
                           for r in part.itertuples(index=False)]

    pdf.para(_("brf_losers"), 9)
    pdf.grid(municipality_rows(rows.sort_values(["diff_eur", "gm_code"]).head(TOP)), widths, {2, 3, 4, 5})
    pdf.para(_("brf_gainers"), 9)
    pdf.grid(municipality_rows(rows.sort_values(["diff_eur", "gm_code"], ascending=[False, True]).head(TOP)),
             widths, {2, 3, 4, 5})

    group_header = ["", _("brf_col_municipalities"), _("brf_col_base"), _("brf_col_other"), _("brf_col_difference"),
                    "%", _("brf_col_per_inhabitant")]
    group_widths = (38, 20, 26, 26, 26, 16, 22)

    def group_rows(frame: pd.DataFrame, column: str) -> list[list[str]]:
        return [group_header] + [[str(getattr(r, column)), str(r.municipalities), i18n.eur(r.base_eur),
                                  i18n.eur(r.other_eur), i18n.signed_eur(r.diff_eur),
                                  _change(r.diff_pct),
                                  _per_inhabitant(r.diff_per_inhabitant)]
                                 for r in select(frame).itertuples(index=False)]

    pdf.heading(_("brf_by_size"))
    pdf.grid(group_rows(comparison.by_size_class, "size_class"), group_widths, {1, 2, 3, 4, 5, 6})
    pdf.heading(_("brf_by_province"))
    pdf.grid(group_rows(comparison.by_province, "province_name"), group_widths, {1, 2, 3, 4, 5, 6})

    guarantee = negotiation.guarantee
    level = i18n.pct(guarantee.max_loss_pct, 2, trim=True)
    pdf.heading(_("brf_guarantee", level=level))
    pdf.para(_("brf_guarantee_text", level=level))
    grid = [[_("brf_col_pot"), _("brf_col_year"), _("brf_col_top_up"), _("brf_col_topped_up"), _("brf_col_paid_by"),
             _("brf_col_cap")]]
    for item in guarantee.years:
        if (pot and item.pot != pot) or (year is not None and item.year not in (str(year), ALL)):
            continue
        when = _("brf_all_years") if item.year == ALL else item.year
        if item.costs_nothing:
            grid.append([item.pot, when, i18n.eur(0), _("brf_costs_nothing"), _("brf_not_needed"),
                         _("brf_not_needed")])
            continue
        payers = "-" if item.payers is None else _("brf_municipalities", count=item.payers)
        cap = (i18n.pct(item.cost.gain_cap_pct, 2, trim=True) if item.cost.gain_cap_pct is not None
               else _("brf_cap_unpaid", eur=i18n.eur(item.cost.shortfall_eur)))
        grid.append([item.pot, when, i18n.eur(item.top_up_eur), _("brf_municipalities", count=item.cost.topped_up),
                     payers, cap])
    pdf.grid(grid, (40, 20, 26, 26, 30, 28), {2})
    shown = guarantee.municipalities
    if pot:
        shown = shown[shown["pot"] == pot]
    if year is not None:
        shown = shown[shown["year"] == year]
    payers = (shown[shown["afroming_eur"] > 0].groupby("gm_name", as_index=False)["afroming_eur"].sum()
              .sort_values(["afroming_eur", "gm_name"], ascending=[False, True]).head(TOP))
    if len(payers):
        pdf.para(_("brf_payers", payers="; ".join(
            f"{r.gm_name} {i18n.eur(r.afroming_eur)}" for r in payers.itertuples(index=False))))

    pdf.heading(_("brf_compromise", level=level))
    pdf.para(_("brf_compromise_text", label=label, base=comparison.baseline.label))
    for compromise in negotiation.compromises:
        if pot and compromise.pot != pot:
            continue
        pdf.para(f"• {compromise.pot}, {compromise.year}: {compromise.words}")
    for problem in negotiation.problems:
        pdf.para(f"• {problem}")

    pdf.heading(_("brf_sources"))
    base_info, other_info = comparison.baseline, comparison.others[0]
    differing = [line for line in other_info.assumptions if line not in base_info.assumptions]
    for title, lines in ((f"{base_info.name} ({base_info.label}, {base_info.origin}):", base_info.assumptions),
                         (_("brf_sources_other", name=other_info.name, label=other_info.label,
                            origin=other_info.origin),
                          differing)):
        pdf.para(title, 8)
        for line in lines[:limit]:
            pdf.para(f"  {line}", 6.5)
        if limit is not None and len(lines) > limit:
            pdf.para(_("brf_more_lines", count=len(lines) - limit), 6.5)
    keys = {**comparison.baseline.keys, **comparison.others[0].keys}
    pdf.para(_("brf_key_data"), 8)
    for name, text in keys.items():
        pdf.para(f"  {name}: {text}", 7)
    for note in comparison.notes:
        pdf.para(_("cli_note", note=note), 7)
    return pdf

def brief_files(base: ScenarioResult, other: ScenarioResult, *, pot: str | None = None, year: int | None = None,
                max_loss_pct: float = DEFAULT_MAX_LOSS_PCT, created: dt.datetime | None = None) -> dict[str, bytes]:
    """``{brief-<base>-vs-<other>.pdf: bytes}``: compares the two, negotiates at ``max_loss_pct``
    (guarantee and compromise) and writes the brief, for ``pot`` and ``year`` or all shared ones.
    Raises :class:`InputError` for a pot or year the two do not share."""
    comparison = compare([base, other], baseline=0)
    if pot is not None and pot not in comparison.pots:
        raise InputError(_("brf_pot_not_shared", pot=pot, pots=", ".join(comparison.pots)))
    shared = sorted({y for name in ([pot] if pot else comparison.pots) for y in comparison.years[name]})
    if year is not None and year not in shared:
        raise InputError(_("brf_year_not_shared", year=year, years=", ".join(map(str, shared))))
    found = negotiate(base, other, max_loss_pct=max_loss_pct, compromise_pct=max_loss_pct, year=year,
                      pots=[pot] if pot else None)
    return {file_name(comparison): brief_pdf(base, other, comparison, found, pot=pot, year=year, created=created)}
