"""What a delete must pass, before any row is touched."""

from __future__ import annotations

import uuid

import pytest

from app.connections.deletion import check_deletion, has_dependents
from app.dependents.kinds import Links
from app.dependents.records import EndpointRecord
from app.errors import ErrorCode, ProblemsFound
from tests.connections.records import connection

CURRENT = connection()


def _endpoints(count: int) -> list[EndpointRecord]:
    now = CURRENT.created_at
    return [
        EndpointRecord(uuid.uuid4(), f"e{i}", None, CURRENT.id, "m", {}, 1, now, now)
        for i in range(count)
    ]


@pytest.mark.db
async def test_a_connection_in_use_is_refused_unless_forced(clean_db):
    """The rule also reads the connection's recent gateway traffic: a database is needed."""
    moving = _endpoints(7)
    with pytest.raises(ProblemsFound) as refused:
        await check_deletion(Links(), CURRENT, moving, force=False, reassign_to=None)
    (problem,) = refused.value.problems
    assert problem.code is ErrorCode.HAS_DEPENDENTS and "7 endpoint(s)" in problem.message
    assert "e0, e1, e2, e3, e4 ..." in problem.message
    assert refused.value.details["dependents"] == moving
    await check_deletion(Links(), CURRENT, moving, force=True, reassign_to=None)
    await check_deletion(Links(), CURRENT, [], force=False, reassign_to=None)


async def test_dependents_cannot_move_to_the_connection_being_deleted():
    with pytest.raises(ProblemsFound) as refused:
        await check_deletion(Links(), CURRENT, _endpoints(1), force=False, reassign_to=CURRENT.id)
    assert refused.value.problems[0].field == ("reassignTo",)


def test_the_refusal_names_what_to_do():
    message = has_dependents(_endpoints(1)).problems[0].message
    assert "reassignTo" in message and "force" in message
