"""A CALLER token is the key an application is given: it calls models through the gateway, and
in GraphQL may ask only who it is (`viewer`). Anything else is FORBIDDEN before execution."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from strawberry.extensions import SchemaExtension

from app.graphql.errors import forbidden

CALLER_FIELDS = frozenset({"viewer", "__typename", "__schema", "__type"})


def root_fields(document: DocumentNode, operation_name: str | None) -> set[str]:
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = [
        d
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
        and (operation_name is None or (d.name and d.name.value == operation_name))
    ]
    found: set[str] = set()
    for operation in operations[:1]:
        _collect(operation.selection_set, fragments, found, set())
    return found


def _collect(
    selections: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    found: set[str],
    seen: set[str],
) -> None:
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            found.add(selection.name.value)
        elif isinstance(selection, InlineFragmentNode):
            _collect(selection.selection_set, fragments, found, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:
                seen.add(name)
                _collect(fragments[name].selection_set, fragments, found, seen)


class CallerScope(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        viewer = getattr(context.context, "viewer", None)
        document = context.graphql_document
        if (
            viewer is not None
            and viewer.is_caller
            and document
            and not context.pre_execution_errors
        ):
            refused = sorted(root_fields(document, context.operation_name) - CALLER_FIELDS)
            if refused:
                context.pre_execution_errors = [
                    forbidden(
                        f"{', '.join(refused)} (a CALLER token may use the gateway and viewer)"
                    )
                ]
        yield
