"""Layer 6 (faces): the Zekerheid (certainty) view: how sure each amount is, as the p5-p95
band of draws of the key data, for the pot and year chosen in the view."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from allocation.analysis.sensitivity import band_table, sensitivity_text
from allocation.common.errors import InputError
from allocation.faces import views
from allocation.faces.web import state
from allocation.faces.web.charts import euro_axis, municipality_map, table
from allocation.faces.web.compare_page import show_problems
from allocation.faces.web.inputs import number_field
from allocation.faces.web.labels import key_label, pot_year_title
from allocation.faces.web.page import Page
from allocation.scenario.sensitivity import run_draws, spread_spec
from allocation.scenario.source import ScenarioSource

#: this view's ASSUMPTION for a key without a spread in the scenario (said on the page)
DEFAULT_SPREAD = {"proxy": 0.25, "real": 0.02, "assumption": 0.25}


@st.cache_data(show_spinner=False, max_entries=8)
def bands_of(source: ScenarioSource, spreads: tuple, profile_sd: float, draws: int, seed: int):
    """(band table, summary, problems) of the scenario as shown under the given spreads."""
    result, problems = state.compute(source)
    if result is None:
        return None, "", problems
    try:
        spec = spread_spec(result, draws, seed, dict(spreads), profile_sd)
        found = run_draws(result, spec)
        bands = band_table(result, found)
        return bands, sensitivity_text(bands, found, spec), []
    except InputError as exc:
        return None, "", exc.problems


def certainty_page(page: Page) -> None:
    lang, result = page.lang, page.result
    st.caption(lang("certainty_caption"))
    block = result.scenario.uncertainty
    used = sorted({name for pot in result.scenario.pots.values() for name, w in pot.key.weights.items() if w > 0})
    defaults = {name: (block.keys[name].relative_sd if block and name in block.keys else
                       DEFAULT_SPREAD[result.loaded.keys[name].kind]) for name in used}
    columns = st.columns(len(used) + 2)
    spreads = []
    for i, name in enumerate(used):
        key = result.loaded.keys[name]
        value, _ = number_field(lang, columns[i], lang("spread_of", key=key_label(lang, key),
                                                       kind=lang("kind_" + key.kind)),
                                f"spread_{page.scenario_key}_{name}", defaults[name], maximum=2)
        spreads.append((name, float(value)))
    profile, _ = number_field(lang, columns[len(used)], lang("spread_years"), f"spread_{page.scenario_key}_years", 0.0,
                              maximum=1)
    draws, _ = number_field(lang, columns[len(used) + 1], lang("draws"), f"spread_{page.scenario_key}_draws",
                            int(block.draws if block else 1000), whole=True, minimum=100, maximum=10_000)
    st.caption(lang("spread_assumption", proxy=lang.n.pct(25, 0), real=lang.n.pct(2, 0)))
    with st.spinner(lang("drawing")):
        bands, summary, problems = bands_of(page.source, tuple(spreads), float(profile), int(draws),
                                            int(block.seed if block else 20210428))
    if problems:
        show_problems(problems, lang("draws_cannot"))
        return
    pot = result.scenario.pots[page.pot_id]
    part = bands[(bands["pot"] == page.pot_id) & (bands["year"] == page.year)].reset_index(drop=True)
    top = part.nlargest(15, "amount_eur")
    names = list(part.sort_values("gm_name")["gm_name"])
    chosen = st.selectbox(lang("and_this_municipality"), names, key="band_municipality")
    shown = pd.concat([top, part[part["gm_name"] == chosen]]).drop_duplicates("gm_code")
    title = pot_year_title(lang, pot.label, page.year)
    figure = go.Figure(go.Scatter(
        x=shown["amount_eur"], y=shown["gm_name"], mode="markers", name=lang("col_amount"),
        error_x=dict(type="data", symmetric=False, array=shown["p95_eur"] - shown["amount_eur"],
                     arrayminus=shown["amount_eur"] - shown["p5_eur"]),
    ))
    figure.update_layout(height=480, margin=dict(l=0, r=0, t=30, b=0), title=lang("band_chart_title", title=title),
                         xaxis_title="€", separators=lang.n.separators)
    euro_axis(lang, figure, "x", extra=[float(shown["p5_eur"].min()), float(shown["p95_eur"].max())])
    band_map, band_chart = st.columns([1, 1], gap="medium")
    with band_chart:
        st.plotly_chart(figure, key="band_chart")
    with band_map:
        date, _ = views.payment_register(result, page.year)
        frame = part.assign(_eur=lang.n.column(part["amount_eur"]), _p5=lang.n.column(part["p5_eur"]),
                            _p95=lang.n.column(part["p95_eur"]), _band=lang.n.column(part["band_pct"], 1))
        municipality_map(lang, date, frame, "band_pct", ["gm_name", "_eur", "_p5", "_p95", "_band"],
                         "%{customdata[0]} (%{location})<br>€ %{customdata[1]} "
                         + lang("band_hover_range", p5="%{customdata[2]}", p95="%{customdata[3]}")
                         + "<br>" + lang("band_width") + " %{customdata[4]}%<extra></extra>",
                         lang("band_map_title", title=title), key="band_map", height=480,
                         colorbar=lang("band_colorbar"), colorscale="Viridis")
    table(lang, part.sort_values("band_pct", ascending=False),
          {"gm_name": ("col_municipality", "text"), "amount_eur": ("col_amount", "eur"), "p5_eur": ("col_p5", "eur"),
           "p50_eur": ("col_p50", "eur"), "p95_eur": ("col_p95", "eur"), "band_pct": ("col_band_pct", "plain_pct")},
          key="band_table")
    with st.expander(lang("summary_text")):
        st.caption(lang("english_text"))
        st.text(summary)
