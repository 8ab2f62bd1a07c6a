"""Subscriptions over WebSocket at /graphql, in the graphql-transport-ws protocol (what graphql-ws
and Apollo speak): connection_init carries the token (`{"Authorization": "Bearer swb_..."}`),
then each `subscribe` streams `next` messages until `complete` from either side.

Close codes are the protocol's: 4400 a malformed message, 4401 no valid token (or a CALLER
token, which may only call models), 4408 no connection_init within 10 s, 4409 a duplicate id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from litestar import WebSocket, websocket
from litestar.datastructures import State
from litestar.exceptions import WebSocketDisconnect

from app.api.context import Context
from app.auth.service import Viewer, authenticate
from app.auth.tokens import bearer_token
from app.db.versions import read_versions
from app.http.request_ids import request_id_from

log = logging.getLogger(__name__)

PROTOCOL = "graphql-transport-ws"
INIT_SECONDS = 10.0
MAX_SUBSCRIPTIONS = 20  # on one socket


class Closed(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@websocket("/graphql")
async def graphql_socket(socket: WebSocket[Any, Any, Any], state: State) -> None:
    if PROTOCOL not in socket.scope.get("subprotocols", []):
        await socket.close(code=4406, reason=f"Subprotocol not acceptable: use {PROTOCOL}")
        return
    await socket.accept(subprotocols=PROTOCOL)
    running: dict[str, asyncio.Task[None]] = {}
    try:
        viewer = await _initialised(socket)
        await socket.send_json({"type": "connection_ack"})
        while True:
            await _handle(socket, state, viewer, await socket.receive_json(), running)
    except Closed as closed:
        await socket.close(code=closed.code, reason=closed.reason)
    except (WebSocketDisconnect, ValueError):
        pass
    finally:
        for task in running.values():
            task.cancel()


async def _initialised(socket: WebSocket[Any, Any, Any]) -> Viewer:
    try:
        message = await asyncio.wait_for(socket.receive_json(), INIT_SECONDS)
    except TimeoutError:
        raise Closed(4408, "Connection initialisation timeout") from None
    if not isinstance(message, dict) or message.get("type") != "connection_init":
        raise Closed(4400, "The first message must be connection_init")
    given = message.get("payload")
    payload: dict[str, Any] = given if isinstance(given, dict) else {}
    token = bearer_token(str(payload.get("Authorization") or "")) or str(payload.get("token") or "")
    viewer = await authenticate(token) if token else None
    if viewer is None or viewer.is_caller:
        raise Closed(4401, "Unauthorized: send an ADMIN or MEMBER token in connection_init")
    return viewer


async def _handle(
    socket: WebSocket[Any, Any, Any],
    state: State,
    viewer: Viewer,
    message: Any,
    running: dict[str, asyncio.Task[None]],
) -> None:
    kind = message.get("type") if isinstance(message, dict) else None
    if kind == "ping":
        await socket.send_json({"type": "pong"})
    elif kind == "pong":
        pass
    elif kind == "complete":
        task = running.pop(str(message.get("id")), None)
        if task is not None:
            task.cancel()
    elif kind == "subscribe":
        subscription_id, payload = message.get("id"), message.get("payload")
        if not isinstance(subscription_id, str) or not isinstance(payload, dict):
            raise Closed(4400, "subscribe needs an id and a payload")
        if subscription_id in running:
            raise Closed(4409, f"Subscriber for {subscription_id} already exists")
        if len(running) >= MAX_SUBSCRIPTIONS:
            raise Closed(4400, f"At most {MAX_SUBSCRIPTIONS} subscriptions on one socket")
        task = asyncio.get_running_loop().create_task(
            _stream(socket, state, viewer, subscription_id, payload)
        )
        running[subscription_id] = task
        task.add_done_callback(lambda _: running.pop(subscription_id, None))
    else:
        raise Closed(4400, f"Unexpected message type {kind!r}")


async def _stream(
    socket: WebSocket[Any, Any, Any],
    state: State,
    viewer: Viewer,
    subscription_id: str,
    payload: dict[str, Any],
) -> None:
    """Run one subscription, sending each result, until it ends or is cancelled."""
    versions = await read_versions()
    context = Context.read_at(viewer, state.services, request_id_from(None), versions)
    variables = payload.get("variables")
    results = await state.schema.subscribe(
        payload.get("query"),
        variable_values=variables if isinstance(variables, dict) else None,
        context_value=context,
        operation_name=payload.get("operationName"),
    )
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        async for result in results:
            errors = [error.formatted for error in result.errors or []]
            if getattr(result, "data", None) is None and errors:
                await socket.send_json({"id": subscription_id, "type": "error", "payload": errors})
                return
            body: dict[str, Any] = {"data": result.data}
            if errors:
                body["errors"] = errors
            await socket.send_json({"id": subscription_id, "type": "next", "payload": body})
        await socket.send_json({"id": subscription_id, "type": "complete"})
