"""The cost gate as a Strawberry extension: budgets first, then (cached) validation.

It replaces Strawberry's QueryDepthLimiter, MaxAliasesLimiter and MaxTokensLimiter (the first two
expand fragments without memoising them, so their own cost is exponential), ParserCache (it
parses with our limits, cached) and ValidationCache (which validates unconditionally). It also
adds graphql-core's recommended MaxIntrospectionDepthRule, which Strawberry leaves out.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSchema, OperationDefinitionNode
from graphql.validation import ASTValidationRule, MaxIntrospectionDepthRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.exceptions import CannotGetOperationTypeError
from strawberry.schema.schema import validate_document

from app.budgets import BudgetExceeded, Budgets
from app.graphql.cost import measure, parse_document


def budget_error(exc: BudgetExceeded) -> GraphQLError:
    return GraphQLError(str(exc), extensions=exc.extensions)


def _coded(error: GraphQLError) -> GraphQLError:
    """graphql-core's syntax and validation errors, with the code every other answer has."""
    if not (error.extensions or {}).get("code"):
        error.extensions = {**(error.extensions or {}), "code": "VALIDATION"}
    return error


@lru_cache(maxsize=256)
def _validate(
    schema: GraphQLSchema,
    document: DocumentNode,
    rules: tuple[type[ASTValidationRule], ...],
) -> list[GraphQLError]:
    # Keyed by the document object: parse_document's cache hands the same one back for the
    # same text, so a repeated query skips validation.
    return validate_document(schema, document, rules)


def answer_size(value: Any) -> int:
    """Values and objects in an answer's data, counted as the gate estimates them."""
    if isinstance(value, dict):
        return 1 + sum(answer_size(v) for v in value.values())
    if isinstance(value, list):
        return sum(answer_size(v) for v in value)
    return 1


class CostGate(SchemaExtension):
    """Each answer carries what it cost in `extensions.cost` (as GitHub's and Shopify's APIs
    tell their clients): the gate's estimate, the actual values and objects, and the limit."""

    def __init__(self, budgets: Budgets) -> None:
        self.budgets = budgets
        self.estimated: int | None = None

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query and context.graphql_document is None:
            try:
                context.graphql_document = parse_document(context.query, self.budgets)
            except BudgetExceeded as exc:
                raise budget_error(exc) from None
            except GraphQLError as error:
                raise _coded(error) from None
            operations = [
                d
                for d in context.graphql_document.definitions
                if isinstance(d, OperationDefinitionNode)
            ]
            # What the client sent: the public operation_name falls back to the first one's.
            if context._provided_operation_name is None and len(operations) > 1:
                # The spec's request error (Strawberry would run the first); answered as a 400.
                raise CannotGetOperationTypeError(None)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        assert document is not None
        try:
            bounds = getattr(context.context, "list_bounds", None)
            schema = context.schema._schema
            measured = measure(document, schema, context.variables, self.budgets, bounds)
        except BudgetExceeded as exc:
            context.pre_execution_errors = [budget_error(exc)]
        except GraphQLError as error:  # a fragment cycle: nothing below may expand it
            context.pre_execution_errors = [error]
        else:
            self.estimated = measured.result_size
            rules = (*context.validation_rules, MaxIntrospectionDepthRule)
            errors = _validate(context.schema._schema, document, rules)
            context.pre_execution_errors = [_coded(error) for error in errors]
        yield

    def get_results(self) -> dict[str, Any]:
        result = self.execution_context.result
        if self.estimated is None or result is None or result.data is None:
            return {}
        cost = {
            "estimated": self.estimated,
            "actual": answer_size(result.data),
            "limit": self.budgets.max_result_size,
        }
        return {"cost": cost}
