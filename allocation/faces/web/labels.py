"""Layer 6 (faces): the app's labels and numbers in the chosen language.

``Lang("nl")("field_budget")`` gives ``Budget (€)``: the product's one gettext catalogue
(:mod:`allocation.common.i18n`). Numbers are written by
:class:`allocation.faces.web.numbers.Numbers` (``Lang.n``).
"""

from __future__ import annotations

from allocation.common import i18n
from allocation.common.i18n import LANGUAGES
from allocation.faces.web.numbers import Numbers

__all__ = ["LANGUAGES", "Lang", "key_label", "pot_year_title"]


class Lang:
    """The labels and number formats of one language; ``lang("key", **values)``."""

    def __init__(self, lang: str = "nl"):
        self.lang = i18n.check_language(lang)
        self.n = Numbers(lang)

    def __call__(self, key: str, /, **values) -> str:
        return i18n._(key, lang=self.lang, **values)


def key_label(lang: Lang, key) -> str:
    """A key's name for a label: the Dutch or English half of labels written ``Dutch
    (English)``; the equal-part key by its meaning (it is not the vast bedrag)."""
    if key.name == "vast_bedrag":
        return lang("key_vast_bedrag")
    label = key.label or key.name
    if " (" in label and label.endswith(")"):
        dutch, english = label.split(" (", 1)
        return english[:-1] if lang.lang == "en" else dutch
    return label


def pot_year_title(lang: Lang, pot_label: str, year: int) -> str:
    """``ELIP, betaaljaar 2022`` (a pot label may end in a year of its own)."""
    return lang("pot_year", pot=pot_label, year=year)
