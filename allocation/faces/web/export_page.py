"""Layer 6 (faces): the Exporteren (export) view: the circular's workbook and CSVs of the
scenario as shown (an edited scenario's files are named ``<id>-bewerkt-...``), and the
comparison workbook (by default: edited against the scenario it started from)."""

from __future__ import annotations

from functools import partial

import streamlit as st

from allocation.common.errors import InputError
from allocation.faces import views
from allocation.faces.web import state
from allocation.faces.web.charts import table
from allocation.faces.web.compare_page import compare_selection, entry_name, show_problems
from allocation.faces.web.page import Page
from allocation.publish.run_files import export_names
from allocation.scenario.source import ScenarioSource

MIME = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".csv": "text/csv",
}


def _mime(name: str) -> str:
    return next((mime for suffix, mime in MIME.items() if name.endswith(suffix)), "application/octet-stream")


def _export_file(source: ScenarioSource, dutch: bool, name: str) -> bytes:
    return state.export_bytes(source, dutch, "both")[name]


def export_page(page: Page) -> None:
    lang, result = page.lang, page.result
    st.caption(lang("export_caption"))
    dutch = st.checkbox(lang("export_dutch_csv"), key="dutch", value=True)
    try:
        names = export_names(result.loaded.scenario_id, list(result.scenario.pots), "both")
    except InputError as exc:
        show_problems(exc.problems, lang("export_cannot"))
        names = []
    for name in names:
        # built when clicked (deferred), from the cache when built before
        st.download_button(lang("download", name=name), partial(_export_file, page.source, dutch, name),
                           file_name=name, mime=_mime(name), key=f"dl_{name}", on_click="ignore")
    yaml_name = f"{result.loaded.scenario_id}.yaml"
    st.download_button(lang("download_yaml", name=yaml_name), views.edited_yaml(result), file_name=yaml_name,
                       mime="application/x-yaml", key="dl_yaml_export")
    st.markdown(lang("export_files_list", id=result.loaded.scenario_id))
    totals = views.totals(result)
    table(lang, totals, {"pot": ("col_pot", "text"), "year": ("col_year", "text"), "amount_eur": ("col_amount", "eur")},
          key="export_totals", max_height=300)

    st.markdown(f"#### {lang('comparison_header')}")
    entries, baseline, names_chosen = compare_selection(page, widgets=False)
    if not entries:
        st.info(lang("compare_choose_two_there"))
        return
    against = ", ".join(entry_name(lang, page, n) for i, n in enumerate(names_chosen) if i != baseline)
    st.caption(lang("comparison_export_caption", baseline=entry_name(lang, page, names_chosen[baseline]),
                    others=against))
    if st.button(lang("comparison_build"), key="build_comparison") or \
            st.session_state.get("comparison_built") == (entries, baseline):
        st.session_state["comparison_built"] = (entries, baseline)
        with st.spinner(lang("comparison_building")):
            comparison, problems = state.comparison_of(entries, baseline)
            files = state.comparison_file_bytes(entries, baseline) if comparison is not None else {}
        if problems:
            show_problems(problems, lang("compare_cannot"))
        for name, content in files.items():
            st.download_button(lang("download", name=name), content, file_name=name, mime=_mime(name),
                               key=f"dl_{name}")
