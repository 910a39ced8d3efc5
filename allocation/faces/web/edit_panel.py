"""Layer 6 (faces): the sidebar editors of the pot chosen in the view, and the edits they make.

The edits of a scenario are one :class:`~allocation.scenario.edits.EditPlan` in session state
(so switching pots keeps them); each rerun reads the widgets of the chosen pot into a new
:class:`~allocation.scenario.edits.PotEdit` of it. The plan is applied by
:mod:`allocation.scenario.edits`; a unit that makes the scenario invalid is left out and its
messages are written under its field (:func:`mark_rejected`). A plan opened from a link starts
the fields at its values.
"""

from __future__ import annotations

import math

import streamlit as st

from allocation.faces import views
from allocation.faces.web import state
from allocation.faces.web.inputs import REGISTRY, forget, number_field, shown
from allocation.faces.web.labels import Lang, key_label
from allocation.faces.web.numbers import money_in_text
from allocation.scenario import edits as scenario_edits
from allocation.scenario.edits import CrossPotEdit, EditPlan, PotEdit
from allocation.scenario.edits.plan import group_spec, spec_dict

EDIT_PREFIX = "e_"
#: session-state key of the edit plans: scenario key -> EditPlan
PLANS = "edits"


def plans() -> dict[str, EditPlan]:
    return st.session_state.setdefault(PLANS, {})


def edit_panel(lang: Lang, base, pot_id: str, scenario_key: str) -> tuple[EditPlan, dict]:
    """(the scenario's edits, {(pot or None for the cross-pot caps, unit): container for its messages})."""
    side = st.sidebar
    pot = base.scenario.pots[pot_id]
    side.header(lang("edit_header", pot=pot.label))
    side.caption(lang("edit_choose_pot"))
    if side.button(lang("edit_reset"), key="reset"):
        plans().pop(scenario_key, None)
        forget(EDIT_PREFIX)
    plan = plans().get(scenario_key, EditPlan())
    before = plan.pot(pot_id)
    prefix = f"{EDIT_PREFIX}{scenario_key}:{pot_id}"  # ":" cannot be in a pot id
    marks: dict = {}
    found: dict = _budget_fields(lang, pot, before, prefix)
    marks[(pot_id, "budget")] = side.container()
    vast, _ = number_field(lang, side, lang("field_vast_bedrag"), f"{prefix}_vast",
                           before.vast_bedrag_eur if before.vast_bedrag_eur is not None else pot.key.vast_bedrag_eur,
                           whole=True, help=lang("help_vast_bedrag"))
    found["vast_bedrag_eur"] = int(vast)
    marks[(pot_id, "vast_bedrag")] = side.container()
    found["weights"] = _weight_fields(lang, base, pot, before, prefix)
    marks[(pot_id, "weights")] = side.container()
    found.update(_constraint_fields(lang, pot, before, prefix, marks, pot_id))
    found.update(_group_fields(lang, base, pot, before, prefix))
    marks[(pot_id, "groups")] = side.container()
    found["source"] = side.text_input(lang("field_source"), value=before.source, key=f"{prefix}_source",
                                      help=lang("help_source"))
    plan = plan.with_pot(pot_id, PotEdit(**found))
    plan = plan.with_cross_pot(_cross_pot_fields(lang, base, scenario_key, plan.cross_pot))
    marks[scenario_edits.CROSS_POT_UNIT] = side.container()
    plans()[scenario_key] = plan
    return plan, marks


def mark_rejected(lang: Lang, rejected: dict, marks: dict, base) -> list[str]:
    """Write each left-out unit's messages under its field; the lines for the main page."""
    lines = []
    for (pot_id, unit), problems in rejected.items():
        where = lang(f"unit_{unit}")
        if pot_id is not None and pot_id in base.scenario.pots:
            where = f"{where} ({base.scenario.pots[pot_id].label})"
        lines_of = "\n".join(f"- {money_in_text(p, lang.n)}" for p in problems)
        text = lang("edit_not_applied", what=where) + "\n\n" + lines_of
        if (pot_id, unit) in marks:
            marks[(pot_id, unit)].error(text)
        lines.append(text)
    return lines


def _budget_fields(lang: Lang, pot, before: PotEdit, prefix: str) -> dict:
    """The budget, its scaling of the years and the payment years, as fields of a :class:`PotEdit`."""
    side = st.sidebar
    years = dict(before.years)
    profile = pot.years.values()
    euros = pot.years.kind == "euros"
    previous = before.budget_eur if before.budget_eur is not None else pot.budget.amount_eur
    budget, _ = number_field(lang, side, lang("field_budget"), f"{prefix}_budget", previous, whole=True)
    found: dict = {"budget_eur": int(budget)}
    if euros:
        scale = side.checkbox(lang("field_scale_years"), value=before.scale_years, key=f"{prefix}_scale")
        found["scale_years"] = scale
        if scale and budget != previous:
            current = {year: years.get(year, value) for year, value in profile.items()}
            for year, value in scenario_edits.scaled_profile(current, int(budget)).items():
                years[year] = value
                st.session_state[f"{prefix}_y{year}"] = lang.n.number(value)
                st.session_state.setdefault(REGISTRY, {})[f"{prefix}_y{year}"] = (value, True)
    side.caption(lang("field_years_euros") if euros else lang("field_years_shares"))
    columns = side.columns(2)
    for index, (year, value) in enumerate(profile.items()):
        current = years.get(year, value)
        value, _ = number_field(lang, columns[index % 2], str(year), f"{prefix}_y{year}", current, whole=euros)
        years[year] = int(value) if euros else float(value)
    found["years"] = years
    return found


#: a changed set of weights is applied when its percentages sum to 100 within this (percentage points)
WEIGHTS_TOLERANCE_PCT = 0.01
#: decimals of a weight as its field shows it in percent (``33,3333``)
WEIGHT_DECIMALS = 4


def weight_pcts(weights: dict[str, float], names) -> dict[str, float]:
    """Each key's weight as a percentage of the weights' total, rounded as a field shows it
    (``{inwoners: 0.5, migratieachtergrond: 1}`` -> ``33,3333`` and ``66,6667``)."""
    total = math.fsum(float(w) for w in weights.values())
    if not total > 0:
        return {name: 0.0 for name in names}
    return {name: round(100 * float(weights.get(name, 0.0)) / total, WEIGHT_DECIMALS) for name in names}


def _weight_fields(lang: Lang, base, pot, before: PotEdit, prefix: str) -> tuple | None:
    """The key's weights in percent that sum to 100. Fields the user has not changed keep the
    weights as they are (no edit, no rounding); a changed set that does not sum to 100% is not
    applied and says so under the fields. The edit passes the weights as fractions."""
    side = st.sidebar
    side.caption(lang("field_weights"))
    weights = dict(before.weights) if before.weights is not None else dict(pot.key.weights)
    names = sorted(base.loaded.keys)
    initial = weight_pcts(weights, names)
    typed = {}
    for name in names:
        key = base.loaded.keys[name]
        label = f"{key_label(lang, key)} ({lang('kind_' + key.kind)})"
        value, _ = number_field(lang, side, label, f"{prefix}_w_{name}", initial[name],
                                maximum=100, help=lang("help_weight", name=name))
        typed[name] = float(value)
    if typed == initial:
        return before.weights
    total = math.fsum(typed.values())
    if abs(total - 100) > WEIGHTS_TOLERANCE_PCT:
        side.error(lang("weights_not_100", total=shown(lang, round(total, WEIGHT_DECIMALS)) + "%"))
        return before.weights
    return tuple((name, pct / 100) for name, pct in typed.items())


def _constraint_fields(lang: Lang, pot, before: PotEdit, prefix: str, marks: dict, pot_id: str) -> dict:
    """The minimum, maximum, year band and transition band as fields of a :class:`PotEdit`."""
    side = st.sidebar
    found: dict = {}
    constraints = getattr(pot, "constraints", None)
    side.caption(lang("field_constraints"))
    for which in ("minimum", "maximum"):
        bounds = getattr(constraints, which, None) or []
        first = bounds[0] if bounds else None
        unit = "eur_per_inhabitant" if first is not None and first.eur is None else "eur"
        initial = None if first is None else (first.eur if unit == "eur" else first.eur_per_inhabitant)
        current = getattr(before, which) or (unit, initial)
        label = lang(f"field_{which}_{unit}")
        if first is not None and first.years:
            label += lang("field_in_years", years=", ".join(map(str, first.years)))
        value, _ = number_field(
            lang,
            side,
            label,
            f"{prefix}_{which}",
            current[1],
            whole=unit == "eur",
            optional=True,
            help=lang("help_empty_is_none"),
        )
        found[which] = (current[0], value)
        marks[(pot_id, which)] = side.container()
    bands = [("year_band", lang("field_year_band"))]
    if constraints is not None and constraints.transition is not None:
        bands.append(("transition", lang("field_transition")))
    for which, title in bands:
        band = getattr(constraints, which, None) if constraints is not None else None
        current = getattr(before, which) or (
            (band.max_decrease_pct, band.max_increase_pct) if band is not None else (None, None))
        left, right = side.columns(2)
        decrease, _ = number_field(lang, left, f"{title}: {lang('field_max_less')}", f"{prefix}_{which}_dec",
                                   current[0], optional=True, help=lang("help_empty_is_none"))
        increase, _ = number_field(lang, right, f"{title}: {lang('field_max_more')}", f"{prefix}_{which}_inc",
                                   current[1], optional=True, help=lang("help_empty_is_none"))
        found[which] = (decrease, increase)
        marks[(pot_id, which)] = side.container()
    return found


def _limit_fields(lang: Lang, label: str, key: str, spec: dict, side_: str):
    """A group's minimum or maximum: (field, value) with field min_/max_ share or eur, or (None, None)."""
    units = {"none": lang("limit_none"), "share": lang("limit_share"), "eur": lang("limit_eur")}
    initial = next((u for u in ("share", "eur") if spec.get(f"{side_}_{u}") is not None), "none")
    left, right = st.columns([2, 3])
    if f"{key}_unit" not in st.session_state:
        st.session_state[f"{key}_unit"] = initial
    unit = left.selectbox(label, list(units), key=f"{key}_unit", format_func=units.get)
    if unit == "none":
        return None, None
    start = spec.get(f"{side_}_{unit}") or 0
    value, _ = number_field(
        lang,
        right,
        f"{label}: {units[unit]}",
        f"{key}_{unit}",
        start,
        whole=unit == "eur",
        maximum=1 if unit == "share" else None,
    )
    return f"{side_}_{unit}", value


def _group_editor(lang: Lang, base, spec: dict, key: str, choices: dict, removed: bool = False) -> dict | None:
    """Widgets for one group limit (starting at ``spec``, ticked for removal when ``removed``);
    the edited spec, or None when ticked for removal."""
    group_by = {"province": lang("group_province"), "veiligheidsregio": lang("group_veiligheidsregio"),
                "size_class": lang("group_size_class"), "codes": lang("group_codes")}
    field = next((f for f in scenario_edits.GROUP_FIELDS if spec.get(f) is not None), "province")
    options = list(group_by) if field == "codes" else [f for f in group_by if f != "codes"]
    if f"{key}_by" not in st.session_state:
        st.session_state[f"{key}_by"] = field
    by = st.selectbox(lang("group_by"), options, key=f"{key}_by", format_func=group_by.get)
    if by == "codes":
        initial = ", ".join(spec.get("codes") or [])
        codes = st.text_input(lang("group_codes_field"), value=initial, key=f"{key}_codes")
        value = [c.strip() for c in codes.split(",") if c.strip()]
    else:
        values = list(choices[by])
        current = spec.get(by) if spec.get(by) in values else values[0]
        if f"{key}_{by}" not in st.session_state:
            st.session_state[f"{key}_{by}"] = current
        value = st.selectbox(group_by[by], values, key=f"{key}_{by}", format_func=choices[by].get)
    default = views.group_name(by, value, base.municipalities)
    name = st.text_input(lang("group_name"), key=f"{key}_name",
                         value=spec.get("name") if spec.get("name") not in (None, default) else "")
    edited = {"name": name.strip() or default, by: value}
    for side_, label in (("min", lang("group_min")), ("max", lang("group_max"))):
        limit, amount = _limit_fields(lang, label, f"{key}_{side_}", spec, side_)
        if limit is not None:
            edited[limit] = amount
    if spec.get("years"):
        st.caption(lang("group_years", years=", ".join(map(str, spec["years"]))))
    if f"{key}_remove" not in st.session_state:
        st.session_state[f"{key}_remove"] = removed
    removed = st.checkbox(lang("group_remove"), key=f"{key}_remove")
    return None if removed else edited


def _group_fields(lang: Lang, base, pot, before: PotEdit, prefix: str) -> dict:
    """Add, edit and remove the pot's group limits (a group's total per payment year)."""
    groups = (pot.constraints.groups if getattr(pot, "constraints", None) is not None else []) or []
    choices = state.group_choices(str(base.scenario.key_register), lang.lang, base.municipalities)
    planned = dict(before.groups)
    edited: dict[int, dict | None] = {}
    added: list[dict | None] = [None if spec is None else spec_dict(spec) for spec in before.new_groups]
    count = len(groups) + sum(s is not None for s in added)
    with st.sidebar.expander(lang("groups_header", count=count)):
        st.caption(lang("groups_caption"))
        if st.button(lang("group_add"), key=f"{prefix}_add_group"):
            first = next(iter(choices["province"]))
            added.append({"name": views.group_name("province", first, base.municipalities), "province": first,
                          "min_share": 0.0})
        for index, group in enumerate(groups):
            st.markdown(f"**{group.name}**")
            spec = group.model_dump(
                include={"name", *scenario_edits.GROUP_FIELDS, *scenario_edits.GROUP_LIMITS, "years"}, exclude_none=True
            )
            if planned.get(index) is not None:  # opened from a link: the edited group
                spec = {**spec_dict(planned[index]), **({"years": spec["years"]} if "years" in spec else {})}
            edited[index] = _group_editor(lang, base, spec, f"{prefix}_g{index}", choices,
                                          removed=index in planned and planned[index] is None)
        for number, spec in enumerate(added):
            if spec is None:
                continue
            st.markdown(f"**{lang('group_new', number=number + 1)}**")
            added[number] = _group_editor(lang, base, spec, f"{prefix}_new{number}", choices)
    return {"groups": tuple((i, None if s is None else group_spec(s)) for i, s in edited.items()),
            "new_groups": tuple(None if s is None else group_spec(s) for s in added)}


def _cross_pot_fields(lang: Lang, base, scenario_key: str, before: CrossPotEdit) -> CrossPotEdit:
    """Add, edit and remove the scenario's cross-pot caps (several pots together)."""
    planned = dict(before.caps)
    edited: dict[int, tuple | None] = {}
    added: list[tuple | None] = list(before.new_caps)
    pots = list(base.scenario.pots)
    prefix = f"{EDIT_PREFIX}{scenario_key}::xpot"
    caps = base.scenario.cross_pot
    units = {"eur": lang("unit_eur"), "eur_per_inhabitant": lang("unit_eur_per_inhabitant")}
    with st.sidebar.expander(lang("caps_header", count=len(caps) + sum(c is not None for c in added))):
        st.caption(lang("caps_caption"))

        def editor(key: str, chosen, unit: str, value, removed: bool = False):
            if f"{key}_pots" not in st.session_state:
                st.session_state[f"{key}_pots"] = list(chosen) if chosen else pots
            selected = st.multiselect(lang("caps_pots"), pots, key=f"{key}_pots",
                                      format_func=lambda p: base.scenario.pots[p].label)
            if f"{key}_unit" not in st.session_state:
                st.session_state[f"{key}_unit"] = unit
            unit = st.selectbox(lang("caps_unit"), list(units), key=f"{key}_unit", format_func=units.get)
            amount, _ = number_field(lang, st, lang("caps_amount"), f"{key}_{unit}",
                                     float(value) if value is not None else 0.0)
            if f"{key}_remove" not in st.session_state:
                st.session_state[f"{key}_remove"] = removed
            if st.checkbox(lang("caps_remove"), key=f"{key}_remove"):
                return None
            return (tuple(selected), unit, amount)

        if st.button(lang("caps_add"), key=f"{prefix}_add"):
            added.append((tuple(pots), "eur_per_inhabitant", views.cap_start(base)))  # does not bind yet
        for index, cap in enumerate(caps):
            unit = "eur" if cap.eur is not None else "eur_per_inhabitant"
            st.markdown(f"**{lang('caps_cap', number=index + 1)}**")
            start = planned.get(index) or (cap.pots, unit, getattr(cap, unit))  # a link's edit first
            edited[index] = editor(f"{prefix}{index}", *start, removed=index in planned and planned[index] is None)
        for number, cap in enumerate(added):
            if cap is None:
                continue
            st.markdown(f"**{lang('caps_new', number=number + 1)}**")
            added[number] = editor(f"{prefix}_new{number}", *cap)
        source = st.text_input(lang("field_source"), value=before.source, key=f"{prefix}_source",
                               help=lang("help_source"))
    return CrossPotEdit(caps=tuple(edited.items()), new_caps=tuple(added), source=source)
