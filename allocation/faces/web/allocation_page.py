"""Layer 6 (faces): the Verdeling (allocation) view: one pot and payment year per
municipality, with the effect of the edits beside it (the headline strip, a ``verschil``
column and a map of the difference)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from allocation.analysis.edit_effect import EditEffect, edit_effect
from allocation.analysis.explain import explanation_text
from allocation.common import i18n
from allocation.data.keys import unit_word
from allocation.data.registers import KEY_REGISTER_DATE
from allocation.faces import views
from allocation.faces.web.charts import euro_axis, municipality_map, table
from allocation.faces.web.labels import Lang, key_label, pot_year_title
from allocation.faces.web.numbers import money_in_text
from allocation.faces.web.page import Page

BOUND_ROWS = 100  # rows of the bound report shown at once (the largest effects)
KIND_COLOUR = {"real": "green", "proxy": "orange", "assumption": "red"}


def allocation_page(page: Page) -> None:
    lang, result = page.lang, page.result
    pot_id, year = page.pot_id, page.year
    pot = result.scenario.pots[pot_id]
    keys = ", ".join(
        f"{key_label(lang, result.loaded.keys[name])} {lang.n.pct(weight * 100, 0)} "
        f":{KIND_COLOUR[result.loaded.keys[name].kind]}[{lang('kind_' + result.loaded.keys[name].kind)}]"
        for name, weight in sorted(pot.key.weights.items())
    )
    vast = (lang("vast_bedrag_line", amount=lang.n.eur(pot.key.vast_bedrag_eur)) if pot.key.vast_bedrag_eur else "")
    budget_kind = lang("budget_sourced") if pot.budget.kind == "sourced" else f":red[{lang('kind_assumption')}]"
    st.markdown(f"**{lang('key')}:** {keys}{vast} &nbsp; **{lang('budget')}:** {budget_kind}")
    st.caption(lang("budget_of_year", year=year, provenance=pot.years.provenance(year)))
    on_key_register = st.checkbox(lang("on_key_register"), key="key_register")
    date, date_provenance = views.payment_register(result, year)
    register_date = KEY_REGISTER_DATE if on_key_register else date
    shown = views.pot_year_table(result, pot_id, year, key_register=on_key_register)
    effect = headline_effect = None
    if page.edited and pot_id in page.origin.scenario.pots and year in views.pot_years(page.origin, pot_id):
        before = views.pot_year_table(page.origin, pot_id, year, key_register=on_key_register)
        effect = edit_effect(before, shown)
        shown = shown.merge(effect.table[["gm_code", "diff_eur", "diff_pct"]], on="gm_code", how="left")
        shown["diff_per_inhabitant"] = shown["diff_eur"] / shown["inhabitants"]
        # the figures of the strip on the one register every view states (as Vergelijken)
        headline_effect = effect if on_key_register else edit_effect(
            views.pot_year_table(page.origin, pot_id, year, key_register=True),
            views.pot_year_table(result, pot_id, year, key_register=True))
        shown = shown.sort_values(["diff_eur", "gm_code"], kind="stable").reset_index(drop=True)  # losses first
    headline(lang, page, shown, headline_effect)

    left, right = st.columns([1, 1], gap="medium")
    with left:
        map_of(lang, page, shown, effect, register_date)
        where = (lang("where_key_register") if on_key_register else
                 lang("where_payment_register", date=date, provenance=date_provenance))
        st.caption(lang("map_caption", where=where))
    with right:
        search = st.text_input(lang("search"), key="search", placeholder=lang("search_placeholder"))
        rows = views.filter_rows(shown, search)
        columns = {"gm_name": ("col_municipality", "text"), "amount_eur": ("col_amount", "eur"),
                   "eur_per_inhabitant": ("col_per_inhabitant", "eur3")}
        if effect is not None:  # the change beside the amount (per inhabitant: on the map)
            columns = {"gm_name": ("col_municipality", "text"), "amount_eur": ("col_amount", "eur"),
                       "diff_eur": ("col_verschil", "signed_eur"), "diff_pct": ("col_verschil_pct", "pct")}
        else:
            columns.update({"province_name": ("col_province", "text"), "inhabitants": ("col_inhabitants", "int")})
        table(lang, rows, columns, key="allocation_table", max_height=520)
        st.caption(lang("rows_shown", shown=len(rows), total=len(shown)))

    constraints_section(lang, page, search)
    with st.expander(lang("explain_header")):
        codes = result.municipalities[["gm_code", "gm_name"]]
        options = list(codes["gm_code"])
        names = dict(zip(codes["gm_code"], codes["gm_name"]))
        default = effect.largest_loss.code if effect is not None and effect.largest_loss is not None else "GM0363"
        if st.session_state.get("explain_code") not in options:
            st.session_state["explain_code"] = default if default in options else options[0]
        code = st.selectbox(lang("explain_municipality"), options, key="explain_code",
                            format_func=lambda c: f"{names[c]} ({c})")
        st.caption(lang("explain_caption"))
        if st.toggle(lang("explain_show"), key="explain_show"):  # computed only when asked for
            st.text(explanation_text(result, code))
    phasing_section(lang, result)
    provenance_section(lang, result)


def headline(lang: Lang, page: Page, shown: pd.DataFrame, effect: EditEffect | None) -> None:
    """The strip under the title: against the scenario it started from when edited."""
    total = int(shown["amount_eur"].sum())
    metrics = st.columns(4)
    if effect is None:
        metrics[0].metric(lang("metric_total", year=page.year), lang.n.eur(total))
        metrics[1].metric(lang("metric_municipalities"), lang.n.number(len(shown)))
        metrics[2].metric(
            lang("metric_median_per_inhabitant"), lang.n.eur(float(shown["eur_per_inhabitant"].median()), 3)
        )
        metrics[3].metric(lang("metric_edits"), lang("metric_no_edits"), help=lang("help_no_edits"))
        return
    metrics[0].metric(
        lang("metric_redistributed"),
        # a half euro when the totals differ (a budget edit): shown, not rounded away
        lang.n.eur(effect.redistributed_eur, 0 if effect.redistributed_eur.is_integer() else 1),
        delta=lang("metric_total_change", amount=lang.n.delta_eur(effect.total_after - effect.total_before))
        if effect.total_after != effect.total_before
        else None,
        delta_color="off",
        help=lang("help_redistributed"),
    )
    metrics[1].metric(lang("metric_losing_5"), lang.n.number(effect.losing_over_5pct),
                      help=lang("help_losing_5", gaining=lang.n.number(effect.gaining_over_5pct)))
    for column, change, label in ((metrics[2], effect.largest_loss, "metric_largest_loss"),
                                  (metrics[3], effect.largest_gain, "metric_largest_gain")):
        if change is None:
            column.metric(lang(label), lang("metric_nobody"))
        else:
            eur = lang.n.delta_eur(change.eur)
            delta = eur if change.pct is None else f"{lang.n.pct(change.pct, 1, signed=True)} ({eur})"
            column.metric(lang(label), change.name, delta=delta,
                          help=change.code)
    loss_in_pct(lang, effect)
    st.caption(lang("strip_caption_one", origin=page.origin.scenario.name, year=page.year))


def loss_in_pct(lang: Lang, effect: EditEffect) -> None:
    """The largest loss in percent, said under the strip where another municipality than the
    largest loss in euros has it."""
    loss, loss_pct = effect.largest_loss, effect.largest_loss_pct
    if loss_pct is None or loss is None or loss_pct.code == loss.code or loss_pct.pct is None:
        return
    st.caption(lang("largest_loss_pct_line", name=loss_pct.name, pct=lang.n.pct(loss_pct.pct, 1, signed=True),
                    eur=lang.n.delta_eur(loss_pct.eur)))


def map_of(lang: Lang, page: Page, shown: pd.DataFrame, effect: EditEffect | None, register_date: str) -> None:
    pot = page.result.scenario.pots[page.pot_id]
    what = "level"
    if effect is not None and effect.changed:
        what = st.radio(lang("map_show"), ["diff", "level"], key="map_what", horizontal=True,
                        format_func=lambda w: lang(f"map_show_{w}"))
    elif effect is not None:
        st.info(lang("map_no_difference"))  # edited, but not this pot and year: nothing to colour
    title_base = pot_year_title(lang, pot.label, page.year)
    hover = ("%{customdata[0]} (%{location})<br>%{customdata[1]}<br>%{customdata[2]} " + lang("per_inhabitant")
             + "<extra></extra>")
    if what == "diff":
        limit = views.colour_limit(shown["diff_per_inhabitant"])
        frame = shown.assign(
            _eur=[lang("hover_difference", amount=lang.n.delta_eur(v)) for v in shown["diff_eur"]],
            _rate=[lang.n.delta_eur(v, 3) for v in shown["diff_per_inhabitant"]],
        )
        municipality_map(
            lang, register_date, frame, "diff_per_inhabitant", ["gm_name", "_eur", "_rate"], hover,
            lang("map_title_diff", title=title_base), key="map_diff", height=560, colorbar=lang("map_colorbar_diff"),
            colorscale="RdBu", zmid=0, zmin=-limit, zmax=limit,
        )
        st.caption(lang("map_diff_caption", limit=lang.n.eur(limit, 3)))
        return
    uniform = views.uniform_rate(shown)
    frame = shown.assign(_eur=[lang.n.eur(v) for v in shown["amount_eur"]],
                         _rate=[lang.n.eur(v, 3) for v in shown["eur_per_inhabitant"]])
    title = (lang("map_title_uniform", title=title_base, rate=lang.n.eur(uniform, 2)) if uniform is not None else
             lang("map_title_level", title=title_base, count=len(shown)))
    # the colours span the middle 95% of municipalities, so a few with a floor or a tiny
    # population (the Wadden islands) do not turn the rest of the country one colour
    low, high = views.colour_range(shown["eur_per_inhabitant"])
    municipality_map(
        lang, register_date, frame, "eur_per_inhabitant", ["gm_name", "_eur", "_rate"], hover,
        title, key="map", height=560, colorbar=lang("map_colorbar_level"), uniform=uniform, colorscale="Viridis",
        zmin=low, zmax=high,
    )
    if uniform is not None:
        st.info(lang("map_uniform", rate=lang.n.eur(uniform, 2)))
    else:
        st.caption(lang("map_level_caption", low=lang.n.eur(low, 3), high=lang.n.eur(high, 3)))


def constraints_section(lang: Lang, page: Page, search: str) -> None:
    result, pot_id, year = page.result, page.pot_id, page.year
    pot = result.scenario.pots[pot_id]
    constraints = views.constraint_table(result)
    constraints = constraints[constraints["pot"] == pot_id]
    if constraints.empty:
        return
    def dutch(text: str) -> str:  # a constraint text of the run (in its language) with the language's numbers
        return money_in_text(text, lang.n)

    st.markdown(f"#### {lang('constraints_header', pot=pot.label, year=year)}")
    for row in constraints.itertuples(index=False):
        badge = f":red[{lang('kind_assumption')}]" if row.kind == "assumption" else lang("budget_sourced")
        st.markdown(f"- **{dutch(row.constraint)}** ({badge}): {row.provenance}")
    summary = views.bound_summary(result, pot_id, year)
    if summary.empty:
        st.caption(lang("no_bound", year=year))
        return
    summary = summary.assign(constraint=summary["constraint"].map(dutch))
    table(lang, summary, {"constraint": ("col_constraint", "text"), "municipalities": ("col_municipalities", "int"),
                          "effect_eur": ("col_effect", "signed_eur")}, key="bound_summary", max_height=220)
    report = result.bound_report(pot_id)
    report = views.filter_rows(report[report["year"] == year].reset_index(drop=True), search)
    total = len(report)
    # the largest effects first; a long report (a transition band holds many) is cut to the
    # first rows, and the search finds any municipality in it
    report = report.assign(_abs=report["effect_eur"].abs()).sort_values(
        ["_abs", "gm_code"], ascending=[False, True], kind="stable").head(BOUND_ROWS)
    report = report.assign(constraint=report["constraint"].map(dutch))
    table(lang, report, {"gm_name": ("col_municipality", "text"), "constraint": ("col_constraint", "text"),
                         "key_amount_eur": ("col_key_amount", "eur"), "amount_eur": ("col_amount", "eur"),
                         "effect_eur": ("col_effect", "signed_eur")}, key="bound_report", max_height=260)
    if total > BOUND_ROWS:
        st.caption(lang("bound_rows_cut", shown=BOUND_ROWS, total=total))
    st.caption(lang("bound_caption"))


def phasing_section(lang: Lang, result) -> None:
    st.markdown(f"#### {lang('phasing_header')}")
    phasing = views.year_phasing(result)
    phasing = phasing.assign(kind_text=phasing["kind"].map(lambda k: lang(f"year_kind_{k}")))
    rows = tuple(phasing[["label", "year", "amount_eur", "kind", "kind_text"]].itertuples(index=False, name=None))
    # built when asked for, so the first view loads no chart code (the table below has the same numbers)
    if st.toggle(lang("phasing_chart_show"), key="phasing_chart"):
        st.plotly_chart(phasing_figure(rows, lang.lang), key="phasing")
        st.caption(lang("phasing_caption"))
    table(lang, phasing, {"label": ("col_pot", "text"), "year": ("col_year", "text"),
                          "amount_eur": ("col_amount", "eur"), "kind_text": ("col_year_kind", "text"),
                          "provenance": ("col_provenance", "text")}, key="phasing_table", static=True)


@st.cache_resource(show_spinner=False, max_entries=16)
def phasing_figure(rows: tuple, language: str) -> go.Figure:
    """The year phasing chart (built once per budget profile and language: it does not change
    with a key edit)."""
    lang = Lang(language)
    phasing = pd.DataFrame(list(rows), columns=["label", "year", "amount_eur", "kind", "kind_text"])
    figure = go.Figure()
    for label, part in phasing.groupby("label", sort=False):
        figure.add_bar(x=part["year"], y=part["amount_eur"], name=label,
                       marker_pattern_shape=["" if k == "sourced" else "/" for k in part["kind"]],
                       customdata=part[["kind_text"]].to_numpy(),
                       hovertemplate="%{x}: € %{y:,.0f} (%{customdata[0]})<extra>" + label + "</extra>")
    figure.update_layout(barmode="group", height=320, margin=dict(l=0, r=0, t=10, b=0), separators=lang.n.separators,
                         yaxis_title=lang("col_amount"), xaxis_title=lang("col_year"),
                         legend_title_text=lang("col_pot"))
    euro_axis(lang, figure, "y")
    return figure


def provenance_section(lang: Lang, result) -> None:
    st.markdown(f"#### {lang('provenance_header')}")
    table(lang, views.provenance_table(result),
          {"label": ("col_pot", "text"), "budget_eur": ("col_budget", "eur"), "budget": ("col_budget_source", "text"),
           "years": ("col_years", "text"), "key": ("col_key_source", "text"), "keys": ("col_keys", "text")},
          key="provenance_table", static=True)
    keys = views.key_table(result.loaded)
    with i18n.using(lang.lang):  # the units in the page's language ("personen", "persons")
        units = keys["unit"].map(unit_word)
    keys = keys.assign(kind=keys["kind"].map(lambda k: lang(f"kind_{k}")), unit=units,
                       used=keys["used"].map(lambda u: lang("yes") if u else lang("no")))
    table(lang, keys, {"name": ("col_key_name", "text"), "label": ("col_label", "text"), "kind": ("col_kind", "text"),
                       "unit": ("col_unit", "text"), "source": ("col_source", "text"),
                       "vintage": ("col_vintage", "text"), "used": ("col_used", "text")},
          key="key_table", static=True)
