"""Streams translated event by event, fed in awkward pieces as a network delivers them."""

from __future__ import annotations

import json

from app.gateway.stream_translation import ChatToMessagesStream, MessagesToChatStream


def _sse(payload) -> bytes:
    return (
        b"data: "
        + (payload if isinstance(payload, bytes) else json.dumps(payload).encode())
        + b"\n\n"
    )


def _chunk(delta=None, finish=None, usage=None) -> bytes:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    body = {"id": "c1", "object": "chat.completion.chunk", "choices": choices}
    if usage:
        body["usage"] = usage
    return _sse(body)


def _events(raw: bytes) -> list[dict]:
    return [json.loads(line[6:]) for line in raw.split(b"\n") if line.startswith(b"data: ")]


def _feed(relay, stream: bytes, step: int = 7) -> bytes:
    out = b"".join(relay.filter(stream[i : i + step]) for i in range(0, len(stream), step))
    return out + relay.finish()


def test_a_chat_stream_with_text_and_a_tool_call_becomes_the_messages_sequence():
    call = {
        "index": 0,
        "id": "call_9",
        "type": "function",
        "function": {"name": "f", "arguments": ""},
    }
    stream = b"".join(
        [
            _chunk({"role": "assistant", "content": ""}),
            _chunk({"content": "Let me "}),
            _chunk({"content": "check."}),
            _chunk({"tool_calls": [call]}),
            _chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"a":'}}]}),
            _chunk({"tool_calls": [{"index": 0, "function": {"arguments": " 1}"}}]}),
            _chunk({}, "tool_calls"),
            _chunk(usage={"prompt_tokens": 11, "completion_tokens": 7}),
            _sse(b"[DONE]"),
        ]
    )
    events = _events(_feed(ChatToMessagesStream("m"), stream))
    assert [e["type"] for e in events] == [
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert events[5]["content_block"] == {
        "type": "tool_use",
        "id": "call_9",
        "name": "f",
        "input": {},
    }
    arguments = "".join(e["delta"]["partial_json"] for e in events[6:8])
    assert json.loads(arguments) == {"a": 1}
    assert events[9]["delta"]["stop_reason"] == "tool_use"
    assert events[9]["usage"] == {"input_tokens": 11, "output_tokens": 7}


def test_a_messages_stream_becomes_chat_chunks_ending_in_done():
    def event(kind, payload):
        return f"event: {kind}\n".encode() + _sse({"type": kind, **payload})

    stream = b"".join(
        [
            event("message_start", {"message": {"id": "m1", "usage": {"input_tokens": 4}}}),
            event(
                "content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}}
            ),
            event("ping", {}),
            event(
                "content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": "hi"}}
            ),
            event(
                "message_delta",
                {"delta": {"stop_reason": "max_tokens"}, "usage": {"output_tokens": 2}},
            ),
            event("message_stop", {}),
        ]
    )
    relay = MessagesToChatStream("claude", include_usage=True)
    raw = _feed(relay, stream, step=5)
    assert raw.endswith(b"data: [DONE]\n\n")
    chunks = _events(raw.removesuffix(b"data: [DONE]\n\n"))
    assert chunks[1]["choices"][0]["delta"] == {"content": "hi"}
    assert chunks[2]["choices"][0]["finish_reason"] == "length"
    assert chunks[3]["usage"] == {"prompt_tokens": 4, "completion_tokens": 2, "total_tokens": 6}
    assert relay.usage.input_tokens == 4 and relay.usage.output_tokens == 2
