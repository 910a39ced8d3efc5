"""Layer 6 (faces): the page. Language first, then the scenario, the one pot-and-year selection
(the view shows it and the sidebar edits it), the edits, and the chosen view. The address bar
carries all of that as a link (:mod:`allocation.faces.web.link`): opened in another browser
it shows the same page."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from allocation.common import i18n
from allocation.faces import views
from allocation.faces.web import link, state
from allocation.faces.web.allocation_page import allocation_page
from allocation.faces.web.certainty_page import certainty_page
from allocation.faces.web.compare_page import compare_page, show_problems
from allocation.faces.web.edit_panel import edit_panel, mark_rejected, plans
from allocation.faces.web.export_page import export_page
from allocation.faces.web.inputs import change_text, rewrite_for_language
from allocation.faces.web.key_upload import key_uploads
from allocation.faces.web.labels import LANGUAGES, Lang
from allocation.faces.web.page import Page, scenario_key_of
from allocation.faces.web.scenario_page import scenario_page
from allocation.scenario.source import ScenarioSource

VIEWS = ["allocation", "certainty", "scenario", "compare", "export"]
DEFAULT = "kamerbrief-2021"  # the baseline scenario, shown first
#: captions and notes in the text's own colour, slightly faded: Streamlit's grey (#7f7e7d on
#: the sidebar's #f8f8f7, 3,8:1) is under WCAG 1.4.3's 4,5:1 for small text; at 85% of the text
#: colour it is about 8:1 in the light theme and as readable in the dark one; the scenario
#: text in the text colour (comments in italics, keys in bold): its light colours were under 4,5:1
READABLE_CSS = """<style>
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { color: inherit !important; opacity: 0.85; }
[data-testid="stCode"] .token { color: inherit !important; }
[data-testid="stCode"] .token.comment { opacity: 0.8; font-style: italic; }
[data-testid="stCode"] .token.key, [data-testid="stCode"] .token.atrule { font-weight: 600; }
</style>"""


def main() -> None:
    default = i18n.default_language()  # ALLOCATION_LANG, otherwise Dutch
    st.set_page_config(page_title=i18n._("app_title", lang=default), layout="wide")
    st.html(READABLE_CSS)  # once per run: style only, takes no room on the page
    link_problem = open_link()
    choices = list(LANGUAGES) + ([default] if default not in LANGUAGES else [])  # the pseudo-locale for its test
    choice = st.sidebar.radio(i18n._("language", lang=default), choices, index=choices.index(default), key="lang",
                              horizontal=True, format_func=lambda c: LANGUAGES.get(c, c))
    i18n.set_language(choice)  # this session's rerun: the library's texts speak its language
    lang = Lang(choice)
    rewrite_for_language(lang)
    if link_problem:
        st.warning(lang(f"link_{link_problem}"))
    header, chooser = st.container(), st.container()
    view = st.sidebar.radio(lang("view"), VIEWS, key="view", horizontal=True, format_func=lambda v: lang(f"view_{v}"))
    chosen = choose_scenario(lang)
    if chosen is None:
        header.header(lang("app_title"), anchor=False)
        forget_link()
        return
    text, origin, scenario_id = chosen.text, chosen.origin, chosen.scenario_id
    uploads = key_uploads(lang)
    if not uploads and chosen.uploads:
        uploads = chosen.uploads  # an opened scenario: the exact scenario's key of the table's shares
    with st.spinner(lang("allocating")):
        base, problems = state.compute(chosen.with_uploads(()))
    if uploads:
        with_keys, key_problems = state.compute(chosen.with_uploads(uploads))
        if with_keys is None:
            show_problems(key_problems, lang("key_upload_cannot") + (lang("runs_without") if base is not None else ""))
            uploads = ()
        else:
            base = with_keys
            st.sidebar.success(lang("key_loaded", name=uploads[0][0]))
    if base is None:
        header.header(lang("app_title"), anchor=False)
        show_problems(problems, lang("scenario_invalid", origin=origin))
        return
    origin_source = ScenarioSource(text, origin, scenario_id, uploads)
    pot_id, year = selection(lang, base, chooser)
    # the edits belong to the scenario's own text: an uploaded key (which adds user_keys to the
    # run's text) keeps them
    scenario_key = scenario_key_of(scenario_id, text)
    plan, marks = edit_panel(lang, base, pot_id, scenario_key)
    with st.spinner(lang("allocating")):
        edited_text, result, problems, rejected, changes = state.edited_run(origin_source, plan.to_json(), choice)
    rejected_lines = mark_rejected(lang, rejected, marks, base)
    source = origin_source
    if edited_text is not None and result is not None:
        source = origin_source.edited(edited_text)
    if result is None:  # cannot happen when the origin runs; kept as a guard
        show_problems(problems, lang("edits_invalid"))
        result, source, edited_text = base, origin_source, None
    page = Page(lang=lang, result=result, origin=base, source=source, origin_source=origin_source, pot_id=pot_id,
                year=year, changes=changes, scenario_key=scenario_key)
    if st.session_state.get("source") == "shipped" and not uploads:
        keep_link(link.LinkState(scenario=scenario_id, scenario_hash=link.text_hash(text), plan=plan, pot=pot_id,
                                 year=year, view=view, lang=choice))
    else:  # an uploaded scenario or key is not in a link
        forget_link()
    title(page, header, rejected_lines)
    edited_elsewhere = st.session_state.setdefault("_edited_scenarios", set())
    (edited_elsewhere.add if page.edited else edited_elsewhere.discard)(scenario_id)
    others = sorted(edited_elsewhere - {scenario_id})
    if others:  # switching scenarios keeps each one's edits: say where they are
        st.sidebar.caption(lang("edits_kept_in", scenarios=", ".join(others)))
    if view == "allocation":
        allocation_page(page)
    elif view == "certainty":
        certainty_page(page)
    elif view == "scenario":
        scenario_page(page, rejected_lines)
    elif view == "compare":
        compare_page(page)
    else:
        export_page(page)


def open_link() -> str | None:
    """On a session's first run: the state of the link it was opened with, put into the
    widgets' session state (language, view, scenario, pot, year, the edits). None, or why the
    link cannot be opened (``damaged``, ``outdated``, ``changed``): the plain start page then."""
    if st.session_state.get("_link_read"):
        return None
    st.session_state["_link_read"] = True
    text = st.query_params.get(link.PARAM)
    if not text:
        return None
    try:
        found = link.decode(text)
    except link.LinkError as exc:
        forget_link()
        return exc.kind
    files = state.shipped()
    if found.scenario not in files or found.view not in VIEWS or found.lang not in LANGUAGES:
        forget_link()
        return "damaged"
    scenario_text = files[found.scenario].read_text(encoding="utf-8")
    if link.text_hash(scenario_text) != found.scenario_hash:
        forget_link()
        return "changed"
    st.session_state.update(lang=found.lang, view=found.view, source="shipped", shipped=found.scenario,
                            pot=found.pot, year=found.year)
    plans()[f"{found.scenario}:{found.scenario_hash}"] = found.plan
    return None


def keep_link(shown: link.LinkState) -> None:
    """The address bar's link: the state shown (replaced only when it changed)."""
    encoded = link.encode(shown)
    if st.query_params.get(link.PARAM) != encoded:
        st.query_params[link.PARAM] = encoded


def forget_link() -> None:
    if link.PARAM in st.query_params:
        del st.query_params[link.PARAM]


def choose_scenario(lang: Lang) -> ScenarioSource | None:
    """The chosen base scenario (the uploads of an opened one with it)."""
    st.sidebar.header(lang("scenario_header"))
    opened = st.session_state.get("_opened")  # a scenario opened from the Compare view (Welke sleutel?)
    sources = ["shipped", "upload"] + (["opened"] if opened else [])
    source = st.sidebar.radio(lang("start_from"), sources, key="source", format_func=lambda s: lang(f"start_{s}"))
    if source == "opened":
        st.sidebar.caption(lang("fit_opened", name=opened.origin))
        return opened
    if source == "shipped":
        files = state.shipped()
        names = list(files)
        if st.session_state.get("shipped") not in names:
            st.session_state["shipped"] = DEFAULT if DEFAULT in names else names[0]
        scenario_id = st.sidebar.selectbox(lang("shipped_scenario"), names, key="shipped")
        path = files[scenario_id]
        return ScenarioSource(path.read_text(encoding="utf-8"), state.shipped_origin(path), scenario_id)
    upload = st.sidebar.file_uploader(lang("scenario_file"), type=["yaml", "yml"], key="scenario_upload")
    if upload is None:
        st.sidebar.info(lang("upload_or_shipped"))
        return None
    try:
        text = upload.getvalue().decode("utf-8-sig")
    except UnicodeDecodeError:
        st.sidebar.error(lang("not_utf8", name=upload.name))
        return None
    return ScenarioSource(text, upload.name, Path(upload.name).stem)


def selection(lang: Lang, base, header) -> tuple[str, int]:
    """The one pot and payment year: chosen under the title, shown by every view and edited in the sidebar."""
    pots = base.scenario.pots
    if st.session_state.get("pot") not in pots:
        st.session_state["pot"] = next(iter(pots))
    left, right, _ = header.columns([3, 1, 2])
    pot_id = left.selectbox(lang("pot"), list(pots), key="pot", format_func=lambda p: pots[p].label)
    years = views.pot_years(base, pot_id)
    if st.session_state.get("year") not in years:
        st.session_state["year"] = years[0]
    year = right.selectbox(lang("payment_year"), years, key="year")
    return pot_id, int(year)


def title(page: Page, header, rejected_lines: list[str]) -> None:
    """The scenario's name, and when edited: 'bewerkt', the number of edits and their list."""
    lang = page.lang
    name = page.origin.scenario.name
    with header:
        if page.edited:
            st.header(lang("title_edited", name=name, count=len(page.changes)), anchor=False)
            left, right = st.columns([1, 3], vertical_alignment="center")
            with left.popover(lang("edits_show", count=len(page.changes))):
                st.markdown("\n".join(f"- `{change_text(lang, line)}`" for line in page.changes)
                            or lang("no_edits_yet"))
                st.caption(lang("edits_show_caption"))
            right.caption(lang("app_caption"))
        else:
            st.header(name, anchor=False)
            st.caption(lang("app_caption"))
        if rejected_lines:
            st.warning(lang("edits_partly", count=len(rejected_lines)))
