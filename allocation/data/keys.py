"""Layer 1 (data): the built-in distribution keys (verdeelsleutels) on the 2021 key register.

A :class:`Key` is a non-negative value per municipality with metadata: a label, a
unit, its source and vintage, and its kind: ``real`` (published data used for what it
measures), ``proxy`` (published data standing in for a quantity that is not public) or
``assumption`` (a figure chosen by the analyst).

Built-in keys come from ``data/``; user keys are read from CSV files (the Dutch
spreadsheet flavour included) by :mod:`allocation.data.key_csv`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from allocation.common.i18n import N_, _
from allocation.data.registers import (
    DATA_DIR,
    KEY_REGISTER_DATE,
    load_municipalities_2021,
)

KINDS = ("real", "proxy", "assumption")


@dataclass(frozen=True)
class Key:
    """A distribution key: a value per municipality of the key register, with metadata."""

    name: str
    label: str
    unit: str
    source: str
    vintage: str
    kind: str
    values: pd.Series = field(repr=False, compare=False)
    note: str = ""



CBS_POPULATION = (
    "CBS StatLine 37230ned, population at the end of April 2021 (via mzelst/covid-19; "
    "CC BY 4.0 CBS); see data/README.md"
)


def builtin_keys(data_dir: Path = DATA_DIR) -> dict[str, Key]:
    """The built-in keys on the 2021 register, by name (their notes in the language)."""
    municipalities = load_municipalities_2021(data_dir).set_index("gm_code")
    population = municipalities["population"].astype(float)
    keys = [
        Key(
            name="inwoners",
            label="Inwoners (inhabitants)",
            unit="persons",
            source=CBS_POPULATION,
            vintage="2021-04-30",
            kind="real",
            values=population,
            note=_("key_note_inwoners"),
        ),
        Key(
            name="vast_bedrag",
            label="Vast bedrag (one unit per municipality)",
            unit="municipalities",
            source="by definition: 1 for each municipality of the 2021 register",
            vintage=KEY_REGISTER_DATE,
            kind="real",
            values=pd.Series(1.0, index=municipalities.index),
            note=_("key_note_vast_bedrag"),
        ),
        Key(
            name="migratieachtergrond",
            label="Inwoners met niet-westerse migratieachtergrond (residents with a non-Western migration background)",
            unit="persons (estimated)",
            source=(
                "population (CBS, 30 April 2021) x percentage with a non-Western migration "
                "background 2021 (CBS regional key figures via rcsmit/COVIDcases)"
            ),
            vintage="2021",
            kind="proxy",
            values=population * municipalities["pct_non_western"] / 100.0,
            note=_("key_note_migratieachtergrond"),
        ),
        Key(
            name="oppervlakte",
            label="Oppervlakte (area)",
            unit="km2",
            source="metatopos.eu municipal table, retrieved 13-10-2021 (via rcsmit/COVIDcases)",
            vintage="2021",
            kind="real",
            values=municipalities["area_km2"].astype(float),
            note=_("key_note_oppervlakte"),
        ),
    ]
    return {key.name: key for key in keys}


_UNITS = {"persons": N_("unit_word_persons"), "persons (estimated)": N_("unit_word_persons_estimated"),
          "km2": N_("unit_word_km2"), "municipalities": N_("unit_word_municipalities")}


def kind_word(kind: str) -> str:
    """A key's kind in words: ``echt``, ``proxy``, ``aanname`` (``real``, ... in English)."""
    return _(f"kind_{kind}") if kind in ("real", "proxy", "assumption") else kind


def unit_word(unit: str) -> str:
    """A key's unit in words (``persons`` -> ``personen``); a unit of a user's key as written."""
    return _(_UNITS[unit]) if unit in _UNITS else unit
