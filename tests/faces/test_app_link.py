"""The app's address carries its state: a link opened in a new session shows the same page; a
tampered or outdated one says so in Dutch and opens the plain start page."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from allocation.faces.web import link
from tests.conftest import ROOT
from tests.faces.test_app import amounts, choose, errors, start, weigh


def _opened(value: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params[link.PARAM] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_link_opened_in_a_new_session_shows_the_same_page(clear_streamlit_caches):
    at = start("kamerbrief-2021")
    choose(at, "elip", 2022)
    weigh(at, "elip", inwoners="50", migratieachtergrond="50")
    at.sidebar.radio(key="view").set_value("compare").run()
    at.sidebar.radio(key="view").set_value("allocation").run()
    shared = at.query_params[link.PARAM]
    shared = shared[0] if isinstance(shared, list) else shared
    assert shared.startswith("v1.")
    other = _opened(shared)
    assert not other.error, errors(other)
    assert other.main.header[0].value == at.main.header[0].value  # edited, with its number of changes
    assert other.selectbox(key="pot").value == "elip" and other.selectbox(key="year").value == 2022
    assert amounts(other) == amounts(at)


def test_a_tampered_or_outdated_link_says_so_in_dutch_and_opens_the_start_page(clear_streamlit_caches):
    plain = start()
    for value, words in (("v1.kapot", "beschadigd"), ("v0.abc", "oudere versie")):
        at = _opened(value)
        assert any(words in w.value for w in at.warning), [w.value for w in at.warning]
        assert at.main.header[0].value == plain.main.header[0].value
        assert amounts(at) == amounts(plain)
