"""Budget allocation simulator for Dutch civic-integration money (Wet inburgering 2021).

The package is five layers, one folder each; a layer imports only from the ones below it
(``tests/test_layers.py`` enforces it), and ``common/`` (error types, how amounts are
written) is shared by all:

1. ``data/``: registers, mergers, built-in and user keys (the files are in ``data/`` at
   the top of the repository);
2. ``engine/``: pure functions over arrays: rounding, keys, the bounded closed form,
   groups, the joint LP, restatement on later registers;
3. ``scenario/``: the scenario file format, validation and messages, references, running,
   edits with provenance;
4. ``analysis/`` (comparison, mutaties, guarantee, compromise, decomposition, bands,
   summaries, explanations) and, above it, ``publish/`` (the circular tables, the
   meicirculaire workbook as xlsx and ODS, comparison files, writing all or nothing);
5. ``faces/``: the command line (``python -m allocation``) and the app's views
   (``app.py`` at the top).

The names below are the public API a notebook needs::

    from allocation import load_scenario, run_scenario, set_weights, compare

Each name is imported from its module when it is first used, so a command pays only for
the layers it needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from allocation.common.version import __version__

#: Where each public name lives. The modules are imported when a name is first used
#: (PEP 562), so ``python -m allocation keys`` does not pay for the exporters and solvers.
_PUBLIC = {
    "Comparison": ("allocation.analysis.compare", "Comparison"),
    "compare": ("allocation.analysis.compare", "compare"),
    "comparison_summary": ("allocation.analysis.compare_text", "summary_text"),
    "explanation_text": ("allocation.analysis.explain", "explanation_text"),
    "summary_text": ("allocation.analysis.summary", "summary_text"),
    "DataError": ("allocation.common.errors", "DataError"),
    "InfeasibleError": ("allocation.common.errors", "InfeasibleError"),
    "InputError": ("allocation.common.errors", "InputError"),
    "builtin_keys": ("allocation.data.keys", "builtin_keys"),
    "comparison_files": ("allocation.publish.comparison", "comparison_files"),
    "write_files": ("allocation.publish.files", "write_files"),
    "export_files": ("allocation.publish.run_files", "export_files"),
    "build": ("allocation.scenario.build", "build"),
    **{name: ("allocation.scenario.edits", name) for name in (
        "CrossPotEdit", "EditPlan", "PotEdit", "apply_edits", "changes", "remove_cross_pot", "remove_group",
        "set_band", "set_bound", "set_budget",
        "set_cross_pot", "set_group", "set_vast_bedrag", "set_weights", "set_year_value")},
    **{name: ("allocation.scenario.loading", name) for name in (
        "load_scenario", "parse_scenario", "scenario_data", "to_yaml")},
    **{name: ("allocation.scenario.result", name) for name in (
        "ScenarioResult", "allocation_table", "published_table")},
    "run_scenario": ("allocation.scenario.running", "run_scenario"),
}

if TYPE_CHECKING:  # the names as static tools see them
    from allocation.analysis.compare import Comparison, compare
    from allocation.analysis.compare_text import summary_text as comparison_summary
    from allocation.analysis.explain import explanation_text
    from allocation.analysis.summary import summary_text
    from allocation.common.errors import DataError, InfeasibleError, InputError
    from allocation.data.keys import builtin_keys
    from allocation.publish.comparison import comparison_files
    from allocation.publish.files import write_files
    from allocation.publish.run_files import export_files
    from allocation.scenario.build import build
    from allocation.scenario.edits import (
        CrossPotEdit,
        EditPlan,
        PotEdit,
        apply_edits,
        changes,
        remove_cross_pot,
        remove_group,
        set_band,
        set_bound,
        set_budget,
        set_cross_pot,
        set_group,
        set_vast_bedrag,
        set_weights,
        set_year_value,
    )
    from allocation.scenario.loading import (
        load_scenario,
        parse_scenario,
        scenario_data,
        to_yaml,
    )
    from allocation.scenario.result import ScenarioResult, allocation_table, published_table
    from allocation.scenario.running import run_scenario


def __getattr__(name: str):
    """A public name, imported from its module on first use and kept."""
    if name not in _PUBLIC:
        raise AttributeError(f"module 'allocation' has no attribute {name!r}")
    module, attribute = _PUBLIC[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))


__all__ = [
    "Comparison",
    "DataError",
    "InfeasibleError",
    "InputError",
    "ScenarioResult",
    "__version__",
    "allocation_table",
    "CrossPotEdit",
    "EditPlan",
    "PotEdit",
    "apply_edits",
    "build",
    "builtin_keys",
    "changes",
    "compare",
    "comparison_files",
    "comparison_summary",
    "explanation_text",
    "export_files",
    "load_scenario",
    "parse_scenario",
    "published_table",
    "remove_cross_pot",
    "remove_group",
    "run_scenario",
    "scenario_data",
    "set_band",
    "set_bound",
    "set_budget",
    "set_cross_pot",
    "set_group",
    "set_vast_bedrag",
    "set_weights",
    "set_year_value",
    "summary_text",
    "to_yaml",
    "write_files",
]
