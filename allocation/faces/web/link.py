"""Layer 6 (faces): the app's state as a link: ``?s=v1.<data>``, where ``<data>`` is the state's
JSON compressed with zlib and written in URL-safe base64 (no padding).

The state is a shipped scenario (its id, and a hash of its text so a link to a scenario that
has changed since is known), the edits (the :class:`~allocation.scenario.edits.EditPlan`'s
JSON), the pot, the payment year, the view and the language. :func:`decode` reads at most
:data:`MAX_LINK_CHARS` characters and decompresses at most :data:`MAX_JSON_BYTES` bytes, and
raises :class:`LinkError` for a link of another version (``outdated``) or one that is not a
link of this app (``damaged``): the app then says so and opens its plain start page.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import zlib
from dataclasses import dataclass
from typing import Any

from allocation.common.errors import InputError
from allocation.scenario.edits import EditPlan

#: the query parameter that holds the state
PARAM = "s"
VERSION = "v1"
#: the longest link parameter read (a state with many edits is about 1,000 characters)
MAX_LINK_CHARS = 8_000
#: the most bytes the parameter may decompress to (a zip bomb stops here)
MAX_JSON_BYTES = 64_000


class LinkError(ValueError):
    """A link that cannot be opened: ``kind`` ``outdated`` (another version) or ``damaged``."""

    def __init__(self, kind: str, reason: str):
        super().__init__(f"{kind}: {reason}")
        self.kind = kind
        self.reason = reason


@dataclass(frozen=True)
class LinkState:
    scenario: str  # the shipped scenario's id
    scenario_hash: str  # :func:`text_hash` of its text when the link was made
    plan: EditPlan
    pot: str
    year: int
    view: str
    lang: str


def text_hash(text: str) -> str:
    """The first 12 hexadecimal digits of the text's SHA-256: which version of a scenario."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def encode(state: LinkState) -> str:
    """The link parameter's value: ``v1.`` and the compressed JSON, URL-safe."""
    data = {"s": state.scenario, "h": state.scenario_hash, "e": state.plan.to_data(), "p": state.pot,
            "y": state.year, "v": state.view, "l": state.lang}
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    packed = base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode("ascii").rstrip("=")
    return f"{VERSION}.{packed}"


def decode(text: str) -> LinkState:
    """The state of a link parameter; :class:`LinkError` when it cannot be opened."""
    if not isinstance(text, str) or len(text) > MAX_LINK_CHARS:
        raise LinkError("damaged", "too long")
    version, dot, packed = text.partition(".")
    if not dot:
        raise LinkError("damaged", "no version")
    if version != VERSION:
        if version[:1] == "v" and version[1:].isdigit():
            raise LinkError("outdated", f"version {version}, this app reads {VERSION}")
        raise LinkError("damaged", "no version")
    try:
        compressed = base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4))
        unpacker = zlib.decompressobj()
        raw = unpacker.decompress(compressed, MAX_JSON_BYTES)
        if unpacker.unconsumed_tail or not unpacker.eof:
            raise LinkError("damaged", "too large or cut off")
        data = json.loads(raw.decode("utf-8"))
    except (binascii.Error, zlib.error, UnicodeDecodeError, ValueError, RecursionError) as exc:
        if isinstance(exc, LinkError):
            raise
        raise LinkError("damaged", type(exc).__name__) from None
    return _state(data)


def _state(data: Any) -> LinkState:
    if not isinstance(data, dict) or set(data) != {"s", "h", "e", "p", "y", "v", "l"}:
        raise LinkError("damaged", "not the fields of a state")
    texts = [data[k] for k in ("s", "h", "p", "v", "l")]
    if not all(isinstance(t, str) and 0 < len(t) <= 200 for t in texts):
        raise LinkError("damaged", "a field is not a text")
    if not isinstance(data["y"], int) or isinstance(data["y"], bool):
        raise LinkError("damaged", "the year is not a whole number")
    try:
        plan = EditPlan.from_data(data["e"])
    except InputError as exc:
        raise LinkError("damaged", "; ".join(exc.problems)[:300]) from None
    return LinkState(scenario=data["s"], scenario_hash=data["h"], plan=plan, pot=data["p"], year=data["y"],
                     view=data["v"], lang=data["l"])
