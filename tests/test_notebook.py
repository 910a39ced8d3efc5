"""The analyst notebook runs top to bottom (so it cannot rot) and is stored without outputs."""

from __future__ import annotations

import json
import sys

import nbformat
import pytest

from tests.conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_the_analyst_walkthrough_is_shipped():
    assert ROOT / "notebooks" / "analyst_walkthrough.ipynb" in NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: cell {index} has outputs; clear them before committing"
            assert cell.execution_count is None, f"{path.name}: cell {index} has an execution count; clear outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path, tmp_path, monkeypatch):
    from nbclient import NotebookClient

    # A kernel spec that starts this very interpreter (the project's venv), whatever other
    # "python3" kernels the machine has installed.
    spec_dir = tmp_path / "jupyter" / "kernels" / "allocation-test"
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "allocation test kernel",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name="allocation-test",
        timeout=600,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()  # raises CellExecutionError, with the failing cell, on any error
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code)
    text = "\n".join(
        output.get("text", "") for cell in code for output in cell.outputs if output.get("output_type") == "stream"
    )
    assert "Overzicht tegenover kamerbrief-2021" in text  # Dutch by default
    assert ".xlsx" in text
    figures = [o for cell in code for o in cell.outputs if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert len(figures) == 2
