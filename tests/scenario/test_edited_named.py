"""Edited is edited everywhere: an edited scenario's outputs name it ``<naam>, bewerkt`` with
its changes in words, one line per change; the origin's name appears only as "uitgangspunt"."""

from __future__ import annotations

import io

import openpyxl

from allocation import parse_scenario, run_scenario, set_budget, set_weights
from allocation.common import i18n
from allocation.publish.run_files import export_files
from allocation.scenario.edits import change_words, named_as_edited, scale_years
from allocation.scenario.loading import scenario_data, to_yaml
from tests.conftest import SCENARIOS

TEXT = (SCENARIOS / "kamerbrief-2021.yaml").read_text(encoding="utf-8")


def _edited() -> tuple[dict, dict]:
    original = scenario_data(TEXT)
    edited = set_weights(original, "elip", {"migratieachtergrond": 0.5, "inwoners": 0.5})
    return original, scale_years(set_budget(edited, "invoering", 9_500_000), "invoering")


def test_each_change_is_one_line_in_words():
    original, edited = _edited()
    with i18n.using("nl"):
        words = change_words(original, edited)
    assert "ELIP: weging inwoners van 0% naar 50%" in words
    assert "ELIP: weging migratieachtergrond van 100% naar 50%" in words
    assert "Extra invoeringsmiddelen Wet inburgering 2021: budget van € 9.000.000 naar € 9.500.000" in words
    with i18n.using("en"):
        assert "ELIP: weight of inwoners from 0% to 50%" in change_words(original, edited)


def test_the_workbook_of_an_edited_scenario_names_it_as_edited_and_lists_the_changes():
    original, edited = _edited()
    with i18n.using("nl"):
        named = named_as_edited(original, edited)
        edited_text = to_yaml(named)
        result = run_scenario(parse_scenario(edited_text, origin="app", scenario_id="kamerbrief-2021-bewerkt"))
        files = export_files(result, workbook_format="xlsx")
    assert named["name"] == f"{original['name']}, bewerkt"
    book = openpyxl.load_workbook(io.BytesIO(files["kamerbrief-2021-bewerkt-meicirculaire.xlsx"]))
    cells = [str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row if c]
    text = "\n".join(cells)
    assert f"{original['name']}, bewerkt" in text
    assert "ELIP: weging inwoners van 0% naar 50%" in text
    # the origin's name only as the origin
    assert all(f"{original['name']}, bewerkt" in c or "Uitgangspunt" in c for c in cells if original["name"] in c)
