"""The package's layers: each folder of ``allocation/`` imports only from the layers below it,
and no module imports another that imports it back (directly or through others).

Imports are read with ``ast`` from the source, including imports inside functions, so a
cycle cannot hide behind a late import. The package's ``__init__`` (the public API, which
hands names on from every layer) and ``__main__`` are the only modules outside the layers.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "allocation"

#: Layer of each folder; a module may import from its own layer and from lower ones.
LAYERS = {
    "common": 0,
    "data": 1,
    "engine": 2,
    "scenario": 3,
    "analysis": 4,
    "publish": 5,
    "faces": 6,
}
#: Folders that must not touch files, the network or the UI (the engine is pure).
PURE = {
    "engine": {"pathlib", "io", "streamlit", "yaml", "openpyxl", "tempfile", "shutil", "pydantic", "csv", "requests"}
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imports(path: Path, name: str) -> set[str]:
    """Every module of the package this module imports, anywhere in the file."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)  # `from pkg import module`
    return found


def _internal_imports() -> dict[str, set[str]]:
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        graph[name] = {target for target in _imports(path, name) if target in modules and target != name}
    return graph


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def test_every_module_is_in_a_layer_folder():
    outside = [
        name for name in _modules() if _layer(name) is None and name not in ("allocation", "allocation.__main__")
    ]
    assert not outside, f"modules outside the layer folders {sorted(LAYERS)}: {outside}"


def test_no_module_imports_from_a_higher_layer():
    upward = []
    for module, targets in _internal_imports().items():
        if _layer(module) is None:
            continue
        for target in targets:
            if _layer(target) is not None and LAYERS[_layer(target)] > LAYERS[_layer(module)]:
                upward.append(f"{module} -> {target}")
    assert not upward, "imports from a higher layer:\n" + "\n".join(sorted(upward))


def test_no_layer_imports_the_package_face():
    # the face (allocation/__init__.py) imports every layer: a layer importing it would be a cycle
    found = [name for name, targets in _internal_imports().items() if _layer(name) and "allocation" in targets]
    assert not found, f"modules importing the package face: {found}"


def test_there_is_no_import_cycle():
    graph = _internal_imports()
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target == "allocation" or target not in graph:
                continue
            if state.get(target) == 1:
                cycles.append(stack[stack.index(target):] + [target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state and node != "allocation":
            visit(node)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(cycle) for cycle in cycles)


@pytest.mark.parametrize("folder", sorted(PURE))
def test_the_engine_touches_no_file_and_no_interface(folder):
    forbidden = PURE[folder]
    found = []
    for path in sorted((PACKAGE / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found += [f"{path.name}: {n}" for n in names if n.split(".")[0] in forbidden]
    assert not found, f"the {folder} layer must stay pure: {found}"


def test_the_layer_test_sees_an_upward_import(tmp_path, monkeypatch):
    # the test above can fail: a data module importing the scenario layer is caught
    fake = tmp_path / "allocation"
    for folder in ("data", "scenario"):
        (fake / folder).mkdir(parents=True)
        (fake / folder / "__init__.py").write_text("")
    (fake / "__init__.py").write_text("")
    (fake / "scenario" / "schema.py").write_text("X = 1\n")
    (fake / "data" / "keys.py").write_text("def f():\n    from allocation.scenario.schema import X\n    return X\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake)
    with pytest.raises(AssertionError, match="allocation.data.keys -> allocation.scenario.schema"):
        test_no_module_imports_from_a_higher_layer()
