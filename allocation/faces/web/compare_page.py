"""Layer 6 (faces): the Vergelijken (compare) view. With edits it opens on "edited against the
scenario it started from" (that one the baseline); a negotiation panel and the mutaties
against a published table sit under it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from allocation.analysis.compare import ALL, BANDS
from allocation.analysis.compare_text import summary_text as comparison_summary
from allocation.analysis.decompose import FACTORS as DECOMPOSITION_FACTORS
from allocation.analysis.decompose import decompose
from allocation.analysis.edit_effect import comparison_effect
from allocation.analysis.explain import key_shares
from allocation.analysis.levels import DEFAULT_MAX_LOSS_PCT
from allocation.analysis.negotiation import negotiate
from allocation.common import i18n
from allocation.common.errors import InputError
from allocation.data.registers import KEY_REGISTER_DATE
from allocation.faces import views
from allocation.faces.web import state
from allocation.faces.web.allocation_page import loss_in_pct
from allocation.faces.web.charts import bar, euro_axis, municipality_map, table, waterfall
from allocation.faces.web.edit_panel import EDIT_PREFIX, plans
from allocation.faces.web.inputs import forget, number_field
from allocation.faces.web.labels import Lang, key_label
from allocation.faces.web.page import Page, scenario_key_of
from allocation.publish.brief import brief_files
from allocation.publish.fit import fit_files
from allocation.publish.mutaties import mutaties_files
from allocation.scenario.edits import EditPlan
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
    effect = comparison_effect(frame)  # the one "Herverdeeld" of the allocation view too
    redistributed = effect.redistributed_eur
    metrics[2].metric(lang("metric_redistributed"), lang.n.eur(redistributed, 0 if redistributed.is_integer() else 1),
                      help=lang("help_redistributed"))
    loser = effect.largest_loss
    if loser is not None:
        eur = lang.n.delta_eur(loser.eur)
        delta = eur if loser.pct is None else f"{lang.n.pct(loser.pct, 1, signed=True)} ({eur})"
        metrics[3].metric(lang("metric_largest_loss"), loser.name, delta=delta, help=loser.code)
    else:
        metrics[3].metric(lang("metric_largest_loss"), lang("metric_nobody"))
    loss_in_pct(lang, effect)
    st.caption(lang("register_stated"))
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
        st.caption(lang("bands_text", counts="; ".join(  # the chart's text alternative
            f"{text} {lang.n.number(count)}" for text, count in zip(bands["band_text"], bands["municipalities"]))))
        losers = frame.sort_values(["diff_eur", "gm_code"], kind="stable").head(10)
        losers = losers[losers["diff_eur"] < 0]
        st.markdown(f"**{lang('largest_losses')}**")
        table(lang, losers, {"gm_name": ("col_municipality", "text"), "diff_eur": ("col_verschil", "signed_eur"),
                             "diff_pct": ("col_verschil_pct", "pct"),
                             "diff_per_inhabitant": ("col_per_inhabitant", "signed_eur3")},
              key="compare_losers", max_height=390)
    by_size, by_province = st.columns(2, gap="medium")
    # the chart beside each table shows the euros per inhabitant; the table those, the euros and percent
    group_columns = {"diff_eur": ("col_verschil", "signed_eur"), "diff_pct": ("col_verschil_pct", "pct"),
                     "diff_per_inhabitant": ("col_per_inhabitant", "signed_eur3")}  # the chart's figures too
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
    negotiation_panel(page, entries, baseline, scenario, pot, comparison, names)
    st.caption(lang("compare_download_hint"))
    mutaties_panel(page)


def comparison_pot_label(page: Page, pot: str) -> str:
    pots = page.result.scenario.pots
    return pots[pot].label if pot in pots else pot


def band_key(band: str) -> str:
    return f"band_{BANDS.index(band)}" if band in BANDS else band


def show_problems(problems: list[str], heading: str) -> None:
    st.error(heading + "\n\n" + "\n".join(f"- {p}" for p in problems))


@st.cache_resource(show_spinner=False, max_entries=8)
def negotiation_of(reference_entry: ScenarioSource, scenario_entry: ScenarioSource, pot: str, year: int | None,
                   max_loss_pct: float, compromise_pct: float):
    """(the :class:`~allocation.analysis.negotiation.Negotiation` of one pot, problems): the
    guarantee at ``max_loss_pct`` and the compromise at ``compromise_pct`` (any level)."""
    (reference, scenario), problems = state.results_of((reference_entry, scenario_entry))
    if problems:
        return None, problems
    try:
        found = negotiate(reference, scenario, max_loss_pct=max_loss_pct, compromise_pct=compromise_pct,
                          year=year, pots=[pot])
    except InputError as exc:
        return None, exc.problems
    if found.problems or not found.compromises:
        return None, list(found.problems) or [f"{pot}: not a pot both scenarios share, so it has no compromise key"]
    return found, []


@st.cache_resource(show_spinner=False, max_entries=8)
def decomposition_of(reference_entry: ScenarioSource, scenario_entry: ScenarioSource):
    """The decomposition of the scenario's differences into factors (:func:`decompose`)."""
    (reference, scenario), problems = state.results_of((reference_entry, scenario_entry))
    if problems:
        return None
    return decompose(reference, scenario)[0]


@st.cache_data(show_spinner=False, max_entries=4)
def brief_of(reference_entry: ScenarioSource, scenario_entry: ScenarioSource) -> bytes:
    """The brief (PDF) of the scenario against the reference, all shared pots and years, at the
    default guarantee and compromise level (:mod:`allocation.publish.brief`)."""
    (reference, scenario), problems = state.results_of((reference_entry, scenario_entry))
    if problems:
        raise InputError(problems)
    return next(iter(brief_files(reference, scenario).values()))


def negotiation_panel(page: Page, entries: tuple, baseline: int, scenario: str, pot: str, comparison,
                      names: list[str]) -> None:
    """The three questions of a negotiation, for the chosen scenario against the baseline."""
    lang = page.lang
    if not st.toggle(lang("negotiate_toggle", scenario=scenario, baseline=comparison.baseline.label), key="negotiate"):
        return
    others = [i for i in range(len(entries)) if i != baseline]  # the comparison's order of the others
    other_entry = entries[others[[info.label for info in comparison.others].index(scenario)]]
    pots = list(comparison.pots)
    chosen_pot = pot if pot in pots else pots[0]
    # the year chosen above the view when the pot has it
    wanted = page.year if chosen_pot == page.pot_id and page.year in comparison.years.get(chosen_pot, []) else None
    left, right = st.columns(2)
    guarantee_pct, _ = number_field(lang, left, lang("field_guarantee_pct"), "guarantee_pct",
                                    DEFAULT_MAX_LOSS_PCT, maximum=100, help=lang("help_guarantee_pct"))
    compromise_pct, _ = number_field(lang, right, lang("field_compromise_pct"), "compromise_pct", 1.0, maximum=100,
                                     help=lang("help_compromise_pct"))
    with st.spinner(lang("negotiating")):
        found, problems = negotiation_of(entries[baseline], other_entry, chosen_pot, wanted, float(guarantee_pct),
                                         float(compromise_pct))
    if problems:
        show_problems(problems, lang("negotiate_cannot"))
        return
    reference_entry = entries[baseline]
    st.download_button(lang("brief_download"), lambda: brief_of(reference_entry, other_entry),
                       file_name=f"brief-{comparison.baseline.label}-vs-{scenario}.pdf", mime="application/pdf",
                       key="dl_brief", on_click="ignore", help=lang("brief_help"))
    costs, compromise_tab, why = st.tabs([lang("tab_guarantee"), lang("tab_compromise"), lang("tab_why")])
    with costs:
        guarantee_tab(page, found, chosen_pot, wanted, comparison)
    with compromise_tab:
        compromise_panel(page, found.compromises[0], scenario, comparison, reference_entry, names[baseline])
    with why:
        why_panel(page, entries[baseline], other_entry, pot, chosen_pot, scenario, comparison.baseline.label)


def guarantee_tab(page: Page, found, pot: str, year: int | None, comparison) -> None:
    """The guarantee at the level typed: its cost per payment year and over the shared years,
    and in the year chosen who is topped up and whose gains pay for it."""
    lang, n = page.lang, page.lang.n
    guarantee = found.guarantee
    level = n.pct(guarantee.max_loss_pct, 2)
    years = [item for item in guarantee.years if item.pot == pot]
    rows = pd.DataFrame([{
        "year": lang("all_years") if item.year == "all" else item.year,
        "top_up_eur": item.top_up_eur, "topped_up": item.cost.topped_up,
        "cap": (lang("guarantee_free") if item.costs_nothing else
                n.pct(item.cost.gain_cap_pct, 2) if item.cost.gain_cap_pct is not None else lang("guarantee_unpaid")),
        "payers": "" if item.payers is None else n.number(item.payers),
    } for item in years])
    st.markdown(f"**{lang('guarantee_years_title', level=level, pot=comparison_pot_label(page, pot))}**")
    table(lang, rows, {"year": ("col_year", "text"), "top_up_eur": ("col_top_up", "eur"),
                       "topped_up": ("col_topped_up", "int"), "cap": ("col_gain_cap", "text"),
                       "payers": ("col_payers", "text")}, key="guarantee_years")
    chosen = str(year) if year is not None else next((item.year for item in years if item.year != "all"), None)
    item = next((i for i in years if i.year == chosen), None)
    if item is not None:
        if item.costs_nothing:
            st.success(lang("guarantee_costs_nothing", level=level, year=chosen))
        else:
            st.markdown(lang("guarantee_year_words", year=chosen, level=level, eur=n.eur(item.top_up_eur),
                             count=item.cost.topped_up, payers=item.payers if item.payers is not None else 0,
                             cap=n.pct(item.cost.gain_cap_pct or 0.0, 2)))
            rows = guarantee.municipalities
            rows = rows[(rows["pot"] == pot) & (rows["year"].astype(str) == chosen)]
            if rows.empty:
                st.warning(" ".join(guarantee.unpaid) or lang("guarantee_unpaid"))
            else:
                columns = {"gm_name": ("col_municipality", "text"), "reference_eur": ("col_reference", "eur"),
                           "scenario_eur": ("col_scenario", "eur"), "guaranteed_eur": ("col_guaranteed", "eur")}
                topped, paying = st.columns(2, gap="medium")
                with topped:
                    st.markdown(f"**{lang('guarantee_topped_up')}**")
                    part = rows[rows["top_up_eur"] > 0].sort_values(["top_up_eur", "gm_code"], ascending=[False, True])
                    table(lang, part, {**columns, "top_up_eur": ("col_top_up", "eur")}, key="guarantee_topped",
                          max_height=320)
                with paying:
                    st.markdown(f"**{lang('guarantee_paying')}**")
                    part = rows[rows["afroming_eur"] > 0].sort_values(["afroming_eur", "gm_code"],
                                                                      ascending=[False, True])
                    table(lang, part, {**columns, "afroming_eur": ("col_afroming", "eur")}, key="guarantee_payers",
                          max_height=320)
    with st.expander(lang("guarantee_levels")):
        overall = guarantee.table[(guarantee.table["year"] == "all") & (guarantee.table["pot"] == pot)]
        overall = overall.assign(pot=overall["pot"].map(lambda p: comparison_pot_label(page, p)))
        chart = px.line(overall, x="max_loss_pct", y="top_up_eur", markers=True,
                        labels={"max_loss_pct": lang("axis_max_loss"), "top_up_eur": lang("col_top_up")},
                        title=lang("guarantee_title"))
        chart.update_layout(height=280, margin=dict(l=0, r=0, t=40, b=0), separators=lang.n.separators)
        euro_axis(lang, chart, "y")
        st.plotly_chart(chart, key="guarantee_chart")
        table(lang, overall, {"pot": ("col_pot", "text"), "max_loss_pct": ("col_max_loss", "plain_pct"),
                              "top_up_eur": ("col_top_up", "eur"),
                              "budget_neutral_gain_cap_pct": ("col_gain_cap", "number2")}, key="guarantee_table")
    st.caption(lang("guarantee_caption"))


def compromise_words(lang: Lang, page: Page, compromise) -> str:
    """The compromise key in words: ``35,0% inwoners, 65,0% migratieachtergrond, vast bedrag € 152 per gemeente``."""
    point = compromise.point
    keys = page.result.loaded.keys
    parts = [f"{lang.n.pct(weight * 100, 1)} {key_label(lang, keys[name]) if name in keys else name}"
             for name, weight in point.weights().items() if weight * 100 >= 0.05]
    if point.vast_bedrag_eur:
        parts.append(lang("compromise_vast", eur=lang.n.eur(point.vast_bedrag_eur)))
    return ", ".join(parts)


def compromise_panel(page: Page, compromise, scenario: str, comparison, reference_entry: tuple,
                     reference_name: str) -> None:
    """The compromise at the level typed: the key in words, its distance with its unit, the
    frontier, one button that opens it as the edited scenario, and the download."""
    lang, n = page.lang, page.lang.n
    pot = compromise.pot
    st.caption(lang("compromise_caption", pot=comparison_pot_label(page, pot), year=compromise.year,
                    scenario=scenario, baseline=comparison.baseline.label,
                    least=n.pct(compromise.least_max_loss_pct, 2)))
    level = n.pct(compromise.max_loss_pct, 2)
    if not compromise.feasible:
        st.warning(lang("compromise_infeasible", level=level, least=n.pct(compromise.least_max_loss_pct, 2)))
    else:
        words = compromise_words(lang, page, compromise)
        share = compromise.distance_pct
        distance = lang("compromise_distance", eur=n.eur(compromise.point.distance_eur),
                        pct=lang("less_than", value=n.pct(0.01, 2)) if 0 < share < 0.005 else n.pct(share, 2))
        if compromise.same_as == "reference":
            st.success(lang("compromise_is_reference", key=words, level=level) + " " + distance)
        elif compromise.same_as == "target":
            st.success(lang("compromise_is_target", key=words, level=level))
        else:
            st.success(lang("compromise_key", level=level, key=words) + " " + distance)
        weights = compromise.point.weights()
        source = lang("compromise_source", level=level, reference=comparison.baseline.label, scenario=scenario,
                      pot=comparison_pot_label(page, pot), year=compromise.year)
        first, second = st.columns(2)
        if compromise.same_as != "reference":  # else there is nothing to edit: said in words above
            first.button(lang("compromise_open"), key="compromise_open", type="primary", on_click=open_compromise,
                         args=(page, reference_entry, reference_name, pot, weights,
                               int(compromise.point.vast_bedrag_eur), source), help=lang("help_compromise_open"))
        second.download_button(lang("compromise_download"), compromise.scenario_yaml or "",
                               file_name=f"compromis-{pot}-{compromise.max_loss_pct:g}.yaml", key="dl_compromise")
    frontier = compromise.frontier
    feasible = frontier[frontier["feasible"]]
    with st.expander(lang("compromise_frontier")):
        chart = px.line(feasible, x="max_loss_pct", y="distance_eur", markers=True,
                        labels={"max_loss_pct": lang("axis_max_loss"), "distance_eur": lang("col_distance")},
                        title=lang("compromise_title"))
        chart.update_layout(height=260, margin=dict(l=0, r=0, t=40, b=0), separators=lang.n.separators)
        euro_axis(lang, chart, "y")
        st.plotly_chart(chart, key="compromise_chart")
        columns = {"max_loss_pct": ("col_max_loss", "plain_pct"), "feasible": ("col_feasible", "text"),
                   "distance_eur": ("col_distance", "eur"), "distance_pct": ("col_distance_pct", "pct2"),
                   "vast_bedrag_eur": ("col_vast_bedrag", "eur")}
        for column in frontier.columns:
            if column.startswith("weight_"):
                name = column.removeprefix("weight_")
                known = page.result.loaded.keys.get(name)
                columns[column] = ("=" + lang("col_weight_pct", key=key_label(lang, known) if known else name),
                                   "plain_pct")
        shown = frontier.assign(
            feasible=frontier["feasible"].map(lambda f: lang("yes") if f else lang("no")),
            **{c: frontier[c] * 100 for c in frontier.columns if c.startswith("weight_")})
        table(lang, shown, columns, key="frontier_table", static=True)


def open_compromise(page: Page, reference_entry: ScenarioSource, reference_name: str, pot: str, weights: dict,
                    vast_bedrag_eur: int, source: str) -> None:
    """Open the compromise as the edited scenario (a button's callback, before the page is drawn
    again): the reference as the scenario shown, with this pot's key edited to the compromise
    (its provenance in the edit's source). Uses the edit state of the sidebar as it stands:
    the :class:`EditPlan` of ``plans()[scenario key]`` and the fields under ``e_<scenario key>:<pot>``."""
    text, scenario_id = reference_entry.text, reference_entry.scenario_id
    keep = False  # the edits the reference already has (an edited reference): kept
    if reference_name in (ORIGIN, EDITED):
        key = page.scenario_key
        keep = reference_name == EDITED
    elif reference_name.startswith("upload:"):
        st.session_state["_opened"] = reference_entry
        st.session_state["source"] = "opened"
        key = scenario_key_of(scenario_id, text)
    else:
        st.session_state["source"] = "shipped"
        st.session_state["shipped"] = reference_name
        key = scenario_key_of(scenario_id, text)
    plans_now = plans()
    if not keep:
        plans_now[key] = EditPlan()
        forget(f"{EDIT_PREFIX}{key}")
    plan = plans_now.get(key, EditPlan())
    plans_now[key] = plan.with_pot(pot, replace(plan.pot(pot), weights=dict(weights),
                                                vast_bedrag_eur=int(vast_bedrag_eur), source=source))
    for field in ("_vast", "_source"):
        forget(f"{EDIT_PREFIX}{key}:{pot}{field}")
    forget(f"{EDIT_PREFIX}{key}:{pot}_w_")
    st.session_state["pot"] = pot
    st.session_state["compare_choice"] = {}  # compare opens on the edited scenario against its origin
    for name in [k for k in st.session_state if str(k).startswith(("compare_chosen_", "compare_baseline_"))]:
        del st.session_state[name]


@st.cache_resource(show_spinner=False, max_entries=32)
def key_shares_of(reference_entry: ScenarioSource, scenario_entry: ScenarioSource, pot: str, gm_code: str):
    """The municipality's share under each key of both scenarios (:func:`key_shares`), or None."""
    (reference, scenario), problems = state.results_of((reference_entry, scenario_entry))
    if problems:
        return None
    try:
        return key_shares(reference, scenario, pot, gm_code)
    except InputError:
        return None


def key_shares_sentence(lang: Lang, page: Page, found, baseline: str, scenario: str) -> str:
    """``Amsterdam heeft 12,9% van migratieachtergrond en 5,0% van inwoners ...`` (from :class:`KeyShares`)."""
    keys = page.result.loaded.keys
    shares = [lang("why_share_of", share=lang.n.pct(item.share * 100, 1),
                   key=key_label(lang, keys[item.key]) if item.key in keys else item.key) for item in found.keys]
    return lang("why_shares_sentence", name=found.gm_name, shares="; ".join(shares),
                pot=comparison_pot_label(page, found.pot), baseline=baseline, scenario=scenario,
                base=lang.n.pct(found.combined_base * 100, 2), other=lang.n.pct(found.combined_other * 100, 2))


def key_shares_panel(page: Page, found, baseline: str, scenario: str) -> None:
    """The key data under the key part: the share under each key (a compact chart) and a sentence."""
    lang = page.lang
    keys = page.result.loaded.keys
    names = [key_label(lang, keys[item.key]) if item.key in keys else item.key for item in found.keys]
    shares = [item.share * 100 for item in found.keys]
    weights = [lang("why_weights", base=lang.n.pct(item.weight_base * 100, 0),
                    other=lang.n.pct(item.weight_other * 100, 0)) for item in found.keys]
    figure = go.Figure(go.Bar(x=shares, y=names, orientation="h", marker_color="#2c7bb6",
                              text=[lang.n.pct(v, 1) for v in shares], textposition="outside", cliponaxis=False,
                              customdata=[[w] for w in weights],
                              hovertemplate="%{y}: %{text}<br>%{customdata[0]}<extra></extra>"))
    figure.update_layout(height=60 + 40 * len(names), margin=dict(l=0, r=40, t=30, b=0),
                         title=lang("why_shares_title", name=found.gm_name), separators=lang.n.separators)
    figure.update_xaxes(ticksuffix="%", range=[0, max(shares + [0.1]) * 1.25])
    figure.update_yaxes(autorange="reversed")
    st.plotly_chart(figure, key="why_shares", config={"displaylogo": False})
    st.markdown(key_shares_sentence(lang, page, found, baseline, scenario))


def why_panel(page: Page, reference_entry: tuple, other_entry: tuple, pot: str, shares_pot: str,
              scenario: str, baseline: str) -> None:
    """A municipality's difference split into its causes (value labels on each part), and under
    it the key data that drives the key part."""
    lang = page.lang
    parts = decomposition_of(reference_entry, other_entry)
    if parts is None:
        return
    overall = parts[parts["year"] == "all"]
    if pot != ALL:
        overall = overall[overall["pot"] == pot]
    totals = overall.groupby(["gm_code", "gm_name", "factor"], as_index=False)["effect_eur"].sum()
    by_code = totals.groupby(["gm_code", "gm_name"])["effect_eur"].sum().sort_values(kind="stable")
    labels = {code: f"{name} ({code}): {lang.n.delta_eur(value)}" for (code, name), value in by_code.items()}
    code = st.selectbox(lang("why_municipality"), list(labels), key="why_municipality", format_func=labels.get)
    rows = totals[totals["gm_code"] == code].set_index("factor").reindex(list(DECOMPOSITION_FACTORS))
    values = [int(v) for v in rows["effect_eur"].fillna(0)]
    factors = [lang(f"factor_{f}") for f in DECOMPOSITION_FACTORS]
    shown = [(f, v) for f, v in zip(factors, values) if v != 0] or list(zip(factors, values))
    waterfall(lang, [f for f, _ in shown], [v for _, v in shown], labels[code], key="why_chart")
    st.caption(lang("why_caption"))
    found = key_shares_of(reference_entry, other_entry, shares_pot, code)
    if found is not None and found.keys:
        key_shares_panel(page, found, baseline, scenario)


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
def fit_of(content: bytes, filename: str, pot: str | None, vast: bool, language: str):
    """(fit, exact, why no exact, problems) of an uploaded published table, its texts (the
    fitted scenario's YAML, the messages) in ``language`` (part of the cache key)."""
    try:
        with i18n.using(language):
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
        fit, exact, exact_problems, problems = fit_of(content, filename, chosen, vast, lang.lang)
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
                  lang("fity_key_label", file=filename)[:120], "share", lang("fity_key_source", name=filename)[:200],
                  "", "assumption")
        second.button(lang("fit_open_exact"), key="fit_open_exact", on_click=open_scenario,
                      args=(exact.scenario_text, f"{fit.stem}-exact.yaml", f"{fit.stem}-exact", (upload,)))
    elif exact_problems:
        second.caption(lang("fit_no_exact") + " " + " ".join(exact_problems))
    for name, data in fit_files(fit, exact).items():
        st.download_button(lang("download", name=name), data, file_name=name, key=f"dl_{name}")
