"""Step 1: the text, priced as it parses."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

from graphql import (
    DocumentNode,
    GraphQLSyntaxError,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    TypeNode,
)
from graphql.language.parser import Parser

from app.budgets import Budgets, check

T = TypeVar("T")
PARSE_ABORTED = "tokens. Parsing aborted."  # graphql-core's words for max_tokens


class _BudgetedParser(Parser):
    """graphql-core's parser, which already counts every token (comments too) against
    `max_tokens`, also counting how deep its recursive productions go, and operations."""

    def __init__(self, query: str, budgets: Budgets) -> None:
        super().__init__(query, max_tokens=budgets.max_tokens, allow_empty_selection_sets=False)
        self._budgets = budgets
        self._nesting = 0
        self._operations = 0

    def _nested(self, parse: Callable[[], T]) -> T:
        self._nesting += 1
        check("max_nesting", self._budgets.max_nesting, self._nesting, exact=False)
        try:
            return parse()
        finally:
            self._nesting -= 1

    def parse_selection_set(self) -> SelectionSetNode:
        return self._nested(super().parse_selection_set)

    def parse_list(self, is_const: bool) -> ListValueNode:
        return self._nested(lambda: super(_BudgetedParser, self).parse_list(is_const))

    def parse_object(self, is_const: bool) -> ObjectValueNode:
        return self._nested(lambda: super(_BudgetedParser, self).parse_object(is_const))

    def parse_type_reference(self) -> TypeNode:
        return self._nested(super().parse_type_reference)

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
    try:
        return _BudgetedParser(query, budgets).parse_document()
    except GraphQLSyntaxError as error:
        # The parser (or the lexer, skipping comments) stopped at max_tokens.
        if error.message.endswith(PARSE_ABORTED):
            check("max_tokens", budgets.max_tokens, budgets.max_tokens + 1, exact=False)
        raise
