"""Layer 3 (scenario): validating and running edited scenario data plus uploaded keys, as the
app does. The same checks and messages as the command line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from allocation.common.errors import InputError
from allocation.common.i18n import _
from allocation.common.texts import quoted
from allocation.data.key_csv import key_id, parse_key_csv
from allocation.data.keys import Key, builtin_keys
from allocation.scenario.edits.user_keys import add_user_key
from allocation.scenario.loading import parse_scenario, scenario_data, to_yaml
from allocation.scenario.result import ScenarioResult
from allocation.scenario.running import run_scenario


@dataclass(frozen=True)
class KeyUpload:
    """An uploaded key file with the options to read it (see :func:`allocation.data.key_csv.parse_key_csv`).

    ``name`` is the key's id (``elip_duo``) or a display name (``ELIP DUO``) that the id is
    made from (:attr:`key_name`) and that labels the key when no label is given."""

    name: str
    filename: str
    content: bytes
    value_column: str
    code_column: str = "gm_code"
    missing_as_zero: bool = False
    label: str = ""
    unit: str = ""
    source: str = ""
    vintage: str = ""
    kind: str = "real"
    sheet: str = ""

    @property
    def key_name(self) -> str:
        """The key's id: the name as given when it is one, else made from it (``ELIP DUO``: ``elip_duo``)."""
        return key_id(self.name) or self.name

    def spec(self) -> dict:
        """The scenario's ``user_keys`` entry for this upload."""
        return {
            "file": self.filename,
            "value_column": self.value_column,
            "code_column": self.code_column,
            "missing_as_zero": self.missing_as_zero,
            "label": self.label or self.name,
            "sheet": self.sheet,
            "unit": self.unit,
            "source": self.source,
            "vintage": self.vintage,
            "kind": self.kind,
        }


def read_upload(upload: KeyUpload) -> Key:
    """Parse an uploaded key CSV; :class:`InputError` with one message per bad row."""
    problems = []
    if not upload.source.strip():
        problems.append(_("bld_source", file=upload.filename))
    if key_id(upload.name) is None:
        problems.append(_("bld_name", file=upload.filename, name=quoted(upload.name)))
    elif upload.key_name in builtin_keys():
        problems.append(_("bld_taken", file=upload.filename, name=quoted(upload.key_name)))
    if problems:
        raise InputError(problems)
    spec = upload.spec()
    spec.pop("file")
    return parse_key_csv(upload.content, origin=upload.filename, name=upload.key_name, **spec)


def build(
    data_or_text: dict | str,
    *,
    origin: str,
    scenario_id: str,
    uploads: tuple[KeyUpload, ...] = (),
    base_dir: Path | str | None = None,
) -> ScenarioResult:
    """Validate scenario data (or YAML text) plus uploaded keys, and run it.

    Uploaded keys are declared under ``user_keys`` and passed to
    :func:`~allocation.scenario.parse_scenario` as ``extra_keys``; ``base_dir`` resolves the
    files the scenario names (key files, references). Raises
    :class:`InputError` with the command line's messages.
    """
    text = data_or_text if isinstance(data_or_text, str) else to_yaml(data_or_text)
    extra: dict[str, Key] = {}
    problems: list[str] = []
    if uploads:
        data = scenario_data(text) if isinstance(data_or_text, str) else data_or_text
        for upload in uploads:
            try:
                extra[upload.key_name] = read_upload(upload)
            except InputError as exc:
                problems += exc.problems
                continue
            data = add_user_key(data, upload.key_name, upload.spec())
        text = to_yaml(data)
    if problems:
        raise InputError(problems)
    loaded = parse_scenario(text, origin=origin, scenario_id=scenario_id, extra_keys=extra or None,
                            base_dir=Path(base_dir) if base_dir is not None else None)
    return run_scenario(loaded)
