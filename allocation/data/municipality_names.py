"""Layer 1 (data): finding a municipality by what a user types: a name, a number or a code.

``Amsterdam``, ``amsterdam``, ``363``, ``0363`` and ``GM0363`` all find GM0363; accents and
case are ignored (``Sudwest-Fryslan`` finds Súdwest-Fryslân). Every register from 2021 to
2026 is searched, so a municipality that exists only later (Voorne aan Zee, 2023) is found
with the date it exists from. A name that fits several municipalities is refused with the
candidates; a typo gets the closest names as a suggestion.
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from allocation.common.errors import InputError
from allocation.common.i18n import _
from allocation.common.texts import quoted
from allocation.data.registers import DATA_DIR, all_registers, load_register, register_dates


def normalise_code(text: str) -> str | None:
    """``GM0363``, ``gm0363``, ``363`` and ``0363`` become ``GM0363``; else ``None``."""
    value = text.strip().upper()
    if value.startswith("GM"):
        value = value[2:]
    if not value.isdigit() or len(value) > 4:
        return None
    return "GM" + value.zfill(4)


@dataclass(frozen=True)
class Municipality:
    """A municipality found: its code, its latest name, and the first and last register date it is on."""

    code: str
    name: str
    first: str
    last: str


def plain(text: str) -> str:
    """Text for matching: accents, case, punctuation and extra spaces ignored."""
    decomposed = unicodedata.normalize("NFKD", text)
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    cleaned = "".join(ch if ch.isalnum() else " " for ch in letters)
    return " ".join(cleaned.split())


def municipalities(data_dir: Path = DATA_DIR) -> dict[str, Municipality]:
    """Every municipality of every register, by code (the name of its latest register)."""
    found: dict[str, Municipality] = {}
    registers = all_registers(data_dir)  # by date, then code: each register in turn
    for date, code, name in zip(registers["valid_from"].tolist(), registers["gm_code"].tolist(),
                                registers["gm_name"].tolist()):
        first = found[code].first if code in found else date
        found[code] = Municipality(code, name, first, date)
    return found


def codes_by_name(data_dir: Path = DATA_DIR) -> dict[str, set[str]]:
    """The codes of every name a municipality bears on any register (``plain``), and of the
    common aliases: ``hengelo`` (2021) and ``hengelo o`` (2023) both GM0164."""
    found: dict[str, set[str]] = {}
    for date in register_dates(data_dir):
        for code, name in load_register(date, data_dir)[["gm_code", "gm_name"]].itertuples(index=False):
            found.setdefault(plain(name), set()).add(code)
    for alias, code in ALIASES.items():
        found.setdefault(alias, set()).add(code)
    return found


#: Names in common use that differ from the CBS register's (``'s-Gravenhage`` is Den Haag).
ALIASES = {"den haag": "GM0518", "the hague": "GM0518", "den bosch": "GM0796", "s hertogenbosch": "GM0796"}


class NotAMunicipality(InputError):
    """A text that names no one municipality: the municipalities it fits (``several``) or the
    closest names (``close``), for a caller that words its own message."""

    def __init__(self, problem: str, several: list[Municipality] | None = None,
                 close: list[Municipality] | None = None):
        super().__init__(problem)
        self.several = several or []
        self.close = close or []


def named(municipality: Municipality) -> str:
    """``Amsterdam (GM0363)``."""
    return f"{municipality.name} ({municipality.code})"


def find_municipality(text: str, data_dir: Path = DATA_DIR,
                      known: dict[str, Municipality] | None = None) -> Municipality:
    """The municipality ``text`` names; :class:`InputError` with candidates or suggestions otherwise.
    ``known`` is :func:`municipalities` when the caller looks up many names."""
    known = known if known is not None else municipalities(data_dir)
    code = normalise_code(text)
    if code is not None:
        if code in known:
            return known[code]
        raise NotAMunicipality(_("mun_no_code", text=quoted(text), code=code))
    wanted = plain(text)
    if wanted in ALIASES:
        return known[ALIASES[wanted]]
    if not wanted:
        raise NotAMunicipality(_("mun_empty"))
    exact = [m for m in known.values() if plain(m.name) == wanted]
    if len(exact) == 1:
        return exact[0]
    partial = exact or [m for m in known.values() if f" {wanted}" in f" {plain(m.name)}"]  # from a word's start
    if len(partial) == 1:
        return partial[0]
    if partial:
        several = sorted(partial, key=lambda m: m.code)
        raise NotAMunicipality(_("mun_several", text=quoted(text), names=", ".join(map(named, several[:10]))),
                               several=several)
    names = {plain(m.name): m for m in known.values()}
    close = difflib.get_close_matches(wanted, list(names), n=3, cutoff=0.6)
    nearest = [names[c] for c in close]
    hint = _("mun_did_you_mean", names=", ".join(map(named, nearest))) if nearest else ""
    raise NotAMunicipality(_("mun_unknown", text=quoted(text), hint=hint), close=nearest)
