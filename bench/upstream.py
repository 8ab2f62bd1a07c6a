"""A fast, keep-alive stand-in for a provider, for benchmarks: one fixed chat completion (or the
same as a stream), Responses answer or Gemini generateContent answer, by path, and the model
listings of OpenAI and Gemini. Run with uvicorn (python -m bench.upstream PORT)."""

from __future__ import annotations

import json
import sys
from typing import Any

import uvicorn

ANSWER = json.dumps(
    {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "gpt-bench",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 2, "completion_tokens": 1, "total_tokens": 3},
    }
).encode()
CHUNK = b'data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"ok"}}]}\n\n'
MODELS = json.dumps({"object": "list", "data": [{"id": "gpt-bench", "object": "model"}]}).encode()
GEMINI_MODELS = json.dumps({"models": [{"name": "models/gpt-bench"}]}).encode()
RESPONSE = json.dumps(
    {
        "id": "resp_bench",
        "object": "response",
        "created_at": 1_700_000_000,
        "status": "completed",
        "model": "gpt-bench",
        "output": [
            {
                "id": "msg_bench",
                "type": "message",
                "status": "completed",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "ok", "annotations": []}],
            }
        ],
        "usage": {"input_tokens": 2, "output_tokens": 1, "total_tokens": 3},
    }
).encode()
GENERATED = json.dumps(
    {
        "candidates": [
            {"content": {"role": "model", "parts": [{"text": "ok"}]}, "finishReason": "STOP"}
        ],
        "usageMetadata": {"promptTokenCount": 2, "candidatesTokenCount": 1, "totalTokenCount": 3},
        "modelVersion": "gpt-bench",
    }
).encode()
BIG_CHUNK = CHUNK.replace(b'"ok"', b'"' + b"x" * 1000 + b'"')
USAGE = b'data: {"id":"c","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":2,"completion_tokens":1}}\n\n'


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    streaming = b'"stream": true' in body or b'"stream":true' in body
    if not streaming:
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        path = scope["path"]
        if scope["method"] == "GET" and path.endswith("/models"):
            answer = GEMINI_MODELS if path.startswith("/v1beta") else MODELS
        elif path.endswith("/responses"):
            answer = RESPONSE
        else:
            answer = GENERATED if path.endswith(":generateContent") else ANSWER
        await send({"type": "http.response.body", "body": answer})
        return
    headers = [(b"content-type", b"text/event-stream")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    big = b'"big": true' in body or b'"big":true' in body  # 50 MB, to show memory stays flat
    pieces = [BIG_CHUNK] * (50 * 1024 * 1024 // len(BIG_CHUNK)) if big else [CHUNK]
    for piece in (*pieces, USAGE, b"data: [DONE]\n\n"):
        await send({"type": "http.response.body", "body": piece, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
