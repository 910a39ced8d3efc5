"""What a user reads outside the catalogue, in the pseudo-locale ``qps``: the helpers of
``tests/test_pseudo_locale.py``.

In ``qps`` every literal part of a catalogue text is between ``⟦`` and ``⟧``. What is left
of a text after removing the marked parts must be one of (the allow-list, kept narrow):

- numbers, amounts, percentages, dates, punctuation and Markdown syntax (no letters);
- names: municipalities, provinces and the CBS size classes of the registers, scenario ids
  and file names (``kamerbrief-2021``, ``x.xlsx``), the language names of the switch;
- texts of a scenario file and the key files (a user's own text, in any language): its
  name, labels, descriptions, sources and notes, key names and key sources (citations);
- file-format identifiers: the YAML field names and the long CSV's columns; the package's name.

Any other letter fails with its place.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml

MARKED = re.compile(r"⟦[^⟧]*⟧")
FORMAT_IDENTIFIERS = {"pot", "year", "gm_code", "gm_name", "amount_eur"}
LANGUAGE_NAMES = {"Nederlands", "English", "qps"}
PRODUCT = {"inburgering-allocation"}  # the package's name, with its version
_MARKDOWN = re.compile(r"(:[a-z]+\[|&nbsp;|<br>|\*\*|`)")
_LETTERS = re.compile(r"[^\W\d_]")


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [str(k), *_strings(v)]]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    return []


@functools.cache
def allowed(scenario_dir: Path) -> tuple[str, ...]:
    """The allowed phrases, longest first (so that a long name goes before a name in it)."""
    from allocation.data.keys import builtin_keys
    from allocation.data.registers import SIZE_CLASSES, load_municipalities_2021, load_register, register_dates

    phrases: set[str] = set(FORMAT_IDENTIFIERS) | LANGUAGE_NAMES | PRODUCT | {label for _, label in SIZE_CLASSES}
    for date in register_dates():
        register = load_register(date)
        phrases |= set(register["gm_name"]) | set(register["gm_code"]) | set(register["province_name"])
    phrases |= set(load_municipalities_2021()["veiligheidsregio_code"].astype(str))
    for path in sorted(scenario_dir.glob("*.yaml")):
        phrases |= {path.stem, path.name, f"{path.stem}-bewerkt"}
        phrases |= set(_strings(yaml.safe_load(path.read_text(encoding="utf-8"))))
    for key in builtin_keys().values():
        phrases |= {key.name, key.source}
        phrases |= {half.strip() for half in re.split(r"[()]", key.label or "") if half.strip()}
    phrases = {" ".join(p.split()) for p in phrases}  # as a text shows them: white space collapsed
    return tuple(sorted((p for p in phrases if p and _LETTERS.search(p)), key=len, reverse=True))


_HASH = re.compile(r"\b[0-9a-f]{12,64}\b")  # a file's content hash
_FILE = re.compile(r"(?:/[\w.-]+)+/?|(?:[\w.-]+/)*[\w.-]+\.(?:xlsx|ods|csv|yaml|pdf|txt|zip)\b")  # paths, file names


def residue(text: str, scenario_dir: Path, identifiers: frozenset[str] = frozenset()) -> str:
    """What is left of ``text`` outside the marks and the allow-list ('' when nothing is);
    ``identifiers``: a file format's own identifiers, allowed as whole texts (a CSV's columns)."""
    rest = MARKED.sub(" ", str(text))
    if not _LETTERS.search(rest) or rest.strip() in identifiers:
        return ""
    rest = " ".join(rest.split())
    # names first (a scenario's text may hold a path), or file names first (a file name holds a scenario id)
    rest = min((_FILE.sub(" ", _HASH.sub(" ", _names(rest, scenario_dir))),
                _names(_FILE.sub(" ", _HASH.sub(" ", rest)), scenario_dir)), key=lambda r: len(_LETTERS.findall(r)))
    rest = _MARKDOWN.sub(" ", rest)
    return " ".join(rest.split()) if _LETTERS.search(rest) else ""


def _names(rest: str, scenario_dir: Path) -> str:
    for phrase in allowed(scenario_dir):
        if phrase in rest:
            rest = re.sub(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", " ", rest)
    return rest
