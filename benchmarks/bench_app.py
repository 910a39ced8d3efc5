"""Server time of the Streamlit app after a change of weight, per shipped scenario and view,
and the first page in a real browser.

Run: ``.venv/bin/python benchmarks/bench_app.py [--repeats N] [--views allocation,compare]
[--browser LOADS]``. Uses
``streamlit.testing.v1.AppTest`` (the app's script runs in this process, without a
browser), so the time is the server's: rerunning app.py, allocating the edited scenario
(a cache miss: every change uses a new weight) and building the page, map included.
In the Compare view the edited scenario is compared with the scenario it started from (the
default once there is an edit), so a change of weight reruns the comparison too. Prints the
median, quartiles and maximum per scenario and view. The browser part starts ``streamlit
run app.py`` and times Debian's Chromium (1366x768, nl-NL) from opening the page to the map
drawn. Record results in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import streamlit

    return f"nproc {os.cpu_count()}, {cpu}, Python {platform.python_version()}, streamlit {streamlit.__version__}"


def bench(scenario_id: str, view: str, repeats: int) -> list[float]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    at.sidebar.selectbox(key="shipped").set_value(scenario_id).run()
    at.sidebar.radio(key="view").set_value(view).run()
    key = [w.key for w in at.sidebar.text_input if "_w_" in str(w.key)][-1]  # the last key weight
    times = []
    for i in range(repeats):
        widget = [w for w in at.sidebar.text_input if w.key == key][0]
        widget.set_value(f"0,{50 + i + 1}")  # a new weight each time: a cache miss, as for a user
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        if at.exception or at.error:
            raise SystemExit(
                f"{scenario_id}/{view}: the app failed: {[e.value for e in at.exception] + [e.value for e in at.error]}"
            )
    return times


def first_page(loads: int) -> tuple[float, list[float]]:
    """Seconds from opening the page to the map drawn in Debian's Chromium at 1366x768: the
    first load after the server starts (imports, first run), then ``loads`` fresh sessions."""
    import socket
    import subprocess
    import urllib.request

    from playwright.sync_api import sync_playwright

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
         "--browser.gatherUsageStats", "false"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.25)
        times = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                 args=["--headless", "--no-sandbox", "--disable-gpu"])
            for _ in range(loads + 1):
                context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="nl-NL")
                page = context.new_page()
                page.set_default_timeout(120_000)
                start = time.perf_counter()
                page.goto(url)
                page.locator(".js-plotly-plot .choroplethlocation").first.wait_for(state="attached")
                page.locator('[data-testid="stMetric"]').first.wait_for()
                times.append(time.perf_counter() - start)
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return times[0], times[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--views", default="allocation,compare", help="comma-separated view ids")
    parser.add_argument("--browser", type=int, default=5, help="fresh page loads in Chromium (0: none)")
    args = parser.parse_args()
    print(machine())
    if args.browser:
        cold, warm = first_page(args.browser)
        print(f"first page in Chromium: first load after the server starts {cold:.2f} s; "
              f"then median {statistics.median(warm):.2f} s, max {max(warm):.2f} s over {len(warm)} fresh sessions")
    print(f"{'scenario':<28} {'view':<11} {'median s':>9} {'p25 s':>7} {'p75 s':>7} {'max s':>7}")
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        for view in args.views.split(","):
            times = bench(path.stem, view, args.repeats)
            q = statistics.quantiles(times, n=4)
            print(
                f"{path.stem:<28} {view:<11} {statistics.median(times):9.3f} {q[0]:7.3f} {q[2]:7.3f} {max(times):7.3f}"
            )


if __name__ == "__main__":
    main()
