"""Server time of the Streamlit app after a change of weight, per shipped scenario.

Run: ``.venv/bin/python benchmarks/bench_app.py [--repeats N]``. Uses
``streamlit.testing.v1.AppTest`` (the app's script runs in this process, without a
browser), so the time is the server's: rerunning app.py, allocating the edited scenario
(a cache miss: every change uses a new weight) and building the page, map included.
In the Compare view the edited scenario is compared with another shipped one, so a
change of weight reruns the comparison too. Prints the median and quartiles per
scenario and view. Record results in BENCHMARKS.md.
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
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    at.sidebar.selectbox(key="shipped").set_value(scenario_id).run()
    at.sidebar.radio(key="view").set_value(view).run()
    widget = [w for w in at.sidebar.number_input if "[" in w.label][-1]
    times = []
    for i in range(repeats):
        widget = [w for w in at.sidebar.number_input if w.label == widget.label][0]
        widget.set_value(0.5 + 0.01 * (i + 1))
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        if at.exception or at.error:
            raise SystemExit(
                f"{scenario_id}/{view}: the app failed: {[e.value for e in at.exception] + [e.value for e in at.error]}"
            )
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    print(machine())
    print(f"{'scenario':<28} {'view':<11} {'median s':>9} {'p25 s':>7} {'p75 s':>7} {'max s':>7}")
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        for view in ("Allocation", "Compare", "Export"):
            times = bench(path.stem, view, args.repeats)
            q = statistics.quantiles(times, n=4)
            print(
                f"{path.stem:<28} {view:<11} {statistics.median(times):9.3f} {q[0]:7.3f} {q[2]:7.3f} {max(times):7.3f}"
            )


if __name__ == "__main__":
    main()
