"""The package's layout holds its rules (DESIGN.md §1): layers, no import cycles, short modules.

Imports are read with :mod:`ast`, imports inside functions included, so a cycle cannot hide
behind a deferred import.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "shegong"
WIDGETS = ROOT / "widgets"

#: the layers, each importing only from those before it (DESIGN.md §1, refined in docs/layout.md)
LAYERS: list[set[str]] = [
    {"errors", "config", "i18n", "atomic", "orgunits", "exports", "people", "safe_html"},
    {"ledger"},
    {"indicators", "training"},
    {"reports", "trainer"},
    {"widgets"},
    {"serving"},
    {"demo"},
    {"cli"},
]
MAX_TOP_MODULES = 10
MAX_LINES = 500


def _module_name(path: Path) -> str:
    if path.is_relative_to(WIDGETS):
        parts = ["shegong", "widgets", *path.relative_to(WIDGETS).with_suffix("").parts]
    else:
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    files = [p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts]
    files += list(WIDGETS.glob("*.py"))
    return {_module_name(p): p for p in files}


def _imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module → project modules it imports anywhere in its body (functions included)."""
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target not in (name, "shegong"):
                    found.add(target)
        edges[name] = found
    return edges


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def _layer(module: str) -> int:
    top = module.split(".")[1]
    for i, names in enumerate(LAYERS):
        if top in names:
            return i
    raise AssertionError(f"{module}: its part {top!r} is in no layer of LAYERS")


def test_no_import_cycles_counting_imports_inside_functions():
    edges = _imports(_sources())
    assert len(edges) > 60  # the whole package was read, widgets included
    assert _cycles(edges) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_each_layer_imports_only_from_the_layers_before_it():
    edges = _imports(_sources())
    wrong = []
    for a, targets in edges.items():
        for b in targets:
            la, lb = _layer(a), _layer(b)
            same_layer_other_part = la == lb and la > 0 and a.split(".")[1] != b.split(".")[1]
            if lb > la or same_layer_other_part:
                wrong.append(f"{a} -> {b}")
    assert sorted(wrong) == []


def test_at_most_ten_modules_at_the_top_of_the_package():
    top = sorted(
        p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "__main__.py")
    )
    assert len(top) <= MAX_TOP_MODULES, top
