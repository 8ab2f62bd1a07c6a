"""The cost of a GraphQL document, measured in time linear in its size before it is validated.

Validation and execution expand fragments: a fragment that spreads the previous one twice,
forty times over, is 1 KB of text and 2^40 fields. Field merging (graphql-core's
OverlappingFieldsCanBeMerged) compares every pair of same-named fields at each place of the
answer, which grows with the square of the repeats at every level. So, in three steps that each
stop at the first budget exceeded:

1. the text: its size, tokens, bracket nesting and operations, counted as it parses (the parser
   recurses, so nesting must stop it before the stack does);
2. each definition once, in dependency order (each fragment's cost memoised): fields and aliases
   as executed, depth, fragment nesting, and spread cycles;
3. only when (2) is within budget, and so bounded: the merged tree of what executes, giving the
   field pairs that merging compares and the result size (list fields times their `first`/`last`
   or the default page size; other lists at an estimate).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    TokenKind,
    VariableNode,
)
from graphql.language.parser import Parser
from graphql.type import get_named_type, is_object_type

from app.budgets import Budgets, check

DEFAULT_PAGE_SIZE = 50  # what a paginated field returns without `first` (API.md)
LIST_ESTIMATE = 10  # items assumed in a list that is not paginated
CAP = 10**15  # counts stop growing here, so a hostile document costs no big-integer arithmetic

OPENERS = frozenset({TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L})
CLOSERS = frozenset({TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R})
PAGE_ARGUMENTS = ("first", "last")
PARSE_ABORTED = "tokens. Parsing aborted."  # graphql-core's words for max_tokens


class _BudgetedParser(Parser):
    """graphql-core's parser, which already counts every token (comments too) against
    `max_tokens`; this also counts nesting on each token and reports both as budgets."""

    def __init__(self, query: str, budgets: Budgets) -> None:
        super().__init__(query, max_tokens=budgets.max_tokens, allow_empty_selection_sets=False)
        self._budgets = budgets
        self._nesting = 0
        self._operations = 0

    def advance_lexer(self) -> None:
        try:
            super().advance_lexer()
        except GraphQLSyntaxError as error:
            # The parser (or the lexer, skipping comments) stopped at max_tokens.
            if error.message.endswith(PARSE_ABORTED):
                limit = self._budgets.max_tokens
                check("max_tokens", limit, limit + 1, exact=False)
            raise
        kind = self._lexer.token.kind
        if kind in OPENERS:
            self._nesting += 1
            check("max_nesting", self._budgets.max_nesting, self._nesting, exact=False)
        elif kind in CLOSERS:
            self._nesting -= 1

    def parse_operation_definition(self) -> OperationDefinitionNode:
        self._operations += 1
        check("max_operations", self._budgets.max_operations, self._operations, exact=False)
        return super().parse_operation_definition()


@lru_cache(maxsize=256)
def parse_document(query: str, budgets: Budgets) -> DocumentNode:
    """Step 1: the text, in one pass of the lexer. Raises BudgetExceeded, or GraphQLError for
    a syntax error. Empty selection sets are refused, as the spec's grammar says: every
    selection then selects at least one field, so the field budget bounds them all."""
    check("max_document_bytes", budgets.max_document_bytes, len(query.encode()))
    return _BudgetedParser(query, budgets).parse_document()


@dataclass(frozen=True)
class Summary:
    """A selection set with its fragments expanded. Depth is Strawberry's: `{ a { b } }` is 1."""

    fields: int = 0
    aliases: int = 0
    depth: int = -1  # -1: no field at all
    fragment_depth: int = 0

    def plus(self, other: Summary, *, nested: bool = False, spread: bool = False) -> Summary:
        return Summary(
            fields=min(CAP, self.fields + other.fields),
            aliases=min(CAP, self.aliases + other.aliases),
            depth=max(self.depth, other.depth + 1 if nested else other.depth),
            fragment_depth=max(
                self.fragment_depth, other.fragment_depth + 1 if spread else other.fragment_depth
            ),
        )


EMPTY = Summary()


class FragmentCycle(GraphQLError):
    def __init__(self, path: list[str]) -> None:
        via = ", ".join(f"'{name}'" for name in path[1:-1])
        detail = f" via {via}" if via else ""
        super().__init__(
            f"Cannot spread fragment '{path[0]}' within itself{detail}.",
            extensions={"code": "VALIDATION"},
        )


def _spreads(selection_set: SelectionSetNode) -> Iterator[str]:
    stack = [selection_set]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                yield selection.name.value
            elif selection.selection_set is not None:  # type: ignore[attr-defined]
                stack.append(selection.selection_set)  # type: ignore[attr-defined]


def _dependency_order(fragments: Mapping[str, FragmentDefinitionNode]) -> list[str]:
    """Fragments, each after every fragment it spreads (iterative DFS: a chain of hundreds of
    fragments cannot exhaust the stack). A cycle raises FragmentCycle naming it."""
    uses = {
        name: [s for s in _spreads(f.selection_set) if s in fragments]
        for name, f in fragments.items()
    }
    order: list[str] = []
    state: dict[str, str] = {}  # "open" while on the path, "done" after
    for start in fragments:
        if start in state:
            continue
        path = [start]
        pending = [iter(uses[start])]
        state[start] = "open"
        while pending:
            name = next(pending[-1], None)
            if name is None:
                pending.pop()
                done = path.pop()
                state[done] = "done"
                order.append(done)
            elif state.get(name) == "open":
                raise FragmentCycle([*path[path.index(name) :], name])
            elif name not in state:
                state[name] = "open"
                path.append(name)
                pending.append(iter(uses[name]))
    return order


def _summarise(selection_set: SelectionSetNode, known: Mapping[str, Summary]) -> Summary:
    total = EMPTY
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            own = Summary(fields=1, aliases=int(selection.alias is not None), depth=0)
            total = total.plus(own)
            if selection.selection_set is not None:
                inner = _summarise(selection.selection_set, known)
                if selection.name.value.startswith("__"):
                    # As Strawberry's depth limiter: introspection's depth is the schema's,
                    # not the caller's. Every other budget still counts it.
                    inner = replace(inner, depth=-1)
                total = total.plus(inner, nested=True)
        elif isinstance(selection, InlineFragmentNode):
            total = total.plus(_summarise(selection.selection_set, known))
        elif isinstance(selection, FragmentSpreadNode):
            total = total.plus(known.get(selection.name.value, EMPTY), spread=True)
    return total


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
) -> Measured:
    """Steps 2 and 3. Raises BudgetExceeded (or FragmentCycle) at the first budget exceeded."""
    fragments: dict[str, FragmentDefinitionNode] = {}
    operations: list[OperationDefinitionNode] = []
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            fragments.setdefault(definition.name.value, definition)
        elif isinstance(definition, OperationDefinitionNode):
            operations.append(definition)
    known: dict[str, Summary] = {}
    for name in _dependency_order(fragments):
        known[name] = _summarise(fragments[name].selection_set, known)
    spread_somewhere = {
        s for d in (*fragments.values(), *operations) for s in _spreads(d.selection_set)
    }
    roots: list[OperationDefinitionNode | FragmentDefinitionNode] = [
        *operations,
        *(f for name, f in fragments.items() if name not in spread_somewhere),
    ]
    total = EMPTY
    for root in roots:
        total = total.plus(_summarise(root.selection_set, known))
    exact = total.fields < CAP
    check("max_fields", budgets.max_fields, total.fields, exact)
    check("max_aliases", budgets.max_aliases, total.aliases)
    check("max_depth", budgets.max_depth, total.depth)
    check("max_fragment_depth", budgets.max_fragment_depth, total.fragment_depth)
    merged = _Merger(schema, fragments, variables or {})
    for root in roots:
        merged.add_root(root)
    check("max_field_merges", budgets.max_field_merges, merged.field_merges)
    result_size = math.ceil(merged.result_size)
    check("max_result_size", budgets.max_result_size, result_size)
    return Measured(
        fields=total.fields,
        aliases=total.aliases,
        depth=total.depth,
        fragment_depth=total.fragment_depth,
        field_merges=merged.field_merges,
        result_size=result_size,
    )


@dataclass
class _Place:
    """One response name at one place of the answer, with every field selected there."""

    count: int = 0
    children: dict[str, _Place] = field(default_factory=dict)
    wrapping: int = 0  # how many `ofType` deep this place is, in introspection


class _Merger:
    """Step 3: the merged tree of what executes. Bounded, since step 2 capped the fields."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.field_merges = 0
        self.result_size = 0.0  # fractional: introspection lists are averages

    def add_root(self, root: OperationDefinitionNode | FragmentDefinitionNode) -> None:
        parent: Any
        if isinstance(root, OperationDefinitionNode):
            parent = self.schema.get_root_type(root.operation)
        else:
            parent = self.schema.get_type(root.type_condition.name.value)
        self._merge(root.selection_set, parent, _Place(), multiplier=1)

    def _merge(
        self,
        selection_set: SelectionSetNode,
        parent: Any,
        place: _Place,
        multiplier: float,
        page: int | None = None,
    ) -> None:
        # Merging also compares each pair of distinct fragments spread side by side.
        spread = {
            s.name.value for s in selection_set.selections if isinstance(s, FragmentSpreadNode)
        }
        self.field_merges = min(CAP, self.field_merges + len(spread) * (len(spread) - 1) // 2)
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                self._merge_field(selection, parent, place, multiplier, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                self._merge(selection.selection_set, inner, place, multiplier, page)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    inner = self.schema.get_type(fragment.type_condition.name.value)
                    self._merge(fragment.selection_set, inner, place, multiplier, page)

    def _merge_field(
        self, node: FieldNode, parent: Any, place: _Place, multiplier: float, page: int | None
    ) -> None:
        key = node.alias.value if node.alias else node.name.value
        child = place.children.get(key)
        if child is None:
            child = place.children[key] = _Place()
            self.result_size = min(CAP, self.result_size + multiplier)  # one value per item
        self.field_merges = min(CAP, self.field_merges + child.count)  # a pair with each earlier
        child.count += 1
        if node.selection_set is None:
            return
        definition = _field_definition(self.schema, parent, node.name.value)
        inner = get_named_type(definition.type) if definition is not None else None
        own_page: int | None
        items: float
        if definition is not None and "first" in getattr(definition, "args", {}):
            # A paginated field answers one connection; its edges/nodes hold the page.
            own_page, items = _page_size(node, self.variables), 1
        else:
            own_page, items = None, _items(self.schema, parent, node.name.value, definition, page)
        if node.name.value == "ofType" and getattr(parent, "name", None) == "__Type":
            child.wrapping = place.wrapping + 1
            items = _wrapped_share(self.schema, child.wrapping)
        objects = min(CAP, multiplier * items)
        if child.count == 1:
            # Each object costs more than a value to build, so it counts once more.
            self.result_size = min(CAP, self.result_size + objects)
        self._merge(node.selection_set, inner, child, objects, own_page)


def _field_definition(schema: GraphQLSchema, parent: Any, name: str) -> Any:
    if name == "__schema":
        return _meta(schema, "__Schema")
    if name == "__type":
        return _meta(schema, "__Type")
    fields = getattr(parent, "fields", None)
    return fields.get(name) if fields else None


@dataclass(frozen=True)
class _MetaField:
    type: Any


def _meta(schema: GraphQLSchema, type_name: str) -> _MetaField:
    return _MetaField(schema.get_type(type_name))


def _items(
    schema: GraphQLSchema, parent: Any, name: str, definition: Any, page: int | None
) -> float:
    """How many items a field's answer holds, for the result-size estimate."""
    if definition is None or not _is_list(definition.type):
        return 1
    if is_object_type(parent) and "pageInfo" in parent.fields:
        return page if page is not None else DEFAULT_PAGE_SIZE  # a connection's edges/nodes
    if parent is not None and parent.name.startswith("__"):
        # Introspection lists are as long as our schema makes them: count them.
        return _introspection_sizes(schema).get((parent.name, name), LIST_ESTIMATE)
    return LIST_ESTIMATE


@lru_cache(maxsize=8)
def _introspection_sizes(schema: GraphQLSchema) -> dict[tuple[str, str], float]:
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
def _wrapped_share(schema: GraphQLSchema, depth: int) -> float:
    """Of the `ofType` answers `depth - 1` deep, the share that is not null at `depth`:
    a type reference wrapped fewer times ends there ([X!]! is wrapped three times)."""
    refs = [
        f.type for t in schema.type_map.values() if hasattr(t, "fields") for f in t.fields.values()
    ]
    wrapped = [_wrapping(ref) for ref in refs]
    deeper = sum(w >= depth for w in wrapped)
    return deeper / max(1, sum(w >= depth - 1 for w in wrapped))


def _page_size(node: FieldNode, variables: Mapping[str, Any]) -> int:
    """The larger of `first` and `last` (a literal or a variable), else the default page."""
    given = []
    for argument in node.arguments or ():
        if argument.name.value in PAGE_ARGUMENTS:
            value: Any = None
            if isinstance(argument.value, IntValueNode):
                value = int(argument.value.value)
            elif isinstance(argument.value, VariableNode):
                value = variables.get(argument.value.name.value)
            if isinstance(value, int) and value >= 0:
                given.append(min(CAP, value))
    return max(given) if given else DEFAULT_PAGE_SIZE


def _is_input(type_: Any) -> bool:
    return isinstance(type_, GraphQLInputObjectType)


def _wrapping(type_: Any) -> int:
    depth = 0
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_, depth = type_.of_type, depth + 1
    return depth


def _is_list(type_: Any) -> bool:
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)
