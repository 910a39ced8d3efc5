"""WCAG 2.1 AA in a real browser, and the link that reopens a page in another browser.

The app is served once by ``streamlit run`` (the fixture of tests/faces/test_browser.py) and driven in
Debian's headless Chromium with Playwright. axe-core, the accessibility rule engine of the npm
registry, is installed with npm into tests/artifacts/axe/ (ignored by git) when it is not there
yet, injected into every view of the app in both languages (Dutch, English) and run with the
WCAG 2.0/2.1 A and AA rules: no finding may have the impact "serious" or "critical".

Without npm or chromium the tests are skipped with the reason (with CI=true they fail instead).
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from allocation.common.i18n import LANGUAGES, _
from allocation.faces.web.link import PARAM
from allocation.faces.web.main import VIEWS
from tests.conftest import ROOT
from tests.faces.test_browser import (  # noqa: F401  (app_url is a fixture: the served app)
    FIRST_VIEW_COMPLETE,
    TIMEOUT_MS,
    _choose,
    _ensure_chromium,
    _metrics,
    _settled,
    _unavailable,
    app_url,
)

AXE_DIR = ROOT / "tests" / "artifacts" / "axe"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
#: WCAG 2.0 and 2.1, levels A and AA: what Dutch government sites must meet
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}


def _axe_source() -> str:
    """axe-core's browser script, installed with npm the first time."""
    if not AXE_JS.exists():
        npm = shutil.which("npm")
        if npm is None:
            _unavailable("npm is not installed, so axe-core cannot be installed: install Node.js with npm")
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(AXE_DIR), "axe-core"],
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0 or not AXE_JS.exists():
            _unavailable(f"`npm install axe-core` failed: {done.stderr.strip()[-500:]}")
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def browser():
    axe = _axe_source()
    chromium = _ensure_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _unavailable(f"playwright is not installed ({exc}); install the test extra: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        launched.axe_source = axe  # type: ignore[attr-defined]
        try:
            yield launched
        finally:
            launched.close()


def _open(browser, url: str):
    """A new page in a fresh browser context (no cookies, no session): a colleague's browser."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    return page


def _sidebar_radio(page, index: int, label: str) -> None:
    page.locator('[data-testid="stSidebar"] [data-testid="stRadio"]').nth(index).get_by_text(
        label, exact=True).click()
    _settled(page)


def _axe_findings(page, axe_source: str) -> list[dict]:
    """axe-core's WCAG A/AA violations in the page and in each of its frames (the map's)."""
    found = []
    for frame in page.frames:
        try:
            if not frame.evaluate("() => typeof axe !== 'undefined'"):
                frame.add_script_tag(content=axe_source)
            result = frame.evaluate(
                "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"
                ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
                " targets: v.nodes.map(n => n.target.join(' ')),"
                " summary: v.nodes.slice(0, 1).map(n => n.failureSummary).join('')})))",
                WCAG_AA,
            )
        except Exception as exc:  # a frame that navigated away while checked: checked again next view
            if "detached" in str(exc).lower() or "destroyed" in str(exc).lower():
                continue
            raise
        found.extend(dict(v, frame="" if frame == page.main_frame else frame.url[:60]) for v in result)
    return found


def _report(findings: list[dict]) -> str:
    return "\n".join(
        f"- {f['view']} ({f['lang']}{', in frame ' + f['frame'] if f['frame'] else ''}): {f['id']} [{f['impact']}]"
        f" {f['help']}; {len(f['targets'])} element(s): " + ", ".join(t[-120:] for t in f["targets"][:3])
        + (f"; {f['summary'][:200]}" if f["summary"] else "")
        for f in findings
    )


def test_every_view_in_both_languages_meets_wcag_21_aa_without_serious_findings(browser, app_url):  # noqa: F811
    """axe-core over every view (Verdeling, Zekerheid, Scenario, Vergelijken, Exporteren) in Dutch
    and in English: no serious or critical violation of WCAG 2.1 A/AA."""
    page = _open(browser, app_url)
    try:
        page.wait_for_function(FIRST_VIEW_COMPLETE, polling=50)
        blocking, checked = [], []
        for lang in LANGUAGES:
            _sidebar_radio(page, 0, LANGUAGES[lang])
            for view in VIEWS:
                _sidebar_radio(page, 1, _(f"view_{view}", lang=lang))
                assert not page.locator('[data-testid="stException"]').count(), (lang, view)
                findings = _axe_findings(page, browser.axe_source)
                checked.append((lang, view))
                blocking += [dict(f, view=view, lang=lang) for f in findings if f["impact"] in BLOCKING]
        assert len(checked) == len(LANGUAGES) * len(VIEWS)
        assert not blocking, f"{len(blocking)} serious or critical WCAG 2.1 AA finding(s):\n{_report(blocking)}"
    finally:
        page.context.close()


def _state_shown(page) -> dict[str, str]:
    """What a colleague compares: the title, the pot, the year, the edits and the figures."""
    main = page.locator('[data-testid="stMain"]')
    return {
        "title": main.locator("h2").first.inner_text().strip(),
        "pot": page.locator('[data-testid="stSidebar"] h2').nth(1).inner_text().strip(),  # "Bewerken: <pot>"
        # the year chosen: the one the sidebar's fixed-amount field and the first metric speak of
        "year": main.get_by_role("combobox", name="Betaaljaar", exact=True).evaluate(
            "e => [...e.closest('[data-testid=\"stSelectbox\"]').querySelectorAll('input, div, span')]"
            ".map(x => (x.value || (x.children.length ? '' : x.textContent) || '').trim())"
            ".filter(t => /^[0-9]{4}$/.test(t)).pop()"),
        "view": page.locator('[data-testid="stSidebar"] [data-testid="stRadio"]').nth(1).locator(
            'label:has(input:checked)').inner_text().strip(),
        **_metrics(page),
    }


def test_a_link_reopens_the_same_page_in_another_browser_and_a_tampered_link_opens_the_start_page(
        browser, app_url):  # noqa: F811
    """ELIP 2022 with the fixed amount edited, in the Vergelijken view: the address bar's link,
    opened in a new browser context, shows the same title, pot, year, view and amounts; the same
    link with one character changed shows the Dutch warning and the plain start page."""
    page = _open(browser, app_url)
    try:
        page.wait_for_function(FIRST_VIEW_COMPLETE, polling=50)
        start = _state_shown(page)
        _choose(page, "Pot", "ELIP (Einde Lening nog Inburgeringsplichtig)")
        _choose(page, "Betaaljaar", "2022")
        field = page.locator('[data-testid="stSidebar"]').get_by_label(_("field_vast_bedrag", lang="nl"), exact=True)
        field.fill("500")
        field.press("Enter")
        _settled(page)
        page.wait_for_function("() => [...document.querySelectorAll('[data-testid=\"stMain\"] h2')]"
                               ".some(h => h.innerText.includes('bewerkt'))")
        _settled(page)
        _sidebar_radio(page, 1, _("view_compare", lang="nl"))
        before = _state_shown(page)
        assert "bewerkt" in before["title"] and "ELIP" in before["pot"] and before["year"] == "2022"
        assert before["Herverdeeld"].startswith("€ ") and before["Herverdeeld"] != "€ 0"
        url = page.url
        assert f"?{PARAM}=v1." in url
    finally:
        page.context.close()

    again = _open(browser, url)  # a new context: nothing of the first session
    try:
        again.locator('[data-testid="stMetric"]').first.wait_for()
        _settled(again)
        assert not again.locator('[data-testid="stException"]').count()
        assert _state_shown(again) == before
        assert field_value(again) == "500"
    finally:
        again.context.close()

    value = url.split(f"{PARAM}=", 1)[1]
    middle = len(value) // 2
    tampered = url.replace(value, value[:middle] + ("A" if value[middle] != "A" else "B") + value[middle + 1:])
    broken = _open(browser, tampered)
    try:
        broken.locator('[data-testid="stMetric"]').first.wait_for()
        _settled(broken)
        warning = broken.locator('[data-testid="stAlert"]').first.inner_text()
        assert warning.strip() in {_(f"link_{kind}", lang="nl") for kind in ("damaged", "outdated", "changed")}
        assert _state_shown(broken) == start  # the plain start page
        assert broken.url != tampered  # the address bar holds the start page's own link now
    finally:
        broken.context.close()


def field_value(page) -> str:
    return page.locator('[data-testid="stSidebar"]').get_by_label(
        _("field_vast_bedrag", lang="nl"), exact=True).input_value()
