"""Shared fixtures. Test data made up in the tests (key files, scenarios) is FICTITIOUS, not real figures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from allocation.data.registers import DATA_DIR

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the project's data folder, for damaging on purpose."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target, ignore=shutil.ignore_patterns("geo", "*.py"))
    return target
