"""What a command that writes through the services needs: the database, the keyring checked
against it, the services wired as the server wires them, and the operator as the caller."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from app.cli.common import database, fail, operator
from app.settings import get_settings


@contextlib.asynccontextmanager
async def services() -> AsyncIterator[tuple[Any, Any]]:
    """(services, caller)."""
    from app.asgi import build_outbound
    from app.composition import build_services
    from app.connections.access import Caller
    from app.org.settings import load_org_settings
    from app.security.key_check import KeyringMismatch, check_keyring
    from app.security.keyring import load_keyring

    settings = get_settings()
    keyring = load_keyring(settings)
    outbound = build_outbound(settings)
    async with database():
        try:
            await check_keyring(keyring)
        except KeyringMismatch as exc:
            fail(str(exc))
        viewer, actor = operator()
        try:
            yield (
                build_services(settings, keyring, outbound),
                Caller(viewer, await load_org_settings(), actor),
            )
        finally:
            for client in outbound:
                await client.client.aclose()
