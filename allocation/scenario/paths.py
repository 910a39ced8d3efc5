"""Layer 3 (scenario): the files a scenario may name (key CSVs, reference scenarios and CSVs).

A scenario reads files only from its own folder and the folders below it. A path that
leads elsewhere (``../../etc/passwd``, an absolute path, a link out of the folder) is
refused before anything is read, so that no message ever quotes a file the user did not
give. In the app, an uploaded scenario's folder is the project's ``scenarios/`` folder.
"""

from __future__ import annotations

from pathlib import Path

from allocation.common.errors import InputError
from allocation.common.i18n import _


def scenario_file(base_dir: Path, name: str, where: str) -> Path:
    """The path of a file a scenario names, checked to lie inside ``base_dir``."""
    base = Path(base_dir).resolve()
    path = Path(name)
    path = path if path.is_absolute() else base / path
    resolved = path.resolve()
    if resolved != base and base not in resolved.parents:
        raise InputError(_("pth_outside", where=where, name=name, base=base))
    return path
