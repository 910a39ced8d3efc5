"""Server time of the Streamlit app after a change of weight, per shipped scenario and view,
and the first page in a real browser.

Run: ``.venv/bin/python benchmarks/bench_app.py [--repeats N] [--views allocation,compare]
[--browser LOADS] [--browser-only] [--compare-with DIR]``. Uses
``streamlit.testing.v1.AppTest`` (the app's script runs in this process, without a
browser), so the time is the server's: rerunning app.py, allocating the edited scenario
(a cache miss: every change uses a new weight) and building the page, map included.
In the Compare view the edited scenario is compared with the scenario it started from (the
default once there is an edit), so a change of weight reruns the comparison too. Prints the
median, quartiles and maximum per scenario and view. The browser part starts ``streamlit
run app.py`` and times Debian's Chromium (1366x768, nl-NL, fresh sessions) from navigation to
the first view complete: the script run finished (the app element no longer marked running),
the first metric's value, the map's municipalities (at least 342 shapes) and the table's grid
drawn. In the same run it times a bare Streamlit page with one metric (the baseline: what any
page costs in this browser), and with ``--compare-with DIR`` the app of another checkout
(``mkdir /tmp/before && git archive <commit> | tar -x -C /tmp/before``), its loads taken in turn with ours.
``--browser-only`` skips the server part.
"""

from __future__ import annotations

import argparse
import contextlib
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


#: the first view is complete when the script run has finished and the first metric, the map's
#: municipalities (the SVG map in its frame, or plotly's in a checkout from before it) and the table's grid are drawn
COMPLETE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && app.getAttribute('data-test-script-state') !== 'running'
    && document.querySelector('[data-testid="stMetricValue"]')
    && [...document.querySelectorAll('iframe')].reduce((n, f) => n + (f.contentDocument
         ? f.contentDocument.querySelectorAll('svg.gm-map path').length : 0),
         document.querySelectorAll('.js-plotly-plot .choroplethlocation').length) >= 342
    && document.querySelector('[data-testid="stDataFrame"] canvas');
}"""
#: the bare baseline: a Streamlit page with one metric, what any page costs in this browser
BARE_APP = 'import streamlit as st\nst.metric("Totaal 2021", "€ 3.500.000")\n'
BARE_COMPLETE = """() => document.querySelector('[data-testid="stMetricValue"]')"""
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu"]


#: ``python -c`` program: ``streamlit`` whose every script run writes its duration to the log
TIMED_STREAMLIT = """
import sys, time
from streamlit.runtime.scriptrunner import script_runner
untimed = script_runner.ScriptRunner._run_script
def timed(self, rerun_data):
    start = time.perf_counter()
    try:
        return untimed(self, rerun_data)
    finally:
        print(f"bench: script run {time.perf_counter() - start:.4f} s", file=sys.stderr, flush=True)
script_runner.ScriptRunner._run_script = timed
from streamlit.web.cli import main
sys.argv = ["streamlit"] + sys.argv[1:]
main()
"""


@contextlib.contextmanager
def serve(script: str | Path, cwd: Path, timed: bool = False):
    """``streamlit run script`` on a free port of 127.0.0.1 (file watcher off); yields (url, log
    path); always stopped afterwards. ``timed``: every script run writes ``bench: script run
    SECONDS s`` to the log (the server's share of a rerun)."""
    import socket
    import subprocess
    import tempfile
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = Path(tempfile.mkstemp(prefix="streamlit-", suffix=".log")[1])
    with open(log, "wb") as output:
        server = subprocess.Popen(
            [sys.executable] + (["-c", TIMED_STREAMLIT] if timed else ["-m", "streamlit"])
            + ["run", str(script), "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false"],
            cwd=cwd, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                raise SystemExit(f"streamlit exited with {server.returncode}:\n{log.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"streamlit did not answer on {url} within 120 s") from None
                time.sleep(0.25)
        yield url, log
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)


def load_time(browser, url: str, complete: str) -> float:
    """Seconds from navigation to ``complete`` in a fresh browser session (1366x768, nl-NL)."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="nl-NL")
    try:
        page = context.new_page()
        page.set_default_timeout(120_000)
        start = time.perf_counter()
        page.goto(url)
        page.wait_for_function(complete, polling=20)
        return time.perf_counter() - start
    finally:
        context.close()


def first_page(loads: int, roots: list[Path]) -> dict[str, tuple[float, list[float]]]:
    """Seconds from navigation to the first view complete (:data:`COMPLETE`) in Debian's
    Chromium at 1366x768: the first load after the server starts (imports, first run), then
    ``loads`` fresh sessions, for the app of each of ``roots`` (e.g. this checkout and one from
    before a change) and for the bare baseline page, the loads taken in turn."""
    import tempfile

    from playwright.sync_api import sync_playwright

    found: dict[str, tuple[float, list[float]]] = {}
    with contextlib.ExitStack() as stack, sync_playwright() as playwright:
        bare_dir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        (bare_dir / "bare.py").write_text(BARE_APP, encoding="utf-8")
        targets = {"bare page (one metric)": (stack.enter_context(serve("bare.py", bare_dir))[0], BARE_COMPLETE)}
        for root in roots:
            targets[f"app in {root}"] = (stack.enter_context(serve("app.py", root))[0], COMPLETE)
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=BROWSER_ARGS)
        cold = {name: load_time(browser, url, complete) for name, (url, complete) in targets.items()}
        warm: dict[str, list[float]] = {name: [] for name in targets}
        for _ in range(loads):
            for name, (url, complete) in targets.items():
                warm[name].append(load_time(browser, url, complete))
        browser.close()
    for name in targets:
        found[name] = (cold[name], warm[name])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--views", default="allocation,compare", help="comma-separated view ids")
    parser.add_argument("--browser", type=int, default=5, help="fresh page loads in Chromium (0: none)")
    parser.add_argument("--compare-with", type=Path, action="append", default=[],
                        help="another checkout whose app's first page is timed in the same run (repeatable)")
    parser.add_argument("--browser-only", action="store_true", help="only the first page")
    args = parser.parse_args()
    print(machine())
    print(f"load average at the start: {os.getloadavg()[0]:.1f}")
    if args.browser:
        found = first_page(args.browser, [ROOT] + [p.resolve() for p in args.compare_with])
        bare = statistics.median(found["bare page (one metric)"][1])
        for name, (cold, warm) in found.items():
            print(f"first page, {name}: first load after the server starts {cold:.2f} s; then median "
                  f"{statistics.median(warm):.2f} s (x{statistics.median(warm) / bare:.2f} the bare page), "
                  f"max {max(warm):.2f} s over {len(warm)} fresh sessions")
        print(f"load average after the browser part: {os.getloadavg()[0]:.1f}")
    if args.browser_only:
        return
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
