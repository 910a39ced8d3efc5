"""The pseudo-locale test: every word a user reads comes from the catalogue.

The product runs in the test language ``qps`` (``ALLOCATION_LANG=qps``: the Dutch texts
with every literal part of a catalogue text between ``⟦`` and ``⟧``, see
:mod:`allocation.common.i18n`). Every app view is rendered (AppTest) and every text on it
(headers, captions, labels, options, help, metrics, table headers and cells, chart titles
and hover texts) is checked: what is left outside the marks and the narrow allow-list of
``tests/pseudo.py`` (numbers, names, a scenario file's own texts, file-format identifiers)
fails the test with its place.

``KNOWN`` lists the English still on the way to the catalogue (issue 19), by the text left
over; the test also fails when a known text no longer occurs, so the list only shrinks.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from allocation.faces.cli import main
from allocation.publish.comparison import CSV_IDENTIFIERS
from tests.conftest import ROOT, SCENARIOS
from tests.pseudo import residue

VIEWS = ["allocation", "certainty", "scenario", "compare", "export"]
_TEXT_FIELDS = {"body", "label", "help", "placeholder", "options", "caption", "value"}
_CHART_FIELDS = {"text", "name", "hovertemplate", "customdata", "ticktext", "title"}

#: English a user still reads in the app (the residue, as found): to be moved into the catalogue.
KNOWN_APP: tuple[str, ...] = ()


@pytest.fixture(autouse=True)
def pseudo(monkeypatch):
    monkeypatch.setenv("ALLOCATION_LANG", "qps")
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def _proto_texts(proto) -> list[str]:
    out = []
    for field, value in proto.ListFields():
        repeated = field.is_repeated if hasattr(field, "is_repeated") else field.label == field.LABEL_REPEATED
        if field.name in ("id", "spec", "arrow_data", "type", "theme", "form_id"):
            continue
        if field.type == field.TYPE_MESSAGE:
            for item in (value if repeated else [value]):
                out += _proto_texts(item)
        elif field.type == field.TYPE_STRING and field.name in _TEXT_FIELDS:
            out += list(value) if repeated else [value]
    return out


def _chart_texts(value, key: str = "") -> list[str]:
    if isinstance(value, str):
        if key == "hovertemplate":
            value = re.sub(r"%\{[^}]*\}|<extra>.*?</extra>|<br>|<b>|</b>", " ", value)
        return [value] if key in _CHART_FIELDS else []
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in _chart_texts(v, k)]
    if isinstance(value, list):
        return [t for v in value for t in _chart_texts(v, key)]
    return []


def _texts(node, place: str) -> list[tuple[str, str]]:
    """(place, text) of every text under ``node``."""
    out = []
    kind = type(node).__name__
    proto = getattr(node, "proto", None)
    if proto is not None:
        spec = getattr(proto, "spec", "")
        if isinstance(spec, str) and spec.startswith("{"):
            out += [(f"{place} chart", t) for t in _chart_texts(json.loads(spec))]
        if kind in ("Dataframe", "Table"):
            frame = node.value
            config = json.loads(proto.columns) if getattr(proto, "columns", "") else {}
            order = list(proto.column_order) if getattr(proto, "column_order", None) else list(frame.columns)
            shown = [c for c in frame.columns if c in order and not config.get(str(c), {}).get("hidden")]
            out += [(f"{place} {kind} header", config.get(str(c), {}).get("label", str(c))) for c in shown]
            for column in shown:  # every text column: object, or pandas' own string dtype (pandas 3's default)
                if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column].dtype):
                    out += [(f"{place} {kind} {column}", str(v)) for v in frame[column].dropna().unique()]
        elif kind == "Html" and re.fullmatch(r"\s*<style>[^<]*</style>\s*", getattr(proto, "body", "")):
            pass  # a style sheet only (the app's readable colours): nothing a user reads
        else:
            out += [(f"{place} {kind}", t) for t in _proto_texts(proto)]
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            out += _texts(child, place)
    return out


def _left_over(at: AppTest, place: str) -> dict[str, str]:
    found = {}
    for where, text in _texts(at._tree, place):
        rest = residue(text, SCENARIOS)
        if rest:
            found.setdefault(rest, f"{where}: {text[:200]!r}")
    return found


def _check(found: dict[str, str], known: tuple[str, ...]) -> set[str]:
    """Fail on a left-over text no known pattern covers; return the known patterns seen."""
    seen = {pattern for pattern in known for rest in found if pattern in rest}
    new = {rest: where for rest, where in found.items() if not any(pattern in rest for pattern in known)}
    assert not new, "text outside the catalogue:\n" + "\n".join(f"{r[:300]!r}  <- {w}" for r, w in sorted(new.items()))
    return seen


def _views(at: AppTest, label: str) -> dict[str, str]:
    found = {}
    for view in VIEWS:
        at.sidebar.radio(key="view").set_value(view).run()
        assert not at.exception, [e.value for e in at.exception]
        if view == "allocation":
            at.selectbox(key="explain_code").set_value("GM0014")
            at.toggle(key="explain_show").set_value(True).run()
        if view == "compare" and label == "plain":
            at.multiselect(key="compare_chosen_plain").set_value(["origin", "variant-inwoners"]).run()
            at.toggle(key="negotiate").set_value(True).run()  # the guarantee, compromise and why tabs
        if view == "export":
            at.button(key="build_comparison").click().run()
        assert not at.exception, [e.value for e in at.exception]
        found.update(_left_over(at, f"{label} {view}"))
    return found


def test_every_app_view_speaks_from_the_catalogue():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    found = _views(at, "plain")
    for field, percent in (("inwoners", "50"), ("oppervlakte", "50")):  # weights in percent
        next(w for w in at.sidebar.text_input if str(w.key).endswith(f":ondertussengroep_w_{field}")).set_value(percent)
    at.run()
    found.update(_views(at, "edited"))
    seen = _check(found, KNOWN_APP)
    stale = set(KNOWN_APP) - seen
    assert not stale, f"translated now: remove from KNOWN_APP: {sorted(stale)}"


#: Places (command and stream, or file and sheet) where English is still written.
KNOWN_CLI: set[str] = set()

S = SCENARIOS


def _commands(out: Path) -> dict[str, list[str]]:
    base, other = str(S / "kamerbrief-2021.yaml"), str(S / "variant-migratie.yaml")
    floor = str(S / "kamerbrief-2021-floor.yaml")
    return {
        "keys": ["keys"],
        "validate": ["validate", base],
        "validate-bad": ["validate", str(S / "missing.yaml")],
        "run": ["run", base, "--out", str(out / "run"), "--format", "both"],
        "explain": ["explain", base, "Amsterdam"],
        # a constrained pot: the constraint summary, the Begrenzingen sheet and a municipality on its minimum
        "run-floor": ["run", floor, "--out", str(out / "run-floor"), "--format", "xlsx"],
        "explain-floor": ["explain", floor, "Vlieland"],
        "compare": ["compare", base, other, "--out", str(out / "compare")],
        "guarantee": ["guarantee", base, other, "--out", str(out / "guarantee")],
        "compromise": ["compromise", base, other, "--pot", "elip", "--out", str(out / "compromise")],
        "decompose": ["decompose", base, str(S / "kamerbrief-2021-ingroei.yaml"), "--out", str(out / "decompose")],
        "sensitivity": ["sensitivity", str(S / "kamerbrief-2021-floor.yaml"), "--out", str(out / "sensitivity"),
                        "--draws", "50", "--relative-sd", "inwoners=0.02"],
        "fit": ["fit", str(out / "run" / "kamerbrief-2021-allocation.csv"), "--pot", "elip", "--exact",
                "--out", str(out / "fit")],
        "brief": ["brief", base, other, "--out", str(out / "brief")],
    }


def _file_texts(path: Path) -> dict[str, list[str]]:
    """Texts of an output file by place: a CSV's header and text cells, a workbook's sheet
    names and each sheet's text cells."""
    if path.suffix == ".csv":
        import pandas as pd

        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        cells = [v for c in frame.columns for v in frame[c].unique() if not re.fullmatch(r"[-+0-9.,e%]*", v)]
        return {f"{path.name} header": list(frame.columns), f"{path.name} cells": cells}
    if path.suffix in (".xlsx", ".ods"):
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        out = {f"{path.name} sheet names": list(book.sheet_names)}
        for name in book.sheet_names:
            rows = book.get_sheet_by_name(name).to_python()
            out[f"{path.name} {name}"] = [c for row in rows for c in row if isinstance(c, str) and c]
        return out
    if path.suffix == ".txt":
        return {path.name: path.read_text(encoding="utf-8").splitlines()}
    return {}


#: The per-pot CSV (docs/exports.md): its columns and its total row.
POT_CSV = frozenset({"gm_code", "gm_number", "gm_name", "province", "total", "Total"})
#: The sensitivity CSV's columns and the decomposition's factor codes (docs/negotiation.md, docs/sensitivity.md).
SENSITIVITY_CSV = frozenset({"pot", "year", "gm_code", "gm_name", "amount_eur", "p5_eur", "p50_eur", "p95_eur",
                             "band_pct"})
#: The guarantee's per-municipality CSV (docs/negotiation.md).
GUARANTEE_MUNICIPALITIES_CSV = frozenset({"pot", "year", "gm_code", "gm_name", "reference_eur", "scenario_eur",
                                          "top_up_eur", "afroming_eur", "guaranteed_eur"})
#: The fit's CSVs (docs/fit.md): columns, sections and items.
FIT_CSV = frozenset({"pot", "year", "gm_code", "gm_name", "published_eur", "fitted_eur", "difference_eur",
                     "difference_pct", "share", "section", "item", "value", "low", "high", "note", "weight",
                     "year_budget_eur", "quality", "r2", "mean_abs_eur", "mean_abs_pct", "max_abs_eur", "max_abs_pct",
                     "total_abs_pct", "level", "vast_bedrag", "exact", "good", "rough", "poor"})
FACTORS = frozenset({"budget", "key", "key_data", "constraints", "peildata", "other", "total"})


def _csv_identifiers(place: str) -> frozenset[str]:
    """The documented identifiers of a CSV file format (its columns and codes)."""
    if ".csv" not in place:
        return frozenset()
    name = place.split()[1]
    if name.endswith("-sensitivity.csv"):
        return SENSITIVITY_CSV
    if name.startswith("fit-"):
        return FIT_CSV
    if name.startswith("guarantee-") and name.endswith("-municipalities.csv"):
        return GUARANTEE_MUNICIPALITIES_CSV
    if name.startswith("decomposition-"):
        return CSV_IDENTIFIERS | FACTORS
    if place.startswith(("run ", "run-floor ")) and not name.endswith("-allocation.csv"):
        return POT_CSV
    if name.startswith(("comparison-", "guarantee-", "compromise-")):
        from allocation.data.keys import builtin_keys

        return CSV_IDENTIFIERS | {f"weight_{name}" for name in builtin_keys()}
    return frozenset()


#: The names of the workbook's parameter cells, identifiers the formulas use (README, "Zelf narekenen").
PARAMETER_NAME = re.compile(r"Aantal_gemeenten|(Vast|Gewicht|Budget|Factor)_[a-z0-9_]+")


def test_every_command_and_export_speaks_from_the_catalogue(tmp_path):
    found: dict[str, str] = {}
    for name, argv in _commands(tmp_path).items():
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            main(argv)
        texts = {f"{name} stdout": stdout.getvalue().splitlines(), f"{name} stderr": stderr.getvalue().splitlines()}
        folder = tmp_path / name
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            texts.update({f"{name} {place}": t for place, t in _file_texts(path).items()})
        for place, lines in texts.items():
            identifiers = _csv_identifiers(place)
            for line in lines:
                if (".xlsx " in place or ".ods " in place) and PARAMETER_NAME.fullmatch(line):
                    continue
                rest = residue(line, SCENARIOS, identifiers)
                if rest:
                    found.setdefault(place, f"{rest[:120]!r} <- {line[:160]!r}")
                    break
    new = {place: why for place, why in found.items() if place not in KNOWN_CLI}
    assert not new, "text outside the catalogue:\n" + "\n".join(f"{p}: {w}" for p, w in sorted(new.items()))
    stale = KNOWN_CLI - set(found)
    assert not stale, f"translated now: remove from KNOWN_CLI: {sorted(stale)}"
