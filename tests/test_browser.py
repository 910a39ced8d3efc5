"""End to end: the app in a real headless Chromium (Debian ``chromium``), driven by Playwright.

Starts ``streamlit run app.py`` on a free local port, waits until the page has rendered,
switches views, downloads the meicirculaire workbook, the allocation CSV and the
comparison workbook and checks their totals against the scenario,
and saves screenshots under tests/artifacts/screenshots/ (docs/screenshots/ with UPDATE_SCREENSHOTS=1).

Chromium: when /usr/bin/chromium is absent and the user is root, it is installed with
apt-get. Elsewhere the test is skipped with the reason; with CI=true it is never skipped.
Playwright's own browser download (``playwright install``) is never used.
"""

from __future__ import annotations

import csv
import io
import os
import re
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

from allocation.faces import views
from tests.conftest import ROOT, shipped

CHROMIUM = Path("/usr/bin/chromium")
# Screenshots go to tests/artifacts/screenshots (ignored by git); with
# UPDATE_SCREENSHOTS=1 they refresh the ones README shows in docs/screenshots.
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
            context = browser.new_context(viewport={"width": 1500, "height": 1100}, accept_downloads=True)
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(app_url)
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
    page.wait_for_load_state("networkidle")


def _choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the main area's select box labelled ``label``."""
    page.locator('[data-testid="stMain"]').get_by_role("combobox", name=label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()
    _settled(page)


def _choose_view(page, view: str) -> None:
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stRadio"]').first.get_by_text(view, exact=True).click()
    _settled(page)


def test_the_app_renders_the_map_and_downloads_a_workbook_with_exact_totals(page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.get_by_text("Inburgering budget allocation").first.wait_for()
    page.locator('[data-testid="stMetric"]').first.wait_for()
    page.locator(".js-plotly-plot .choroplethlocation").first.wait_for(state="attached")
    _settled(page)
    assert page.locator(".js-plotly-plot .choroplethlocation").count() == 352
    assert "EUR 3,500,000" in page.locator('[data-testid="stMetric"]').first.inner_text()
    assert not page.locator('[data-testid="stException"]').count()

    _choose(page, "Pot", "ELIP (Einde Lening nog Inburgeringsplichtig)")
    _choose(page, "Payment year", "2022")
    assert "EUR 2,625,000" in page.locator('[data-testid="stMetric"]').first.inner_text()
    page.locator(".js-plotly-plot .choroplethlocation").first.wait_for(state="attached")
    page.locator("h1").first.click()  # move the focus off the select box
    page.screenshot(path=str(SCREENSHOTS / "allocation.png"), full_page=False)

    _choose_view(page, "Scenario")
    page.get_by_text("Scenario as edited").wait_for()

    _choose_view(page, "Compare")
    page.get_by_text("Municipalities per band").first.wait_for()
    page.locator(".js-plotly-plot .choroplethlocation").first.wait_for(state="attached")
    _settled(page)
    assert page.locator(".js-plotly-plot .choroplethlocation").count() == 352
    assert not page.locator('[data-testid="stException"]').count()
    page.locator("h1").first.click()
    page.set_viewport_size({"width": 1500, "height": 1500})
    _settled(page)
    page.screenshot(path=str(SCREENSHOTS / "compare.png"), full_page=False)
    page.set_viewport_size({"width": 1500, "height": 1100})

    _choose_view(page, "Export")
    button = page.get_by_role("button", name="Download kamerbrief-2021-meicirculaire.xlsx")
    button.wait_for()
    page.get_by_text("The comparison workbook").wait_for()
    _settled(page)
    page.screenshot(path=str(SCREENSHOTS / "export.png"), full_page=False)
    with page.expect_download() as info:
        button.click()
    assert info.value.suggested_filename == "kamerbrief-2021-meicirculaire.xlsx"
    workbook = openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()), read_only=True)

    expected = views.year_phasing(shipped("kamerbrief-2021"))
    for pot_id, rows in expected.groupby("pot"):
        sheet = list(workbook[pot_id].iter_rows(values_only=True))
        header, body, total_row = sheet[0], sheet[1:-1], sheet[-1]
        assert total_row[2] == "Totaal"
        for row in rows.itertuples(index=False):
            column = header.index(str(row.year))
            assert sum(line[column] or 0 for line in body) == row.amount_eur, (pot_id, row.year)
            assert total_row[column] == row.amount_eur
        assert total_row[header.index("Totaal")] == rows["amount_eur"].sum()
    assert expected["amount_eur"].sum() == 39_000_000

    with page.expect_download() as info:
        page.get_by_role("button", name="Download kamerbrief-2021-allocation.csv").click()
    totals: dict[tuple[str, int], int] = {}
    for row in csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))):
        key = (row["pot"], int(row["year"]))
        totals[key] = totals.get(key, 0) + int(row["amount_eur"])
    assert totals == {(r.pot, r.year): r.amount_eur for r in expected.itertuples(index=False)}

    page.get_by_role("button", name="Build the comparison workbook and CSVs").click()
    _settled(page)
    button = page.get_by_role("button", name=re.compile(r"^Download comparison-kamerbrief-2021-vs-.*\.xlsx$"))
    button.wait_for()
    with page.expect_download() as info:
        button.click()
    comparison = openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()), read_only=True)
    rows = list(comparison["Summary"].iter_rows(values_only=True))
    header = rows[0]
    everything = [r for r in rows[1:] if r[header.index("pot")] == "all" and r[header.index("year")] == "all"]
    assert len(everything) == 1
    assert everything[0][header.index("base_eur")] == 39_000_000
    assert everything[0][header.index("other_eur")] == 39_000_000
    assert not page.locator('[data-testid="stException"]').count()
