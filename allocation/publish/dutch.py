"""Layer 4 (publishing): the constraint texts of the engine in Dutch, for the workbook.

The workbook follows the circulars: Dutch headers and Dutch texts. The engine and the
command line word constraints in English (``a minimum of EUR 5,000 per inhabitant``); this
module rewords the known phrases and writes numbers the Dutch way (``EUR 5.000``,
``1,02%``). A phrase it does not know stays as it is rather than being guessed at.
"""

from __future__ import annotations

import re

#: (English phrase, Dutch phrase), applied in this order (longer phrases first).
PHRASES = [
    ("pot allocated jointly over all payment years", "pot gezamenlijk over alle betaaljaren verdeeld"),
    ("the year band in other years (moved off the key by the joint allocation)",
     "de jaarband in andere jaren (van de sleutel afgeweken door de gezamenlijke verdeling)"),
    ("the year band with a later year's minimum", "de jaarband met het minimum van een later jaar"),
    ("the year band with a later year's maximum", "de jaarband met het maximum van een later jaar"),
    ("(municipalities with a non-zero key)", "(gemeenten met een sleutel boven nul)"),
    ("shares rounded by largest remainder", "aandelen afgerond volgens grootste rest"),
    ("predecessors together", "voorgangers samen"),
    ("the cross-pot maximum of", "het maximum over potten van"),
    ("earlier pots first", "eerdere potten eerst"),
    ("all pots", "alle potten"),
    ("the transition band against", "de ingroeiregeling ten opzichte van"),
    ("transition band against", "ingroeiregeling ten opzichte van"),
    ("the transition band", "de ingroeiregeling"),
    ("the year band", "de jaarband"),
    ("a minimum of", "een minimum van"),
    ("a maximum of", "een maximum van"),
    ("less than", "minder dan"),
    ("more than", "meer dan"),
    ("at least", "ten minste"),
    ("at most", "ten hoogste"),
    ("of the pot", "van de pot"),
    ("per inhabitant", "per inwoner"),
    ("per year", "per jaar"),
    ("group ", "groep "),
]

_NUMBER = re.compile(r"(?<![\w-])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+)(?![\w-])")


def dutch_number_text(text: str) -> str:
    """``EUR 5,000.50`` -> ``EUR 5.000,50``; ``1.02%`` -> ``1,02%``. Years and codes stay as they are."""
    return _NUMBER.sub(lambda m: m.group(1).replace(",", "\0").replace(".", ",").replace("\0", "."), text)


def dutch_constraint(text: str) -> str:
    """A constraint label of the engine in Dutch (unknown phrases kept)."""
    for english, dutch in PHRASES:
        text = text.replace(english, dutch)
    return dutch_number_text(text)
