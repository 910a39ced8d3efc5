"""Layer 6 (faces): the app's cached library calls, keyed on content (the scenario's text,
its uploads and the edits), so a rerun that changes nothing computes nothing, and what
does not change with an edit (the scenario it started from, the shipped scenarios to
compare with) is computed once.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from pathlib import Path

import streamlit as st

from allocation.analysis.compare import compare
from allocation.common import i18n
from allocation.common.errors import InputError
from allocation.data.registers import geojson_path, load_geojson
from allocation.faces import views
from allocation.faces.web.labels import Lang
from allocation.publish.comparison import comparison_files, negotiation_views
from allocation.publish.run_files import export_files
from allocation.scenario import edits as scenario_edits
from allocation.scenario.build import KeyUpload, build
from allocation.scenario.edits import EditPlan
from allocation.scenario.loading import scenario_data, to_yaml
from allocation.scenario.source import ScenarioSource

ROOT = Path(__file__).resolve().parents[3]
SCENARIO_DIR = ROOT / "scenarios"
STATIC_GEO = ROOT / "static" / "geo"  # copies of data/geo served to the browser (not in git)


def compute(source: ScenarioSource):
    """(result, problems): the scenario run, or the command line's messages, in this
    session's language (the constraint labels and messages of a run are in its language)."""
    return _compute(source, i18n.language())


@st.cache_resource(show_spinner=False, max_entries=96)
def _compute(source: ScenarioSource, language: str):
    """:func:`compute` in ``language`` (part of the cache key: the sessions share the cache).
    Cached as a resource (not copied on each use): results are never changed by the app."""
    with i18n.using(language):
        return _run(source)


def _run(source: ScenarioSource):
    try:
        keys = tuple(KeyUpload(*upload) for upload in source.uploads)
        # files a scenario names (key files, reference scenarios) are looked up in scenarios/
        return build(source.text, origin=source.origin, scenario_id=source.scenario_id, uploads=keys,
                     base_dir=SCENARIO_DIR), []
    except InputError as exc:
        return None, exc.problems


@st.cache_resource(show_spinner=False, max_entries=32)
def edited_run(source: ScenarioSource, plan_json: str, language: str = "nl"):
    """(edited text or None, result, problems, {unit: problems}, changes) with every valid edit;
    ``changes``: one line per edited value (for review).

    ``plan_json``: the :class:`~allocation.scenario.edits.EditPlan` as its JSON (so the cache
    keys on its content). The edited scenario runs as ``<id>-bewerkt``, named ``<name>,
    bewerkt`` with its changes in words in ``language`` (part of the cache key: the sessions
    share the cache).
    """
    original = original_data(source.text)
    plan = EditPlan.from_json(plan_json)
    edited_source = source.edited("")

    def problems_of(data: dict) -> list[str]:
        return compute(replace(edited_source, text=to_yaml(data)))[1]

    data, rejected = scenario_edits.apply_valid_edits(original, plan, problems_of)
    if data == original:
        result, problems = compute(source)
        return None, result, problems, rejected, []
    edited_text = to_yaml(scenario_edits.named_as_edited(original, data))  # named as edited in every output
    result, problems = compute(source.edited(edited_text))
    return edited_text, result, problems, rejected, scenario_edits.changes(original, data)


@st.cache_resource(show_spinner=False, max_entries=16)
def original_data(text: str) -> dict:
    """The scenario's data as read from its text, once per text (the edits copy it, never change it)."""
    return scenario_data(text)


@st.cache_resource(show_spinner=False)
def geojson(date: str) -> dict | str:
    """The boundaries of the municipalities in force on ``date`` for a plotly map: the URL of a
    copy in ``static/geo`` (served by Streamlit, fetched once by the browser), or the GeoJSON
    itself when static serving is off. The copy is checked against the register first."""
    found = load_geojson(date)  # raises when the boundary codes do not match the register
    if not st.get_option("server.enableStaticServing"):
        return found
    source = geojson_path(date)
    target = STATIC_GEO / f"{source.stem}.json"
    write_static(target, source.read_bytes())
    return f"app/static/geo/{target.name}"


def write_static(target: Path, content: bytes) -> None:
    """``target`` with ``content``, replaced whole: staged under a name of its own, so two
    servers (or a test run beside the app) writing it at once never mix their halves, and the
    browser never reads a half-written file."""
    if target.is_file() and target.read_bytes() == content:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, staged = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(staged, target)
    except BaseException:
        Path(staged).unlink(missing_ok=True)
        raise


@st.cache_data(show_spinner=False, max_entries=8)
def group_choices(key_register: str, language: str, _municipalities) -> dict:
    """The provinces, veiligheidsregio's and size classes to choose a group from (per key
    register and language): value -> label with the number of municipalities."""
    lang = Lang(language)
    found = views.group_choices(_municipalities)  # the values, in the order to offer them
    frame = _municipalities
    labels: dict[str, dict[str, str]] = {"province": {}, "veiligheidsregio": {}, "size_class": {}}
    for code in found["province"]:
        members = frame[frame["province_code"] == code]
        labels["province"][code] = lang("group_choice_province", name=members["province_name"].iloc[0], code=code,
                                        count=len(members))
    for code in found["veiligheidsregio"]:
        members = frame[frame["veiligheidsregio_code"] == code].sort_values("population", ascending=False)
        labels["veiligheidsregio"][code] = lang("group_choice_region", code=code, count=len(members),
                                                largest=", ".join(members["gm_name"].head(2)))
    for label in found["size_class"]:
        labels["size_class"][label] = lang("group_choice_size", label=label,
                                           count=int((frame["size_class"] == label).sum()))
    return labels


@st.cache_data(show_spinner=False, max_entries=16)
def export_bytes(source: ScenarioSource, dutch: bool, workbook_format: str = "xlsx") -> dict[str, bytes]:
    """Every export file of a scenario by name (the scenario is valid: the page shows it)."""
    result, _ = compute(source)
    return export_files(result, dutch=dutch, workbook_format=workbook_format)


def shipped() -> dict[str, Path]:
    return {path.stem: path for path in sorted(SCENARIO_DIR.glob("*.yaml"))}


def shipped_origin(path: Path) -> str:
    """The file name used in messages: relative to the folder the app runs in."""
    return os.path.relpath(path)


def shipped_source(scenario_id: str) -> ScenarioSource:
    """A shipped scenario as the app runs it (its text as in the folder now)."""
    path = SCENARIO_DIR / f"{scenario_id}.yaml"
    return ScenarioSource(path.read_text(encoding="utf-8"), shipped_origin(path), scenario_id)


@st.cache_resource(show_spinner=False, max_entries=16)
def results_of(sources: tuple[ScenarioSource, ...]) -> tuple[list, list[str]]:
    """(results, problems) for the scenarios (a source's label shown as its id)."""
    results, problems = [], []
    for source in sources:
        result, more = compute(source)
        problems += more
        if result is not None and source.label is not None:  # relabel without recomputing
            result = replace(result, loaded=replace(result.loaded, scenario_id=source.label))
        results.append(result)
    return results, problems


@st.cache_resource(show_spinner=False, max_entries=16)
def comparison_of(entries: tuple[ScenarioSource, ...], baseline: int):
    """(comparison, problems) for the scenarios, ``baseline`` the index of the baseline."""
    results, problems = results_of(entries)
    if problems:
        return None, problems
    try:
        return compare(results, baseline=baseline), []
    except InputError as exc:
        return None, exc.problems


@st.cache_data(show_spinner=False, max_entries=4)
def comparison_file_bytes(entries: tuple[ScenarioSource, ...], baseline: int) -> dict[str, bytes]:
    comparison, _ = comparison_of(entries, baseline)
    results, _ = results_of(entries)
    extra = negotiation_views(results[baseline], [r for i, r in enumerate(results) if i != baseline])
    return comparison_files(comparison, extra=extra)
