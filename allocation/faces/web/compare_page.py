"""Layer 6 (faces): the Vergelijken (compare) view. With edits it opens on "edited against the
scenario it started from" (that one the baseline); a negotiation panel and the mutaties
against a published table sit under it."""

from __future__ import annotations

from pathlib import Path

import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from allocation.analysis.compare import ALL, BANDS
from allocation.analysis.compare_text import summary_text as comparison_summary
from allocation.analysis.decompose import FACTORS as DECOMPOSITION_FACTORS
from allocation.analysis.decompose import decompose
from allocation.analysis.negotiation import negotiate
from allocation.common.errors import InputError
from allocation.data.registers import KEY_REGISTER_DATE
from allocation.faces import views
from allocation.faces.web import state
from allocation.faces.web.charts import bar, municipality_map, table
from allocation.faces.web.labels import Lang, key_label
from allocation.faces.web.page import Page
from allocation.publish.brief import brief_files
from allocation.publish.fit import fit_files
from allocation.publish.mutaties import mutaties_files
from allocation.scenario.source import ScenarioSource

EDITED, ORIGIN = "edited", "origin"
BAND_COLOURS = ["#1a9641", "#a6d96a", "#bdbdbd", "#fdae61", "#d7191c"]
LEVELS = ["pot_year", "pot", "all"]


def compare_entries(page: Page) -> dict[str, ScenarioSource]:
    """The scenarios one can compare: the edited one, the one it started from, the shipped
    ones and uploaded ones (name -> source)."""
    entries: dict[str, ScenarioSource] = {}
    if page.edited:
        entries[EDITED] = page.source
    entries[ORIGIN] = page.origin_source
    for name, path in state.shipped().items():
        text = path.read_text(encoding="utf-8")
        if text != page.origin_source.text:
            entries[name] = ScenarioSource(text, state.shipped_origin(path), name)
    for upload in st.session_state.get("compare_uploads") or []:
        try:
            entries[f"upload:{upload.name}"] = ScenarioSource(upload.getvalue().decode("utf-8-sig"), upload.name,
                                                              Path(upload.name).stem)
        except UnicodeDecodeError:
            st.error(page.lang("not_utf8", name=upload.name))
    return entries


def entry_name(lang: Lang, page: Page, name: str) -> str:
    if name == EDITED:
        return lang("compare_edited", id=page.source.scenario_id)
    if name == ORIGIN:
        return lang("compare_origin", id=page.origin_source.scenario_id)
    if name.startswith("upload:"):
        return lang("compare_uploaded", name=name.split(":", 1)[1])
    return name


def compare_selection(page: Page, widgets: bool) -> tuple[tuple[ScenarioSource, ...], int, list[str]]:
    """(scenario entries, baseline index, names) chosen in the Compare view (its widgets
    shown when ``widgets``; elsewhere the last choice, or the default, is used). The default:
    with edits, the scenario it started from (baseline) against the edited one; without,
    this scenario against the next shipped one."""
    lang = page.lang
    entries = compare_entries(page)
    names = list(entries)
    if page.edited:
        default, default_baseline = [ORIGIN, EDITED], ORIGIN
    else:
        default, default_baseline = [ORIGIN] + [n for n in names if n != ORIGIN][:1], ORIGIN
    suffix = "edited" if page.edited else "plain"  # a fresh default when the edited state changes
    chosen_key, baseline_key = f"compare_chosen_{suffix}", f"compare_baseline_{suffix}"
    # widget state is dropped while the Compare view is not shown: the choice is kept here
    stored = st.session_state.setdefault("compare_choice", {}).setdefault(suffix, {})
    if widgets:
        with st.expander(lang("compare_upload")):
            st.file_uploader(lang("compare_upload"), type=["yaml", "yml"], accept_multiple_files=True,
                             key="compare_uploads", label_visibility="collapsed")
        entries = compare_entries(page)
        names = list(entries)
        start = st.session_state.get(chosen_key, stored.get("chosen", default))
        st.session_state[chosen_key] = [n for n in start if n in entries]
        left, right = st.columns([3, 1])
        chosen = left.multiselect(lang("compare_scenarios"), names, key=chosen_key,
                                  format_func=lambda n: entry_name(lang, page, n))
        if st.session_state.get(baseline_key, stored.get("baseline")) not in chosen and chosen:
            st.session_state[baseline_key] = default_baseline if default_baseline in chosen else chosen[0]
        elif chosen and baseline_key not in st.session_state:
            st.session_state[baseline_key] = stored.get("baseline")
        baseline = right.selectbox(lang("compare_baseline"), chosen or [None], key=baseline_key,
                                   format_func=lambda n: "" if n is None else entry_name(lang, page, n))
        stored.update(chosen=list(chosen), baseline=baseline)
    else:
        chosen = [n for n in stored.get("chosen", default) if n in entries]
        baseline = stored.get("baseline", default_baseline)
        baseline = baseline if baseline in chosen else (chosen[0] if chosen else None)
    if len(chosen) < 2:
        return (), 0, chosen
    return tuple(entries[name] for name in chosen), chosen.index(baseline), chosen


def level_of(comparison, page: Page, level: str) -> tuple[str, str]:
    """The comparison's (pot, year) for the view's level; ``all`` where the selection is not compared."""
    if level == "all" or page.pot_id not in comparison.pots:
        return ALL, ALL
    if level == "pot" or page.year not in comparison.years[page.pot_id]:
        return page.pot_id, ALL
    return page.pot_id, str(page.year)


def compare_page(page: Page) -> None:
    lang = page.lang
    st.caption(lang("compare_caption"))
    entries, baseline, names = compare_selection(page, widgets=True)
    if not entries:
        st.info(lang("compare_choose_two"))
        mutaties_panel(page)
        return
    with st.spinner(lang("comparing")):
        comparison, problems = state.comparison_of(entries, baseline)
    if problems:
        show_problems(problems, lang("compare_cannot"))
        mutaties_panel(page)
        return
    for note in comparison.notes:
        st.info(note)
    others = [info.label for info in comparison.others]
    columns = st.columns([2, 3])
    scenario = columns[0].selectbox(lang("compare_against"), others, key="compare_scenario")
    level = columns[1].radio(lang("compare_level"), LEVELS, key="compare_level", horizontal=True,
                             format_func=lambda lv: lang(f"level_{lv}", pot=page.result.scenario.pots[page.pot_id].label
                                                         if page.pot_id in page.result.scenario.pots else page.pot_id,
                                                         year=page.year))
    pot, year = level_of(comparison, page, level)
    part = views.comparison_slice(comparison, scenario, pot, year)
    totals = part["totals"].iloc[0]
    where = lang("level_title", pot=lang("all_pots") if pot == ALL else comparison_pot_label(page, pot),
                 year=lang("all_years") if year == ALL else year)
    st.markdown(f"**{lang('compare_title', scenario=scenario, baseline=comparison.baseline.label)}**: {where}")
    frame = part["municipalities"]
    metrics = st.columns(4)
    metrics[0].metric(lang("metric_baseline"), lang.n.eur(int(totals["base_eur"])), help=comparison.baseline.label)
    difference = int(totals["diff_eur"])
    metrics[1].metric(scenario, lang.n.eur(int(totals["other_eur"])),
                      delta=lang.n.delta_eur(difference) if difference else None)
    metrics[2].metric(lang("metric_redistributed"), lang.n.eur(float(totals["redistributed_eur"])),
                      help=lang("help_redistributed"))
    loser = frame.sort_values(["diff_eur", "gm_code"], kind="stable").head(1)
    if len(loser) and int(loser["diff_eur"].iloc[0]) < 0:
        row = loser.iloc[0]
        eur = lang.n.delta_eur(int(row["diff_eur"]))
        pct = row["diff_pct"]
        delta = eur if pct != pct else f"{lang.n.pct(float(pct), 1, signed=True)} ({eur})"
        metrics[3].metric(lang("metric_largest_loss"), str(row["gm_name"]), delta=delta, help=str(row["gm_code"]))
    else:
        metrics[3].metric(lang("metric_largest_loss"), lang("metric_nobody"))
    st.caption(lang("gini_line", base=lang.n.number(float(totals["gini_base"]), 3),
                    other=lang.n.number(float(totals["gini_other"]), 3)) + " " + lang("help_gini"))
    left, right = st.columns([1, 1], gap="medium")
    with left:
        limit = views.colour_limit(frame["diff_per_inhabitant"])
        shown = frame.assign(_eur=[lang.n.delta_eur(v) for v in frame["diff_eur"]],
                             _rate=[lang.n.delta_eur(v, 3) for v in frame["diff_per_inhabitant"]],
                             _band=frame["band"].map(lambda b: lang(band_key(b))))
        municipality_map(
            lang, KEY_REGISTER_DATE, shown, "diff_per_inhabitant", ["gm_name", "_eur", "_rate", "_band"],
            "%{customdata[0]} (%{location})<br>%{customdata[1]}<br>€ %{customdata[2]} " + lang("per_inhabitant")
            + "<br>%{customdata[3]}<extra></extra>",
            lang("compare_map_title", scenario=scenario, baseline=comparison.baseline.label, where=where),
            key="diff_map", height=520, colorbar=lang("map_colorbar_diff"), colorscale="RdBu", zmid=0,
            zmin=-limit, zmax=limit,
        )
        st.caption(lang("map_diff_caption", limit=lang.n.eur(limit, 3)))
    with right:
        bands = part["bands"].assign(band_text=part["bands"]["band"].map(lambda b: lang(band_key(b))))
        bands = bands[bands["scenario"] == scenario]
        figure = go.Figure(go.Bar(x=bands["municipalities"], y=bands["band_text"], orientation="h",
                                  marker_color=BAND_COLOURS, text=bands["municipalities"]))
        figure.update_layout(height=230, margin=dict(l=0, r=0, t=30, b=0), title=lang("bands_title"),
                             separators=lang.n.separators)
        figure.update_yaxes(autorange="reversed")
        st.plotly_chart(figure, key="bands")
        losers = frame.sort_values(["diff_eur", "gm_code"], kind="stable").head(10)
        losers = losers[losers["diff_eur"] < 0]
        st.markdown(f"**{lang('largest_losses')}**")
        table(lang, losers, {"gm_name": ("col_municipality", "text"), "diff_eur": ("col_verschil", "signed_eur"),
                             "diff_pct": ("col_verschil_pct", "pct"),
                             "diff_per_inhabitant": ("col_per_inhabitant", "signed_eur3")},
              key="compare_losers", max_height=390)
    by_size, by_province = st.columns(2, gap="medium")
    # the chart beside each table shows the euros per inhabitant; the table the euros and percent
    group_columns = {"diff_eur": ("col_verschil", "signed_eur"), "diff_pct": ("col_verschil_pct", "pct")}
    with by_size:
        st.markdown(f"**{lang('by_size_class')}**")
        sizes = part["by_size_class"]
        bar(lang, sizes, "size_class", "diff_per_inhabitant", key="by_size", y_label=lang("col_per_inhabitant"))
        table(lang, sizes, {"size_class": ("col_size_class", "text"), **group_columns}, key="size_table")
    with by_province:
        st.markdown(f"**{lang('by_province')}**")
        provinces = part["by_province"].sort_values("diff_per_inhabitant", kind="stable")
        bar(lang, provinces, "diff_per_inhabitant", "province_name", key="by_province_chart", orientation="h",
            x_label=lang("col_per_inhabitant"), height=360)
        table(lang, provinces, {"province_name": ("col_province", "text"), **group_columns}, key="province_table")
    with st.expander(lang("summary_text")):
        st.caption(lang("english_text"))
        if st.toggle(lang("summary_show"), key="compare_summary_show"):  # computed only when asked for
            st.text(comparison_summary(comparison))
    negotiation_panel(page, entries, baseline, scenario, pot, comparison)
    st.caption(lang("compare_download_hint"))
    mutaties_panel(page)


def comparison_pot_label(page: Page, pot: str) -> str:
    pots = page.result.scenario.pots
    return pots[pot].label if pot in pots else pot


def band_key(band: str) -> str:
    return f"band_{BANDS.index(band)}" if band in BANDS else band


def show_problems(problems: list[str], heading: str) -> None:
    st.error(heading + "\n\n" + "\n".join(f"- {p}" for p in problems))


@st.cache_data(show_spinner=False, max_entries=8)
def negotiation_of(reference_entry: ScenarioSource, scenario_entry: ScenarioSource, pot: str, keys: tuple[str, ...],
                   year: int | None = None):
    """(guarantee table, decomposition, compromise frontier, least max loss, compromise YAML, year, problems)."""
    (reference, scenario), problems = state.results_of((reference_entry, scenario_entry))
    if problems:
        return None, None, None, None, None, None, problems
    try:
        found = negotiate(reference, scenario, pots=[pot], keys=list(keys) or None, year=year)
        parts, _ = decompose(reference, scenario)
        if found.problems or not found.compromises:
            return None, None, None, None, None, None, list(found.problems) or [
                f"{pot}: not a pot both scenarios share, so it has no compromise key"]
        compromise = found.compromises[0]
        return (found.guarantee.table, parts, compromise.frontier, compromise.least_max_loss_pct,
                compromise.scenario_yaml, compromise.year, [])
    except InputError as exc:
        return None, None, None, None, None, None, exc.problems


@st.cache_data(show_spinner=False, max_entries=4)
def brief_of(reference_entry: ScenarioSource, scenario_entry: ScenarioSource) -> bytes:
    """The brief (PDF) of the scenario against the reference, all shared pots and years, at the
    default guarantee and compromise level (:mod:`allocation.publish.brief`)."""
    (reference, scenario), problems = state.results_of((reference_entry, scenario_entry))
    if problems:
        raise InputError(problems)
    return next(iter(brief_files(reference, scenario).values()))


def negotiation_panel(page: Page, entries: tuple, baseline: int, scenario: str, pot: str, comparison) -> None:
    """The three questions of a negotiation, for the chosen scenario against the baseline."""
    lang = page.lang
    if not st.toggle(lang("negotiate_toggle", scenario=scenario, baseline=comparison.baseline.label), key="negotiate"):
        return
    others = [i for i in range(len(entries)) if i != baseline]  # the comparison's order of the others
    other_entry = entries[others[[info.label for info in comparison.others].index(scenario)]]
    pots = list(comparison.pots)
    chosen_pot = pot if pot in pots else pots[0]
    # the compromise for the year chosen above the view when the pot has it
    wanted = page.year if chosen_pot == page.pot_id and page.year in comparison.years.get(chosen_pot, []) else None
    guarantee, parts, frontier_frame, least, text, year, problems = negotiation_of(
        entries[baseline], other_entry, chosen_pot, (), wanted)
    if problems:
        show_problems(problems, lang("negotiate_cannot"))
        return
    reference_entry = entries[baseline]
    st.download_button(lang("brief_download"), lambda: brief_of(reference_entry, other_entry),
                       file_name=f"brief-{comparison.baseline.label}-vs-{scenario}.pdf", mime="application/pdf",
                       key="dl_brief", on_click="ignore", help=lang("brief_help"))
    costs, compromise_tab, why = st.tabs([lang("tab_guarantee"), lang("tab_compromise"), lang("tab_why")])
    with costs:
        overall = guarantee[guarantee["year"] == "all"]
        overall = overall.assign(pot=overall["pot"].map(lambda p: comparison_pot_label(page, p)))
        chart = px.line(overall, x="max_loss_pct", y="top_up_eur", color="pot", markers=True,
                        labels={"max_loss_pct": lang("axis_max_loss"), "top_up_eur": lang("col_top_up"),
                                "pot": lang("col_pot")}, title=lang("guarantee_title"))
        chart.update_layout(height=320, margin=dict(l=0, r=0, t=40, b=0), separators=lang.n.separators)
        st.plotly_chart(chart, key="guarantee_chart")
        table(lang, overall, {"pot": ("col_pot", "text"), "max_loss_pct": ("col_max_loss", "plain_pct"),
                              "top_up_eur": ("col_top_up", "eur"),
                              "budget_neutral_gain_cap_pct": ("col_gain_cap", "number2")}, key="guarantee_table")
        st.caption(lang("guarantee_caption"))
    with compromise_tab:
        st.caption(lang("compromise_caption", pot=comparison_pot_label(page, chosen_pot), year=year, scenario=scenario,
                        baseline=comparison.baseline.label, least=lang.n.number(least, 4)))
        feasible = frontier_frame[frontier_frame["feasible"]]
        chart = px.line(feasible, x="max_loss_pct", y="distance_eur", markers=True,
                        labels={"max_loss_pct": lang("axis_max_loss"), "distance_eur": lang("col_distance")},
                        title=lang("compromise_title"))
        chart.update_layout(height=300, margin=dict(l=0, r=0, t=40, b=0), separators=lang.n.separators)
        st.plotly_chart(chart, key="compromise_chart")
        columns = {"max_loss_pct": ("col_max_loss", "plain_pct"), "feasible": ("col_feasible", "text"),
                   "distance_eur": ("col_distance", "eur"), "distance_pct": ("col_distance_pct", "plain_pct"),
                   "vast_bedrag_eur": ("col_vast_bedrag", "eur")}
        for column in frontier_frame.columns:
            if column.startswith("weight_"):
                name = column.removeprefix("weight_")
                known = page.result.loaded.keys.get(name)
                columns[column] = ("=" + lang("col_weight", key=key_label(lang, known) if known else name), "share")
        shown = frontier_frame.assign(
            feasible=frontier_frame["feasible"].map(lambda f: lang("yes") if f else lang("no"))
        )
        table(lang, shown, columns, key="frontier_table", static=True)
        if text:
            st.download_button(lang("compromise_download"), text, file_name=f"compromis-{chosen_pot}.yaml",
                               key="dl_compromise")
    with why:
        overall = parts[parts["year"] == "all"]
        if pot != ALL:
            overall = overall[overall["pot"] == pot]
        totals = overall.groupby(["gm_code", "gm_name", "factor"], as_index=False)["effect_eur"].sum()
        by_code = totals.groupby(["gm_code", "gm_name"])["effect_eur"].sum().sort_values(kind="stable")
        labels = {code: f"{name} ({code}): {lang.n.delta_eur(value)}" for (code, name), value in by_code.items()}
        code = st.selectbox(lang("why_municipality"), list(labels), key="why_municipality", format_func=labels.get)
        rows = totals[totals["gm_code"] == code].set_index("factor").reindex(list(DECOMPOSITION_FACTORS))
        factors = [lang(f"factor_{f}") for f in DECOMPOSITION_FACTORS]
        figure = go.Figure(go.Waterfall(
            x=factors + [lang("factor_total")], measure=["relative"] * len(factors) + ["total"],
            y=list(rows["effect_eur"].fillna(0).astype(int)) + [0]))
        figure.update_layout(height=320, margin=dict(l=0, r=0, t=30, b=0), title=labels[code],
                             separators=lang.n.separators)
        st.plotly_chart(figure, key="why_chart")
        st.caption(lang("why_caption"))


@st.cache_data(show_spinner=False, max_entries=16)
def mutaties_of(source: ScenarioSource, content: bytes, filename: str, pot: str | None):
    """(mutaties, problems) of the scenario as shown against an uploaded published table."""
    result, problems = state.compute(source)
    if result is None:
        return None, problems
    try:
        return views.published_mutaties(result, content, filename, pot), []
    except InputError as exc:
        return None, exc.problems


def mutaties_panel(page: Page) -> None:
    """The scenario as shown against a table already published (the mutatie per municipality and year)."""
    lang = page.lang
    st.markdown(f"**{lang('mutaties_header')}**")
    upload = st.file_uploader(lang("mutaties_upload"), type=["csv", "xlsx", "ods"], key="published_table")
    if upload is None:
        st.caption(lang("mutaties_caption"))
        return
    pot = None
    if upload.name.lower().endswith(".csv"):
        pots = list(page.result.scenario.pots)
        labels = {p: page.result.scenario.pots[p].label for p in pots}
        pot = st.selectbox(lang("mutaties_pot"), [None] + pots, key="published_pot",
                           format_func=lambda p: lang("from_the_file") if p is None else labels[p])
    found, problems = mutaties_of(page.source, upload.getvalue(), upload.name, pot)
    if problems:
        show_problems(problems, lang("mutaties_cannot"))
    else:
        mutaties_tables(page, found)
    fit_panel(page, upload.getvalue(), upload.name, pot)


def mutaties_tables(page: Page, found) -> None:
    """The totals and the largest mutaties, with the files to download."""
    lang = page.lang
    for note in found.notes:
        st.info(note)
    columns = {"pot": ("col_pot", "text"), "year": ("col_year", "text"), "gm_name": ("col_municipality", "text"),
               "baseline_eur": ("col_published", "eur"), "scenario_eur": ("col_scenario", "eur"),
               "mutatie_eur": ("col_mutatie", "signed_eur"), "mutatie_pct": ("col_verschil_pct", "pct")}
    table(lang, found.totals, {c: v for c, v in columns.items() if c in found.totals}, key="mutaties_totals")
    rows = found.table.assign(_abs=found.table["mutatie_eur"].abs()).sort_values(
        ["_abs", "gm_code"], ascending=[False, True]).drop(columns="_abs").head(200)
    table(lang, rows, columns, key="mutaties_rows")
    for name, content in mutaties_files(found).items():
        st.download_button(lang("download", name=name), content, file_name=name, key=f"dl_{name}")



@st.cache_data(show_spinner=False, max_entries=8)
def fit_of(content: bytes, filename: str, pot: str | None, vast: bool):
    """(fit, exact, why no exact, problems) of an uploaded published table."""
    try:
        fit, exact, exact_problems = views.published_fit(content, filename, pot, vast)
        return fit, exact, exact_problems, []
    except InputError as exc:
        return None, None, [], exc.problems


def open_scenario(text: str, origin: str, scenario_id: str, uploads: tuple) -> None:
    """Make a scenario the one shown (a button's callback: runs before the page is drawn again)."""
    st.session_state["_opened"] = ScenarioSource(text, origin, scenario_id, uploads)
    st.session_state["source"] = "opened"


def fit_panel(page: Page, content: bytes, filename: str, pot: str | None) -> None:
    """Welke sleutel? The key mix, vast bedrag and year profile behind an uploaded table, how well
    they fit, where they fit worst, and the fitted and exact scenarios to open."""
    lang, n = page.lang, page.lang.n
    st.markdown(f"**{lang('fit_header')}**")
    st.caption(lang("fit_caption"))
    if not st.toggle(lang("fit_toggle"), key="fit_toggle"):
        return
    try:
        pots = views.table_pots(content, filename, pot)
    except InputError as exc:
        show_problems(exc.problems, lang("fit_cannot"))
        return
    left, right = st.columns([2, 1])
    chosen = left.selectbox(lang("fit_pot"), pots, key="fit_pot") if len(pots) > 1 else pots[0]
    vast = right.checkbox(lang("fit_vast"), key="fit_vast")
    with st.spinner(lang("fit_running")):
        fit, exact, exact_problems, problems = fit_of(content, filename, chosen, vast)
    if problems:
        show_problems(problems, lang("fit_cannot"))
        return
    q = fit.quality
    words = lang(f"fit_quality_{fit.level}") + " " + lang(
        "fit_quality_numbers", r2=n.number(q["r2"], 6), mean=n.eur(q["mean_abs_eur"]),
        mean_pct=n.pct(q["mean_abs_pct"], 3), largest=n.eur(q["max_abs_eur"]),
        largest_pct=n.pct(q["max_abs_pct"], 3), points=n.number(len(fit.points)))
    {"exact": st.success, "good": st.success, "rough": st.warning}.get(fit.level, st.error)(words)
    weights = fit.weights.assign(
        identifiable=fit.weights["identifiable"].map(lambda ok: lang("yes") if ok else lang("no")),
        label=[key_label(lang, page.result.loaded.keys.get(k)) if k in page.result.loaded.keys else k
               for k in fit.weights["key"]])
    table(lang, weights, {"label": ("col_key", "text"), "weight": ("col_weight_plain", "share"),
                          "low": ("col_low", "share"), "high": ("col_high", "share"),
                          "identifiable": ("col_identifiable", "text")}, key="fit_weights")
    st.caption(lang("fit_weights_caption"))
    if fit.vast_bedrag_eur is not None:
        st.caption(lang("fit_vast_found", eur=n.eur(fit.vast_bedrag_eur), low=n.eur(fit.vast_range[0]),
                        high=n.eur(fit.vast_range[1])))
    profile = fit.profile.assign(year=fit.profile["year"].astype(str))
    table(lang, profile, {"year": ("col_year", "text"), "budget_eur": ("col_national_amount", "eur"),
                          "low_eur": ("col_low", "eur"), "high_eur": ("col_high", "eur"),
                          "points": ("col_points", "int")}, key="fit_profile")
    for note in fit.notes:
        st.info(note)
    years = list(fit.years)
    year = st.selectbox(lang("fit_map_year"), years, key="fit_map_year",
                        index=years.index(page.year) if page.year in years else 0)
    points = fit.points[fit.points["year"] == year]
    shown = points.assign(_pub=[n.eur(v) for v in points["published_eur"]],
                          _fit=[n.eur(v) for v in points["fitted_eur"]],
                          _pct=[n.pct(v, 2, signed=True) if v == v else "–" for v in points["difference_pct"]])
    limit = max(float(points["difference_pct"].abs().max(skipna=True) or 0.0), 0.01)
    municipality_map(
        lang, fit.registers[year], shown, "difference_pct", ["gm_name", "_pub", "_fit", "_pct"],
        "%{customdata[0]} (%{location})<br>" + lang("col_published") + ": %{customdata[1]}<br>"
        + lang("col_fitted") + ": %{customdata[2]}<br>%{customdata[3]}<extra></extra>",
        lang("fit_map_title", year=year), key="fit_map", height=460, colorbar="%", colorscale="RdBu", zmid=0,
        zmin=-limit, zmax=limit)
    st.markdown(f"**{lang('fit_worst')}**")
    worst = fit.worst.assign(year=fit.worst["year"].astype(str))
    table(lang, worst, {"year": ("col_year", "text"), "gm_name": ("col_municipality", "text"),
                        "published_eur": ("col_published", "eur"), "fitted_eur": ("col_fitted", "eur"),
                        "difference_eur": ("col_verschil", "signed_eur"),
                        "difference_pct": ("col_verschil_pct", "pct")}, key="fit_worst")
    first, second = st.columns(2)
    first.button(lang("fit_open"), key="fit_open", on_click=open_scenario,
                 args=(fit.scenario_text, f"{fit.stem}.yaml", fit.stem, ()))
    if exact is not None:
        upload = (exact.key_name, exact.key_file, exact.key_csv, "share", "gm_code", False,
                  f"Shares of {filename}"[:120], "share", f"DERIVED from {filename}"[:200], "", "assumption")
        second.button(lang("fit_open_exact"), key="fit_open_exact", on_click=open_scenario,
                      args=(exact.scenario_text, f"{fit.stem}-exact.yaml", f"{fit.stem}-exact", (upload,)))
    elif exact_problems:
        second.caption(lang("fit_no_exact") + " " + " ".join(exact_problems))
    for name, data in fit_files(fit, exact).items():
        st.download_button(lang("download", name=name), data, file_name=name, key=f"dl_{name}")
