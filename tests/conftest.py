"""Shared fixtures. Test data made up in the tests (key files, scenarios) is FICTITIOUS, not real figures."""

from __future__ import annotations

import copy
import functools
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from allocation import ScenarioResult, load_scenario, run_scenario
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


@functools.cache
def _shipped_run(stem: str) -> ScenarioResult:
    from allocation.common import i18n

    with i18n.using("en"):  # a result keeps the provenance texts of its run: always the same language
        return run_scenario(load_scenario(SCENARIOS / f"{stem}.yaml"))


def plan_of(pots: dict, cross_pot: dict | None = None):
    """An EditPlan written briefly: pot id -> the fields of its PotEdit; the CrossPotEdit's fields."""
    from allocation.scenario.edits import CrossPotEdit, EditPlan, PotEdit

    return EditPlan(pots={pot: PotEdit(**fields) for pot, fields in pots.items()},
                    cross_pot=CrossPotEdit(**(cross_pot or {})))


def shipped(stem: str) -> ScenarioResult:
    """The result of a shipped scenario, run once per test session; each caller gets its own copy."""
    return copy.deepcopy(_shipped_run(stem))


@pytest.fixture(scope="module")
def english():
    """The product in English (``ALLOCATION_LANG=en``, also for a command run as a process),
    for a whole test module and its module fixtures: for tests that assert the wording of a
    message, written before the texts were Dutch."""
    from allocation.common import i18n

    with pytest.MonkeyPatch.context() as patch, i18n.using("en"):
        patch.setenv(i18n.ENV, "en")
        yield


@pytest.fixture
def clear_streamlit_caches():
    """Streamlit's caches emptied before and after a test (AppTest runs the app in this process,
    so ``st.cache_data`` and ``st.cache_resource`` are shared between tests)."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


# --- LibreOffice: the reference spreadsheet program (export, print and recalculation tests) -----


def _install_libreoffice() -> str:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    lock = ["-o", "DPkg::Lock::Timeout=600"]
    log = []
    for _attempt in range(2):
        update = subprocess.run(
            ["apt-get", *lock, "update", "-q"], env=env, capture_output=True, text=True, timeout=900
        )
        install = subprocess.run(
            ["apt-get", *lock, "install", "-y", "-q", "--no-install-recommends", "libreoffice-calc"],
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        log.append(update.stderr[-500:] + install.stderr[-1000:])
        if install.returncode == 0:
            break
    return "\n".join(log)


@pytest.fixture(scope="session")
def soffice() -> str:
    """Path of LibreOffice's soffice; installs Debian's libreoffice-calc when root."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    in_ci = os.environ.get("CI", "").strip().lower() == "true"
    reason = ""
    if not found:
        if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
            log = _install_libreoffice()
            found = shutil.which("soffice") or shutil.which("libreoffice")
            reason = f"installing libreoffice-calc with apt-get failed:\n{log}"
        else:
            reason = (
                "LibreOffice (soffice) is not installed and the tests cannot install it (not root or no "
                "apt-get); install it with `apt-get install --no-install-recommends libreoffice-calc`"
            )
    if found:
        return found
    if in_ci:
        pytest.fail(f"CI=true: the LibreOffice check must run, but {reason}")
    pytest.skip(reason)


#: The test files that take longest (a served app in a browser, LibreOffice, many app sessions),
#: longest first: on two workers (``-n 2 --dist loadfile --no-loadscope-reorder``, pyproject.toml)
#: they are handed out first, and the short files fill in after them, so both workers end at
#: about the same time. (pytest-xdist's own order, most tests first, left a browser file to the end.)
SLOW_FILES = (
    "tests/faces/test_app.py",
    "tests/faces/test_accessibility.py",
    "tests/publish/test_export.py",
    "tests/publish/test_output_safety.py",
    "tests/publish/test_recalculation.py",
    "tests/faces/test_browser.py",
    "tests/test_pseudo_locale.py",
)


def pytest_collection_modifyitems(config, items):
    """The slow files first, in :data:`SLOW_FILES` order; every other test as collected."""
    rank = {name: index for index, name in enumerate(SLOW_FILES)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))
