"""The "Welke sleutel?" panel of the Vergelijken view, driven by Streamlit's AppTest.

The uploaded table is the shipped variant's own output (not a published circular)."""

from __future__ import annotations

import yaml

from allocation.publish.circular_tables import allocation_csv
from tests.conftest import shipped
from tests.faces.test_app import clear_cache, errors, start, view  # noqa: F401 - the fixture clears the caches


def test_the_welke_sleutel_panel_fits_the_uploaded_table_and_opens_the_exact_scenario():
    table = allocation_csv(shipped("variant-inwoners"))
    at = start("kamerbrief-2021")
    view(at, "compare")
    at.file_uploader(key="published_table").set_value(("inwoners.csv", table, "text/csv")).run()
    at.toggle(key="fit_toggle").set_value(True).run()
    at.selectbox(key="fit_pot").set_value("elip").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, errors(at)
    assert any("geeft de tabel exact terug" in s.value and "R²" in s.value for s in at.success)
    weights = next(frame.value for frame in at.main.dataframe if "identifiable" in frame.value.columns)
    found = dict(zip(weights["label"], weights["weight"]))
    top = max(found, key=found.get)
    assert top.startswith("Inwoners") and abs(found[top] - 1.0) < 1e-4
    assert max(v for k, v in found.items() if k != top) < 1e-4
    assert set(weights["identifiable"]) == {"ja"}
    worst = next(frame.value for frame in at.main.dataframe if "fitted_eur" in frame.value.columns)
    assert (worst["difference_eur"].abs() <= 1).all()
    labels = [b.label for b in at.download_button]
    assert "Download fit-inwoners-elip.yaml" in labels and "Download fit-inwoners-elip-exact-key.csv" in labels

    at.button(key="fit_open_exact").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.sidebar.radio(key="source").value == "opened"
    assert at.header[0].value.startswith("De tabel inwoners.csv, pot elip, nagebootst")
    view(at, "scenario")
    shown = yaml.safe_load(at.code[0].value)
    assert list(shown["pots"]) == ["elip"] and "tabel_elip" in shown["user_keys"]
    view(at, "allocation")
    frame = at.main.dataframe[0].value
    published = shipped("variant-inwoners").published
    expected = published[(published["pot"] == "elip") & (published["year"] == 2021)]
    assert sorted(frame["amount_eur"].tolist()) == sorted(expected["amount_eur"].tolist())
