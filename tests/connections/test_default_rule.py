"""The default rule on its own, and planning that asks it before any provider is called."""

from __future__ import annotations

import uuid

import pytest

from app.connections.checks import DISABLED, PERSONAL, default_refusal
from app.connections.inputs import ConnectionInput
from app.connections.planning import plan_connection
from app.errors import ErrorCode
from app.providers.catalog import Provider

OWNER = uuid.uuid4()


@pytest.mark.parametrize(
    "owner, enabled, refusal",
    [
        (None, True, None),
        (OWNER, True, PERSONAL),
        (None, False, DISABLED),
        (OWNER, False, PERSONAL),
    ],
)
def test_only_an_enabled_workspace_wide_connection_may_be_the_default(owner, enabled, refusal):
    assert default_refusal(owner, enabled) == refusal


def _create(**fields) -> ConnectionInput:
    return ConnectionInput(provider=Provider.OLLAMA, name="local", **fields)


@pytest.mark.parametrize(
    "fields, owner, message",
    [
        ({"is_default": True}, OWNER, PERSONAL),
        ({"is_default": True, "enabled": False}, None, DISABLED),
    ],
    ids=["personal", "disabled"],
)
def test_planning_refuses_a_default_that_may_not_be(fields, owner, message):
    plan, problems = plan_connection(_create(**fields), None, owner)
    assert plan is None
    (problem,) = problems
    assert problem.field == ("input", "isDefault")
    assert problem.code is ErrorCode.NOT_ALLOWED and problem.message == message


def test_planning_admits_an_enabled_workspace_wide_default_and_a_personal_non_default():
    plan, problems = plan_connection(_create(is_default=True), None, None)
    assert problems == [] and plan is not None and plan.is_default
    plan, problems = plan_connection(_create(), None, OWNER)
    assert problems == [] and plan is not None
