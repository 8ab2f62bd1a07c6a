"""What one request may cost: the budgets every entry point (GraphQL, the gateway) enforces.

A request is refused before its expensive step when it is over a budget, with a message that
names the budget, its limit and by how much it was exceeded. The defaults admit every document a
client of ours sends (GraphiQL's introspection query included) and keep the worst admitted one
to milliseconds of CPU; `make bench` measures them.

This module imports nothing from the app, so every layer can use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Budgets:
    # HTTP bodies (GraphQL and gateway alike)
    max_body_bytes: int = 256 * 1024
    max_json_depth: int = 64  # nesting of arrays and objects in a JSON body
    # A GraphQL document as written (large data belongs in variables: JSON parses in C)
    max_document_bytes: int = 64 * 1024
    max_tokens: int = 2000
    max_nesting: int = 64  # selection sets, lists, objects and types inside one another
    max_operations: int = 20
    # A GraphQL document as executed (fragments expanded, each fragment costed once)
    max_depth: int = 12  # fields inside one another
    max_fragment_depth: int = 16  # fragments spread inside one another
    max_fields: int = 2000  # field selections once fragments are expanded
    max_aliases: int = 30
    max_field_merges: int = 5000  # field and fragment pairs that validation compares
    max_result_size: int = 10_000  # values and objects in the answer, lists at their page size
    # The answer
    max_response_bytes: int = 16 * 1024 * 1024
    request_timeout: float = 30.0  # seconds a request may run before it is stopped


# The environment variable for each budget, for settings and for the README.
ENVIRONMENT: Mapping[str, str] = {
    "max_body_bytes": "SWITCHBOARD_MAX_BODY_BYTES",
    "max_json_depth": "SWITCHBOARD_MAX_JSON_DEPTH",
    "max_document_bytes": "SWITCHBOARD_QUERY_MAX_BYTES",
    "max_tokens": "SWITCHBOARD_QUERY_MAX_TOKENS",
    "max_nesting": "SWITCHBOARD_QUERY_MAX_NESTING",
    "max_operations": "SWITCHBOARD_QUERY_MAX_OPERATIONS",
    "max_depth": "SWITCHBOARD_QUERY_MAX_DEPTH",
    "max_fragment_depth": "SWITCHBOARD_QUERY_MAX_FRAGMENT_DEPTH",
    "max_fields": "SWITCHBOARD_QUERY_MAX_FIELDS",
    "max_aliases": "SWITCHBOARD_QUERY_MAX_ALIASES",
    "max_field_merges": "SWITCHBOARD_QUERY_MAX_FIELD_MERGES",
    "max_result_size": "SWITCHBOARD_QUERY_MAX_RESULT_SIZE",
    "max_response_bytes": "SWITCHBOARD_MAX_RESPONSE_BYTES",
    "request_timeout": "SWITCHBOARD_REQUEST_TIMEOUT",
}

# What each budget measures, as an error message names it.
DESCRIPTIONS: Mapping[str, str] = {
    "max_body_bytes": "request body bytes",
    "max_json_depth": "JSON nesting depth",
    "max_document_bytes": "bytes in the document",
    "max_tokens": "tokens in the document",
    "max_nesting": "selection sets, lists and objects nested in the document",
    "max_operations": "operations in the document",
    "max_depth": "query depth",
    "max_fragment_depth": "fragments spread inside one another",
    "max_fields": "fields selected once fragments are expanded",
    "max_aliases": "aliases",
    "max_field_merges": "pairs of same-named fields (and of fragments) that merging compares",
    "max_result_size": "estimated values and objects in the result",
    "max_response_bytes": "response bytes",
}


class BudgetExceeded(Exception):
    """A request over one budget. `actual` may be a lower bound: counting stops past the limit."""

    def __init__(self, budget: str, limit: int, actual: int, exact: bool = True) -> None:
        what = DESCRIPTIONS[budget]
        amount = f"{actual:,}" if exact else f"more than {actual:,}"
        over = f"{actual - limit:,}" if exact else f"more than {actual - limit:,}"
        super().__init__(
            f"The request is over the {budget} budget: {what} is {amount}, the limit is "
            f"{limit:,} (over by {over})."
        )
        self.budget = budget
        self.limit = limit
        self.actual = actual

    @property
    def extensions(self) -> dict[str, Any]:
        return {
            "code": "VALIDATION",
            "budget": self.budget,
            "limit": self.limit,
            "actual": self.actual,
        }


def check(budget: str, limit: int, actual: int, exact: bool = True) -> None:
    if actual > limit:
        raise BudgetExceeded(budget, limit, actual, exact)


def check_json_depth(value: Any, limit: int) -> None:
    """Raise BudgetExceeded when arrays and objects nest deeper than `limit`. Iterative, so a
    hostile body cannot exhaust the stack of whatever walks it next (coercion, validation)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth + 1 > limit:
            raise BudgetExceeded("max_json_depth", limit, depth + 1, exact=False)
        stack.extend((child, depth + 1) for child in children)


def budgets_from(values: Mapping[str, float]) -> Budgets:
    """Budgets from numbers by field name: whole numbers but for the timeout; at least 1."""
    converted: dict[str, Any] = {}
    for item in fields(Budgets):
        if item.name in values:
            value = values[item.name]
            converted[item.name] = float(value) if item.type == "float" else max(1, int(value))
    return Budgets(**converted)
