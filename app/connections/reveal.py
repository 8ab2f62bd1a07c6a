"""The one way a stored secret leaves: for admins, while the organisation allows it, never a
personal connection's, and only once its audit event has committed."""

from __future__ import annotations

import uuid

from app.audit.service import Done, audited_write
from app.connections.access import Caller, Operation, reach
from app.connections.records import fetch_connection
from app.connections.snapshot import connection_target
from app.connections.targets import target_from_record
from app.db.tables import AuditEvent
from app.errors import ErrorCode, Problem, ProblemsFound
from app.providers.target import ProviderTarget
from app.security.keyring import Keyring


def _refused(message: str) -> ProblemsFound:
    return ProblemsFound([Problem(("id",), ErrorCode.NOT_ALLOWED, message)])


async def reveal_secrets(
    keyring: Keyring, caller: Caller, connection_id: uuid.UUID
) -> ProviderTarget:
    if not caller.org.allow_secret_reveal:
        raise _refused("revealing secrets is turned off (settings.allowSecretReveal)")
    current = reach(caller, await fetch_connection(connection_id), Operation.DELETE)
    if current.owner_id is not None:
        raise _refused("a personal connection's secrets are never revealed")
    opened = target_from_record(keyring, current)
    fields = [
        name
        for name, value in (
            ("apiKey", opened.api_key),
            ("serviceAccountJson", opened.service_account_json),
        )
        if value
    ] + ["customHeaderValues"] * bool(opened.headers)
    changes = [{"field": f, "secret": True} for f in fields]

    async def write() -> Done[ProviderTarget]:  # nothing to write but the event itself
        return Done(opened, connection_target(current), changes)

    return await audited_write(AuditEvent, caller.actor, "connection.reveal_secret", write)
