"""The cost gate as a Strawberry extension: budgets first, then (cached) validation.

It replaces Strawberry's QueryDepthLimiter, MaxAliasesLimiter and MaxTokensLimiter (the first two
expand fragments without memoising them, so their own cost is exponential), ParserCache (it
parses with our limits, cached) and ValidationCache (which validates unconditionally). It also
adds graphql-core's recommended MaxIntrospectionDepthRule, which Strawberry leaves out.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

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


class CostGate(SchemaExtension):
    def __init__(self, budgets: Budgets) -> None:
        self.budgets = budgets

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
            measure(document, schema, context.variables, self.budgets, bounds)
        except BudgetExceeded as exc:
            context.pre_execution_errors = [budget_error(exc)]
        except GraphQLError as error:  # a fragment cycle: nothing below may expand it
            context.pre_execution_errors = [error]
        else:
            rules = (*context.validation_rules, MaxIntrospectionDepthRule)
            errors = _validate(context.schema._schema, document, rules)
            context.pre_execution_errors = [_coded(error) for error in errors]
        yield
