"""The imports between app/'s packages (a package is a folder or a module directly under app/),
and the cycles among them. Imports count wherever they are, top-level or inside functions, but
those under `if TYPE_CHECKING:` (never run) and those of the composition roots (asgi, cli,
composition, which wire everything together) do not.

    .venv/bin/python -m tests.import_graph            the drawing, lowest layer first
    .venv/bin/python -m tests.import_graph --services the same without the GraphQL API

`--services` also leaves out the GraphQL API (app/api/) and its toolkit (app/graphql/): the
layers services are built in.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"
ENTRY_POINTS = {"asgi", "cli", "composition", "__main__"}


TRANSPORT = {"api", "graphql"}


def _is_transport(path: Path) -> bool:
    return path.relative_to(APP).parts[0] in TRANSPORT


def _package(path: Path) -> str:
    first = path.relative_to(APP).parts[0]
    return first.removesuffix(".py")


def _is_type_checking(node: ast.AST) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _run_time_nodes(tree: ast.AST) -> Iterable[ast.AST]:
    """Every node but those under `if TYPE_CHECKING:` (their `else:` still runs)."""
    pending = [tree]
    while pending:
        node = pending.pop()
        yield node
        if _is_type_checking(node):
            assert isinstance(node, ast.If)
            pending.extend(node.orelse)
            continue
        pending.extend(ast.iter_child_nodes(node))


def _imported_packages(path: Path) -> set[str]:
    found = set()
    for node in _run_time_nodes(ast.parse(path.read_text())):
        names: Iterable[str] = ()
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        found.update(n.split(".")[1] for n in names if n.startswith("app.") and n.count(".") >= 1)
    return found


def package_graph(services_only: bool = False) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in sorted(APP.rglob("*.py")):
        package = _package(path)
        if package in ENTRY_POINTS or (services_only and _is_transport(path)):
            continue
        targets = graph.setdefault(package, set())
        targets.update(p for p in _imported_packages(path) if p != package)
    for targets in graph.values():
        targets -= ENTRY_POINTS | (TRANSPORT if services_only else set())
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one package (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def layers(graph: dict[str, set[str]]) -> list[list[str]]:
    """Packages by layer: each imports only from the layers before it (needs no cycle)."""
    placed: dict[str, int] = {}
    remaining = set(graph)
    while remaining:
        ready = sorted(p for p in remaining if graph[p] & set(graph) <= set(placed))
        if not ready:
            raise ValueError(f"cycle among {sorted(remaining)}")
        for package in ready:
            placed[package] = 1 + max(
                (placed[t] for t in graph[package] if t in placed), default=-1
            )
        remaining -= set(ready)
    depth = max(placed.values(), default=-1) + 1
    return [sorted(p for p, layer in placed.items() if layer == d) for d in range(depth)]


def main(argv: list[str]) -> int:
    graph = package_graph(services_only="--services" in argv)
    found = cycles(graph)
    if found:
        print("cycles:", "; ".join(" <-> ".join(c) for c in found))
        return 1
    for depth, members in enumerate(layers(graph)):
        for package in members:
            below = ", ".join(sorted(graph[package])) or "-"
            print(f"{depth}  {package:<14} imports {below}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
