"""How long introspection's lists are in our schema, so GraphiQL's query is priced at what it
really costs and a nested introspection at what that would."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from graphql import (
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
)


@lru_cache(maxsize=8)
def introspection_sizes(schema: GraphQLSchema) -> dict[tuple[str, str], float]:
    """How long each introspection list is in this schema, on average."""
    types: list[Any] = list(schema.type_map.values())
    directives = list(schema.directives)
    objects = [t for t in types if hasattr(t, "fields") and not _is_input(t)]
    fields = [f for t in objects for f in t.fields.values()]

    def per(total: int, items: list[Any]) -> float:
        return total / max(1, len(items))

    return {
        ("__Schema", "types"): len(types),
        ("__Schema", "directives"): len(directives),
        ("__Type", "fields"): per(len(fields), types),
        ("__Type", "inputFields"): per(sum(len(t.fields) for t in types if _is_input(t)), types),
        ("__Type", "enumValues"): per(sum(len(getattr(t, "values", {})) for t in types), types),
        ("__Type", "interfaces"): per(sum(len(getattr(t, "interfaces", ())) for t in types), types),
        ("__Type", "possibleTypes"): per(sum(len(getattr(t, "types", ())) for t in types), types),
        ("__Field", "args"): per(sum(len(f.args) for f in fields), fields),
        ("__Directive", "args"): per(sum(len(d.args) for d in directives), directives),
        ("__Directive", "locations"): per(sum(len(d.locations) for d in directives), directives),
    }


@lru_cache(maxsize=8)
def wrapped_share(schema: GraphQLSchema, depth: int) -> float:
    """Of the `ofType` answers `depth - 1` deep, the share that is not null at `depth`:
    a type reference wrapped fewer times ends there ([X!]! is wrapped three times)."""
    refs = [
        f.type for t in schema.type_map.values() if hasattr(t, "fields") for f in t.fields.values()
    ]
    wrapped = [_wrapping(ref) for ref in refs]
    deeper = sum(w >= depth for w in wrapped)
    return deeper / max(1, sum(w >= depth - 1 for w in wrapped))


def _is_input(type_: Any) -> bool:
    return isinstance(type_, GraphQLInputObjectType)


def _wrapping(type_: Any) -> int:
    depth = 0
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_, depth = type_.of_type, depth + 1
    return depth
