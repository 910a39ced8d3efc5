"""The brief to forward (``brief``, :mod:`allocation.publish.brief`): its figures are
``compare``'s and the guarantee's, exactly; at most six A4 pages; the same inputs give the
same bytes once the date is fixed."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader

from allocation import compare
from allocation.analysis.negotiation import negotiate
from allocation.common import i18n
from allocation.publish.brief import brief_pdf, file_name
from tests.conftest import SCENARIOS, shipped
from tests.faces.test_cli import cli

FIXED = dt.datetime(2021, 4, 28, 12, 0, 0, tzinfo=dt.UTC)  # the letter's date; any fixed date does


def _text(pdf: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"[ \u00a0]+", " ", text), len(reader.pages)


@pytest.fixture(scope="module")
def made():
    base, other = shipped("kamerbrief-2021"), shipped("variant-migratie")
    comparison = compare([base, other])
    found = negotiate(base, other, max_loss_pct=5.0, compromise_pct=5.0)
    pdf = brief_pdf(base, other, comparison, found, created=FIXED)
    return base, other, comparison, found, pdf


def test_the_brief_shows_compares_figures_exactly(made):
    _, _, comparison, _, pdf = made
    text, _ = _text(pdf)
    label = comparison.others[0].label
    assert f"Herverdeeld: {i18n.eur(comparison.redistributed_eur[label])}" in text
    rows = comparison.municipality_totals(label)
    worst = rows.sort_values("diff_eur").iloc[0]
    assert f"Grootste verlies: {worst['gm_name']} {i18n.signed_eur(worst['diff_eur'])}" in text
    best = rows.sort_values("diff_eur").iloc[-1]
    assert f"Grootste winst: {best['gm_name']} {i18n.signed_eur(best['diff_eur'])}" in text
    losing = int((rows["band"] == "loss > 5%").sum())
    assert f"meer dan 5% minder krijgen: {losing} van {len(rows)}" in text


def test_the_brief_shows_the_guarantee_cost_of_every_year_exactly(made):
    _, _, _, found, pdf = made
    text, _ = _text(pdf)
    for item in found.guarantee.years:
        when = "alle jaren" if item.year == "all" else item.year
        if item.costs_nothing:
            assert re.search(rf"{item.pot} {when} € 0 kost niets", text)
        else:
            assert re.search(rf"{item.pot} {when} {re.escape(i18n.eur(item.top_up_eur))} {item.cost.topped_up} "
                             "gemeenten", text), (item.pot, when)
    assert "None" not in text


def test_the_brief_has_at_most_six_pages_and_the_same_bytes_twice(made):
    base, other, comparison, found, pdf = made
    _, pages = _text(pdf)
    assert 1 <= pages <= 6
    assert brief_pdf(base, other, comparison, found, created=FIXED) == pdf
    assert file_name(comparison) == "brief-kamerbrief-2021-vs-variant-migratie.pdf"


def test_the_brief_command_writes_one_pdf_and_refuses_an_unknown_year(tmp_path):
    done = cli("brief", str(SCENARIOS / "kamerbrief-2021.yaml"), str(SCENARIOS / "variant-migratie.yaml"),
               "--out", str(tmp_path), "--pot", "ondertussengroep", "--year", "2022", "--max-loss-pct", "2")
    assert done.returncode == 0, done.stderr
    text, pages = _text((tmp_path / "brief-kamerbrief-2021-vs-variant-migratie.pdf").read_bytes())
    assert pages <= 6 and "niemand verliest meer dan 2%" in text and "betaaljaar 2022" in text
    bad = cli("brief", str(SCENARIOS / "kamerbrief-2021.yaml"), str(SCENARIOS / "variant-migratie.yaml"),
              "--out", str(tmp_path / "other"), "--year", "2030")
    assert bad.returncode == 2 and "--year 2030" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "other").exists()


def test_the_compare_view_offers_the_brief_as_a_download():
    from tests.faces.test_app import errors, start, view

    at = start("kamerbrief-2021")
    view(at, "compare")
    at.multiselect(key="compare_chosen_plain").set_value(["origin", "kamerbrief-2021-ingroei"]).run()
    at.toggle(key="negotiate").set_value(True).run()
    assert not at.exception and not at.error, errors(at)
    assert at.download_button(key="dl_brief")


def test_a_brief_with_many_assumptions_stays_within_six_pages_and_says_what_it_left_out(made):
    base, other, comparison, found, _ = made
    long = copy.copy(comparison)
    long.baseline = dataclasses.replace(comparison.baseline, assumptions=[
        f"ondertussengroep note {i}: a long FICTITIOUS assumption line that a scenario might well carry, "
        "repeated to fill pages" for i in range(400)])
    text, pages = _text(brief_pdf(base, other, long, found, created=FIXED))
    assert pages <= 6
    assert "regels: zie het scenariobestand" in text


def test_the_brief_speaks_the_language_asked_for(made):
    from allocation.common import i18n

    base, other, comparison, found, _ = made
    with i18n.using("en"):
        text, _pages = _text(brief_pdf(base, other, comparison, found, created=FIXED))
    assert "In short" in text and "Largest loss:" in text and "In het kort" not in text
    assert f"Redistributed: {i18n.eur(comparison.redistributed_eur[comparison.others[0].label], lang='en')}" in text
