"""Layer 4 (publishing): writing a set of files all or nothing.

Every file's bytes are built in memory first. :func:`write_files` then checks every
target, writes each file to a temporary file in the output folder, and only when all of
them are written moves them into place (a rename, atomic per file). A failure before the
moves leaves the folder as it was: no file of the set is written.

Nothing is overwritten silently: a target that is one of the command's input files is
refused, and so are two files of one set that would land on the same path (names that
differ only in case, one file on Windows and macOS). :func:`join_files` puts the files of
several sources (one per scenario) into one set, refusing two that give the same name.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
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


def join_files(parts: list[tuple[str, dict[str, bytes]]]) -> dict[str, bytes]:
    """The files of several sources (``(source, files)``, the source a name for messages such
    as the scenario file) as one set; two sources that would write the same file are refused,
    naming both, before anything is written."""
    joined: dict[str, bytes] = {}
    owner: dict[str, str] = {}
    clashes: dict[tuple[str, str], list[str]] = {}
    for source, files in parts:
        for name, content in files.items():
            key = name.casefold()
            if key in owner:
                clashes.setdefault((owner[key], source), []).append(name)
                continue
            owner[key] = source
            joined[name] = content
    if clashes:
        raise InputError([f"{first} and {second}: both would write {', '.join(names)} (the file names come from the "
                          "scenario ids, which are the file names); rename one of the files"
                          for (first, second), names in clashes.items()] + ["nothing was written"])
    return joined


def _same_file(target: Path, given: Path) -> bool:
    try:
        return target.resolve() == given.resolve() or (target.exists() and given.exists()
                                                        and os.path.samefile(target, given))
    except OSError:
        return False


def _clashes(files: dict[str, bytes], out_dir: Path, inputs: Iterable[Path | str]) -> list[str]:
    """Targets that are an input of the command, and names that would be one file."""
    problems = []
    seen: dict[str, str] = {}
    for name in files:
        if name.casefold() in seen:
            problems.append(f"{out_dir / seen[name.casefold()]} and {out_dir / name}: two files of this command with "
                            "the same name (up to case); rename the scenario or pot that gives them")
        seen.setdefault(name.casefold(), name)
    given = [Path(path) for path in inputs if str(path).strip()]
    for name in files:
        target = out_dir / name
        for path in given:
            if _same_file(target, path):
                problems.append(f"{target}: this output would replace the input file {path}; give another output "
                                "folder (--out) or rename the input")
                break
    return problems


def write_files(files: dict[str, bytes], out_dir: Path, inputs: Iterable[Path | str] = ()) -> list[Path]:
    """Write every file into ``out_dir`` (created if needed), all or nothing; returns the paths.

    ``inputs``: the files the command reads (the scenario files named on the command line,
    the key files they name): a target that is one of them is refused, before anything is
    written."""
    if isinstance(out_dir, str) and not out_dir.strip():
        raise InputError("give an output folder: an empty name would write into the current folder")
    out_dir = Path(out_dir)
    problems = _clashes(files, out_dir, inputs)
    if problems:
        raise InputError(problems + ["nothing was written"])
    _output_folder(out_dir)
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
