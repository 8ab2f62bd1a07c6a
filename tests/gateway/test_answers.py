"""The gateway's ASGI side: a body is refused as soon as it passes the cap, and a caller that
leaves before its body arrived gets no answer."""

from __future__ import annotations

import pytest

from app.gateway.answers import CallerLeft, read_body
from app.gateway.errors import GatewayError


def receiver(*messages: dict):
    queue = list(messages)
    taken: list[dict] = []

    async def receive() -> dict:
        taken.append(queue.pop(0))
        return taken[-1]

    return receive, taken


async def test_a_body_arriving_in_pieces_is_joined():
    receive, _ = receiver(
        {"type": "http.request", "body": b'{"a"', "more_body": True},
        {"type": "http.request", "body": b":1}", "more_body": False},
    )
    assert await read_body(receive, {}, 100) == b'{"a":1}'


async def test_a_declared_length_over_the_cap_is_refused_before_reading():
    receive, taken = receiver({"type": "http.request", "body": b"x", "more_body": False})
    with pytest.raises(GatewayError) as refused:
        await read_body(receive, {"content-length": "101"}, 100)
    assert refused.value.status == 413 and taken == []


async def test_a_body_passing_the_cap_is_not_read_further():
    piece = {"type": "http.request", "body": b"x" * 60, "more_body": True}
    receive, taken = receiver(piece, piece, piece)
    with pytest.raises(GatewayError):
        await read_body(receive, {}, 100)
    assert len(taken) == 2


async def test_a_caller_that_leaves_mid_body_is_noticed():
    receive, _ = receiver(
        {"type": "http.request", "body": b"{", "more_body": True}, {"type": "http.disconnect"}
    )
    with pytest.raises(CallerLeft):
        await read_body(receive, {}, 100)
