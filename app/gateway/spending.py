"""A gateway call's money: the estimate its budgets reserve before it goes upstream, and what
it cost once it ended, with the price in force then (stored with its record, so a later price
never rewrites it)."""

from __future__ import annotations

from typing import Any

from app.gateway.routing import Route
from app.providers.families import Operation
from app.spend.prices import PriceBook, Tokens
from app.usage.trace import CallTrace

BYTES_PER_TOKEN = 4  # a JSON body holds about this many bytes a token: the input's estimate
DEFAULT_OUTPUT = 4096  # a call that sets no output limit is reserved this many output tokens
MAX_OUTPUT = 1_000_000
OUTPUT_LIMITS = ("max_tokens", "max_completion_tokens", "max_output_tokens")  # Chat, Responses
COUNTING = frozenset({Operation.COUNT_TOKENS, Operation.GEMINI_COUNT_TOKENS})  # free to call


def requested_output(op: Operation, body: dict[str, Any]) -> int:
    """The most output tokens the call may produce, as the caller set it (in any format)."""
    if op is Operation.EMBEDDINGS:
        return 0
    config = body.get("generationConfig")
    found = [body.get(name) for name in OUTPUT_LIMITS]
    found.append(config.get("maxOutputTokens") if isinstance(config, dict) else None)
    for value in found:
        if type(value) is int and 0 < value <= MAX_OUTPUT:
            return value
    return DEFAULT_OUTPUT


def estimate(
    op: Operation, body: dict[str, Any], size: int, route: Route, book: PriceBook
) -> tuple[int, int]:
    """(pico-dollars, tokens) a call reserves: its body's tokens plus its output limit, at the
    dearest price among the connections that may serve it (an unpriced one reserves tokens
    only)."""
    if op in COUNTING:
        return 0, 0
    tokens = Tokens(input=size // BYTES_PER_TOKEN, output=requested_output(op, body))
    costs = [
        book.cost(o.connection.provider.value, str(o.connection.id), o.upstream_model, tokens)
        for o in route.offerings
    ]
    return max((c for c in costs if c is not None), default=0), tokens.input + tokens.output


def call_cost(trace: CallTrace, book: PriceBook) -> int | None:
    """What the call cost in pico-dollars with today's price of the model that served it; None
    when it used tokens and no price is known."""
    tokens = Tokens(
        input=trace.input_tokens,
        output=trace.output_tokens,
        cached=trace.cached_input_tokens,
        cache_write=trace.cache_write_tokens,
    )
    return book.cost(trace.provider, trace.connection_id, trace.upstream_model, tokens)
