"""Step 3: the merged tree of what executes: field pairs that merging compares, and the
result size."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_introspection_query,
    parse,
)
from graphql.type import get_named_type, is_object_type

from app.graphql.cost.fragments import CAP
from app.graphql.cost.introspection import introspection_sizes, wrapped_share

# What bounds an unpaginated list: a count, or a function of the field (its arguments) and the
# request's variables giving one.
Bound = float | Callable[[FieldNode, Mapping[str, Any]], float]
DEFAULT_PAGE_SIZE = 50  # what a paginated field returns without `first` (API.md)
LIST_ESTIMATE = 10  # items assumed in a list that is not paginated
PAGE_ARGUMENTS = ("first", "last")
INTROSPECTION_ROOTS = ("__schema", "__type")


@dataclass
class _Place:
    """One response name at one place of the answer, with every field selected there."""

    count: int = 0
    children: dict[str, _Place] = field(default_factory=dict)
    wrapping: int = 0  # how many `ofType` deep this place is, in introspection
    introspective: bool = False  # under __schema or __type


class Merger:
    """Step 3: the merged tree of what executes. Bounded, since step 2 capped the fields."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        bounds: Mapping[tuple[str, str], Bound] | None = None,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.bounds = bounds or {}  # (type, field) -> the most items that list can hold now
        self.bounded: set[tuple[str, str]] = set()  # the unpaginated lists the document selects
        self.field_merges = 0
        self.result_size = 0.0  # of the data
        self.introspection_size = 0.0  # fractional: introspection lists are averages

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

    def _count(self, place: _Place, amount: float) -> None:
        if place.introspective:
            self.introspection_size = min(CAP, self.introspection_size + amount)
        else:
            self.result_size = min(CAP, self.result_size + amount)

    def _merge_field(
        self, node: FieldNode, parent: Any, place: _Place, multiplier: float, page: int | None
    ) -> None:
        key = node.alias.value if node.alias else node.name.value
        child = place.children.get(key)
        if child is None:
            child = place.children[key] = _Place()
            child.introspective = place.introspective or node.name.value in INTROSPECTION_ROOTS
            self._count(child, multiplier)  # one value per item
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
            own_page = None
            bound = _items(self.schema, parent, node, definition, page, self.bounds)
            # A bound may depend on the field's arguments (how a usage query groups...).
            items = (
                bound if not callable(bound) else min(CAP, max(0.0, bound(node, self.variables)))
            )
            if _is_plain_list(parent, definition):
                self.bounded.add((parent.name, node.name.value))
        if node.name.value == "ofType" and getattr(parent, "name", None) == "__Type":
            child.wrapping = place.wrapping + 1
            items = wrapped_share(self.schema, child.wrapping)
        objects = min(CAP, multiplier * items)
        if child.count == 1:
            # Each object costs more than a value to build, so it counts once more.
            self._count(child, objects)
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
    schema: GraphQLSchema,
    parent: Any,
    node: FieldNode,
    definition: Any,
    page: int | None,
    bounds: Mapping[tuple[str, str], Bound],
) -> Bound:
    """How many items a field's answer holds, for the result-size estimate: a page's size, an
    introspection list's real length, an unpaginated list's bound where the API knows what
    bounds it (a model's offerings, the providers, usage buckets by the field's arguments...),
    else LIST_ESTIMATE."""
    name = node.name.value
    if definition is None or not _is_list(definition.type):
        return 1
    if is_object_type(parent) and "pageInfo" in parent.fields:
        return page if page is not None else DEFAULT_PAGE_SIZE  # a connection's edges/nodes
    if parent is not None and parent.name.startswith("__"):
        # Introspection lists are as long as our schema makes them: count them.
        return introspection_sizes(schema).get((parent.name, name), LIST_ESTIMATE)
    return bounds.get((getattr(parent, "name", ""), name), LIST_ESTIMATE)


def _is_plain_list(parent: Any, definition: Any) -> bool:
    """A list of objects that is neither a page nor introspection's."""
    if definition is None or not _is_list(definition.type) or parent is None:
        return False
    return not parent.name.startswith("__") and "pageInfo" not in getattr(parent, "fields", {})


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


@lru_cache(maxsize=8)
def full_introspection_size(schema: GraphQLSchema) -> float:
    """What the fullest introspection query (GraphiQL's) costs on this schema: the allowance
    every document gets, so a growing schema never locks GraphiQL out."""
    query = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
    )
    operation = parse(query)
    fragments = {
        d.name.value: d for d in operation.definitions if isinstance(d, FragmentDefinitionNode)
    }
    merger = Merger(schema, fragments, {})
    for definition in operation.definitions:
        if isinstance(definition, OperationDefinitionNode):
            merger.add_root(definition)
    return merger.introspection_size
