"""A faster executor for the fields that are only attribute reads.

Most of a list's fields are plain attributes of the objects the resolvers built (a connection's
name, its provider, its timestamps...). graphql-core executes each of them as it would any field:
a path, a resolve-info object, the argument check, a call into Strawberry's resolver wrapper, and
the completion's type dispatch, about 700 times for a page of 50 connections. Here each selection
set is planned once per request (a list's items share one plan): a field with Strawberry's default
resolver, no arguments, no directives and a scalar or enum type (or a list of them) is read and
serialised directly; every other field goes through graphql-core as before.

Results are identical by construction: the fast path only ever produces what graphql-core would
(same attribute, same `coerce_output_value`), and any value it cannot complete cleanly (a null
for a non-null field, an exception, a value the scalar refuses) is handed back to graphql-core,
which then raises and locates the error exactly as it always did. tests/graphql_identity.py runs
every query of the suite through both executors and compares the answers.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from graphql import (
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    is_leaf_type,
)
from graphql.pyutils import Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

BACKREF = "strawberry-definition"  # where Strawberry keeps a GraphQL field's definition

generic_only: ContextVar[bool] = ContextVar("generic_only", default=False)


class _Slow(Exception):
    """This value is graphql-core's to complete (and perhaps to report as an error)."""


def _leaf(kind: GraphQLLeafType, nullable: bool) -> Callable[[Any], Any]:
    coerce = kind.coerce_output_value

    def complete(value: Any) -> Any:
        if value is None:
            if nullable:
                return None
            raise _Slow
        if isinstance(value, Exception):
            raise _Slow
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            raise _Slow
        return coerced

    return complete


def _completer(kind: GraphQLOutputType) -> Callable[[Any], Any] | None:
    """How to complete a value of this type without graphql-core, or None when it must."""
    nullable = not isinstance(kind, GraphQLNonNull)
    inner = kind.of_type if isinstance(kind, GraphQLNonNull) else kind
    if is_leaf_type(inner):
        return _leaf(inner, nullable)
    if not isinstance(inner, GraphQLList):
        return None
    item = _completer(inner.of_type)
    if item is None or not (
        is_leaf_type(inner.of_type)
        or (isinstance(inner.of_type, GraphQLNonNull) and is_leaf_type(inner.of_type.of_type))
    ):
        return None

    def complete(value: Any) -> Any:
        if value is None:
            if nullable:
                return None
            raise _Slow
        if not isinstance(value, list | tuple):
            raise _Slow  # graphql-core's iterables, streams and errors
        return [item(v) for v in value]

    return complete


def _reader(field_def: Any, details: Any) -> tuple[str, Callable[[Any], Any]] | None:
    """(attribute, completer) for a field that is only an attribute read, else None."""
    strawberry_field = (field_def.extensions or {}).get(BACKREF)
    node = details[0].node
    if (
        len(details) != 1
        or strawberry_field is None
        or not getattr(field_def.resolve, "_is_default", False)
        or getattr(strawberry_field, "default_resolver", None) is not getattr
        or node.arguments
        or node.directives
        or field_def.args
    ):
        return None
    complete = _completer(field_def.type)
    return (strawberry_field.python_name, complete) if complete else None


class PlannedExecution(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor with attribute-read fields completed from a per-request plan."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[str, int], tuple[Any, list[Any]]] = {}

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> list[Any]:
        key = (parent_type.name, id(grouped_field_set))
        cached = self._plans.get(key)
        if cached is not None:
            return cached[1]
        plan = []
        for response_name, details in grouped_field_set.items():
            field_def = self.schema.get_field(parent_type, details[0].node.name.value)
            plan.append(
                (response_name, details, _reader(field_def, details) if field_def else None)
            )
        # The field set is kept alive with its plan, so its id is never reused meanwhile.
        self._plans[key] = (grouped_field_set, plan)
        return plan

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        middleware = self.middleware_manager
        if (middleware is not None and middleware.middlewares) or generic_only.get():
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        pending: list[str] = []
        is_awaitable = self.is_awaitable
        try:
            for response_name, details, reader in self._plan(parent_type, grouped_field_set):
                if reader is not None:
                    try:
                        results[response_name] = reader[1](getattr(source_value, reader[0]))
                        continue
                    except Exception:  # noqa: S110 (graphql-core completes it, errors included)
                        pass
                field_path = Path(path, response_name, parent_type.name)
                result = self.execute_field(
                    parent_type, source_value, details, field_path, position_context
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        pending.append(response_name)
        except Exception:
            if pending:
                self.settle_in_background([results[name] for name in pending])
            raise
        if not pending:
            return results
        return self._gathered(results, pending)

    async def _gathered(self, results: dict[str, Any], pending: list[str]) -> dict[str, Any]:
        if len(pending) == 1:
            results[pending[0]] = await results[pending[0]]
            return results
        values = await gather_with_cancel(*(results[name] for name in pending))
        results.update(zip(pending, values, strict=True))
        return results
