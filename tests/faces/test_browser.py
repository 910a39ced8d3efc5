"""End to end: the app in a real headless Chromium (Debian ``chromium``), driven by Playwright.

Starts ``streamlit run app.py`` on a free local port and follows a negotiator's path at
1366x768 in a Dutch (nl-NL) browser: ELIP 2022, the key's weight moved to inwoners, the
headline strip, the map (drawn on the server; the plotly map on request), the comparison
against the scenario it started from, the largest loser, the negotiation panel, and the
edited workbook's totals and name. Prints the first page's time (navigation to the first view complete, as
benchmarks/bench_app.py measures it; never asserted). Saves screenshots under
tests/artifacts/screenshots/ (docs/screenshots/ with UPDATE_SCREENSHOTS=1).

Chromium: when /usr/bin/chromium is absent and the user is root, it is installed with
apt-get. Elsewhere the test is skipped with the reason; with CI=true it is never skipped.
Playwright's own browser download (``playwright install``) is never used.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from allocation.analysis.edit_effect import edit_effect
from allocation.faces import views
from allocation.scenario import edits
from allocation.scenario.build import build
from allocation.scenario.loading import scenario_data
from tests.conftest import ROOT, shipped

CHROMIUM = Path("/usr/bin/chromium")
# Screenshots go to tests/artifacts/screenshots (ignored by git); with
# UPDATE_SCREENSHOTS=1 they refresh the ones README and docs/handleiding.md show in docs/screenshots.
SCREENSHOTS = (
    ROOT / "docs" / "screenshots"
    if os.environ.get("UPDATE_SCREENSHOTS") == "1"
    else ROOT / "tests" / "artifacts" / "screenshots"
)
IN_CI = os.environ.get("CI", "").lower() == "true"
TIMEOUT_MS = 60_000


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"CI=true, so the browser test must run: {reason}")
    pytest.skip(reason)


def _ensure_chromium() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        _unavailable(f"{CHROMIUM} is absent and installing it needs root: run `apt-get install -y chromium` as root")
    if shutil.which("apt-get") is None:
        _unavailable(f"{CHROMIUM} is absent and apt-get is not available to install Debian's chromium")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "chromium"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            _unavailable(f"`{' '.join(command)}` failed: {done.stderr.strip()[-500:]}")
    if not CHROMIUM.exists():
        _unavailable(f"apt-get installed chromium but {CHROMIUM} is still absent")
    return CHROMIUM


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=15)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """The app served by ``streamlit run`` on a free port; always stopped afterwards."""
    port = _free_port()
    streamlit = Path(sys.executable).parent / "streamlit"
    command = [str(streamlit)] if streamlit.exists() else [sys.executable, "-m", "streamlit"]
    log = tmp_path_factory.mktemp("app") / "streamlit.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            command
            + ["run", "app.py", "--server.headless", "true", "--server.port", str(port),
               "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                pytest.fail(f"streamlit exited with {process.returncode}:\n{log.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit did not answer on {url} within 120 s:\n{log.read_text(errors='replace')}")
            time.sleep(0.5)
        yield url
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def page(app_url):
    chromium = _ensure_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # the test extra installs it
        _unavailable(f"playwright is not installed ({exc}); install the test extra: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            # a laptop screen, in a Dutch browser: the negotiator's setting
            context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="nl-NL",
                                          accept_downloads=True)
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            start = time.perf_counter()
            page.goto(app_url)
            page.wait_for_function(FIRST_VIEW_COMPLETE, polling=20)
            # reported, never asserted (timing belongs to benchmarks/bench_app.py): the first
            # load after the server started, so it includes the server's imports and first run
            print(f"\nfirst page (first load after the server started): {time.perf_counter() - start:.2f} s "
                  "from navigation to the first view complete")
            yield page
        finally:
            browser.close()


def _settled(page) -> None:
    """Wait until the script run has finished (Streamlit marks the app element) and the page is quiet."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => { const app = document.querySelector('[data-testid=\"stApp\"]');"
        " return app && app.getAttribute('data-test-script-state') !== 'running'; }",
        timeout=TIMEOUT_MS,
    )
    try:  # quiet network too, when it comes soon: Playwright's "network idle" of the page's first load
        # may never come again after a rerun, and the script state above is what says the page is done
        page.wait_for_load_state("networkidle", timeout=1_500)
    except PlaywrightTimeout:
        pass


def _choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the main area's select box labelled ``label``."""
    page.locator('[data-testid="stMain"]').get_by_role("combobox", name=label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()
    _settled(page)


def _type(page, label: str, text: str) -> None:
    """Type ``text`` in the sidebar field labelled ``label`` and confirm it (Enter)."""
    field = page.locator('[data-testid="stSidebar"]').get_by_label(label, exact=True)
    field.fill(text)
    field.press("Enter")
    _settled(page)


def _choose_view(page, view: str) -> None:
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stRadio"]').nth(1).get_by_text(view, exact=True).click()
    _settled(page)


def _metrics(page) -> dict[str, str]:
    """Metric label -> value as the browser shows it."""
    shown = {}
    for metric in page.locator('[data-testid="stMetric"]').all():
        label = metric.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        shown[label] = metric.locator('[data-testid="stMetricValue"]').inner_text().strip()
    return shown


#: the script run finished, the first metric, the map's municipalities and the table's grid drawn
#: (the same test as benchmarks/bench_app.py's first page)
FIRST_VIEW_COMPLETE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && app.getAttribute('data-test-script-state') !== 'running'
    && document.querySelector('[data-testid="stMetricValue"]')
    && [...document.querySelectorAll('iframe')].reduce((n, f) => n + (f.contentDocument
         ? f.contentDocument.querySelectorAll('svg.gm-map path').length : 0), 0) >= 342
    && document.querySelector('[data-testid="stDataFrame"] canvas');
}"""
MAP_FRAME = 'iframe[title="Kaart van de gemeenten"]'


def _map_drawn(page, municipalities: int) -> None:
    """The map (drawn on the server as an SVG in its frame) shows every municipality of its
    register (352 in 2021, 345 on 1 January 2022), each with its figures in a tooltip."""
    _settled(page)
    shapes = page.frame_locator(MAP_FRAME).locator("svg.gm-map path")
    shapes.first.wait_for(state="attached")
    assert shapes.count() == municipalities
    assert page.frame_locator(MAP_FRAME).locator("svg.gm-map path title").count() == municipalities


def _interactive_map_drawn(page, municipalities: int) -> None:
    """The switch under the map opens it in plotly (zoom, pan, hover), every municipality drawn."""
    page.locator('[data-testid="stMain"]').get_by_text("Interactieve kaart (zoomen en slepen)").click()
    page.locator(".js-plotly-plot .choroplethlocation").first.wait_for(state="attached")
    _settled(page)
    assert page.locator(".js-plotly-plot .choroplethlocation").count() == municipalities


def _no_table_cut_off(page) -> None:
    """Every grid on screen shows all its columns: nothing to scroll sideways at this width."""
    widths = page.evaluate(
        "() => [...document.querySelectorAll('.dvn-scroller')].map(e => [e.scrollWidth, e.clientWidth])")
    assert widths and all(scroll <= client + 1 for scroll, client in widths), widths


def _expected_edit():
    """The negotiator's edit computed in this process: ELIP on inhabitants only."""
    origin = shipped("kamerbrief-2021")
    data = edits.set_weights(scenario_data(origin.loaded.text), "elip", {"inwoners": 1.0})
    edited = build(data, origin="edited", scenario_id="kamerbrief-2021-bewerkt", base_dir=ROOT / "scenarios")
    # the strip's figures are on the 2021 key register in every view (one Herverdeeld)
    effect = edit_effect(views.pot_year_table(origin, "elip", 2022, key_register=True),
                         views.pot_year_table(edited, "elip", 2022, key_register=True))
    return edited, effect


def test_a_negotiator_changes_the_elip_key_and_sees_compares_and_downloads_the_effect(page):
    """The negotiator's path at 1366x768 in a Dutch browser: ELIP 2022, weight to inwoners, the
    headline strip, compare against the origin, the largest loser, the edited workbook."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    edited, effect = _expected_edit()
    page.locator('[data-testid="stMetric"]').first.wait_for()
    _map_drawn(page, 352)
    assert "€ 3.500.000" in page.locator('[data-testid="stMetric"]').first.inner_text()
    assert page.get_by_text("Gelijk: € 0,20 per inwoner").count() == 1  # rounding is said, not coloured
    # the map draws full size on first load: as wide as its column
    map_width, column_width = page.evaluate(
        "() => { const f = document.querySelector('" + MAP_FRAME + "');"
        " return [f.contentDocument.querySelector('svg.gm-map').getBoundingClientRect().width,"
        " f.closest('[data-testid=\"stColumn\"]').getBoundingClientRect().width]; }")
    assert map_width >= 0.95 * column_width, (map_width, column_width)
    amsterdam = page.frame_locator(MAP_FRAME).locator('svg.gm-map path[data-code="GM0363"] title')
    assert amsterdam.text_content().startswith("Amsterdam (GM0363)")  # the figures a pointer shows
    assert not page.locator('[data-testid="stException"]').count()
    page.screenshot(path=str(SCREENSHOTS / "start.png"), full_page=False)  # the first page, as a user sees it

    _choose(page, "Pot", "ELIP (Einde Lening nog Inburgeringsplichtig)")
    _choose(page, "Betaaljaar", "2022")
    assert "€ 2.625.000" in page.locator('[data-testid="stMetric"]').first.inner_text()
    assert "ELIP" in page.locator('[data-testid="stSidebar"] h2').nth(1).inner_text()  # the sidebar edits ELIP

    _type(page, "Inwoners (echt)", "100")  # in percent: 200% together until the other is 0
    _type(page, "Inwoners met niet-westerse migratieachtergrond (proxy)", "0")
    assert "bewerkt (2 wijzigingen)" in page.locator('[data-testid="stMain"] h2').first.inner_text()
    _map_drawn(page, 345)  # ELIP 2022 on the register in force on 1 January 2022
    shown = _metrics(page)
    euros = f"{int(effect.redistributed_eur):,}".replace(",", ".")
    assert shown["Herverdeeld"] == f"€ {euros}"
    assert shown["Gemeenten > 5% minder"] == str(effect.losing_over_5pct)
    assert shown["Grootste verlies"] == effect.largest_loss.name
    assert shown["Grootste winst"] == effect.largest_gain.name
    _no_table_cut_off(page)
    page.locator('[data-testid="stMain"] h2').first.click()  # move the focus off the field
    page.screenshot(path=str(SCREENSHOTS / "allocation.png"), full_page=False)

    _choose_view(page, "Vergelijken")
    _map_drawn(page, 352)  # compared on the 2021 key register
    shown = _metrics(page)
    assert "kamerbrief-2021-bewerkt" in shown and "Basis" in shown  # the edit against where it started
    assert shown["Grootste verlies"] == effect.largest_loss.name
    assert page.get_by_text("Grootste verliezers").count() == 1
    _no_table_cut_off(page)
    assert not page.locator('[data-testid="stException"]').count()
    _interactive_map_drawn(page, 352)  # the same map in plotly, on request
    assert not page.locator('[data-testid="stException"]').count()
    page.locator('[data-testid="stMain"] h2').first.click()
    page.get_by_text("Scenario tegenover de basis").first.scroll_into_view_if_needed()
    page.mouse.wheel(0, 250)  # the comparison itself, below the choice of scenarios
    page.wait_for_timeout(500)
    page.screenshot(path=str(SCREENSHOTS / "compare.png"), full_page=False)

    # the negotiation panel on request: the guarantee's cost first, the brief one click away
    page.locator('[data-testid="stMain"]').get_by_text("Onderhandelen:", exact=False).first.click()
    _settled(page)
    brief = page.get_by_role("button", name="Brief om door te sturen (PDF)")
    brief.wait_for()
    assert page.get_by_role("tab", name="Wat een garantie kost").count() == 1
    assert not page.locator('[data-testid="stException"]').count()
    brief.scroll_into_view_if_needed()
    page.mouse.wheel(0, 150)
    page.wait_for_timeout(500)
    page.screenshot(path=str(SCREENSHOTS / "negotiation.png"), full_page=False)

    _choose_view(page, "Exporteren")
    button = page.get_by_role("button", name="Download kamerbrief-2021-bewerkt-meicirculaire.xlsx")
    button.wait_for()
    _settled(page)
    page.screenshot(path=str(SCREENSHOTS / "export.png"), full_page=False)
    with page.expect_download() as info:
        button.click()
    assert info.value.suggested_filename == "kamerbrief-2021-bewerkt-meicirculaire.xlsx"
    workbook = openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()), read_only=True)
    expected = views.year_phasing(edited)
    for pot_id, rows in expected.groupby("pot"):
        sheet = list(workbook[pot_id].iter_rows(values_only=True))
        header, body, total_row = sheet[0], sheet[1:-1], sheet[-1]
        assert total_row[2] == "Totaal"
        for row in rows.itertuples(index=False):
            column = header.index(str(row.year))
            assert sum(line[column] or 0 for line in body) == row.amount_eur, (pot_id, row.year)
            letter = openpyxl.utils.get_column_letter(column + 1)  # the total recomputes itself: a sum formula
            assert total_row[column] in (row.amount_eur, f"=SUM({letter}2:{letter}{len(body) + 1})"), total_row
    assert expected["amount_eur"].sum() == 39_000_000
    elip = list(workbook["elip"].iter_rows(values_only=True))
    amsterdam = next(line for line in elip if "Amsterdam" in line)
    published = edited.published
    assert amsterdam[elip[0].index("2022")] == int(published[(published["pot"] == "elip") & (
        published["year"] == 2022) & (published["gm_code"] == "GM0363")]["amount_eur"].iloc[0])
    assert not page.locator('[data-testid="stException"]').count()
