"""Sending a call upstream: offerings in the balancer's order, failing over before the first
byte reaches the caller on connect errors, timeouts, 429, 5xx and 529; answers passed on as
they are (streams event by event), scrubbed of secrets; the caller's disconnect closes the
upstream call."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx
from google.auth.exceptions import GoogleAuthError

from app.connections.records import ConnectionRecord
from app.connections.sealing import target_from_record
from app.gateway.answers import Answer
from app.gateway.balancer import Balancer
from app.gateway.errors import GatewayError
from app.gateway.exchange import Chain, Exchange, Relay, exchange_for
from app.gateway.routing import Offering, Route
from app.gateway.streams import (
    DEFAULT_MAX_EVENT_BYTES,
    EventTooLarge,
    Usage,
    error_event,
    usage_of_answer,
)
from app.gateway.upstream import UpstreamRequest, upstream_request
from app.gateway.upstream_http import Unreachable, UpstreamResponse, send
from app.providers.client import Outbound
from app.providers.families import Operation
from app.providers.http11 import DeadlinePassed
from app.providers.redact import redact
from app.providers.target import ProviderTarget
from app.security.envelope import SecretUnavailable
from app.security.keyring import Keyring
from app.security.outbound import BlockedByPolicy
from app.settings import Settings
from app.usage.trace import CALLER_LEFT, CallTrace

log = logging.getLogger(__name__)

MAX_TARGETS = 4096
TOKEN_FAILURES = (GoogleAuthError, httpx.HTTPError, BlockedByPolicy, TimeoutError, ValueError)
RETRYABLE = frozenset({429, 500, 502, 503, 504, 529})
REFUSED = frozenset({401, 403})  # the connection's credentials, not the caller's: a 502
DEFAULT_CALL_TIMEOUT = Settings.gateway_timeout  # seconds for a whole call, streams included
MAX_ANSWER_BYTES = 64 * 1024 * 1024  # a non-streamed answer is read whole before it is passed on
PASSED_HEADERS = (
    "content-type",
    "retry-after",
    "request-id",
    "x-request-id",
    "openai-processing-ms",
)


@dataclass(frozen=True)
class Call:
    """One try of one offering."""

    offering: Offering
    op: Operation
    body: dict[str, Any]
    caller_headers: Any
    trace: CallTrace
    deadline: float  # time.monotonic() by which the answer must be complete


@dataclass
class Attempts:
    """What was tried, for the answer's headers and for a failure message naming each one."""

    count: int = 0
    failures: list[str] = field(default_factory=list)
    timed_out: bool = False
    rate_limited: int = 0  # offerings that answered 429
    retry_after: int = 0  # the longest wait a 429 asked for, in seconds

    def failed(self, offering: Offering, why: str) -> None:
        self.failures.append(f"{offering.connection.name} ({why})")


class Forwarder:
    def __init__(
        self,
        keyring: Keyring,
        shared: Outbound,
        personal: Outbound,
        call_timeout: float = DEFAULT_CALL_TIMEOUT,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    ) -> None:
        self.keyring = keyring
        self.shared = shared
        self.personal = personal  # its policy also refuses loopback and private ranges
        self.call_timeout = call_timeout  # the whole answer, however the upstream paces it
        self.max_event_bytes = max_event_bytes
        self.balancer = Balancer()
        self.targets: dict[tuple[Any, ...], ProviderTarget] = {}

    async def forward(
        self,
        route: Route,
        op: Operation,
        body: dict[str, Any],
        caller_headers: Any,
        trace: CallTrace,
    ) -> Answer:
        """The answer; `trace` follows the call, and hears when it has ended (for a stream,
        when the stream does) unless a GatewayError is raised."""
        attempts = Attempts()
        deadline = time.monotonic() + self.call_timeout
        for offering in self.balancer.order(route.offerings):
            attempts.count += 1
            connection = offering.connection
            provider = connection.provider.value
            trace.tried(connection.id, connection.name, provider, offering.upstream_model)
            call = Call(offering, op, body, caller_headers, trace, deadline)
            answer = await self._attempt(call, attempts)
            if answer is not None:
                return answer
        raise _exhausted(route, attempts)

    async def _attempt(self, call: Call, attempts: Attempts) -> Answer | None:
        """The answer, or None when this offering failed in a way the next one may not."""
        offering = call.offering
        try:
            target = self._target(offering.connection)
        except SecretUnavailable:
            attempts.failed(offering, "its secret cannot be opened")
            return None
        out = self.personal if target.restrict_private else self.shared
        try:
            request = await upstream_request(
                target, call.op, offering.upstream_model, call.caller_headers, out
            )
        except TOKEN_FAILURES:  # Vertex: the service account's token endpoint did not oblige
            self.balancer.failed(offering, why="could not get an access token")
            attempts.failed(offering, "could not get an access token")
            return None
        exchange = exchange_for(request, call.op, call.body, self.max_event_bytes)
        response = await self._send(out, request, exchange, call, attempts)
        if response is None:
            return None
        headers = _answer_headers(response, offering, attempts)
        if exchange.relay.streaming and response.status < 400:
            opened = await self._opening(response, call, exchange.relay, attempts)
            if opened is None:
                return None
            headers["content-type"] = "text/event-stream"
            events = self._stream(response, call, exchange.relay, *opened)
            return Answer(response.status, events, headers)
        try:
            raw = await _read_whole(response, self.call_timeout)
        except _BrokeOff as failure:
            self.balancer.failed(offering, why=failure.why)
            attempts.failed(offering, failure.why)
            return None
        finally:
            self.balancer.finished(offering)
        call.trace.first_byte()
        if response.status in REFUSED:
            why = f"HTTP {response.status}: the provider refused the connection's credentials"
            self.balancer.failed(offering, why=why, refused=True)
            raise _refused(offering, response.status)
        if response.status >= 400:  # an error may echo the key (OpenAI's 401 does)
            raw = redact(raw.decode("utf-8", "replace"), target.secrets, limit=None).encode()
        answer = exchange.answer(raw, response.status)  # a 502 when it cannot be read
        await _ended(call.trace, response.status, usage_of_answer(raw))
        return Answer(response.status, answer, headers)

    def _target(self, connection: ConnectionRecord) -> ProviderTarget:
        """The connection with its secrets opened, kept while it is unchanged: any edit or
        rotation moves its version, and the next call opens the new secrets."""
        key = (connection.id, connection.version, connection.credentials_updated_at)
        target = self.targets.get(key)
        if target is None:
            if len(self.targets) >= MAX_TARGETS:
                self.targets.clear()
            target = self.targets[key] = target_from_record(self.keyring, connection)
        return target

    async def _send(
        self,
        out: Outbound,
        request: UpstreamRequest,
        exchange: Exchange,
        call: Call,
        attempts: Attempts,
    ) -> UpstreamResponse | None:
        """The upstream's response with its body still to read, or None (and the offering
        cooling down) when it failed in a way worth trying elsewhere."""
        offering = call.offering
        self.balancer.started(offering)
        try:
            response = await send(out, request, exchange.payload, call.deadline)
        except Unreachable as failure:
            attempts.timed_out = attempts.timed_out or failure.timed_out
            self._gave_up(offering, attempts, failure.why)
            return None
        if response.status in RETRYABLE:
            wait = _seconds(response.headers.get("retry-after"))
            if response.status == 429:
                attempts.rate_limited += 1
                attempts.retry_after = max(attempts.retry_after, wait)
            await response.aclose()
            self._gave_up(offering, attempts, f"HTTP {response.status}", wait)
            return None
        self.balancer.succeeded(offering)
        return response

    def _gave_up(
        self, offering: Offering, attempts: Attempts, why: str, retry_after: int = 0
    ) -> None:
        self.balancer.finished(offering)
        self.balancer.failed(offering, retry_after, why)
        attempts.failed(offering, why)

    async def _opening(
        self, response: UpstreamResponse, call: Call, relay: Relay | Chain, attempts: Attempts
    ) -> tuple[bytes, AsyncIterator[bytes]] | None:
        """The stream's opening events, held back until the first that carries content (or
        its end): a stream that breaks before then is tried on the next offering, as if it had
        never begun. None when it broke."""
        chunks = aiter(response.chunks())
        held = bytearray()
        try:
            while not relay.content_seen:
                chunk = await anext(chunks, None)
                if chunk is None:  # every format ends with content (a finish, a stop event)
                    raise _BrokeOff("its stream ended before any content")
                held += relay.filter(chunk)
        except Exception as exc:
            if isinstance(exc, _BrokeOff):
                why = exc.why
            else:
                failure = _stream_failure(exc, self.call_timeout)
                attempts.timed_out = attempts.timed_out or failure.status == 504
                why = f"its stream broke off before any content ({failure.message})"
            await response.aclose()
            self._gave_up(call.offering, attempts, why)
            return None
        return bytes(held), chunks

    async def _stream(
        self,
        response: UpstreamResponse,
        call: Call,
        relay: Relay | Chain,
        held: bytes,
        chunks: AsyncIterator[bytes],
    ) -> AsyncIterator[bytes]:
        """Each upstream event as it arrives (translated when needed), after the opening ones
        `held`; leaving early (the caller went away) closes the upstream call."""
        status = CALLER_LEFT  # unless the stream runs to its end, or breaks upstream
        try:
            call.trace.first_byte()
            if held:
                yield held
            async for chunk in chunks:
                call.trace.first_byte()
                passed = relay.filter(chunk)
                if passed:
                    yield passed
            tail = relay.finish()
            if tail:
                yield tail
            status = response.status
        except Exception as exc:  # the upstream broke off, or sent what is not its format
            failure = _stream_failure(exc, self.call_timeout)
            status = failure.status
            log.warning("A stream from %s ended early: %s", call.offering.connection.name, failure)
            yield error_event(relay.dialect, failure)
        finally:
            await response.aclose()
            self.balancer.finished(call.offering)
            await _ended(call.trace, status, relay.usage)


async def _ended(trace: CallTrace, status: int, usage: Usage) -> None:
    input_tokens, output_tokens = usage.counted()
    await trace.end(
        status, input_tokens, output_tokens, usage.invalid, cached=usage.cache_counted()
    )


class _BrokeOff(Exception):
    """The upstream stopped in the middle of a whole answer: worth trying elsewhere."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


async def _read_whole(response: UpstreamResponse, call_timeout: float) -> bytes:
    body = bytearray()
    try:
        async for chunk in response.chunks():
            body += chunk
            if len(body) > MAX_ANSWER_BYTES:
                raise GatewayError(502, "upstream_error", "The upstream answer is too large.")
    except DeadlinePassed:
        raise _past_deadline(call_timeout) from None
    except httpcore.TimeoutException:
        raise _BrokeOff("timed out in the middle of its answer") from None
    except (httpcore.NetworkError, httpcore.ProtocolError):
        raise _BrokeOff("broke off its answer") from None
    finally:
        await response.aclose()
    return bytes(body)


def _past_deadline(call_timeout: float) -> GatewayError:
    message = (
        f"The upstream did not finish its answer within {call_timeout:g} s "
        "(SWITCHBOARD_GATEWAY_TIMEOUT)."
    )
    return GatewayError(504, "upstream_timeout", message)


def _stream_failure(exc: Exception, call_timeout: float) -> GatewayError:
    if isinstance(exc, DeadlinePassed):
        return _past_deadline(call_timeout)
    if isinstance(exc, EventTooLarge):
        return GatewayError(502, "upstream_error", str(exc))
    if isinstance(exc, httpcore.TimeoutException):
        return GatewayError(504, "upstream_timeout", "The upstream stopped sending its stream.")
    if isinstance(exc, httpcore.NetworkError | httpcore.ProtocolError):
        return GatewayError(502, "upstream_error", "The upstream broke off its stream.")
    log.exception("A stream event could not be passed on")
    message = "The upstream sent a stream event that is not in its format."
    return GatewayError(502, "upstream_error", message)


def _answer_headers(
    response: UpstreamResponse, offering: Offering, attempts: Attempts
) -> dict[str, str]:
    headers = {k: v for k, v in response.headers.items() if k.lower() in PASSED_HEADERS}
    headers.setdefault("content-type", "application/json")
    headers["X-Switchboard-Connection"] = offering.connection.name
    headers["X-Switchboard-Attempts"] = str(attempts.count)
    if headers.get("content-type", "").startswith("text/event-stream"):
        headers["Cache-Control"] = "no-cache"
    return headers


def _refused(offering: Offering, status: int) -> GatewayError:
    """What the caller hears when the provider refused the connection's own credentials: the
    connection by name, never the provider's words (they may quote the key)."""
    message = (
        f"The connection '{offering.connection.name}' was refused by its provider "
        f"(HTTP {status}): its credentials are invalid, expired or lack access to this model. "
        "An admin can rotate them (rotateCredentials) or test it (testConnection)."
    )
    return GatewayError(502, "upstream_auth_failed", message)


def _exhausted(route: Route, attempts: Attempts) -> GatewayError:
    tried = "; ".join(attempts.failures) or "none"
    if attempts.timed_out and all("timed out" in f for f in attempts.failures):
        message = f"Every connection serving '{route.model}' timed out: {tried}."
        return GatewayError(504, "upstream_timeout", message)
    if attempts.rate_limited and attempts.rate_limited == len(attempts.failures):
        # The caller's SDK then backs off as the provider asked, rather than failing.
        message = f"Every connection serving '{route.model}' is rate-limited: {tried}."
        wait = str(attempts.retry_after or 1)
        return GatewayError(429, "rate_limit_exceeded", message, {"Retry-After": wait})
    message = f"Every connection serving '{route.model}' failed: {tried}."
    return GatewayError(502, "upstream_error", message, {"Retry-After": "1"})


MAX_RETRY_AFTER = 3600


def _seconds(value: str | None) -> int:
    """An upstream's Retry-After in whole seconds (hostile input: digits only, at most an
    hour); an HTTP date or anything else counts as unknown (0)."""
    if value is None or not value.strip().isdigit() or len(value.strip()) > 6:
        return 0
    return min(int(value.strip()), MAX_RETRY_AFTER)
