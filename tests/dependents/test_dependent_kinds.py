"""The registry of dependents: shared things never use a personal connection, whichever kind."""

from __future__ import annotations

import uuid

import pytest

from app.dependents.kinds import KINDS, Links, kind_of, personal_refusal
from app.dependents.records import EndpointRecord, WorkspaceRecord
from tests.connections.records import connection

PERSONAL = connection(owner_id=uuid.uuid4())
SHARED = connection()


def _endpoint() -> EndpointRecord:
    now = PERSONAL.created_at
    return EndpointRecord(uuid.uuid4(), "e", None, SHARED.id, "m", {}, 1, now, now)


def _workspace() -> WorkspaceRecord:
    now = PERSONAL.created_at
    return WorkspaceRecord(uuid.uuid4(), "w", SHARED.id, 1, now, now)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.noun)
def test_no_kind_of_dependent_may_use_a_personal_connection(kind):
    assert personal_refusal(kind, SHARED) is None
    assert personal_refusal(kind, PERSONAL) == kind.personal_refusal


def test_every_record_belongs_to_exactly_one_kind():
    assert kind_of(_endpoint()).noun == "endpoint" and kind_of(_workspace()).noun == "workspace"
    assert len({k.type_name for k in KINDS}) == len({k.record for k in KINDS}) == len(KINDS)


async def test_moving_dependents_to_a_personal_connection_is_refused_for_any_of_them():
    links = Links()
    assert await links.refusal(PERSONAL, []) is None
    assert await links.refusal(SHARED, [_endpoint(), _workspace()]) is None
    assert "endpoints" in (await links.refusal(PERSONAL, [_endpoint()]) or "")
    assert "workspace" in (await links.refusal(PERSONAL, [_workspace()]) or "")
