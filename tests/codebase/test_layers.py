"""Layers point one way: what everything builds on never imports a domain package."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.import_graph import cycles, package_graph

APP = Path(__file__).resolve().parents[2] / "app"
# The foundation, and what each part of it may import from the app.
FOUNDATION = {
    "budgets",
    "db",
    "errors",
    "ids",
    "logs",
    "naming",
    "security",
    "settings",
    "validation",
}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        found.update(name.split(".")[1] for name in names if name.startswith("app."))
    return found


def test_the_foundation_imports_no_domain_package():
    offenders = {}
    for part in FOUNDATION:
        files = (
            [APP / f"{part}.py"]
            if (APP / f"{part}.py").exists()
            else list((APP / part).rglob("*.py"))
        )
        for path in files:
            upward = _imports(path) - FOUNDATION
            if upward:
                offenders[str(path.relative_to(APP))] = sorted(upward)
    assert offenders == {}, f"foundation modules importing domain packages: {offenders}"


def test_domain_packages_form_no_import_cycle():
    """Services import downward only."""
    assert cycles(package_graph(services_only=True)) == []


def test_no_package_of_app_is_in_an_import_cycle_the_graphql_api_included():
    """The GraphQL API (app/api) sits above every domain and its toolkit (app/graphql) below
    them: counting every module, only the composition roots and `if TYPE_CHECKING:` imports
    left out, app/'s packages form no cycle (`python -m tests.import_graph` draws them)."""
    graph = package_graph()
    assert cycles(graph) == []
    assert "api" not in set().union(*(graph[p] for p in graph if p != "api")), "nothing imports it"
    assert graph["graphql"] <= FOUNDATION, "the toolkit imports no domain"


def test_connections_know_no_dependent_kind():
    """Deletion reaches dependents through the port the composition root fills in."""
    assert "dependents" not in package_graph(services_only=True)["connections"]


def test_the_api_reads_through_the_domains():
    """Resolvers translate; each domain's queries know its tables (listings, lookups)."""
    offenders = sorted(
        str(path.relative_to(APP))
        for path in (APP / "api").rglob("*.py")
        if "app.db.tables" in path.read_text() or "keyset_page" in path.read_text()
    )
    assert offenders == []


def test_which_connections_offer_a_model_is_written_once():
    """Routing, /v1/models and the catalog read model_catalog.listing.offerings: the join of
    offerings, connections and model switches appears in one module."""
    joins = sorted(
        str(path.relative_to(APP))
        for path in APP.rglob("*.py")
        if "JOIN llm_connection" in path.read_text() or "JOIN model_setting" in path.read_text()
    )
    assert joins == ["model_catalog/listing.py"]
