"""The package's layout rules (issue 14): no import cycle, no oversized module without a reason.

* Import cycles are found on the module-level import graph of ``skills`` (imports inside
  functions and under ``if TYPE_CHECKING:`` are deliberate late bindings and not edges);
  ``from package import submodule`` is an edge to the submodule, ``from package import
  name`` an edge to the package's ``__init__``.
* A module longer than :data:`MAX_LINES` says why in its docstring, in a paragraph that
  starts "Why one module".
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 520  # "about 500": a module may pass 500 by a screenful of code
REASON = "Why one module"


def _modules(root: Path) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for path in sorted((root / "skills").rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _edges(path: Path, name: str, modules: dict[str, Path]) -> set[str]:
    is_pkg = path.name == "__init__.py"
    found: set[str] = set()

    def visit(body: Iterable[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.If):
                if not _is_type_checking(node.test):
                    visit(node.body)
                    visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if is_pkg else name.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    target = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    target = node.module or ""
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    found.add(sub if sub in modules else target)

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return {m for m in found if m in modules and m != name}


def import_cycles(root: Path) -> list[list[str]]:
    """The strongly connected components (more than one module) of the import graph."""
    modules = _modules(root)
    graph = {name: _edges(path, name, modules) for name, path in modules.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def connect(v: str) -> None:  # Tarjan (1972)
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
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
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return cycles


def test_the_package_has_no_import_cycle() -> None:
    assert import_cycles(ROOT) == []


def test_the_cycle_finder_finds_cycles(tmp_path: Path) -> None:
    """A check that cannot fail proves nothing: plant cycles the real tree must not have."""
    pkg = tmp_path / "skills"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from skills.b import thing\n")
    (pkg / "b.py").write_text("import skills.c\nthing = 1\n")
    (pkg / "c.py").write_text("from skills import a\n")
    (pkg / "sub" / "__init__.py").write_text("from .x import y\n")
    (pkg / "sub" / "x.py").write_text("from skills.sub import z\ny = 1\n")
    # late bindings are not edges
    (pkg / "d.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from skills.e import q\n"
    )
    (pkg / "e.py").write_text("def f():\n    from skills.d import r\n")
    assert import_cycles(tmp_path) == [
        ["skills.a", "skills.b", "skills.c"],
        ["skills.sub", "skills.sub.x"],
    ]


def _docstring(path: Path) -> str:
    return ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""


@pytest.mark.parametrize(
    "path",
    [
        p
        for p in _modules(ROOT).values()
        if len(p.read_text(encoding="utf-8").splitlines()) > MAX_LINES
    ],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_a_long_module_says_why_it_is_one_module(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert REASON in _docstring(path), (
        f"{path.relative_to(ROOT)} has {lines} lines (more than {MAX_LINES}): split it along "
        f"a real seam, or say why it is one module in a docstring paragraph starting {REASON!r}"
    )
