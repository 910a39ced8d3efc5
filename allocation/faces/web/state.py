"""Layer 6 (faces): the app's cached library calls, keyed on content (the scenario's text,
its uploads and the edits), so a rerun that changes nothing computes nothing, and what
does not change with an edit (the scenario it started from, the shipped scenarios to
compare with) is computed once.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import replace
from pathlib import Path

import streamlit as st

from allocation.analysis.compare import compare
from allocation.common.errors import InputError
from allocation.data.registers import geojson_path, load_geojson
from allocation.faces import views
from allocation.faces.web.labels import Lang
from allocation.publish.comparison import comparison_files, negotiation_views
from allocation.publish.run_files import export_files
from allocation.scenario import edits as scenario_edits
from allocation.scenario.build import KeyUpload, build
from allocation.scenario.loading import scenario_data, to_yaml

ROOT = Path(__file__).resolve().parents[3]
SCENARIO_DIR = ROOT / "scenarios"
STATIC_GEO = ROOT / "static" / "geo"  # copies of data/geo served to the browser (not in git)
#: the suffix of an edited scenario's id, so downloads never carry the shipped file's name
EDITED_SUFFIX = "-bewerkt"


@st.cache_resource(show_spinner=False, max_entries=96)
def compute(text: str, origin: str, scenario_id: str, uploads: tuple = ()):
    """(result, problems): the scenario run, or the command line's messages. Cached as a
    resource (not copied on each use): results are never changed by the app."""
    try:
        keys = tuple(KeyUpload(*upload) for upload in uploads)
        # files a scenario names (key files, reference scenarios) are looked up in scenarios/
        return build(text, origin=origin, scenario_id=scenario_id, uploads=keys, base_dir=SCENARIO_DIR), []
    except InputError as exc:
        return None, exc.problems


@st.cache_resource(show_spinner=False, max_entries=32)
def edited_run(text: str, origin: str, scenario_id: str, uploads: tuple, edits_json: str, language: str = "nl"):
    """(edited text or None, result, problems, {unit: problems}, changes) with every valid edit;
    ``changes``: one line per edited value (for review).

    ``edits_json``: the edits of :func:`allocation.scenario.edits.apply_edits` as JSON (so the
    cache keys on their content). The edited scenario runs as ``<id>-bewerkt``, named
    ``<name>, bewerkt`` with its changes in words in ``language`` (part of the cache key: the
    sessions share the cache).
    """
    original = original_data(text)
    edits = _from_json(json.loads(edits_json))
    _, edited_origin, edited_id, _ = edited_entry("", origin, scenario_id, uploads)

    def problems_of(data: dict) -> list[str]:
        return compute(to_yaml(data), edited_origin, edited_id, uploads)[1]

    data, rejected = scenario_edits.apply_valid_edits(original, edits, problems_of)
    if data == original:
        result, problems = compute(text, origin, scenario_id, uploads)
        return None, result, problems, rejected, []
    edited_text = to_yaml(scenario_edits.named_as_edited(original, data))  # named as edited in every output
    result, problems = compute(edited_text, edited_origin, edited_id, uploads)
    return edited_text, result, problems, rejected, scenario_edits.changes(original, data)


@st.cache_resource(show_spinner=False, max_entries=16)
def original_data(text: str) -> dict:
    """The scenario's data as read from its text, once per text (the edits copy it, never change it)."""
    return scenario_data(text)


def edited_entry(edited_text: str, origin: str, scenario_id: str, uploads: tuple) -> tuple:
    """(text, origin, id, uploads) of an edited scenario: named ``<origin> (bewerkt)`` in
    messages and ``<id>-bewerkt`` in its files."""
    return edited_text, f"{origin} (bewerkt)", f"{scenario_id}{EDITED_SUFFIX}", uploads


def _from_json(edits: dict) -> dict:
    """JSON keys are text: the years, group and cap indexes back to integers."""
    out = {}
    for pot_id, change in edits.items():
        change = dict(change)
        if "years" in change:
            change["years"] = {int(year): value for year, value in change["years"].items()}
        for key in ("groups", "caps"):
            if key in change:
                change[key] = {int(index): value for index, value in change[key].items()}
        for key in ("minimum", "maximum", "year_band", "transition"):
            if key in change:
                change[key] = tuple(change[key])
        if "caps" in change:
            change["caps"] = {i: (tuple(c) if c is not None else None) for i, c in change["caps"].items()}
        if "new_caps" in change:
            change["new_caps"] = [tuple(c) if c is not None else None for c in change["new_caps"]]
        out[pot_id] = change
    return out


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
def export_bytes(entry: tuple, dutch: bool, workbook_format: str = "xlsx") -> dict[str, bytes]:
    """Every export file of a scenario by name (the scenario is valid: the page shows it)."""
    result, _ = compute(*entry[:4])
    return export_files(result, dutch=dutch, workbook_format=workbook_format)


def shipped() -> dict[str, Path]:
    return {path.stem: path for path in sorted(SCENARIO_DIR.glob("*.yaml"))}


def shipped_origin(path: Path) -> str:
    """The file name used in messages: relative to the folder the app runs in."""
    return os.path.relpath(path)


@st.cache_resource(show_spinner=False, max_entries=16)
def results_of(entries: tuple) -> tuple[list, list[str]]:
    """(results, problems) for scenarios given as (text, origin, id, uploads[, label]) tuples."""
    results, problems = [], []
    for entry in entries:
        result, more = compute(*entry[:4])
        problems += more
        if result is not None and len(entry) > 4:  # relabel without recomputing
            result = replace(result, loaded=replace(result.loaded, scenario_id=entry[4]))
        results.append(result)
    return results, problems


@st.cache_resource(show_spinner=False, max_entries=16)
def comparison_of(entries: tuple, baseline: int):
    """(comparison, problems) for scenarios given as (text, origin, id, uploads[, label]) tuples."""
    results, problems = results_of(entries)
    if problems:
        return None, problems
    try:
        return compare(results, baseline=baseline), []
    except InputError as exc:
        return None, exc.problems


@st.cache_data(show_spinner=False, max_entries=4)
def comparison_file_bytes(entries: tuple, baseline: int) -> dict[str, bytes]:
    comparison, _ = comparison_of(entries, baseline)
    results, _ = results_of(entries)
    extra = negotiation_views(results[baseline], [r for i, r in enumerate(results) if i != baseline])
    return comparison_files(comparison, extra=extra)
