"""Layer 4 (publishing): writing a set of files all or nothing.

Every file's bytes are built in memory first. :func:`write_files` then checks every
target, writes each file to a temporary file in the output folder, and only when all of
them are written moves them into place (a rename, atomic per file). A failure before the
moves leaves the folder as it was: no file of the set is written.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from allocation.common.errors import InputError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _output_folder(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"{out_dir}: cannot be used as the output folder ({exc.strerror}); give a folder that exists or "
            "can be created"
        ) from None
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise InputError(
            f"{out_dir}: the output folder cannot be written (permission denied); give a folder you can write"
        )


def write_files(files: dict[str, bytes], out_dir: Path) -> list[Path]:
    """Write every file into ``out_dir`` (created if needed), all or nothing; returns the paths."""
    if isinstance(out_dir, str) and not out_dir.strip():
        raise InputError("give an output folder: an empty name would write into the current folder")
    out_dir = Path(out_dir)
    _output_folder(out_dir)
    problems = []
    for name in files:
        target = out_dir / name
        if target.is_symlink() or (target.exists() and not target.is_file()):
            problems.append(f"{target}: is in the way (not a regular file); move it or give another output folder")
    if problems:
        raise InputError(problems + ["nothing was written"])
    staged: list[tuple[str, Path]] = []
    mode = 0o666 & ~_umask()  # mkstemp makes 0600; give the usual mode
    try:
        for name, content in files.items():
            handle, temporary = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.", suffix=".tmp")
            staged.append((name, Path(temporary)))
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
            os.chmod(temporary, mode)
    except OSError as exc:
        for _, temporary in staged:
            temporary.unlink(missing_ok=True)
        raise InputError(
            f"{out_dir}: the files cannot be written ({exc.strerror}); check the output folder. Nothing was written"
        ) from None
    except BaseException:
        for _, temporary in staged:
            temporary.unlink(missing_ok=True)
        raise
    written: list[Path] = []
    for name, temporary in staged:
        target = out_dir / name
        try:
            os.replace(temporary, target)  # a rename in one folder: this does not fail once the files are written
        except OSError as exc:  # pragma: no cover - the folder changed under us
            for _, left in staged:
                left.unlink(missing_ok=True)
            done = ", ".join(path.name for path in written) or "none"
            raise InputError(f"{target}: cannot be moved into place ({exc.strerror}); already in place: {done}. "
                             "Check the output folder and run again") from None
        written.append(target)
    return written
