"""When an edit asks the provider again, and how a failed probe reads."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from app.connections.inputs import ConnectionPlan, SecretChange
from app.connections.planning import models_affected, refused_by_policy, verification_failed
from app.errors import ErrorCode, Problem
from app.providers.catalog import AuthMethod
from app.providers.verification import VerificationResult, VerificationStatus
from tests.connections.records import connection

CURRENT = connection()


def _unchanged() -> ConnectionPlan:
    return ConnectionPlan(
        provider=CURRENT.provider,
        name=CURRENT.name,
        auth_method=CURRENT.auth_method,
        base_url=CURRENT.base_url,
        config=dict(CURRENT.config),
        plain={**CURRENT.plain, "model_ids": []},
        enabled=True,
        is_default=None,
    )


def test_a_plan_that_changes_nothing_the_provider_sees_asks_nothing():
    assert not models_affected(replace(_unchanged(), name="renamed"), CURRENT)
    plain = {**_unchanged().plain, "description": "d", "tags": ["x"]}
    assert not models_affected(replace(_unchanged(), plain=plain), CURRENT)


@pytest.mark.parametrize(
    "change",
    [
        {"base_url": "http://127.0.0.1:10/v1"},
        {"auth_method": AuthMethod.API_KEY},
        {"config": {"region": "x"}},
        {"api_key": SecretChange("set", "k")},
        {"headers": []},
    ],
    ids=lambda c: next(iter(c)),
)
def test_whatever_can_change_the_served_models_lists_them_again(change):
    assert models_affected(replace(_unchanged(), **change), CURRENT)


def test_prefix_manual_list_and_re_enabling_list_them_again():
    for key, value in (("prefix_id", "p"), ("model_ids", ["m"])):
        plan = replace(_unchanged(), plain={**_unchanged().plain, key: value})
        assert models_affected(plan, CURRENT), key
    assert models_affected(_unchanged(), replace(CURRENT, enabled=False))


def test_a_failed_verification_carries_its_result_to_the_payload():
    result = VerificationResult(
        VerificationStatus.AUTH_FAILED, "bad key", None, None, datetime.now(UTC)
    )
    found = verification_failed(result, "Nothing was saved.")
    (problem,) = found.problems
    assert problem.code is ErrorCode.VERIFICATION_FAILED
    assert problem.message == "Verification failed (AUTH_FAILED): bad key. Nothing was saved."
    assert found.details["verification"] is result


def test_a_test_that_would_send_secrets_to_a_new_origin_is_blocked_by_policy():
    moved = Problem(("input", "apiKey"), ErrorCode.NOT_ALLOWED, "baseUrl moves to another origin")
    other = Problem(("input", "name"), ErrorCode.VALIDATION, "bad name")
    assert refused_by_policy([other]) is None
    result = refused_by_policy([other, moved])
    assert result is not None and result.status is VerificationStatus.BLOCKED_BY_POLICY
