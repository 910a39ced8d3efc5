"""Layer 5 (faces): the Streamlit app. ``streamlit run app.py``.

Thin: widgets, layout and caching only. Every figure shown is computed in the library
(``allocation.faces.views`` and the modules it uses) and cached on the scenario's content;
edits go through the pure edit operations of ``allocation.scenario.edits``.
"""

from __future__ import annotations

import os
from dataclasses import replace
from functools import partial
from pathlib import Path

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from allocation.analysis.compare import BANDS, compare
from allocation.analysis.compare_text import summary_text as comparison_summary
from allocation.analysis.compromise import (
    compromise_problem,
    compromise_scenario,
    frontier,
    frontier_table,
    least_max_loss,
)
from allocation.analysis.decompose import FACTORS as DECOMPOSITION_FACTORS
from allocation.analysis.decompose import decompose
from allocation.analysis.explain import explanation_text
from allocation.analysis.guarantee import guarantee_table
from allocation.analysis.sensitivity import band_table, sensitivity_text
from allocation.common.errors import InputError
from allocation.data.registers import KEY_REGISTER_DATE, load_geojson
from allocation.faces import views
from allocation.publish.comparison import comparison_files, negotiation_views
from allocation.publish.mutaties import mutaties_files
from allocation.publish.run_files import export_files, export_names
from allocation.scenario import edits as scenario_edits
from allocation.scenario.build import KeyUpload, build
from allocation.scenario.loading import scenario_data, to_yaml
from allocation.scenario.sensitivity import run_draws, spread_spec

ROOT = Path(__file__).resolve().parent
SCENARIO_DIR = ROOT / "scenarios"
VIEWS = ["Allocation", "Zekerheid", "Scenario", "Compare", "Export"]
DEFAULT = "kamerbrief-2021"  # the baseline scenario, shown first
# plotly's geo maps fetch a base-map file even when it is hidden; serve an empty one
# locally (static/world_110m.json, enableStaticServing in .streamlit/config.toml).
MAP_CONFIG = {"topojsonURL": "app/static/", "displaylogo": False}
BAND_COLOURS = ["#1a9641", "#a6d96a", "#bdbdbd", "#fdae61", "#d7191c"]
KIND_BADGE = {"real": ":green[real]", "proxy": ":orange[proxy]", "assumption": ":red[assumption]"}

st.set_page_config(page_title="Inburgering allocation simulator", layout="wide")


# --- cached library calls --------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=64)
def compute(text: str, origin: str, scenario_id: str, uploads: tuple = ()):
    """(result, problems): the scenario run, or the command line's messages."""
    try:
        keys = tuple(KeyUpload(*upload) for upload in uploads)
        # files a scenario names (key files, reference scenarios) are looked up in scenarios/
        return build(text, origin=origin, scenario_id=scenario_id, uploads=keys, base_dir=SCENARIO_DIR), []
    except InputError as exc:
        return None, exc.problems


@st.cache_data(show_spinner=False, max_entries=8)
def group_choices(key_register: str, _municipalities) -> dict:
    """The provinces, veiligheidsregio's and size classes to choose a group from (per key register)."""
    return views.group_choices(_municipalities)


@st.cache_data(show_spinner=False)
def geojson(date: str) -> dict:
    return load_geojson(date)


@st.cache_data(show_spinner=False, max_entries=16)
def export_bytes(text: str, origin: str, scenario_id: str, uploads: tuple, dutch: bool) -> dict[str, bytes]:
    """Every export file by name (the scenario is valid: the page shows it)."""
    result, _ = compute(text, origin, scenario_id, uploads)
    return export_files(result, dutch=dutch)


def export_file(args: tuple, name: str) -> bytes:
    return export_bytes(*args)[name]


def shipped_origin(path: Path) -> str:
    """The file name used in messages: relative to the folder the app runs in (``scenarios/x.yaml``
    from the project folder), so that files a scenario names resolve from anywhere."""
    return os.path.relpath(path)


def shipped() -> dict[str, Path]:
    return {path.stem: path for path in sorted(SCENARIO_DIR.glob("*.yaml"))}


# --- sidebar: scenario and edits ---------------------------------------------------------------


def choose_scenario() -> tuple[str, str, str] | None:
    """(yaml text, origin, scenario id) of the chosen base scenario."""
    st.sidebar.header("Scenario")
    source = st.sidebar.radio("Start from", ["Shipped scenario", "Upload a YAML file"], key="source")
    if source == "Shipped scenario":
        files = shipped()
        names = list(files)
        scenario_id = st.sidebar.selectbox("Shipped scenario", names, key="shipped",
                                           index=names.index(DEFAULT) if DEFAULT in names else 0)
        path = files[scenario_id]
        return path.read_text(encoding="utf-8"), shipped_origin(path), scenario_id
    upload = st.sidebar.file_uploader("Scenario YAML", type=["yaml", "yml"], key="scenario_upload")
    if upload is None:
        st.sidebar.info("Upload a scenario file, or start from a shipped scenario.")
        return None
    try:
        text = upload.getvalue().decode("utf-8-sig")
    except UnicodeDecodeError:
        st.sidebar.error(f"{upload.name}: not UTF-8 text; save the scenario as UTF-8")
        return None
    return text, upload.name, Path(upload.name).stem


def key_uploads() -> tuple:
    """Uploaded key CSVs, as plain tuples (cacheable) of KeyUpload fields."""
    with st.sidebar.expander("Upload a key CSV (e.g. DUO's ELIP counts)"):
        upload = st.file_uploader("Key CSV", type=["csv", "txt"], key="key_upload")
        name = st.text_input("Key name", value="elip_duo", key="key_name")
        value_column = st.text_input("Value column", value="aantal", key="key_value_column")
        code_column = st.text_input("Code column", value="gm_code", key="key_code_column")
        label = st.text_input("Label", value="", key="key_label")
        source = st.text_input("Source (required)", value="", key="key_source")
        kind = st.selectbox("Kind", ["real", "proxy", "assumption"], key="key_kind")
        missing = st.checkbox("Count missing municipalities as zero", value=False, key="key_missing")
    if upload is None:
        return ()
    return ((name.strip(), upload.name, upload.getvalue(), value_column.strip(), code_column.strip(),
             missing, label.strip(), "", source.strip(), "", kind),)


def _number(label: str, key: str, initial, **options):
    """A sidebar number input whose value lives in session state (kept across views and pots)."""
    if key not in st.session_state:
        st.session_state[key] = initial
    return st.sidebar.number_input(label, key=key, **options)


def constraint_widgets(base, pot_id: str, pot, change: dict, prefix: str) -> None:
    """Edit the pot's first minimum and maximum, its year band and its transition band."""
    constraints = getattr(pot, "constraints", None)
    st.sidebar.caption("Constraints (empty = none)")
    for which in ("minimum", "maximum"):
        bounds = getattr(constraints, which, None) or []
        first = bounds[0] if bounds else None
        unit = "eur_per_inhabitant" if first is not None and first.eur is None else "eur"
        current = change.get(which, (unit, None if first is None else (first.eur if unit == "eur" else
                                                                        first.eur_per_inhabitant)))
        label = f"{which.capitalize()} per municipality per year ({'EUR' if unit == 'eur' else 'EUR per inhabitant'})"
        if first is not None and first.years:
            label += f", in {', '.join(map(str, first.years))}"
        value = _number(label, f"{prefix}_{which}", current[1], min_value=0.0, step=100.0 if unit == "eur" else 0.01)
        change[which] = (unit, value)
    bands = [("year_band", "Year band")]
    if constraints is not None and constraints.transition is not None:
        bands.append(("transition", "Transition band"))
    for which, title in bands:
        band = getattr(constraints, which, None) if constraints is not None else None
        current = change.get(
            which, (band.max_decrease_pct, band.max_increase_pct) if band is not None else (None, None)
        )
        left, right = st.sidebar.columns(2)
        with left:
            decrease = _number_in(f"{title}: max % less", f"{prefix}_{which}_dec", current[0])
        with right:
            increase = _number_in(f"{title}: max % more", f"{prefix}_{which}_inc", current[1])
        change[which] = (decrease, increase)


GROUP_BY = {"province": "province", "veiligheidsregio": "veiligheidsregio", "size_class": "size class",
            "codes": "municipality codes"}
LIMIT_UNITS = {"none": "none", "share": "share of the pot (0-1)", "eur": "EUR"}


def _limit_widgets(label: str, key: str, spec: dict, side: str):
    """A group's minimum or maximum: (field, value) with field min_/max_ share or eur, or (None, None)."""
    initial = next((u for u in ("share", "eur") if spec.get(f"{side}_{u}") is not None), "none")
    left, right = st.columns([2, 3])
    with left:
        if f"{key}_unit" not in st.session_state:
            st.session_state[f"{key}_unit"] = initial
        unit = st.selectbox(label, list(LIMIT_UNITS), key=f"{key}_unit", format_func=LIMIT_UNITS.get)
    if unit == "none":
        return None, None
    value_key = f"{key}_{unit}"
    if value_key not in st.session_state:
        st.session_state[value_key] = spec.get(f"{side}_{unit}") or (0.0 if unit == "share" else 0)
    with right:
        if unit == "share":
            value = st.number_input(f"{label}: share", key=value_key, min_value=0.0, max_value=1.0, step=0.01,
                                    format="%.4f")
        else:
            value = int(st.number_input(f"{label}: EUR", key=value_key, min_value=0, step=10_000))
    return f"{side}_{unit}", value


def group_editor(base, spec: dict, key: str, choices: dict) -> dict | None:
    """Widgets for one group limit; the edited spec, or None when ticked for removal."""
    field = next((f for f in scenario_edits.GROUP_FIELDS if spec.get(f) is not None), "province")
    options = list(GROUP_BY) if field == "codes" else [f for f in GROUP_BY if f != "codes"]
    if f"{key}_by" not in st.session_state:
        st.session_state[f"{key}_by"] = field
    by = st.selectbox("Group by", options, key=f"{key}_by", format_func=GROUP_BY.get)
    if by == "codes":
        initial = ", ".join(spec.get("codes") or [])
        codes = st.text_input("Codes (comma-separated)", value=initial, key=f"{key}_codes")
        value = [c.strip() for c in codes.split(",") if c.strip()]
    else:
        values = list(choices[by])
        current = spec.get(by) if spec.get(by) in values else values[0]
        if f"{key}_{by}" not in st.session_state:
            st.session_state[f"{key}_{by}"] = current
        value = st.selectbox(GROUP_BY[by].capitalize(), values, key=f"{key}_{by}",
                             format_func=choices[by].get)
    default = views.group_name(by, value, base.municipalities)
    name = st.text_input("Name (empty: the group's own name)", key=f"{key}_name",
                         value=spec.get("name") if spec.get("name") not in (None, default) else "")
    edited = {"name": name.strip() or default, by: value}
    for side, label in (("min", "Minimum"), ("max", "Maximum")):
        limit, amount = _limit_widgets(label, f"{key}_{side}", spec, side)
        if limit is not None:
            edited[limit] = amount
    if spec.get("years"):
        st.caption(f"In {', '.join(map(str, spec['years']))} (edit the years in the YAML file)")
    removed = st.checkbox("Remove this group", key=f"{key}_remove")
    return None if removed else edited


def group_widgets(base, pot_id: str, pot, change: dict, prefix: str) -> None:
    """Add, edit and remove the pot's group limits (a group's total per payment year)."""
    groups = (pot.constraints.groups if getattr(pot, "constraints", None) is not None else []) or []
    choices = group_choices(str(base.scenario.key_register), base.municipalities)
    edited = change.setdefault("groups", {})
    added = change.setdefault("new_groups", [])
    with st.sidebar.expander(f"Group limits ({len(groups) + sum(s is not None for s in added)})"):
        st.caption("A group's total per payment year: at least / at most a share of the pot or an amount.")
        if st.button("Add a group", key=f"{prefix}_add_group"):
            first = next(iter(choices["province"]))
            added.append({"name": views.group_name("province", first, base.municipalities), "province": first,
                          "min_share": 0.0})
        for index, group in enumerate(groups):
            st.markdown(f"**{group.name}**")
            spec = group.model_dump(
                include={"name", *scenario_edits.GROUP_FIELDS, *scenario_edits.GROUP_LIMITS, "years"}, exclude_none=True
            )
            edited[index] = group_editor(base, spec, f"{prefix}_g{index}", choices)
        for number, spec in enumerate(added):
            if spec is None:
                continue
            st.markdown(f"**New group {number + 1}**")
            added[number] = group_editor(base, spec, f"{prefix}_new{number}", choices)


def cross_pot_widgets(base, scenario_key: str, edits: dict) -> None:
    """Add, edit and remove the scenario's cross-pot caps (several pots together)."""
    change = edits.setdefault(scenario_edits.CROSS_POT, {})
    edited = change.setdefault("caps", {})
    added = change.setdefault("new_caps", [])
    pots = list(base.scenario.pots)
    prefix = f"edit_{scenario_key}_xpot"
    caps = base.scenario.cross_pot
    with st.sidebar.expander(f"Cross-pot caps ({len(caps) + sum(c is not None for c in added)})"):
        st.caption("At most an amount per municipality per payment year for several pots together.")

        def editor(key: str, chosen, unit: str, value):
            if f"{key}_pots" not in st.session_state:
                st.session_state[f"{key}_pots"] = list(chosen) if chosen else pots
            selected = st.multiselect("Pots", pots, key=f"{key}_pots",
                                      format_func=lambda p: base.scenario.pots[p].label)
            if f"{key}_unit" not in st.session_state:
                st.session_state[f"{key}_unit"] = unit
            unit = st.selectbox("Unit", ["eur", "eur_per_inhabitant"], key=f"{key}_unit",
                                format_func={"eur": "EUR", "eur_per_inhabitant": "EUR per inhabitant"}.get)
            if f"{key}_{unit}" not in st.session_state:
                st.session_state[f"{key}_{unit}"] = float(value) if value is not None else 0.0
            amount = st.number_input("At most, per municipality per year", key=f"{key}_{unit}", min_value=0.0,
                                     step=0.01 if unit == "eur_per_inhabitant" else 100.0)
            if st.checkbox("Remove this cap", key=f"{key}_remove"):
                return None
            return (selected, unit, amount)

        if st.button("Add a cross-pot cap", key=f"{prefix}_add"):
            added.append((pots, "eur_per_inhabitant", views.cap_start(base)))  # does not bind yet
        for index, cap in enumerate(caps):
            unit = "eur" if cap.eur is not None else "eur_per_inhabitant"
            st.markdown(f"**Cap {index + 1}**")
            edited[index] = editor(f"{prefix}{index}", cap.pots, unit, getattr(cap, unit))
        for number, cap in enumerate(added):
            if cap is None:
                continue
            st.markdown(f"**New cap {number + 1}**")
            added[number] = editor(f"{prefix}_new{number}", *cap)
        change["source"] = st.text_input("Source of these caps (empty: labelled as an assumption edited in the app)",
                                         value=change.get("source", ""), key=f"{prefix}_source")


def _number_in(label: str, key: str, initial):
    if key not in st.session_state:
        st.session_state[key] = initial
    return st.number_input(label, key=key, min_value=0.0, step=1.0)


def edit_widgets(base, scenario_key: str) -> dict:
    """Edit widgets for one pot at a time; the edits of every pot live in session state."""
    all_edits = st.session_state.setdefault("edits", {})
    edits = all_edits.setdefault(scenario_key, {})
    st.sidebar.header("Edit")
    if st.sidebar.button("Reset edits", key="reset"):
        edits.clear()
        for widget in [k for k in st.session_state if str(k).startswith("edit_")]:
            del st.session_state[widget]
    pot_id = st.sidebar.selectbox("Pot", list(base.scenario.pots), key="edit_pot",
                                  format_func=lambda p: base.scenario.pots[p].label)
    pot = base.scenario.pots[pot_id]
    change = edits.setdefault(pot_id, {})
    years = change.setdefault("years", {})
    profile = pot.years.values()
    euros = pot.years.kind == "euros"
    prefix = f"edit_{scenario_key}_{pot_id}"

    previous = change.get("budget_eur", pot.budget.amount_eur)
    budget = int(_number("Budget (EUR)", f"{prefix}_budget", int(previous), min_value=0, step=100_000))
    change["budget_eur"] = budget
    if euros:
        scale = st.sidebar.checkbox("Scale the payment years with the budget", value=True, key=f"{prefix}_scale")
        change["scale_years"] = scale
        if scale and budget != previous:
            current = {year: years.get(year, value) for year, value in profile.items()}
            for year, value in scenario_edits.scaled_profile(current, budget).items():
                years[year] = value
                st.session_state[f"{prefix}_y{year}"] = value
    change["vast_bedrag_eur"] = int(_number(
        "Vast bedrag (EUR per municipality per year)", f"{prefix}_vast",
        int(change.get("vast_bedrag_eur", pot.key.vast_bedrag_eur)), min_value=0, step=1_000))
    st.sidebar.caption("Key weights (scaled to sum to 1)")
    weights = change.get("weights", dict(pot.key.weights))
    new_weights = {}
    for name in sorted(base.loaded.keys):
        key = base.loaded.keys[name]
        new_weights[name] = _number(f"{name} [{key.kind}]", f"{prefix}_w_{name}", float(weights.get(name, 0.0)),
                                    min_value=0.0, max_value=1000.0, step=0.1)
    if any(w > 0 for w in new_weights.values()):
        change["weights"] = new_weights
    else:
        st.sidebar.error(f"pots.{pot_id}.key.weights: at least one weight must be positive; keeping the last weights")
    st.sidebar.caption(f"Payment years ({pot.years.kind})")
    for year, value in profile.items():
        current = years.get(year, value)
        if euros:
            years[year] = int(_number(f"{year} (EUR)", f"{prefix}_y{year}", int(current), min_value=0, step=10_000))
        else:
            years[year] = float(
                _number(f"{year} (share)", f"{prefix}_y{year}", float(current), min_value=0.0, step=0.1)
            )
    constraint_widgets(base, pot_id, pot, change, prefix)
    group_widgets(base, pot_id, pot, change, prefix)
    change["source"] = st.sidebar.text_input(
        "Source of these edits (empty: labelled as an assumption edited in the app)",
        value=change.get("source", ""), key=f"{prefix}_source")
    cross_pot_widgets(base, scenario_key, edits)
    return edits


# --- views ---------------------------------------------------------------------------------------


def municipality_map(date: str, frame, value: str, hover_columns: list[str], hover: str, title: str,
                     *, key: str, height: int, colorbar: str = "EUR per<br>inhabitant", **colours) -> None:
    """A choropleth of the municipalities in force on ``date`` (euros per inhabitant)."""
    figure = go.Figure(go.Choropleth(
        geojson=geojson(date), featureidkey="properties.statcode",
        locations=frame["gm_code"], z=frame[value], marker_line_width=0.3,
        customdata=frame[hover_columns].to_numpy(), hovertemplate=hover,
        colorbar_title=colorbar, **colours,
    ))
    figure.update_geos(fitbounds="locations", visible=False, projection_type="mercator")
    figure.update_layout(margin=dict(l=0, r=0, t=30, b=0), height=height, title=title)
    st.plotly_chart(figure, key=key, config=MAP_CONFIG)


@st.cache_data(show_spinner=False, max_entries=8)
def bands_of(current_args: tuple, spreads: tuple, profile_sd: float, draws: int, seed: int):
    """(band table, summary, problems) of the scenario as shown under the given spreads."""
    result, problems = compute(*current_args)
    if result is None:
        return None, "", problems
    try:
        spec = spread_spec(result, draws, seed, dict(spreads), profile_sd)
        found = run_draws(result, spec)
        table = band_table(result, found)
        return table, sensitivity_text(table, found, spec), []
    except InputError as exc:
        return None, "", exc.problems


def sensitivity_view(result, current_args: tuple) -> None:
    """How sure each amount is: the p5-p95 band of draws of the key data, per municipality."""
    st.subheader("Zekerheid: how sure each amount is")
    st.caption("Each draw multiplies every municipality's key value by an independent mean-one log-normal factor "
               "with the spread given, and runs the whole scenario again: vast bedrag, every constraint, whole "
               "euros. The band is the 5th to 95th percentile of the draws.")
    block = result.scenario.uncertainty
    used = sorted({name for pot in result.scenario.pots.values() for name, w in pot.key.weights.items() if w > 0})
    defaults = {name: (block.keys[name].relative_sd if block and name in block.keys else
                       (0.25 if result.loaded.keys[name].kind == "proxy" else 0.02)) for name in used}
    columns = st.columns(len(used) + 2)
    spreads = tuple((name, columns[i].number_input(
        f"Spread {name} [{result.loaded.keys[name].kind}]", 0.0, 2.0, float(defaults[name]), 0.01,
        key=f"spread_{name}")) for i, name in enumerate(used))
    profile = columns[len(used)].number_input("Spread of the year profiles", 0.0, 1.0, 0.0, 0.01, key="spread_years")
    draws = columns[len(used) + 1].number_input("Draws", 100, 10_000, int(block.draws if block else 1000), 100,
                                                key="spread_draws")
    st.caption("Spreads not from the scenario's `uncertainty:` block are this view's ASSUMPTION: 25% for a proxy "
               "key, 2% for real data.")
    with st.spinner("Drawing"):
        table, summary, problems = bands_of(current_args, spreads, float(profile), int(draws),
                                            int(block.seed if block else 20210428))
    if problems:
        show_problems(problems, "The draws cannot be made:")
        return
    scenario = result.scenario
    left, right = st.columns(2)
    pot_id = left.selectbox("Pot", list(scenario.pots), key="band_pot", format_func=lambda p: scenario.pots[p].label)
    years = sorted(set(table.loc[table["pot"] == pot_id, "year"]))
    year = right.selectbox("Payment year", years, key=f"band_year_{pot_id}")
    part = table[(table["pot"] == pot_id) & (table["year"] == year)].reset_index(drop=True)
    top = part.nlargest(15, "amount_eur")
    names = list(part.sort_values("gm_name")["gm_name"])
    chosen = st.selectbox("And this municipality", names, key="band_municipality")
    shown = pd.concat([top, part[part["gm_name"] == chosen]]).drop_duplicates("gm_code")
    figure = go.Figure(go.Scatter(
        x=shown["amount_eur"], y=shown["gm_name"], mode="markers", name="amount",
        error_x=dict(type="data", symmetric=False, array=shown["p95_eur"] - shown["amount_eur"],
                     arrayminus=shown["amount_eur"] - shown["p5_eur"]),
    ))
    figure.update_layout(height=480, margin=dict(l=0, r=0, t=30, b=0), title=f"{pot_id} {year}: amount and p5-p95",
                         xaxis_title="EUR")
    band_map, band_chart = st.columns([3, 2])
    with band_chart:
        st.plotly_chart(figure, key="band_chart")
    with band_map:
        date, _ = views.payment_register(result, year)
        municipality_map(date, part, "band_pct", ["gm_name", "amount_eur", "p5_eur", "p95_eur"],
                         "%{customdata[0]} (%{location})<br>EUR %{customdata[1]:,} (p5 %{customdata[2]:,}, p95 "
                         "%{customdata[3]:,})<br>band %{z:.1f}%<extra></extra>",
                         f"{pot_id} {year}: band width in % of the amount", key="band_map", height=480,
                         colorbar="band<br>(%)", colorscale="Viridis")
    st.dataframe(part.sort_values("band_pct", ascending=False), hide_index=True, column_config={
        column: st.column_config.NumberColumn(format="localized") for column in
        ("amount_eur", "p5_eur", "p50_eur", "p95_eur")})
    with st.expander("Summary as text"):
        st.code(summary, language=None)


def show_problems(problems: list[str], heading: str) -> None:
    st.error(heading + "\n\n" + "\n".join(f"- {p}" for p in problems))


def allocation_view(result) -> None:
    scenario = result.scenario
    st.subheader(scenario.name)
    columns = st.columns(2)
    pot_id = columns[0].selectbox("Pot", list(scenario.pots), key="view_pot",
                                  format_func=lambda p: scenario.pots[p].label)
    years = views.pot_years(result, pot_id)
    year = columns[1].selectbox("Payment year", years, key=f"view_year_{pot_id}")
    pot = scenario.pots[pot_id]
    kinds = ", ".join(f"{name} {KIND_BADGE[result.loaded.keys[name].kind]}" for name in sorted(pot.key.weights))
    st.markdown(
        f"**Key:** {kinds} &nbsp; **Budget:** {'source' if pot.budget.kind == 'sourced' else ':red[assumption]'}"
    )
    st.caption(f"Budget {year}: {pot.years.provenance(year)}")
    on_key_register = st.checkbox("Show on the 2021 key register (as computed) instead of the payment year's register",
                                  key="key_register")
    date, date_provenance = views.payment_register(result, year)
    register_date = KEY_REGISTER_DATE if on_key_register else date
    table = views.pot_year_table(result, pot_id, year, key_register=on_key_register)
    total = int(table["amount_eur"].sum())
    metrics = st.columns(3)
    metrics[0].metric(f"Total {year}", f"EUR {total:,}")
    metrics[1].metric("Municipalities", f"{len(table)}")
    metrics[2].metric("Median EUR per inhabitant", f"{table['eur_per_inhabitant'].median():.3f}")

    left, right = st.columns([3, 2])
    with left:
        with st.spinner("Drawing the map"):
            municipality_map(
                register_date,
                table,
                "eur_per_inhabitant",
                ["gm_name", "amount_eur"],
                "%{customdata[0]} (%{location})<br>EUR %{customdata[1]:,}<br>EUR %{z:.3f} per "
                "inhabitant<extra></extra>",
                f"{pot_id} {year}: EUR per inhabitant, {len(table)} municipalities ({register_date})",
                key="map",
                height=620,
                colorscale="Viridis",
            )
            if not st.get_option("server.enableStaticServing"):
                st.warning("Static file serving is off, so the map needs internet access (cdn.plot.ly) to draw: "
                           "start the app from the project folder, which holds `.streamlit/config.toml`.")
        where = ("the 2021 key register, on which the amounts are computed" if on_key_register else
                 f"the register in force on the peildatum {date} ({date_provenance}); merged municipalities "
                 "get the sum of their predecessors' amounts")
        st.caption(
            f"Municipalities of {where}. Inhabitants: CBS, 30 April 2021 (summed over predecessors after "
            "a merger). Boundaries: CBS/Kadaster (CC BY 4.0)."
        )
    with right:
        search = st.text_input("Search municipality, code or province", key="search")
        shown = views.filter_rows(table, search)
        st.dataframe(
            shown, hide_index=True, height=480,
            column_config={
                "gm_code": "code", "gm_name": "municipality", "province_name": "province",
                "inhabitants": st.column_config.NumberColumn("inhabitants", format="localized"),
                "amount_eur": st.column_config.NumberColumn("amount (EUR)", format="localized"),
                "eur_per_inhabitant": st.column_config.NumberColumn("EUR per inhabitant", format="%.4f"),
            },
        )
        st.caption(f"{len(shown)} of {len(table)} municipalities; amounts in whole euros.")

    constraints = views.constraint_table(result)
    constraints = constraints[constraints["pot"] == pot_id]
    if not constraints.empty:
        st.markdown(f"#### Constraints and bound report: {pot.label}, {year}")
        for row in constraints.itertuples(index=False):
            badge = ":red[assumption]" if row.kind == "assumption" else "source"
            st.markdown(f"- **{row.constraint}** ({badge}): {row.provenance}")
        summary = views.bound_summary(result, pot_id, year)
        if summary.empty:
            st.caption(f"No municipality sits on a constraint in {year}: the amounts follow the key.")
        else:
            st.dataframe(summary, hide_index=True, column_config={
                "effect_eur": st.column_config.NumberColumn("effect (EUR, amount minus pure key)", format="localized")})
            report = result.bound_report(pot_id)
            report = views.filter_rows(report[report["year"] == year].reset_index(drop=True), search)
            st.dataframe(report.drop(columns=["pot", "year"]), hide_index=True, height=260, key="bound_report")
            st.caption("Per municipality on a bound (2021 key register): the constraint, the pure key amount, "
                       "the amount paid and the difference. The search box above filters these rows too.")

    with st.expander("How a municipality's amounts follow from the keys (to recompute them)"):
        codes = result.municipalities[["gm_code", "gm_name"]]
        options = list(codes["gm_code"])
        names = dict(zip(codes["gm_code"], codes["gm_name"]))
        code = st.selectbox("Municipality (2021 register)", options, key="explain_code",
                            index=options.index("GM0363") if "GM0363" in options else 0,
                            format_func=lambda c: f"{c} {names[c]}")
        st.code(explanation_text(result, code), language=None)

    st.markdown("#### Year phasing")
    phasing = views.year_phasing(result)
    chart = px.bar(phasing, x="year", y="amount_eur", color="label", barmode="group",
                   pattern_shape="kind", labels={"amount_eur": "EUR", "label": "pot", "kind": "year budget"})
    chart.update_layout(height=320, margin=dict(l=0, r=0, t=10, b=0))
    st.plotly_chart(chart, key="phasing")
    st.dataframe(phasing, hide_index=True)

    st.markdown("#### Provenance: which figures are real, proxy or assumption")
    st.dataframe(views.provenance_table(result), hide_index=True)
    st.dataframe(views.key_table(result.loaded), hide_index=True)
    every_constraint = views.constraint_table(result)
    if not every_constraint.empty:
        st.dataframe(every_constraint, hide_index=True)


def scenario_view(result, original_text: str, problems: list[str]) -> None:
    st.subheader("Scenario as edited")
    if problems:
        show_problems(problems, "Your edits are not valid yet (the same messages as the command line):")
    edited = scenario_edits.changes(scenario_data(original_text), scenario_data(result.loaded.text))
    if edited:
        st.markdown("**Your edits** (each labelled in the YAML below, with the value before the edit):\n"
                    + "\n".join(f"- `{line}`" for line in edited))
    else:
        st.caption("No edits yet: change numbers under Edit in the sidebar.")
    st.download_button("Download the edited scenario (YAML)", views.edited_yaml(result),
                       file_name=f"{result.loaded.scenario_id}.yaml", mime="application/x-yaml", key="dl_yaml")
    st.code(views.edited_yaml(result), language="yaml")


CURRENT = "this scenario (as edited)"


def compare_entries(current_args: tuple, edited: bool) -> tuple[list[str], dict[str, tuple]]:
    """The scenarios one can compare: the one being edited, the shipped ones, uploaded ones."""
    # the same arguments as the page's own result, so the cached allocation is reused; the
    # comparison labels equal scenario ids apart (e.g. kamerbrief-2021-2)
    entries: dict[str, tuple] = {CURRENT: current_args + ((f"{current_args[2]}-edited",) if edited else ())}
    for name, path in shipped().items():
        entries[name] = (path.read_text(encoding="utf-8"), shipped_origin(path), name, ())
    for upload in st.session_state.get("compare_uploads") or []:
        try:
            entries[f"uploaded: {upload.name}"] = (upload.getvalue().decode("utf-8-sig"), upload.name,
                                                   Path(upload.name).stem, ())
        except UnicodeDecodeError:
            st.error(f"{upload.name}: not UTF-8 text; save the scenario as UTF-8")
    return list(entries), entries


@st.cache_data(show_spinner=False, max_entries=16)
def results_of(entries: tuple) -> tuple[list, list[str]]:
    """(results, problems) for scenarios given as (text, origin, id, uploads[, label]) tuples."""
    results, problems = [], []
    for entry in entries:
        result, more = compute(*entry[:4])
        problems += more
        if result is not None and len(entry) > 4:  # relabel without recomputing
            result = replace(result, loaded=replace(result.loaded, scenario_id=entry[4]))
        results.append(result)
    return results, problems


def comparison_of(entries: tuple, baseline: int):
    """(comparison, problems) for scenarios given as (text, origin, id, uploads[, label]) tuples."""
    results, problems = results_of(entries)
    if problems:
        return None, problems
    try:
        return compare(results, baseline=baseline), []
    except InputError as exc:
        return None, exc.problems


@st.cache_data(show_spinner=False, max_entries=4)
def comparison_file_bytes(entries: tuple, baseline: int) -> dict[str, bytes]:
    comparison, _ = comparison_of(entries, baseline)
    results, _ = results_of(entries)
    extra = negotiation_views(results[baseline], [r for i, r in enumerate(results) if i != baseline])
    return comparison_files(comparison, extra=extra)


@st.cache_data(show_spinner=False, max_entries=8)
def negotiation_of(reference_entry: tuple, scenario_entry: tuple, pot: str, keys: tuple[str, ...]):
    """(guarantee table, decomposition, compromise frontier, least max loss, compromise YAML, year, problems)."""
    (reference, scenario), problems = results_of((reference_entry, scenario_entry))
    if problems:
        return None, None, None, None, None, None, problems
    try:
        guarantee = guarantee_table(reference, scenario)
        parts, _ = decompose(reference, scenario)
        problem, year = compromise_problem(reference, scenario, pot, list(keys) or None, None)
        points = frontier(problem, (0, 1, 2, 5, 10, 20))
        feasible = [p for p in points if p.feasible]
        text = (compromise_scenario(reference, pot, feasible[0], scenario.loaded.scenario_id, year)
                if feasible else None)
        return (guarantee, parts, frontier_table(points, problem), least_max_loss(problem), text, year, [])
    except InputError as exc:
        return None, None, None, None, None, None, exc.problems


def negotiation_panel(entries: tuple, baseline: int, scenario: str, pot: str, comparison) -> None:
    """The three questions of a negotiation, for the chosen scenario against the baseline."""
    if not st.toggle(f"Negotiate: what a guarantee costs, the compromise key, why a municipality loses "
                     f"({scenario} against {comparison.baseline.label})", key="negotiate"):
        return
    others = [i for i in range(len(entries)) if i != baseline]  # the comparison's order of the others
    other_entry = entries[others[[info.label for info in comparison.others].index(scenario)]]
    pots = list(comparison.pots)
    chosen_pot = pot if pot in pots else pots[0]
    guarantee, parts, frontier_frame, least, text, year, problems = negotiation_of(
        entries[baseline], other_entry, chosen_pot, ())
    if problems:
        show_problems(problems, "The negotiation figures cannot be computed:")
        return
    costs, compromise_tab, why = st.tabs(["What a guarantee costs", "The compromise key", "Why a municipality loses"])
    with costs:
        overall = guarantee[guarantee["year"] == "all"]
        chart = px.line(overall, x="max_loss_pct", y="top_up_eur", color="pot", markers=True,
                        labels={"max_loss_pct": "nobody loses more than X%", "top_up_eur": "top-up (EUR)"},
                        title="Extra money a guarantee needs (all shared years)")
        chart.update_layout(height=320, margin=dict(l=0, r=0, t=40, b=0))
        st.plotly_chart(chart, key="guarantee_chart")
        st.dataframe(overall.drop(columns=["year"]), hide_index=True, column_config={
            "top_up_eur": st.column_config.NumberColumn("top-up (EUR)", format="localized"),
            "budget_neutral_gain_cap_pct": st.column_config.NumberColumn("gain cap that pays it (%)", format="%.2f"),
        })
        st.caption("Without extra money the guarantee is paid by capping gains: the cap shown skims exactly the "
                   "top-up (rounded down to 0.01 point). Empty: nothing to pay, or skimming every gain is not enough.")
    with compromise_tab:
        st.caption(f"Pot {chosen_pot}, payment year {year}: the key mix (and vast bedrag) closest to {scenario} with "
                   f"nobody more than X% below {comparison.baseline.label}. Least achievable largest loss: "
                   f"{least:.4f}%.")
        feasible = frontier_frame[frontier_frame["feasible"]]
        chart = px.line(feasible, x="max_loss_pct", y="distance_eur", markers=True,
                        labels={"max_loss_pct": "nobody loses more than X%", "distance_eur": "distance (EUR)"},
                        title="Distance to the target key")
        chart.update_layout(height=300, margin=dict(l=0, r=0, t=40, b=0))
        st.plotly_chart(chart, key="compromise_chart")
        st.dataframe(frontier_frame, hide_index=True)
        if text:
            st.download_button("Download the compromise scenario (YAML); upload it in the sidebar to edit it further",
                               text, file_name=f"compromise-{chosen_pot}.yaml", key="dl_compromise")
    with why:
        overall = parts[parts["year"] == "all"]
        if pot != "all":
            overall = overall[overall["pot"] == pot]
        totals = overall.groupby(["gm_code", "gm_name", "factor"], as_index=False)["effect_eur"].sum()
        by_code = totals.groupby(["gm_code", "gm_name"])["effect_eur"].sum().sort_values()
        labels = [f"{name} ({code}): {int(value):+,}" for (code, name), value in by_code.items()]
        picked = st.selectbox("Municipality (largest loss first)", labels, key="why_municipality")
        code = picked.split("(")[-1].split(")")[0]
        rows = totals[totals["gm_code"] == code].set_index("factor").reindex(list(DECOMPOSITION_FACTORS))
        figure = go.Figure(go.Waterfall(
            x=list(DECOMPOSITION_FACTORS) + ["difference"], measure=["relative"] * len(DECOMPOSITION_FACTORS)
            + ["total"], y=list(rows["effect_eur"].fillna(0).astype(int)) + [0]))
        figure.update_layout(height=320, margin=dict(l=0, r=0, t=30, b=0), title=f"{picked}, all shared years")
        st.plotly_chart(figure, key="why_chart")
        st.caption("Each part is the factor's Shapley value: its effect averaged over every order of switching the "
                   "factors from the baseline to the scenario; the parts add up to the difference.")


def compare_selection(current_args: tuple, edited: bool, widgets: bool) -> tuple[tuple, int, list[str]]:
    """(scenario entries, baseline index, names) chosen in the Compare view (its widgets are
    shown when ``widgets``; elsewhere the last choice is used)."""
    names, entries = compare_entries(current_args, edited)
    stored = st.session_state.setdefault("compare_choice", {})
    default = [n for n in stored.get("chosen", []) if n in entries]
    if not default:
        others = [n for n in names[1:] if entries[n][1] != current_args[1]]
        default = [CURRENT] + others[:1]
    if widgets:
        st.file_uploader("Add scenarios to compare (YAML)", type=["yaml", "yml"], accept_multiple_files=True,
                         key="compare_uploads")
        names, entries = compare_entries(current_args, edited)
        left, right = st.columns([3, 1])
        chosen = left.multiselect("Scenarios", names, default=default, key="compare_chosen")
        baseline = right.selectbox("Baseline", chosen or [None], key="compare_baseline",
                                   index=chosen.index(stored["baseline"]) if stored.get("baseline") in chosen else 0)
        stored.update(chosen=chosen, baseline=baseline)
    else:
        chosen = default
        baseline = stored.get("baseline") if stored.get("baseline") in chosen else chosen[0]
    if len(chosen) < 2:
        return (), 0, chosen
    return tuple(entries[name] for name in chosen), chosen.index(baseline), chosen


def compare_view(current_args: tuple, edited: bool) -> None:
    st.subheader("Compare scenarios")
    st.caption("Every scenario is compared with the baseline per municipality of the 2021 key register, "
               "per pot and payment year and summed over them ('all').")
    entries, baseline, names = compare_selection(current_args, edited, widgets=True)
    if not entries:
        st.info("Choose at least two scenarios.")
        mutaties_panel(current_args)
        return
    with st.spinner("Comparing"):
        comparison, problems = comparison_of(entries, baseline)
    if problems:
        show_problems(problems, "These scenarios cannot be compared:")
        mutaties_panel(current_args)
        return
    for note in comparison.notes:
        st.info(note)
    others = [info.label for info in comparison.others]
    pots, years = views.comparison_levels(comparison)
    columns = st.columns(3)
    scenario = columns[0].selectbox("Scenario against the baseline", others, key="compare_scenario")
    pot = columns[1].selectbox("Pot", pots, key="compare_pot")
    year = columns[2].selectbox("Payment year", years[pot], key=f"compare_year_{pot}")
    part = views.comparison_slice(comparison, scenario, pot, year)
    totals = part["totals"].iloc[0]
    metrics = st.columns(4)
    metrics[0].metric("Baseline", f"EUR {int(totals['base_eur']):,}", help=comparison.baseline.label)
    metrics[1].metric(scenario, f"EUR {int(totals['other_eur']):,}", delta=f"{int(totals['diff_eur']):,}")
    metrics[2].metric("Redistributed", f"EUR {totals['redistributed_eur']:,.0f}",
                      help="Half the sum of the absolute differences per municipality")
    metrics[3].metric("Gini, EUR per inhabitant", f"{totals['gini_other']:.3f}",
                      delta=f"{totals['gini_other'] - totals['gini_base']:+.3f}", delta_color="off")

    left, right = st.columns([3, 2])
    with left:
        frame = part["municipalities"]
        limit = views.colour_limit(frame["diff_per_inhabitant"])
        municipality_map(
            KEY_REGISTER_DATE, frame, "diff_per_inhabitant", ["gm_name", "diff_eur", "band"],
            "%{customdata[0]} (%{location})<br>EUR %{customdata[1]:+,}<br>"
            "EUR %{z:+.3f} per inhabitant<br>%{customdata[2]}<extra></extra>",
            f"{scenario} minus {comparison.baseline.label}: {pot}, {year}",
            key="diff_map", height=600, colorscale="RdBu", zmid=0, zmin=-limit, zmax=limit,
        )
        st.caption(f"Red: less than the baseline, blue: more. Colours end at +-{limit:.3f} EUR per inhabitant "
                   "(95% of municipalities lie within); hover for the exact figures.")
    with right:
        bands = px.bar(part["bands"], x="municipalities", y="scenario", color="band", orientation="h",
                       category_orders={"band": list(BANDS)}, color_discrete_sequence=BAND_COLOURS,
                       title="Municipalities per band")
        bands.update_layout(height=260, margin=dict(l=0, r=0, t=40, b=0), legend_title_text="")
        st.plotly_chart(bands, key="bands")
        st.markdown("**Largest changes**")
        shown = frame[["gm_code", "gm_name", "diff_eur", "diff_per_inhabitant", "diff_pct", "band"]].head(15)
        st.dataframe(shown, hide_index=True, column_config={
            "diff_eur": st.column_config.NumberColumn("diff (EUR)", format="localized"),
            "diff_per_inhabitant": st.column_config.NumberColumn("per inhabitant", format="%.3f"),
            "diff_pct": st.column_config.NumberColumn("%", format="%.1f"),
        })
    by_size, by_province = st.columns(2)
    with by_size:
        st.markdown("**By size class** (CBS gemeentegrootteklasse)")
        chart = px.bar(part["by_size_class"], x="size_class", y="diff_per_inhabitant",
                       labels={"diff_per_inhabitant": "EUR per inhabitant", "size_class": ""})
        chart.update_layout(height=260, margin=dict(l=0, r=0, t=10, b=0))
        st.plotly_chart(chart, key="by_size")
        st.dataframe(part["by_size_class"], hide_index=True)
    with by_province:
        st.markdown("**By province**")
        st.dataframe(part["by_province"], hide_index=True)
    with st.expander("Summary as text"):
        st.code(comparison_summary(comparison), language=None)
    negotiation_panel(entries, baseline, scenario, pot, comparison)
    st.caption("Download the comparison workbook and its CSVs in the Export view.")
    mutaties_panel(current_args)


@st.cache_data(show_spinner=False, max_entries=16)
def mutaties_of(current_args: tuple, content: bytes, filename: str, pot: str | None):
    """(mutaties, problems) of the scenario as shown against an uploaded published table."""
    result, problems = compute(*current_args)
    if result is None:
        return None, problems
    try:
        return views.published_mutaties(result, content, filename, pot), []
    except InputError as exc:
        return None, exc.problems


def mutaties_panel(current_args: tuple) -> None:
    """The scenario as shown against a table already published (the mutatie per municipality and year)."""
    st.markdown("**Mutaties against a published table**")
    upload = st.file_uploader(
        "Published table: the long CSV of `run`, or a wide table (a row per municipality, a column per payment "
        "year) as CSV, xlsx or ODS", type=["csv", "xlsx", "ods"], key="published_table",
    )
    if upload is None:
        st.caption("Compared on each payment year's register; a table on an earlier register is restated "
                   "(merged municipalities summed).")
        return
    pot = None
    if upload.name.lower().endswith(".csv"):
        result, _ = compute(*current_args)
        pots = list(result.scenario.pots) if result is not None else []
        pot = st.selectbox("Pot of a wide CSV (a long CSV names its pots)", [None] + pots, key="published_pot",
                           format_func=lambda p: "from the file" if p is None else p)
    found, problems = mutaties_of(current_args, upload.getvalue(), upload.name, pot)
    if problems:
        show_problems(problems, "The published table cannot be used:")
        return
    for note in found.notes:
        st.info(note)
    st.dataframe(found.totals, hide_index=True, column_config={
        column: st.column_config.NumberColumn(format="localized") for column in
        ("baseline_eur", "scenario_eur", "mutatie_eur")})
    table = found.table.assign(_abs=found.table["mutatie_eur"].abs()).sort_values(
        ["_abs", "gm_code"], ascending=[False, True]).drop(columns="_abs")
    st.dataframe(table.head(200), hide_index=True)
    for name, content in mutaties_files(found).items():
        st.download_button(f"Download {name}", content, file_name=name, key=f"dl_{name}")


def export_view(result, edited: bool, text: str, origin: str, scenario_id: str, uploads: tuple) -> None:
    st.subheader("Export")
    st.caption("Built in memory from the scenario as shown (edits included). Amounts in whole euros; each payment "
               "year on the register in force on its peildatum.")
    dutch = st.checkbox("Per-pot CSVs in the Dutch spreadsheet flavour (; separated, decimal comma)", key="dutch")
    args = (text, origin, scenario_id, uploads, dutch)
    try:
        names = export_names(result.loaded.scenario_id, list(result.scenario.pots))
    except InputError as exc:
        show_problems(exc.problems, "The export cannot be built:")
        names = []
    for name in names:
        mime = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                if name.endswith(".xlsx") else "text/csv")
        # built when clicked (deferred), from the cache when built before
        st.download_button(f"Download {name}", partial(export_file, args, name), file_name=name, mime=mime,
                           key=f"dl_{name}", on_click="ignore")
    st.download_button("Download the scenario (YAML)", views.edited_yaml(result),
                       file_name=f"{scenario_id}.yaml", mime="application/x-yaml", key="dl_yaml_export")
    st.markdown(
        f"- `{scenario_id}-meicirculaire.xlsx`: a sheet per pot (municipalities by name, a column per payment "
        "year, totals), the keys (Verdeelsleutels) and the explanation with every source and assumption "
        "(Toelichting).\n"
        f"- `{scenario_id}-allocation.csv`: the long table (pot, year, gm_code, gm_name, amount_eur).\n"
        f"- `{scenario_id}-<pot>.csv`: one pot as in the workbook."
    )
    st.dataframe(views.totals(result), hide_index=True)

    st.markdown("#### Comparison")
    entries, baseline, names = compare_selection((text, origin, scenario_id, uploads), edited, widgets=False)
    if not entries:
        st.info("Choose at least two scenarios in the Compare view.")
        return
    st.caption(f"{names[baseline]} (baseline) against {', '.join(n for i, n in enumerate(names) if i != baseline)}; "
               "choose the scenarios in the Compare view. The workbook takes a few seconds to build.")
    if st.button("Build the comparison workbook and CSVs", key="build_comparison") or \
            st.session_state.get("comparison_built") == (entries, baseline):
        st.session_state["comparison_built"] = (entries, baseline)
        with st.spinner("Comparing and building the comparison workbook"):
            comparison, problems = comparison_of(entries, baseline)
            files = comparison_file_bytes(entries, baseline) if comparison is not None else {}
        if problems:
            show_problems(problems, "The comparison cannot be built:")
        for name, content in files.items():
            mime = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                    if name.endswith(".xlsx") else "text/csv")
            st.download_button(f"Download {name}", content, file_name=name, mime=mime, key=f"dl_{name}")


# --- page ------------------------------------------------------------------------------------------


def main() -> None:
    st.title("Inburgering budget allocation")
    st.caption(
        "Kamerbrief 28 April 2021 (Kamerstuk 35 483 nr. 73). Per-municipality amounts are this product's own "
        "computation under the scenario's stated sources and assumptions."
    )
    view = st.sidebar.radio("View", VIEWS, key="view", horizontal=True)
    chosen = choose_scenario()
    if chosen is None:
        return
    text, origin, scenario_id = chosen
    uploads = key_uploads()
    with st.spinner("Allocating"):
        base, problems = compute(text, origin, scenario_id, ())
    if uploads:
        with st.spinner("Reading the key file"):
            with_keys, key_problems = compute(text, origin, scenario_id, uploads)
        if with_keys is None:
            show_problems(key_problems, "The uploaded key file cannot be used" +
                          (" (the scenario runs without it):" if base is not None else ":"))
            uploads = ()
        else:
            base = with_keys
            st.sidebar.success(f"Key {uploads[0][0]} loaded: give it a weight under Edit.")
    if base is None:
        show_problems(problems, f"{origin} is not a valid scenario:")
        return
    edits = edit_widgets(base, f"{scenario_id}:{base.loaded.content_hash[:12]}")
    original = scenario_data(text)
    edited = scenario_edits.apply_edits(original, edits)
    args = (text, origin, scenario_id, uploads)
    edit_problems: list[str] = []
    if edited != original:
        edited_args = (to_yaml(edited), f"{origin} (edited)", scenario_id, uploads)
        with st.spinner("Allocating"):
            result, edit_problems = compute(*edited_args)
        if result is None:
            show_problems(edit_problems, "Your edits are not valid (the same messages as the command line); "
                          "showing the scenario without them:")
            result = base
        else:
            args = edited_args
    else:
        result = base
    if view == "Allocation":
        allocation_view(result)
    elif view == "Zekerheid":
        sensitivity_view(result, args)
    elif view == "Scenario":
        scenario_view(result, text, edit_problems)
    elif view == "Compare":
        compare_view(args, edited=args[1] != origin)
    else:
        export_view(result, args[1] != origin, *args)

main()
