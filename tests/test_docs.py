"""The documents a user reads are true: README, the Dutch guide and the reference in docs/.

Every `python -m allocation ...` line in a ```sh block names a command and options the
command line really has (checked against its argparse parser, and parsed by it in full where
the line has no placeholders); every relative link and image resolves to a file (and a
heading, for a link with #anchor); README's test command is the one CI runs; README stays
short and leads to the guide.
"""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from allocation.faces.cli import build_parser
from tests.conftest import ROOT

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
GUIDE = ROOT / "docs" / "handleiding.md"
SH_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
#: a line that shows the syntax rather than a call: optional parts, alternatives, NAMES
PLACEHOLDER = re.compile(r"\[|\.\.\.|\||\b[A-Z][A-Z0-9_]*(\.yaml)?\b")


def _ids(paths):
    return [str(p.relative_to(ROOT)) for p in paths]


def _commands(text: str) -> list[str]:
    """The `python -m allocation` lines of the ```sh blocks, continuation lines joined."""
    lines = []
    for block in SH_BLOCK.findall(text):
        for line in block.replace("\\\n", " ").splitlines():
            if re.search(r"python3? -m allocation(\s|$)", line):
                lines.append(line.strip())
    return lines


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("the command line has no subcommands")


def _problems(line: str, parser: argparse.ArgumentParser) -> list[str]:
    words = shlex.split(line, comments=True)
    start = words.index("allocation") + 1
    args = words[start:]
    commands = _subcommands(parser)
    top_options = set(parser._option_string_actions)
    # global options (--lang en) come before the command
    position = 0
    while position < len(args) and args[position].startswith("-"):
        if args[position] not in top_options:
            return [f"{line!r}: {args[position]} is no option of python -m allocation"]
        position += 2 if parser._option_string_actions[args[position]].nargs != 0 else 1
    if position >= len(args):
        return [f"{line!r}: no command"]
    command = args[position]
    if command not in commands:
        return [f"{line!r}: {command} is no command (there are: {', '.join(commands)})"]
    known = set(commands[command]._option_string_actions) | top_options
    problems = []
    for word in args[position + 1:]:
        option = word.strip("[]").split("=", 1)[0]
        if option.startswith("--") and option not in known:
            problems.append(f"{line!r}: {command} has no option {option}")
    if not problems and not PLACEHOLDER.search(" ".join(args)):
        try:
            build_parser().parse_args(args)
        except SystemExit:
            problems.append(f"{line!r}: the command line refuses these arguments")
    return problems


@pytest.mark.parametrize("document", DOCUMENTS, ids=_ids(DOCUMENTS))
def test_every_command_and_option_a_document_shows_exists(document, capsys):
    parser = build_parser()
    problems = [p for line in _commands(document.read_text(encoding="utf-8")) for p in _problems(line, parser)]
    capsys.readouterr()  # argparse's own messages on a refused line
    assert not problems, "\n".join(problems)


def test_the_check_itself_catches_a_wrong_command_and_option():
    parser = build_parser()
    assert _problems("python -m allocation runn scenarios/kamerbrief-2021.yaml --out uit", parser)
    assert _problems("python -m allocation run scenarios/kamerbrief-2021.yaml --uit uit", parser)
    assert _problems("python -m allocation brief scenarios/kamerbrief-2021.yaml --out uit", parser)  # one scenario
    assert not _problems("python -m allocation run scenarios/kamerbrief-2021.yaml --out uit", parser)
    assert not _problems("python -m allocation --lang en keys", parser)


def _slug(heading: str) -> str:
    """The anchor a Markdown heading gets (GitHub's rule: lower case, punctuation out, spaces to -)."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.S | re.M)
    return {_slug(h) for h in re.findall(r"^#+\s+(.*)$", text, re.M)}


@pytest.mark.parametrize("document", DOCUMENTS, ids=_ids(DOCUMENTS))
def test_every_relative_link_and_image_resolves(document):
    text = re.sub(r"^```.*?^```", "", document.read_text(encoding="utf-8"), flags=re.S | re.M)
    problems = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue  # http(s), mailto: not ours to check
        path, _, anchor = target.partition("#")
        file = (document.parent / path).resolve() if path else document
        if not file.exists():
            problems.append(f"{target}: no such file")
        elif anchor and file.suffix == ".md" and anchor not in _anchors(file):
            problems.append(f"{target}: no heading #{anchor} in {file.name}")
    assert not problems, f"{document.name}: " + "; ".join(problems)


def test_every_document_in_docs_is_linked_from_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = {(ROOT / target.partition("#")[0]).resolve() for target in LINK.findall(readme)}
    missing = [p.name for p in sorted((ROOT / "docs").glob("*.md")) if p.resolve() not in linked]
    assert not missing, f"not linked from README: {missing}"


def test_readme_test_command_is_the_one_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    blocks = SH_BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8"))
    assert ci.strip() in [line.strip() for block in blocks for line in block.splitlines()]


def test_readme_is_short_and_leads_to_the_dutch_guide_and_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200
    assert "](docs/handleiding.md)" in readme
    assert ".venv/bin/streamlit run app.py" in readme
    # Streamlit's own words on the upload stay English, and both documents say so
    for text in (readme, GUIDE.read_text(encoding="utf-8")):
        assert "200MB per file" in text and "Upload" in text


def test_the_guide_walks_through_every_task_with_the_dutch_commands():
    guide = GUIDE.read_text(encoding="utf-8")
    shown = {shlex.split(line, comments=True)[3] for line in _commands(guide)}
    assert {"run", "explain", "compare", "guarantee", "compromise", "brief"} <= shown
    assert "python -m allocation run scenarios/kamerbrief-2021.yaml --out uit" in guide
    for screenshot in ("start.png", "allocation.png", "compare.png", "negotiation.png", "export.png", "brief.png"):
        assert f"](screenshots/{screenshot})" in guide
