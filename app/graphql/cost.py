"""The cost of a GraphQL document, measured in time linear in its size before it is validated.

Validation and execution expand fragments: a fragment that spreads the previous one twice,
forty times over, is 1 KB of text and 2^40 fields. Field merging (graphql-core's
OverlappingFieldsCanBeMerged) compares every pair of same-named fields at each place of the
answer, which grows with the square of the repeats at every level. So, in three steps that each
stop at the first budget exceeded:

1. the text: tokens and bracket nesting, counted by the lexer before anything parses;
2. each definition once, in dependency order (each fragment's cost memoised): fields and aliases
   as executed, depth, fragment nesting, and spread cycles;
3. only when (2) is within budget, and so bounded: the merged tree of what executes, giving the
   field pairs that merging compares and the result size (list fields times their `first`/`last`
   or the default page size; other lists at an estimate).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    Lexer,
    OperationDefinitionNode,
    SelectionSetNode,
    Source,
    TokenKind,
    VariableNode,
)
from graphql.type import get_named_type, is_object_type

from app.budgets import Budgets, check

DEFAULT_PAGE_SIZE = 50  # what a paginated field returns without `first` (API.md)
LIST_ESTIMATE = 10  # items assumed in a list that is not paginated
CAP = 10**15  # counts stop growing here, so a hostile document costs no big-integer arithmetic

OPENERS = frozenset({TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L})
CLOSERS = frozenset({TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R})
PAGE_ARGUMENTS = ("first", "last")


def check_source(query: str, budgets: Budgets) -> None:
    """Step 1: tokens and nesting, before the (recursive) parser sees the text. A syntax error
    stops the count: the parser then reports it at the same place."""
    lexer = Lexer(Source(query))
    tokens = nesting = 0
    try:
        token = lexer.advance()
        while token.kind is not TokenKind.EOF:
            tokens += 1
            check("max_tokens", budgets.max_tokens, tokens, exact=False)
            if token.kind in OPENERS:
                nesting += 1
                check("max_nesting", budgets.max_nesting, nesting, exact=False)
            elif token.kind in CLOSERS:
                nesting -= 1
            token = lexer.advance()
    except GraphQLError:
        return


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
    check("max_result_size", budgets.max_result_size, merged.result_size)
    return Measured(
        fields=total.fields,
        aliases=total.aliases,
        depth=total.depth,
        fragment_depth=total.fragment_depth,
        field_merges=merged.field_merges,
        result_size=merged.result_size,
    )


@dataclass
class _Place:
    """One response name at one place of the answer, with every field selected there."""

    count: int = 0
    children: dict[str, _Place] = field(default_factory=dict)


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
        self.result_size = 0

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
        multiplier: int,
        page: int | None = None,
    ) -> None:
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
        self, node: FieldNode, parent: Any, place: _Place, multiplier: int, page: int | None
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
        if definition is not None and "first" in getattr(definition, "args", {}):
            # A paginated field answers one connection; its edges/nodes hold the page.
            own_page, items = _page_size(node, self.variables), 1
        else:
            own_page, items = None, _items(parent, definition, page)
        self._merge(node.selection_set, inner, child, min(CAP, multiplier * items), own_page)


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


def _items(parent: Any, definition: Any, page: int | None) -> int:
    """How many items a field's answer holds, for the result-size estimate."""
    if definition is None or not _is_list(definition.type):
        return 1
    if is_object_type(parent) and "pageInfo" in parent.fields:
        return page if page is not None else DEFAULT_PAGE_SIZE  # a connection's edges/nodes
    return LIST_ESTIMATE


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


def _is_list(type_: Any) -> bool:
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)
