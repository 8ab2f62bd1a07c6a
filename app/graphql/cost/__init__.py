"""The cost of a GraphQL document, measured in time linear in its size before it is validated.

Validation and execution expand fragments: a fragment that spreads the previous one twice,
forty times over, is 1 KB of text and 2^40 fields. Field merging (graphql-core's
OverlappingFieldsCanBeMerged) compares every pair of same-named fields at each place of the
answer, which grows with the square of the repeats at every level. So, in three steps that each
stop at the first budget exceeded:

1. the text: its size, tokens, nesting and operations, counted as it parses (the parser
   recurses, so nesting must stop it before the stack does);
2. each definition once, in dependency order (each fragment's cost memoised): fields and aliases
   as executed, depth, fragment nesting, and spread cycles;
3. only when (2) is within budget, and so bounded: the merged tree of what executes, giving the
   field pairs that merging compares and the result size (list fields times their `first`/`last`
   or the default page size; other lists at the bound the API gives for them, `bounds`, else at
   an estimate). `bounded_lists` says which lists a document selects, so the API finds only
   those bounds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
)

from app.budgets import Budgets, check
from app.graphql.cost.fragments import (
    CAP,
    EMPTY,
    FragmentCycle,
    Summary,
    dependency_order,
    spreads,
    summarise,
)
from app.graphql.cost.merging import Bound, Merger, full_introspection_size
from app.graphql.cost.parsing import parse_document

__all__ = [
    "CAP",
    "Bound",
    "FragmentCycle",
    "Measured",
    "bounded_lists",
    "measure",
    "parse_document",
]
Bounds = Mapping[tuple[str, str], Bound]


@dataclass
class Measured:
    """What the gate found; every figure is within its budget when this is returned."""

    fields: int
    aliases: int
    depth: int
    fragment_depth: int
    field_merges: int
    result_size: int


def measure(
    document: DocumentNode,
    schema: GraphQLSchema,
    variables: Mapping[str, Any] | None,
    budgets: Budgets,
    bounds: Bounds | None = None,
) -> Measured:
    """Steps 2 and 3. Raises BudgetExceeded (or FragmentCycle) at the first budget exceeded."""
    fragments, roots, total = _roots(document)
    exact = total.fields < CAP
    check("max_fields", budgets.max_fields, total.fields, exact)
    check("max_aliases", budgets.max_aliases, total.aliases)
    check("max_depth", budgets.max_depth, total.depth)
    check("max_fragment_depth", budgets.max_fragment_depth, total.fragment_depth)
    merged = Merger(schema, fragments, variables or {}, bounds)
    for root in roots:
        merged.add_root(root)
    check("max_field_merges", budgets.max_field_merges, merged.field_merges)
    # Introspection costs what our schema makes it cost: one full introspection is free.
    beyond = max(0.0, merged.introspection_size - full_introspection_size(schema))
    result_size = math.ceil(merged.result_size + beyond)
    check("max_result_size", budgets.max_result_size, result_size)
    return Measured(
        fields=total.fields,
        aliases=total.aliases,
        depth=total.depth,
        fragment_depth=total.fragment_depth,
        field_merges=merged.field_merges,
        result_size=result_size,
    )


@lru_cache(maxsize=256)
def bounded_lists(
    document: DocumentNode, schema: GraphQLSchema, max_fields: int
) -> frozenset[tuple[str, str]]:
    """The unpaginated lists a document selects, as (type, field): the ones whose bounds the
    gate asks for. Keyed by the document object (parse_document's cache hands the same one back
    for the same text); one over the fields budget selects none (the gate refuses it)."""
    try:
        fragments, roots, total = _roots(document)
        if total.fields > max_fields:
            return frozenset()
        merged = Merger(schema, fragments, {})
        for root in roots:
            merged.add_root(root)
    except GraphQLError:  # a fragment cycle: the gate says so
        return frozenset()
    return frozenset(merged.bounded)


def _roots(
    document: DocumentNode,
) -> tuple[
    dict[str, FragmentDefinitionNode],
    list[OperationDefinitionNode | FragmentDefinitionNode],
    Summary,
]:
    """The fragments, the roots that execute (operations, and fragments no one spreads), and
    what step 2 found of them."""
    fragments: dict[str, FragmentDefinitionNode] = {}
    operations: list[OperationDefinitionNode] = []
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            fragments.setdefault(definition.name.value, definition)
        elif isinstance(definition, OperationDefinitionNode):
            operations.append(definition)
    known: dict[str, Summary] = {}
    for name in dependency_order(fragments):
        known[name] = summarise(fragments[name].selection_set, known)
    spread_somewhere = {
        s for d in (*fragments.values(), *operations) for s in spreads(d.selection_set)
    }
    roots: list[OperationDefinitionNode | FragmentDefinitionNode] = [
        *operations,
        *(f for name, f in fragments.items() if name not in spread_somewhere),
    ]
    total = EMPTY
    for root in roots:
        total = total.plus(summarise(root.selection_set, known))
    return fragments, roots, total
