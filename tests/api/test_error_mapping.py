"""One place turns failures into errors: what each kind of failure becomes."""

from __future__ import annotations

import pytest
import strawberry
from graphql import GraphQLError

from app.errors import ErrorCode, Forbidden, Problem, ProblemsFound, invalid
from app.graphql.errors import PublicError, UserError, maps_problems, user_errors

PROBLEM = invalid(("input", "name"), "name must not be empty")


@strawberry.type
class Payload:
    value: int | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RichPayload:
    extra: str | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def from_problems(cls, found: ProblemsFound) -> RichPayload:
        return cls(extra=found.details["extra"], user_errors=user_errors(found.problems))


@maps_problems
async def to_payload(fail: BaseException | None) -> Payload:
    if fail:
        raise fail
    return Payload(value=1)


@maps_problems
async def to_rich_payload() -> RichPayload:
    raise ProblemsFound([PROBLEM], extra="kept")


@maps_problems
async def without_payload() -> int:
    raise ProblemsFound([PROBLEM])


async def test_success_passes_through():
    assert (await to_payload(None)).value == 1


async def test_problems_become_the_payloads_user_errors():
    payload = await to_payload(ProblemsFound([PROBLEM]))
    assert payload.value is None
    [error] = payload.user_errors
    assert (error.field, error.code, error.message) == (
        ["input", "name"],
        ErrorCode.VALIDATION,
        PROBLEM.message,
    )


async def test_a_payload_may_carry_the_details_of_its_failure():
    payload = await to_rich_payload()
    assert payload.extra == "kept" and len(payload.user_errors) == 1


async def test_without_a_payload_problems_become_one_validation_error():
    with pytest.raises(GraphQLError) as raised:
        await without_payload()
    assert raised.value.extensions["code"] == "VALIDATION"
    assert raised.value.extensions["userErrors"][0]["field"] == ["input", "name"]


async def test_a_refused_role_is_a_top_level_forbidden():
    with pytest.raises(PublicError) as raised:
        await to_payload(Forbidden("deleting things"))
    assert raised.value.extensions == {"code": "FORBIDDEN"}
    assert "deleting things" in raised.value.message


async def test_anything_else_is_left_for_the_masking_layer():
    with pytest.raises(ZeroDivisionError):
        await to_payload(ZeroDivisionError())


def test_a_problem_without_a_field_has_a_null_path():
    assert UserError.of(Problem(None, ErrorCode.NOT_FOUND, "x")).field is None
