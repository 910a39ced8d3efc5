"""A team on one server: 10 browser sessions editing the app at the same time.

Run: ``.venv/bin/python benchmarks/bench_load.py [--sessions 10] [--edits 5] [--timeout 900]``.

Starts ``streamlit run app.py`` on a free port of 127.0.0.1 (loopback only; file watcher
off) and opens ``--sessions`` fresh browser sessions at once (Playwright browser contexts in
one Debian Chromium, headless, 1366x768, nl-NL). Every session, all at the same time and
without pauses: waits for the first view (kamerbrief-2021, Begeleiding ondertussengroep 2021),
types ``--edits`` key weights in the sidebar (its own values, so no two sessions have the same
scenario), then opens the Vergelijken view (the edited scenario against the one it started
from). It then checks that every session shows its own numbers, computed independently here
with the library for the same edits: the headline strip (``Herverdeeld``, ``Gemeenten > 5%
minder``, the largest loss and gain, from :func:`allocation.analysis.edit_effect.edit_effect`)
and the comparison's strip (the edited total, ``Herverdeeld`` and the largest loss, from
:func:`allocation.analysis.compare.compare`); that no page shows an exception; and that the
server log holds no error or traceback.

Reported: the rerun time under that load, from the key press (Enter) that confirms an edit to
the page settled (the script run finished, as Streamlit marks the app element, and the
browser has drawn a frame after it): median, 95th percentile and maximum over all edits, and
the same for the switch to Vergelijken; the first view's time per session; the server's share:
the duration of every script run, as the server logs it (the browser's 10 pages share the
machine's cores with the server here, while a team's browsers run on their own machines); the
machine and its load average. Bounded: every wait has a time limit and the whole run stops after
``--timeout`` seconds; the server and the browser are always stopped. Exit status 1 when any
check fails. Record results in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_app import BROWSER_ARGS, COMPLETE, machine, serve  # noqa: E402

POT, YEAR, SCENARIO = "ondertussengroep", 2021, "kamerbrief-2021"
#: the sidebar's weight fields of the pot: key name -> label
FIELDS = {
    "inwoners": "Inwoners (echt)",
    "migratieachtergrond": "Inwoners met niet-westerse migratieachtergrond (proxy)",
    "oppervlakte": "Oppervlakte (echt)",
    "vast_bedrag": "Gelijk deel per gemeente (echt)",
}
WAIT_MS = 180_000
#: counts the script runs that finished (the app element's script state leaving "running")
RUN_COUNTER = """
(() => {
  window.__runsFinished = 0;
  let running = false;
  const watch = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) { requestAnimationFrame(watch); return; }
    const look = () => {
      const now = app.getAttribute('data-test-script-state') === 'running';
      if (running && !now) window.__runsFinished += 1;
      running = now;
    };
    look();
    new MutationObserver(look).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
  };
  document.addEventListener('DOMContentLoaded', watch);
})();
"""
SETTLED = """(before) => {
  const app = document.querySelector('[data-testid="stApp"]');
  return window.__runsFinished > before && app.getAttribute('data-test-script-state') !== 'running';
}"""


def edits_of(session: int, count: int) -> list[tuple[str, str]]:
    """The (key, typed text) edits of one session: the four weights, then the first again,
    each session with its own values (written the Dutch way)."""
    plan = [
        ("migratieachtergrond", f"0,{session + 1:02d}"),
        ("oppervlakte", f"0,{(session * 7) % 10 + 1}"),
        ("vast_bedrag", f"0,0{session % 5 + 1}"),
        ("inwoners", f"0,{90 - session}"),
        ("migratieachtergrond", f"0,{20 + session}"),
    ]
    return [plan[i % len(plan)] if i < len(plan) else (plan[i % len(plan)][0], f"0,{30 + session + i}")
            for i in range(count)]


def final_weights(edits: list[tuple[str, str]]) -> dict[str, float]:
    weights = {"inwoners": 1.0, "migratieachtergrond": 0.0, "oppervlakte": 0.0, "vast_bedrag": 0.0}
    for key, text in edits:
        weights[key] = float(text.replace(",", "."))
    return weights


def expected(weights: dict[str, float]) -> dict[str, dict[str, str]]:
    """What the page must show for these weights, computed with the library:
    {"allocation": {metric label: value}, "compare": {...}}."""
    from allocation.analysis.compare import compare
    from allocation.analysis.edit_effect import edit_effect
    from allocation.faces import views
    from allocation.faces.web.numbers import Numbers
    from allocation.scenario import edits
    from allocation.scenario.build import build
    from allocation.scenario.loading import scenario_data

    n = Numbers("nl")
    text = (ROOT / "scenarios" / f"{SCENARIO}.yaml").read_text(encoding="utf-8")
    origin = build(text, origin=SCENARIO, scenario_id=SCENARIO, base_dir=ROOT / "scenarios")
    data = edits.set_weights(scenario_data(text), POT, weights)
    edited = build(data, origin="edited", scenario_id=f"{SCENARIO}-bewerkt", base_dir=ROOT / "scenarios")
    effect = edit_effect(views.pot_year_table(origin, POT, YEAR), views.pot_year_table(edited, POT, YEAR))
    allocation = {
        "Herverdeeld": n.eur(effect.redistributed_eur, 0 if float(effect.redistributed_eur).is_integer() else 1),
        "Gemeenten > 5% minder": n.number(effect.losing_over_5pct),
        "Grootste verlies": effect.largest_loss.name if effect.largest_loss else "niemand",
        "Grootste winst": effect.largest_gain.name if effect.largest_gain else "niemand",
    }
    comparison = compare([origin, edited], baseline=0)
    part = views.comparison_slice(comparison, f"{SCENARIO}-bewerkt", POT, str(YEAR))
    totals, frame = part["totals"].iloc[0], part["municipalities"]
    loser = frame.sort_values(["diff_eur", "gm_code"], kind="stable").iloc[0]
    return {"allocation": allocation, "compare": {
        "Basis": n.eur(int(totals["base_eur"])),
        f"{SCENARIO}-bewerkt": n.eur(int(totals["other_eur"])),
        "Herverdeeld": n.eur(float(totals["redistributed_eur"])),
        "Grootste verlies": str(loser["gm_name"]) if int(loser["diff_eur"]) < 0 else "niemand",
    }}


async def metrics(page) -> dict[str, str]:
    shown = {}
    for metric in await page.locator('[data-testid="stMetric"]').all():
        label = (await metric.locator('[data-testid="stMetricLabel"]').inner_text()).strip()
        shown[label] = (await metric.locator('[data-testid="stMetricValue"]').inner_text()).strip()
    return shown


async def settle_after(page, action) -> float:
    """Seconds from ``action`` (a key press or click that starts a rerun) to the page settled."""
    before = await page.evaluate("window.__runsFinished")
    start = time.perf_counter()
    await action()
    await page.wait_for_function(SETTLED, arg=before, polling=20, timeout=WAIT_MS)
    await page.evaluate("new Promise(done => requestAnimationFrame(() => done()))")
    return time.perf_counter() - start


async def session(browser, url: str, number: int, count: int, shown: dict, times: dict) -> None:
    context = await browser.new_context(viewport={"width": 1366, "height": 768}, locale="nl-NL")
    try:
        page = await context.new_page()
        page.set_default_timeout(WAIT_MS)
        await page.add_init_script(RUN_COUNTER)
        start = time.perf_counter()
        await page.goto(url)
        await page.wait_for_function(COMPLETE, polling=50, timeout=WAIT_MS)
        times["first_view"].append(time.perf_counter() - start)
        sidebar = page.locator('[data-testid="stSidebar"]')
        for key, text in edits_of(number, count):
            field = sidebar.get_by_label(FIELDS[key], exact=True)
            await field.fill(text)
            times["edit"].append(await settle_after(page, lambda f=field: f.press("Enter")))
        allocation = await metrics(page)
        title = await page.locator('[data-testid="stMain"] h2').first.inner_text()
        view = sidebar.locator('[data-testid="stRadio"]').nth(1).get_by_text("Vergelijken", exact=True)
        times["compare"].append(await settle_after(page, view.click))
        await page.locator('[data-testid="stMetric"]').first.wait_for()
        shown[number] = {"allocation": allocation, "compare": await metrics(page), "title": title,
                         "exceptions": await page.locator('[data-testid="stException"]').count()}
    finally:
        await context.close()


async def drive(url: str, sessions: int, count: int) -> tuple[dict, dict]:
    from playwright.async_api import async_playwright

    shown: dict[int, dict] = {}
    times: dict[str, list[float]] = {"first_view": [], "edit": [], "compare": []}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=BROWSER_ARGS)
        try:
            results = await asyncio.gather(*(session(browser, url, i, count, shown, times) for i in range(sessions)),
                                           return_exceptions=True)
        finally:
            await browser.close()
    for i, result in enumerate(results):
        if isinstance(result, BaseException):
            shown.setdefault(i, {"failed": f"{type(result).__name__}: {str(result)[:500]}"})
    return shown, times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=900, help="seconds before the run is stopped")
    args = parser.parse_args()
    print(machine())
    print(f"load average at the start: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    plans = {i: edits_of(i, args.edits) for i in range(args.sessions)}
    wanted = {i: expected(final_weights(plan)) for i, plan in plans.items()}
    with serve("app.py", ROOT, timed=True) as (url, log):
        started = time.perf_counter()
        shown, times = asyncio.run(asyncio.wait_for(drive(url, args.sessions, args.edits), args.timeout))
        wall = time.perf_counter() - started
        server_log = log.read_text(encoding="utf-8", errors="replace")
    print(f"load average at the end: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    failures = []
    for i in range(args.sessions):
        got = shown.get(i, {"failed": "no result"})
        if "failed" in got:
            failures.append(f"session {i}: {got['failed']}")
            continue
        if got["exceptions"]:
            failures.append(f"session {i}: {got['exceptions']} exception(s) on the page")
        if "bewerkt" not in got["title"]:
            failures.append(f"session {i}: the title does not say the scenario is edited: {got['title']!r}")
        for part in ("allocation", "compare"):
            for label, value in wanted[i][part].items():
                if got[part].get(label) != value:
                    failures.append(f"session {i}, {part}: {label} shows {got[part].get(label)!r}, the library "
                                    f"gives {value!r}")
    problems = [line for line in server_log.splitlines() if re.search(r"Traceback|Error|Exception|error", line)]
    if problems:
        failures.append("server log: " + " | ".join(problems[:10]))
    print(f"{args.sessions} sessions at once, {args.edits} edits each and a comparison, in {wall:.1f} s")
    for name, label in (("first_view", "first view"), ("edit", "rerun after an edit"),
                        ("compare", "switch to Vergelijken")):
        values = times[name]
        if values:
            print(f"{label:<22} n={len(values):3d}  median {statistics.median(values):6.2f} s  "
                  f"p95 {p95(values):6.2f} s  max {max(values):6.2f} s")
    runs = [float(v) for v in re.findall(r"^bench: script run ([0-9.]+) s$", server_log, flags=re.M)]
    if runs:
        print(f"{'server: a script run':<22} n={len(runs):3d}  median {statistics.median(runs):6.2f} s  "
              f"p95 {p95(runs):6.2f} s  max {max(runs):6.2f} s  (all runs, first views included)")
    distinct = len({tuple(sorted(w["allocation"].items())) for w in wanted.values()})
    print(f"sessions with distinct expected numbers: {distinct} of {args.sessions}")
    if failures:
        print("FAILED:")
        for line in failures:
            print("  " + line)
        raise SystemExit(1)
    print("every session shows the numbers the library computes for its edits; no exception on any page; "
          "no error in the server log")


if __name__ == "__main__":
    main()
