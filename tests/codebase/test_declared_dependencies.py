"""Every package app/ imports is declared in pyproject.toml, not merely pulled in by another
(graphql-core came with Strawberry and httpcore with httpx, until this test)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions

from tests.conftest import ROOT


def _imported_modules() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"app", "piccolo_migrations", "__future__"}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_package_app_imports_is_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {
        _normal(re.split(r"[\[<>=!;~ ]", requirement, maxsplit=1)[0])
        for requirement in project["dependencies"]
    }
    owners = packages_distributions()
    undeclared = {
        module: owners.get(module, ["?"])
        for module in _imported_modules()
        if not declared & {_normal(d) for d in owners.get(module, [module])}
    }
    assert undeclared == {}, f"imported by app/ but not in pyproject.toml: {undeclared}"
