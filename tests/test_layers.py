"""The package's layers import downward only, and no module imports itself back in a cycle.

The layers (DESIGN.md "Layout", STYLE.md practice 13), lowest first:

0. ``errors``, ``config``, ``_version``-like leaves
1. ``engine``
2. ``stages``
3. ``stats``
4. ``contract``, ``disclosure``
5. ``smallbiz``, ``economies`` (siblings: neither imports the other)
6. ``report``
7. ``pipeline``, ``demo``
8. ``cli``, ``__main__``

Every import counts, including those inside functions (a lazy import is still a
dependency), and so do imports under ``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "econscope"

LAYERS: dict[str, int] = {
    "errors": 0,
    "config": 0,
    "engine": 1,
    "_spark": 1,
    "stages": 2,
    "stats": 3,
    "_stats": 3,
    "contract": 4,
    "disclosure": 4,
    "smallbiz": 5,
    "economies": 5,
    "report": 6,
    "pipeline": 7,
    "demo": 7,
    "cli": 8,
    "__main__": 8,
}
SIBLINGS = {frozenset({"smallbiz", "economies"})}


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every econscope import in a file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # `from econscope import smallbiz` imports the subpackage
            if module == "econscope":
                found += [(node.lineno, f"econscope.{a.name}") for a in node.names]
    return [(line, m) for line, m in found if m == "econscope" or m.startswith("econscope.")]


def _top(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def _layer(top: str | None) -> int | None:
    return None if top is None else LAYERS.get(top)


FILES = sorted(p for p in SRC.rglob("*.py"))


def test_every_top_level_module_has_a_layer():
    tops = {p.relative_to(SRC).parts[0].removesuffix(".py") for p in FILES}
    tops.discard("__init__")
    assert sorted(tops - set(LAYERS)) == [], "give the new module a layer in LAYERS"


def upward(own_top: str, imports: list[tuple[int, str]]) -> list[str]:
    """The imports of a module in ``own_top`` that point to a higher layer or a sibling."""
    own = LAYERS[own_top]
    found = []
    for line, module in imports:
        top = _top(module)
        layer = _layer(top)
        if top is None or layer is None or top == own_top:
            continue
        if layer > own or frozenset({own_top, top}) in SIBLINGS:
            found.append(f"line {line}: {module} (layer {layer} > {own_top}'s {own})")
    return found


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(SRC)))
def test_imports_point_down_the_layers(path: Path):
    own_top = _top(_module_name(path))
    if own_top is None:  # econscope/__init__.py: lazy attribute access only
        return
    assert upward(own_top, _imports(path)) == [], f"{path.relative_to(SRC)} imports upward"


def test_the_checker_sees_upward_and_sibling_imports_even_inside_functions(tmp_path: Path):
    # negative control: an engine module importing the report lazily, and a smallbiz module
    # importing economies, are both flagged
    planted = tmp_path / "planted.py"
    planted.write_text("def f():\n    from econscope.report.html import table\n")
    tree_imports = [
        (n.lineno, n.module)
        for n in ast.walk(ast.parse(planted.read_text()))
        if isinstance(n, ast.ImportFrom)
    ]
    assert upward("engine", tree_imports) != []
    assert upward("smallbiz", [(1, "econscope.economies.units")]) != []
    assert upward("report", [(1, "econscope.smallbiz.tables")]) == []


def _graph() -> dict[str, set[str]]:
    names = {_module_name(p) for p in FILES}
    graph: dict[str, set[str]] = {}
    for path in FILES:
        here = _module_name(path)
        targets = set()
        for _, module in _imports(path):
            # resolve "from econscope.x import y" to the module econscope.x.y when it exists
            while module and module not in names:
                module = module.rsplit(".", 1)[0] if "." in module else ""
            if module and module != here and module != "econscope":
                targets.add(module)
        graph[here] = targets
    return graph


def test_no_import_cycle_between_modules():
    graph = _graph()
    # A package __init__ that re-exports its own submodules is not a cycle of design.
    for name, targets in graph.items():
        graph[name] = {t for t in targets if not t.startswith(name + ".")}
    seen: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        seen[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if seen.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in seen:
                visit(nxt)
        stack.pop()
        seen[node] = 2

    for node in sorted(graph):
        if node not in seen:
            visit(node)
    assert cycles == []


def _public_definitions(path: Path) -> list[str]:
    """Public names a module defines at its top level (classes, functions, assignments)."""
    names: list[str] = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
    return [n for n in names if not n.startswith("_")]


def _exported(package_init: Path) -> set[str]:
    """The names a package's ``__all__`` lists (a private module's names it makes public)."""
    if not package_init.exists():
        return set()
    for node in ast.parse(package_init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return {e.value for e in ast.walk(node.value) if isinstance(e, ast.Constant)}
    return set()


def test_no_public_name_is_defined_twice_in_the_package() -> None:
    """One name, one definition (issue 11): a public class, function or constant is defined
    in one module and imported elsewhere. A private module's (``_x.py``) names count when
    its package exports them. Exempt: each CLI command group's typer ``app`` (the idiom)."""
    where: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        private = path.name.startswith("_") and path.name != "__init__.py"
        exported = _exported(path.parent / "__init__.py") if private else None
        for name in _public_definitions(path):
            if exported is not None and name not in exported:
                continue
            if name == "app" and path.parent.name == "cli":
                continue
            where.setdefault(name, []).append(_module_name(path))
    twice = {name: modules for name, modules in where.items() if len(modules) > 1}
    assert twice == {}
