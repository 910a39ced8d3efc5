"""Layer 6 (faces): the Scenario view: the edits one by one and the scenario file as run."""

from __future__ import annotations

import streamlit as st

from allocation.faces import views
from allocation.faces.web.inputs import change_text
from allocation.faces.web.page import Page


def scenario_page(page: Page, rejected_lines: list[str]) -> None:
    lang = page.lang
    for line in rejected_lines:
        st.error(line)
    if page.changes:
        st.markdown(f"**{lang('edits_list_header')}**\n"
                    + "\n".join(f"- `{change_text(lang, line)}`" for line in page.changes))
    else:
        st.caption(lang("no_edits_yet"))
    name = f"{page.result.loaded.scenario_id}.yaml"
    st.download_button(lang("download_yaml", name=name), views.edited_yaml(page.result), file_name=name,
                       mime="application/x-yaml", key="dl_yaml")
    # lines wrapped: a block that scrolls sideways cannot be reached by keyboard (WCAG 2.1.1)
    st.code(views.edited_yaml(page.result), language="yaml", wrap_lines=True)
