"""Add texts to the gettext catalogues from a dict ``key -> (Dutch, English)``.

Usage (from the repository's top folder)::

    python -m allocation.common.catalogue_po MODULE[:NAME]   # a module with a dict CATALOGUE
    pybabel compile -d allocation/common/locale -D allocation

For merging branches written before the catalogues became gettext: their new texts in the
old dict form are added (a key already in the catalogue is replaced, with a note), and the
``.po`` files are written back sorted by key. Then compile.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

LOCALE = Path(__file__).resolve().parent / "locale"


def load(lang: str) -> Catalog:
    path = LOCALE / lang / "LC_MESSAGES" / "allocation.po"
    if path.is_file():
        with open(path, "rb") as handle:
            return read_po(handle, locale=lang)
    return Catalog(locale=lang, domain="allocation", project="inburgering-allocation", version="0.1.0",
                   copyright_holder="the project's authors", msgid_bugs_address="-", fuzzy=False,
                   header_comment=f"# The product's texts in {'Dutch' if lang == 'nl' else 'English'} "
                                  "(keys as msgid: see allocation/common/i18n.py).")


def save(catalogue: Catalog, lang: str) -> None:
    path = LOCALE / lang / "LC_MESSAGES" / "allocation.po"
    catalogue.fuzzy = False
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        write_po(handle, catalogue, sort_output=True, width=120, omit_header=False)


def add(texts: dict[str, tuple[str, str]]) -> None:
    for index, lang in enumerate(("nl", "en")):
        catalogue = load(lang)
        for key, pair in texts.items():
            if key in catalogue and catalogue[key].string != pair[index]:
                print(f"{lang}: {key} replaced", file=sys.stderr)
                catalogue.delete(key)  # Catalog.add keeps an existing message's text
            catalogue.add(key, pair[index])
        save(catalogue, lang)


if __name__ == "__main__":
    module, _, name = sys.argv[1].partition(":")
    add(getattr(importlib.import_module(module), name or "CATALOGUE"))
