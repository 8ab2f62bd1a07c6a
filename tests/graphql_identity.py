"""Every query the suite sends runs through both executors: the planned one the app uses
(app/graphql/execution.py), then graphql-core's generic one with the same context. The answers,
data and errors alike, must be equal; conftest.py checks after each test that none differed.

Mutations run once (twice would write twice); their payloads are queries' types and fields, so
the same plans serve them. Tests that count what one execution does (statements, calls) are
marked `one_execution`: their queries run once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import OperationDefinitionNode, OperationType, parse

from app.api.schema import SwitchboardSchema
from app.graphql.execution import generic_only


@dataclass
class Identity:
    compared: int = 0
    run_once: int = 0  # queries of tests marked `one_execution`
    enabled: bool = True
    differences: list[str] = field(default_factory=list)


IDENTITY = Identity()
_original = SwitchboardSchema.execute


def _is_query(document: str | None, operation_name: str | None) -> bool:
    try:
        parsed = parse(document or "")
    except Exception:
        return False
    operations = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        o
        for o in operations
        if operation_name is None or (o.name and o.name.value == operation_name)
    ]
    return len(chosen) == 1 and chosen[0].operation is OperationType.QUERY


def _answer(result: Any) -> tuple[Any, list[Any]]:
    return result.data, [error.formatted for error in result.errors or ()]


async def execute_both_ways(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
    planned = await _original(self, query, *args, **kwargs)
    operation_name = kwargs.get("operation_name", args[3] if len(args) > 3 else None)
    if not _is_query(query, operation_name):
        return planned
    if not IDENTITY.enabled:
        IDENTITY.run_once += 1
        return planned
    token = generic_only.set(True)
    try:
        generic = await _original(self, query, *args, **kwargs)
    finally:
        generic_only.reset(token)
    IDENTITY.compared += 1
    if _answer(planned) != _answer(generic):
        IDENTITY.differences.append(
            f"{query!r}\n  planned: {_answer(planned)!r}\n  generic: {_answer(generic)!r}"
        )
    return planned


def install() -> None:
    SwitchboardSchema.execute = execute_both_ways  # type: ignore[method-assign]
