"""Whatever a caller sends to the Responses and Gemini routes, and whatever an upstream answers,
the crossing either works or is a clean gateway error (a 400 for the caller, a 502 for the
upstream): never an unexpected exception, which would be a 500."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.gateway.errors import GatewayError
from app.gateway.exchange import exchange_for
from app.gateway.request_shape import check_request
from app.gateway.upstream import Translation, UpstreamRequest
from app.providers.families import Operation

scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.text(max_size=8))
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "type",
                    "role",
                    "content",
                    "text",
                    "parts",
                    "input",
                    "name",
                    "arguments",
                    "call_id",
                    "output",
                    "image_url",
                    "functionCall",
                    "functionResponse",
                    "args",
                    "response",
                    "inlineData",
                    "fileData",
                    "mimeType",
                    "data",
                    "fileUri",
                    "tools",
                    "functionDeclarations",
                    "parameters",
                    "choices",
                    "message",
                    "delta",
                    "tool_calls",
                    "function",
                    "usage",
                    "finish_reason",
                    "id",
                    "index",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)
RESPONSES_BODY = st.fixed_dictionaries(
    {"model": st.just("m")},
    optional={
        "input": values,
        "instructions": values,
        "tools": values,
        "tool_choice": values,
        "text": values,
        "max_output_tokens": values,
        "stream": st.booleans(),
    },
)
GEMINI_BODY = st.fixed_dictionaries(
    {"model": st.just("m")},
    optional={
        "contents": values,
        "systemInstruction": values,
        "tools": values,
        "toolConfig": values,
        "generationConfig": values,
    },
)
ROUTES = {
    Operation.RESPONSES: (Translation.RESPONSES_TO_CHAT,),
    Operation.STREAM_GENERATE_CONTENT: (Translation.GEMINI_TO_CHAT,),
}


def _crossing(op: Operation, body: dict[str, Any], anthropic: bool) -> Any:
    steps = ROUTES[op] + ((Translation.CHAT_TO_MESSAGES,) if anthropic else ())
    request = UpstreamRequest("http://upstream", {}, "up", translate=steps)
    try:
        check_request(op, body)
        return exchange_for(request, op, body, 1 << 20)
    except GatewayError as refused:
        assert refused.status == 400, refused.message
        return None


@settings(max_examples=300, deadline=None)
@given(body=RESPONSES_BODY, anthropic=st.booleans())
def test_any_responses_request_crosses_or_is_a_400(body, anthropic):
    _crossing(Operation.RESPONSES, body, anthropic)


@settings(max_examples=300, deadline=None)
@given(body=GEMINI_BODY, anthropic=st.booleans())
def test_any_gemini_request_crosses_or_is_a_400(body, anthropic):
    _crossing(Operation.STREAM_GENERATE_CONTENT, body, anthropic)


@settings(max_examples=300, deadline=None)
@given(answer=values, status=st.sampled_from([200, 400, 429, 500]), anthropic=st.booleans())
def test_any_upstream_answer_comes_back_or_is_a_502(answer, status, anthropic):
    for op, body in (
        (Operation.RESPONSES, {"model": "m", "input": "hi"}),
        (Operation.GENERATE_CONTENT, {"model": "m", "contents": [{"parts": [{"text": "hi"}]}]}),
    ):
        steps = ROUTES.get(op, (Translation.GEMINI_TO_CHAT,))
        steps += (Translation.CHAT_TO_MESSAGES,) if anthropic else ()
        exchange = exchange_for(
            UpstreamRequest("http://u", {}, "up", translate=steps), op, body, 1 << 20
        )
        try:
            json.loads(exchange.answer(json.dumps(answer).encode(), status))
        except GatewayError as failed:
            assert failed.status == 502 and status == 200
