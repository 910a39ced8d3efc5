"""Layer 6 (faces): the app's labels (:mod:`.catalogue`) and numbers in the chosen language.

``Lang("nl")("field_budget")`` gives ``Budget (€)``. Numbers are written by
:class:`allocation.faces.web.numbers.Numbers` (``Lang.n``). Texts the library writes (the
command line's messages, the explanation of a municipality's amounts, the comparison's
summary) stay in English and say so.
"""

from __future__ import annotations

from allocation.faces.web.catalogue import CATALOGUE, LANGUAGES
from allocation.faces.web.numbers import Numbers

__all__ = ["CATALOGUE", "LANGUAGES", "Lang", "key_label", "pot_year_title"]

class Lang:
    """The labels and number formats of one language; ``lang("key", **values)``."""

    def __init__(self, lang: str = "nl"):
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
        self.lang = lang
        self.n = Numbers(lang)
        self._index = 0 if lang == "nl" else 1

    def __call__(self, key: str, /, **values) -> str:
        text = CATALOGUE[key][self._index]
        return text.format(**values) if values else text


def key_label(lang: Lang, key) -> str:
    """A key's name for a label: the Dutch or English half of labels written ``Dutch
    (English)``; the equal-part key by its meaning (it is not the vast bedrag)."""
    if key.name == "vast_bedrag":
        return lang("key_vast_bedrag")
    label = key.label or key.name
    if " (" in label and label.endswith(")"):
        dutch, english = label.split(" (", 1)
        return dutch if lang.lang == "nl" else english[:-1]
    return label


def pot_year_title(lang: Lang, pot_label: str, year: int) -> str:
    """``ELIP, betaaljaar 2022`` (a pot label may end in a year of its own)."""
    return lang("pot_year", pot=pot_label, year=year)
