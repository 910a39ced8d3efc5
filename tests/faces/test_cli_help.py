"""The command line's help and argparse's own messages speak the user's language: Dutch by
default, English with ``--lang en``; a wrong call still ends with exit 2 and one message."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from allocation.common import i18n
from allocation.faces.cli import build_parser
from tests.conftest import ROOT


def _process(*args: str, lang: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "ALLOCATION_LANG"}
    if lang:
        env["ALLOCATION_LANG"] = lang
    return subprocess.run([sys.executable, "-m", "allocation", *args], cwd=ROOT, capture_output=True, text=True,
                          env=env)


def test_the_help_is_dutch_by_default_and_english_with_lang_en():
    dutch = _process("run", "--help")
    assert dutch.returncode == 0
    assert dutch.stdout.startswith("gebruik: python -m allocation run")
    assert "map voor de uitvoer (wordt zo nodig gemaakt)" in dutch.stdout and "toon deze hulp en stop" in dutch.stdout
    english = _process("--lang", "en", "run", "--help")
    assert english.stdout.startswith("usage: python -m allocation run")
    assert "output folder (created if needed)" in english.stdout


def test_a_missing_argument_is_said_in_dutch_with_exit_2_and_no_traceback():
    result = _process("run")
    assert result.returncode == 2
    assert "fout: deze argumenten ontbreken: scenario, --out" in result.stderr
    assert "Traceback" not in result.stderr


def test_every_help_text_of_every_command_comes_from_the_catalogue():
    """Built in the pseudo-locale, every help text (and the description) is marked as a
    catalogue text: none is written in the code."""
    with i18n.using("qps"):
        parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    parsers = [parser, *commands.choices.values()]
    texts = [parser.description, *(c.help for c in commands._choices_actions)]
    texts += [a.help for p in parsers for a in p._actions if a.help and a.dest not in ("help", "version", "command")]
    assert len(texts) > 50
    assert [t for t in texts if not (t.startswith("⟦") and t.endswith("⟧"))] == []


@pytest.mark.parametrize("word", ["--lang=en", "--lang"])
def test_lang_given_either_way_sets_the_helps_language(word):
    args = [word] if "=" in word else [word, "en"]
    assert _process(*args, "keys", "--help").stdout.startswith("usage:")
