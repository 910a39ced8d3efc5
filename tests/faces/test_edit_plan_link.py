"""The app's edits as a typed EditPlan (to and from JSON, every wrong field named) and the
app's state as a link (versioned, bounded, refused clearly when damaged or outdated)."""

from __future__ import annotations

import base64
import json
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allocation.common.errors import InputError
from allocation.common.i18n import using
from allocation.faces.web import link
from allocation.scenario.edits import CrossPotEdit, EditPlan, PotEdit

finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False)
whole = st.integers(min_value=-10**12, max_value=10**12)
names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)
spec = st.fixed_dictionaries({"name": st.text(max_size=20), "province": names},
                             optional={"min_share": finite, "max_eur": finite})
cap = st.tuples(st.none() | st.lists(names, max_size=3).map(tuple), st.sampled_from(["eur", "eur_per_inhabitant"]),
                finite)
pot_edit = st.builds(
    PotEdit,
    budget_eur=st.none() | whole,
    scale_years=st.booleans(),
    years=st.dictionaries(st.integers(2000, 2100), finite | whole, max_size=4),
    vast_bedrag_eur=st.none() | whole,
    weights=st.none() | st.dictionaries(names, finite, max_size=4),
    minimum=st.none() | st.tuples(st.sampled_from(["eur", "eur_per_inhabitant"]), st.none() | finite),
    year_band=st.none() | st.tuples(st.none() | finite, st.none() | finite),
    groups=st.dictionaries(st.integers(0, 5), st.none() | spec, max_size=2),
    new_groups=st.lists(st.none() | spec, max_size=2).map(tuple),
    source=st.text(max_size=30),
)
cross_pot = st.builds(CrossPotEdit, caps=st.dictionaries(st.integers(0, 3), st.none() | cap, max_size=2),
                      new_caps=st.lists(st.none() | cap, max_size=2).map(tuple), source=st.text(max_size=10))
plans = st.builds(EditPlan, pots=st.dictionaries(names, pot_edit, max_size=3), cross_pot=cross_pot)


@given(plans)
def test_an_edit_plan_reads_back_from_its_json_exactly(plan):
    assert EditPlan.from_json(plan.to_json()) == plan
    assert hash(EditPlan.from_json(plan.to_json())) == hash(plan)


def test_a_wrong_edit_plan_names_every_wrong_field_and_the_fix():
    text = json.dumps({"version": 1, "pots": {"elip": {"budget_eur": 1.5, "weights": [["inwoners", "veel"]],
                                                       "minimum": ["euro", 3], "colour": "red"}}})
    with using("en"), pytest.raises(InputError) as raised:
        EditPlan.from_json(text)
    problems = raised.value.problems
    assert len(problems) == 4, problems
    assert any(p.startswith("edits.pots.elip.budget_eur: a whole number expected, not 1.5") for p in problems)
    assert any(p.startswith("edits.pots.elip.weights.inwoners: a number expected, not 'veel'") for p in problems)
    assert any(p.startswith("edits.pots.elip.minimum: [unit, amount] with unit eur") for p in problems)
    assert any(p.startswith("edits.pots.elip.colour: unknown field") for p in problems)


def test_edits_of_another_version_or_no_json_are_refused_in_dutch():
    with pytest.raises(InputError) as raised:
        EditPlan.from_json('{"version": 2, "pots": {}}')
    assert raised.value.problems == [
        "De bewerkingen hebben versie 2; deze versie leest versie 1. Maak ze opnieuw in de app."]
    with pytest.raises(InputError) as raised:
        EditPlan.from_json("{pots")
    assert raised.value.problems[0].startswith("De bewerkingen zijn geen geldige JSON")


states = st.builds(link.LinkState, scenario=names, scenario_hash=st.text("0123456789abcdef", min_size=12, max_size=12),
                   plan=plans, pot=names, year=st.integers(2000, 2100),
                   view=st.sampled_from(["allocation", "certainty", "scenario", "compare", "export"]),
                   lang=st.sampled_from(["nl", "en"]))


@given(states)
def test_a_link_reopens_the_state_it_was_made_of(state):
    encoded = link.encode(state)
    assert encoded.startswith("v1.") and all(c.isalnum() or c in "-_." for c in encoded)  # URL-safe as it is
    assert link.decode(encoded) == state


def _packed(data: bytes) -> str:
    return "v1." + base64.urlsafe_b64encode(zlib.compress(data)).decode().rstrip("=")


@pytest.mark.parametrize("text", [
    "v1.AAAA", "v1.", "hello", "v1.%%%", _packed(b"not json"), _packed(b'{"s": "x"}'),
    _packed(json.dumps({"s": "k", "h": "0" * 12, "e": {"version": 1, "pots": {"elip": {"budget_eur": "x"}}},
                        "p": "elip", "y": 2022, "v": "allocation", "l": "nl"}).encode()),
])
def test_a_tampered_link_is_called_damaged(text):
    with pytest.raises(link.LinkError) as raised:
        link.decode(text)
    assert raised.value.kind == "damaged"


def test_a_link_of_another_version_is_called_outdated():
    with pytest.raises(link.LinkError) as raised:
        link.decode("v0." + link.encode(link.LinkState("k", "0" * 12, EditPlan(), "elip", 2022, "compare", "nl"))[3:])
    assert raised.value.kind == "outdated"


def test_an_oversized_link_is_refused_before_it_is_decompressed():
    with pytest.raises(link.LinkError, match="too long"):
        link.decode("v1." + "A" * link.MAX_LINK_CHARS)
    bomb = _packed(b"[" + b" " * (link.MAX_JSON_BYTES * 4) + b"]")  # small packed, large unpacked
    assert len(bomb) < link.MAX_LINK_CHARS
    with pytest.raises(link.LinkError, match="too large"):
        link.decode(bomb)
