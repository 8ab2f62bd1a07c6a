"""userErrors for expected failures; public top-level errors for auth and bad arguments."""

from __future__ import annotations

import functools
import re
import typing
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, ParamSpec, TypeVar

import strawberry
from graphql import GraphQLError

from app.errors import ErrorCode as DomainErrorCode
from app.errors import Forbidden, Problem, ProblemsFound

P = ParamSpec("P")
R = TypeVar("R")

ErrorCode = strawberry.enum(
    DomainErrorCode, name="ErrorCode", description="What kind of failure a UserError is."
)


@strawberry.type
class UserError:
    field: list[str] | None = strawberry.field(
        description='Path into the arguments, e.g. ["input", "baseUrl"].'
    )
    code: ErrorCode  # type: ignore[valid-type]
    message: str

    @classmethod
    def of(cls, problem: Problem) -> UserError:
        return cls(
            field=list(problem.field) if problem.field else None,
            code=problem.code,
            message=problem.message,
        )


def user_errors(problems: Iterable[Problem]) -> list[UserError]:
    return [UserError.of(p) for p in problems]


class PublicError(GraphQLError):
    """A top-level error whose message is safe to show (never masked)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, extensions={"code": code})


def unauthenticated() -> PublicError:
    return PublicError(
        "Authentication required: send 'Authorization: Bearer <token>'.", "UNAUTHENTICATED"
    )


def forbidden(action: str = "this operation") -> PublicError:
    return PublicError(f"Your token's role does not allow {action}.", "FORBIDDEN")


def bad_argument(message: str) -> PublicError:
    return PublicError(message, "VALIDATION")


def invalid_input(problems: Iterable[Problem]) -> GraphQLError:
    """For operations without a payload: the userErrors travel in the error's extensions."""
    items = list(problems)
    message = "; ".join(f"{'.'.join(p.field or ())}: {p.message}" for p in items)
    details = [
        {"field": list(p.field or ()), "code": p.code.value, "message": p.message} for p in items
    ]
    return GraphQLError(message, extensions={"code": "VALIDATION", "userErrors": details})


def should_mask(error: GraphQLError) -> bool:
    """Mask everything but parse/validation errors and our own public errors."""
    original = error.original_error
    if original is None:
        return False
    return not isinstance(original, GraphQLError)


def maps_problems(resolver: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """The one place failures become errors, on every mutation: a ProblemsFound raised anywhere
    below becomes the payload's userErrors (through the payload's `from_problems` when it has
    one), or a VALIDATION error for an operation without a payload; Forbidden becomes a
    top-level FORBIDDEN error."""

    @functools.wraps(resolver)
    async def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await resolver(*args, **kwargs)
        except ProblemsFound as found:
            payload = _payload_type(resolver)
            if payload is None:
                raise invalid_input(found.problems) from None
            if hasattr(payload, "from_problems"):
                return typing.cast(R, payload.from_problems(found))
            return typing.cast(R, payload(user_errors=user_errors(found.problems)))
        except Forbidden as refused:
            raise forbidden(str(refused) or "this operation") from None

    return run


@functools.cache
def _payload_type(resolver: Callable[..., Any]) -> Any:
    """The resolver's return type when it is a payload (it has userErrors), else None."""
    returned = typing.get_type_hints(resolver).get("return")
    fields = getattr(returned, "__dataclass_fields__", {})
    return returned if "user_errors" in fields else None


_ENCOUNTERED = re.compile(r", but encountered error '.*'; found: .*$", re.DOTALL)
_FOUND = re.compile(r",? [Ff]ound: .*$", re.DOTALL)


def without_values(message: str, variables: Any) -> str:
    """graphql-core's message for a variable of the wrong shape echoes the value it was given
    (a whole input, apiKey included): say where and what is wrong, never what was sent."""
    if not message.startswith("Variable '$"):
        return message
    text = _ENCOUNTERED.sub(", which it is not.", message)
    text = _FOUND.sub(".", text)
    for value in _strings(variables):  # whatever the patterns above did not cover
        text = text.replace(value, "[redacted]")
    return text


def _strings(value: Any) -> list[str]:
    found: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str) and len(item) >= 8:  # a secret is longer than a word
            found.append(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return sorted(found, key=len, reverse=True)
