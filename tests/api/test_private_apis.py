"""The internals of Strawberry and graphql-core that Switchboard builds on, by shape.

pyproject.toml bounds both packages to the releases these were checked on. When an upgrade moves
one of them, this fails here, naming what moved, rather than somewhere deep in the executor
(app/graphql/execution.py), the cost gate's parser (app/graphql/cost/parsing.py), the gate
(app/graphql/gate.py) or the DateTime scalar (app/graphql/schema.py)."""

from __future__ import annotations

import inspect

import pytest
import strawberry
from graphql import GraphQLError, parse
from graphql.language.parser import Parser
from graphql.pyutils import Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext, validate_document
from strawberry.schema.types.base_scalars import DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition

from app.graphql.execution import BACKREF, PlannedExecution


def _parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


@pytest.mark.parametrize(
    ("method", "parameters"),
    [
        (
            "execute_fields",
            [
                "self",
                "parent_type",
                "source_value",
                "path",
                "grouped_field_set",
                "position_context",
            ],
        ),
        (
            "execute_field",
            ["self", "parent_type", "source", "field_details_list", "path", "position_context"],
        ),
        ("settle_in_background", ["self", "awaitables"]),
    ],
)
def test_the_executor_methods_the_fast_path_overrides_and_calls(method, parameters):
    assert _parameters(getattr(StrawberryGraphQLCoreExecutionContext, method)) == parameters


async def test_the_fast_path_runs_on_this_executor():
    """PlannedExecution reads the executor's schema, is_awaitable and middleware_manager, and
    gathers with graphql-core's gather_with_cancel: a plain and an awaited field together."""

    @strawberry.type
    class Query:
        name: str = "plain"

        @strawberry.field
        async def later(self) -> int:
            return 1

        @strawberry.field
        async def again(self) -> int:
            return 2

    schema = strawberry.Schema(query=Query, execution_context_class=PlannedExecution)
    result = await schema.execute("{ name later again }", root_value=Query())
    assert result.errors is None and result.data == {"name": "plain", "later": 1, "again": 2}
    assert Undefined is not None and inspect.iscoroutinefunction(gather_with_cancel)


@pytest.mark.parametrize(
    ("method", "parameters"),
    [
        ("parse_selection_set", ["self"]),
        ("parse_list", ["self", "is_const"]),
        ("parse_object", ["self", "is_const"]),
        ("parse_type_reference", ["self"]),
        ("parse_operation_definition", ["self"]),
        ("parse_document", ["self"]),
    ],
)
def test_the_parser_productions_the_cost_gate_counts(method, parameters):
    assert _parameters(getattr(Parser, method)) == parameters


def test_the_parser_takes_the_limits_the_cost_gate_sets():
    accepted = _parameters(Parser.__init__)
    assert {"max_tokens", "allow_empty_selection_sets"} <= set(accepted)
    with pytest.raises(GraphQLError, match="tokens. Parsing aborted."):
        Parser("{ a b c d }", max_tokens=3).parse_document()


def test_strawberry_validates_a_document_with_rules_and_marks_default_resolvers():
    @strawberry.type
    class Query:
        name: str = "x"

    schema = strawberry.Schema(query=Query)
    assert _parameters(validate_document) == ["schema", "document", "validation_rules"]
    assert validate_document(schema._schema, parse("{ name }"), ()) == []
    field = schema._schema.query_type.fields["name"]
    definition = field.extensions[BACKREF]
    assert getattr(field.resolve, "_is_default", False) is True
    assert getattr(definition, "default_resolver", None) is getattr


def test_the_datetime_scalar_definition_the_schema_documents():
    assert isinstance(DateTimeDefinition, ScalarDefinition)
    assert DateTimeDefinition.name == "DateTime"
