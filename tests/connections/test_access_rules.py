"""Who may see, create and change which connection (app.connections.access), on its own."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from app.audit.service import Actor
from app.auth.service import Role, Viewer
from app.connections.access import (
    ADMIN_MAY_REACH,
    Caller,
    Operation,
    can_see,
    check_creation,
    reach,
)
from app.errors import ErrorCode, Forbidden, ProblemsFound
from app.org.settings import OrgSettings
from app.providers.catalog import Provider
from tests.connections.records import connection

ADMIN = Viewer(uuid.uuid4(), "root", Role.ADMIN, uuid.uuid4())
MIA = Viewer(uuid.uuid4(), "mia", Role.MEMBER, uuid.uuid4())
BOB = Viewer(uuid.uuid4(), "bob", Role.MEMBER, uuid.uuid4())
OPEN = OrgSettings(allow_direct_connections=True)
CLOSED = OrgSettings(allow_direct_connections=False)


def caller(viewer: Viewer, org: OrgSettings = OPEN) -> Caller:
    return Caller(viewer, org, Actor(viewer.user_id, viewer.name, None))


def _code(call) -> ErrorCode:
    with pytest.raises(ProblemsFound) as raised:
        call()
    (problem,) = raised.value.problems
    return problem.code


def test_everyone_sees_shared_connections_and_only_owners_and_admins_personal_ones():
    shared, mine = connection(), connection(owner_id=MIA.user_id)
    assert can_see(BOB, OPEN, shared) and can_see(MIA, OPEN, mine) and can_see(ADMIN, OPEN, mine)
    assert not can_see(BOB, OPEN, mine)


def test_turning_direct_connections_off_hides_every_personal_connection():
    mine = connection(owner_id=MIA.user_id)
    assert not can_see(MIA, CLOSED, mine) and not can_see(ADMIN, CLOSED, mine)


@pytest.mark.parametrize("op", list(Operation))
def test_a_member_reaching_for_a_shared_connection_is_forbidden(op):
    with pytest.raises(Forbidden, match="ADMIN token"):
        reach(caller(MIA), connection(), op)


@pytest.mark.parametrize("op", list(Operation))
def test_someone_elses_personal_connection_is_not_found_or_not_allowed(op):
    bobs = connection(owner_id=BOB.user_id)
    assert _code(lambda: reach(caller(MIA), bobs, op)) is ErrorCode.NOT_FOUND
    expected = None if op in ADMIN_MAY_REACH else ErrorCode.NOT_ALLOWED
    if expected is None:
        assert reach(caller(ADMIN), bobs, op) is bobs
    else:
        assert _code(lambda: reach(caller(ADMIN), bobs, op)) is expected


def test_owners_and_admins_reach_what_is_theirs_to_change():
    mine, shared = connection(owner_id=MIA.user_id), connection()
    assert reach(caller(MIA), mine, Operation.EDIT) is mine
    assert reach(caller(ADMIN), shared, Operation.DELETE) is shared
    assert _code(lambda: reach(caller(ADMIN), None, Operation.EDIT)) is ErrorCode.NOT_FOUND


def test_members_create_only_openai_compatible_connections_and_only_when_allowed():
    check_creation(caller(MIA), Provider.OPENAI_COMPATIBLE)
    check_creation(caller(ADMIN, CLOSED), Provider.ANTHROPIC)
    assert _code(lambda: check_creation(caller(MIA), Provider.ANTHROPIC)) is ErrorCode.NOT_ALLOWED
    closed = caller(MIA, CLOSED)
    assert (
        _code(lambda: check_creation(closed, Provider.OPENAI_COMPATIBLE)) is ErrorCode.NOT_ALLOWED
    )


def test_new_connections_belong_to_members_and_are_shared_for_admins():
    assert caller(MIA).owner_of_new == MIA.user_id and caller(ADMIN).owner_of_new is None
    assert replace(caller(MIA), viewer=ADMIN).owner_of_new is None
