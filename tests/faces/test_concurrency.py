"""Several people on one app server: Streamlit runs each session's script in a thread of its
own, and every session shares the app's caches (``st.cache_resource`` results: scenario runs,
the scenario data the edits start from) and the library's (the reference runs of a transition
band, the successor maps). Sessions editing at once must each see only their own edits, and
nothing shared may change under them. The load benchmark (benchmarks/bench_load.py) checks
the same with 10 browser sessions.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from allocation.faces.web import state
from allocation.scenario import edits
from allocation.scenario.build import build
from allocation.scenario.loading import scenario_data
from allocation.scenario.source import ScenarioSource
from tests.conftest import ROOT, SCENARIOS, plan_of

THREADS = 6


@pytest.fixture(autouse=True)
def clear_cache(clear_streamlit_caches):
    """AppTest runs the app in this process: Streamlit's caches are shared between tests."""


def at_once(work, count: int = THREADS) -> list:
    """``work(i)`` in ``count`` threads started together; their results, or the first exception raised."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=60)
            results[i] = work(i)
        except BaseException as exc:  # noqa: BLE001 (re-raised below, in the test's thread)
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    if errors:
        raise errors[0]
    assert not any(thread.is_alive() for thread in threads), "a session did not finish"
    return results


def amounts(result, pot: str) -> list[int]:
    rows = result.allocation[result.allocation["pot"] == pot]
    return rows.sort_values(["year", "gm_code"])["amount_eur"].tolist()


def served(scenario_id: str, weights: dict[str, float], pot: str):
    """What the app's cached calls give a session with these weights (as the edit panel sends them)."""
    path = SCENARIOS / f"{scenario_id}.yaml"
    text = path.read_text(encoding="utf-8")
    edited_text, result, problems, rejected, _ = state.edited_run(
        ScenarioSource(text, state.shipped_origin(path), scenario_id), plan_of({pot: {"weights": weights}}).to_json())
    assert not problems and not rejected, (problems, rejected)
    assert edited_text is not None
    return result


def library(scenario_id: str, weights: dict[str, float], pot: str):
    """The same edit computed with the library alone, in this thread."""
    text = (SCENARIOS / f"{scenario_id}.yaml").read_text(encoding="utf-8")
    data = edits.set_weights(scenario_data(text), pot, weights)
    return build(data, origin="edited", scenario_id=f"{scenario_id}-bewerkt", base_dir=ROOT / "scenarios")


def test_sessions_editing_the_same_scenario_at_once_each_see_only_their_own_edits_and_the_shared_scenario_stays():
    scenario_id, pot = "kamerbrief-2021", "ondertussengroep"
    path = SCENARIOS / f"{scenario_id}.yaml"
    text = path.read_text(encoding="utf-8")
    shipped_before = amounts(state.compute(ScenarioSource(text, state.shipped_origin(path), scenario_id))[0], pot)
    weights = [{"inwoners": 1.0, "oppervlakte": 0.05 * (i + 1), "vast_bedrag": 0.01 * i} for i in range(THREADS)]

    got = at_once(lambda i: amounts(served(scenario_id, weights[i], pot), pot))

    expected = [amounts(library(scenario_id, w, pot), pot) for w in weights]
    assert got == expected
    assert len({tuple(a) for a in got}) == THREADS  # six different scenarios, none answered for another
    # what every session shares is as shipped: the data the edits start from, and its run
    assert state.original_data(text) == scenario_data(text)
    shipped_after = amounts(state.compute(ScenarioSource(text, state.shipped_origin(path), scenario_id))[0], pot)
    assert shipped_after == shipped_before


def test_sessions_editing_a_scenario_with_a_reference_run_at_once_get_the_library_numbers():
    """``ingroei``'s transition band refers to another scenario, whose run is cached for every session."""
    scenario_id = "kamerbrief-2021-ingroei"
    text = (SCENARIOS / f"{scenario_id}.yaml").read_text(encoding="utf-8")
    data = scenario_data(text)
    pot = next(p for p, spec in data["pots"].items() if "transition" in json.dumps(spec))
    names = list(data["pots"][pot]["key"]["weights"])
    other = next(name for name in ("oppervlakte", "vast_bedrag", "inwoners") if name not in names)
    weights = [{**{name: 1.0 for name in names}, other: 0.1 * (i + 1)} for i in range(4)]

    got = at_once(lambda i: amounts(served(scenario_id, weights[i], pot), pot), count=4)

    assert got == [amounts(library(scenario_id, w, pot), pot) for w in weights]


def test_the_static_copy_of_the_boundaries_is_staged_under_a_name_of_its_own(tmp_path):
    """Two servers (or a test run beside the app) may write the copy at once: a file another
    writer is staging is never written over, and the copy is whole."""
    target = tmp_path / "geo" / "gemeenten_2021-01-01.json"
    target.parent.mkdir()
    other_writer = target.with_suffix(".tmp")  # the name every writer used to stage under
    other_writer.write_bytes(b"half of another writer's copy")
    state.write_static(target, b'{"type": "FeatureCollection"}')
    assert target.read_bytes() == b'{"type": "FeatureCollection"}'
    assert other_writer.read_bytes() == b"half of another writer's copy"
    assert {p.name for p in target.parent.iterdir()} == {other_writer.name, target.name}  # nothing left over

    contents = [bytes([65 + i]) * 200_000 for i in range(THREADS)]
    at_once(lambda i: state.write_static(target, contents[i]))
    assert target.read_bytes() in contents  # one writer's whole copy, never a mix
    assert {p.name for p in target.parent.iterdir()} == {other_writer.name, target.name}


def test_a_reference_run_that_several_sessions_need_at_once_is_computed_once(monkeypatch):
    """Sessions opening ``ingroei`` together wait for one run of its reference scenario
    instead of each running it (on a 2-core server, ten runs at once made everyone wait)."""
    from allocation.scenario import running
    from allocation.scenario.loading import load_scenario

    reference = (SCENARIOS / "kamerbrief-2021.yaml").resolve()
    loads: list[str] = []

    def counting(path, *args, **kwargs):
        if Path(path).resolve() == reference:
            loads.append(threading.current_thread().name)
        return load_scenario(path, *args, **kwargs)

    monkeypatch.setattr(running, "load_scenario", counting)
    running._REFERENCE_RUNS.clear()
    path = SCENARIOS / "kamerbrief-2021-ingroei.yaml"
    results = at_once(lambda i: running.run_scenario(load_scenario(path)).allocation, count=4)
    assert len(loads) == 1, loads
    assert all(result.equals(results[0]) for result in results)
