"""Lists a provider's models through its family module and turns every outcome into a
Verification a person can act on. Nothing a provider says reaches a response or a log before it
is scrubbed of secrets."""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
from google.auth.exceptions import GoogleAuthError

from app.providers.client import (
    HttpStatusError,
    InvalidResponse,
    Outbound,
    Redirected,
    ResponseTooLarge,
)
from app.providers.families import family_of
from app.providers.redact import redact
from app.providers.target import DiscoveredModel, ProviderTarget
from app.providers.verification import VerificationResult
from app.providers.verification import VerificationStatus as S
from app.security.outbound import BlockedByPolicy, vetted_addresses

log = logging.getLogger(__name__)

STATUS_BY_HTTP = {
    401: S.AUTH_FAILED,
    403: S.PERMISSION_DENIED,
    404: S.NOT_FOUND,
    429: S.RATE_LIMITED,
}
ADVICE = {
    S.AUTH_FAILED: "The provider rejected the credentials; check or rotate the key.",
    S.PERMISSION_DENIED: "The credentials may not list models here; check their scopes.",
    S.NOT_FOUND: "Nothing answers at that path; check baseUrl (OpenAI-style APIs end in /v1).",
    S.RATE_LIMITED: "The provider is rate-limiting these credentials; try again later.",
}


@dataclass(frozen=True)
class Probe:
    """A verification, and the models it found when it succeeded."""

    result: VerificationResult
    models: list[DiscoveredModel] | None


class ProviderProbe:
    def __init__(self, outbound: Outbound, personal: Outbound) -> None:
        self.outbound = outbound
        self.personal = personal  # its client's policy also refuses loopback and private ranges

    def _outbound_for(self, target: ProviderTarget) -> Outbound:
        return self.personal if target.restrict_private else self.outbound

    async def probe(self, target: ProviderTarget) -> Probe:
        """List the target's models, classifying any failure. Never raises for provider trouble."""
        out = self._outbound_for(target)
        limit = out.limits.connect_timeout + out.limits.read_timeout * 2 + 5
        started = time.monotonic()
        models: list[DiscoveredModel] | None = None
        try:
            models = await asyncio.wait_for(
                family_of(target.spec.family).list_models(target, out), limit
            )
            status, message = S.OK, None
        except Exception as exc:  # every failure becomes a status; unknown ones are logged
            status, message = await self._classify(exc, target, out)
        result = VerificationResult(
            status=status,
            message=redact(message, target.secrets) if message else None,
            latency_ms=round((time.monotonic() - started) * 1000),
            model_count=len(models) if models is not None else None,
            checked_at=datetime.now(UTC),
        )
        return Probe(result, models)

    async def _classify(
        self, exc: Exception, target: ProviderTarget, out: Outbound
    ) -> tuple[S, str]:
        if isinstance(exc, BlockedByPolicy):
            return S.BLOCKED_BY_POLICY, f"Refused by the outbound policy: {exc}"
        if isinstance(exc, Redirected):
            return await self._redirect(exc.location, out)
        if isinstance(exc, HttpStatusError):
            return _http_status(exc, target)
        if isinstance(exc, httpx.TimeoutException | TimeoutError):
            return S.TIMEOUT, f"{target.base_url} did not answer in time."
        if isinstance(exc, httpx.ConnectError):
            if _is_tls(exc):
                return S.TLS_ERROR, f"TLS handshake with {target.base_url} failed: {_cause(exc)}"
            return S.UNREACHABLE, f"Could not connect to {target.base_url}: {_cause(exc)}"
        if isinstance(
            exc, httpx.RemoteProtocolError | InvalidResponse | ResponseTooLarge | ValueError
        ):
            return S.INVALID_RESPONSE, f"The provider's answer could not be understood: {exc}"
        if isinstance(exc, httpx.TransportError):
            return S.UNREACHABLE, f"The connection to {target.base_url} failed: {_cause(exc)}"
        if isinstance(exc, GoogleAuthError):
            return S.AUTH_FAILED, f"Could not get an access token from the service account: {exc}"
        log.exception("unexpected failure while calling %s", target.provider.value)
        return S.INVALID_RESPONSE, "Unexpected failure while calling the provider."

    async def _redirect(self, location: str, out: Outbound) -> tuple[S, str]:
        try:
            parts = urlsplit(location)
            host, port = parts.hostname, parts.port or 443
        except ValueError:  # a Location that is not a URL (an upstream's word, not ours)
            host = port = None
        if host and port:
            try:
                await vetted_addresses(out.policy, out.resolve, host, port)
            except BlockedByPolicy as exc:
                return S.BLOCKED_BY_POLICY, f"The provider redirected to {location}, refused: {exc}"
            except OSError:
                pass
        return S.INVALID_RESPONSE, (
            f"The provider answered with a redirect to {location}; Switchboard never follows "
            "redirects. Set baseUrl to the final address."
        )


def _http_status(exc: HttpStatusError, target: ProviderTarget) -> tuple[S, str]:
    said = _provider_message(exc.body)
    detail = f" The provider said: {said}" if said else ""
    status = STATUS_BY_HTTP.get(exc.status)
    if status is not None:
        return status, f"HTTP {exc.status}. {ADVICE[status]}{detail}"
    if exc.status in (502, 503, 504):
        return S.UNREACHABLE, f"HTTP {exc.status}: the provider is unavailable.{detail}"
    return S.INVALID_RESPONSE, f"HTTP {exc.status} from the provider.{detail}"


def _provider_message(body: bytes) -> str | None:
    """The message in OpenAI, Anthropic or Google error bodies, when there is one."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"])
    if isinstance(error, str):
        return error
    message = data.get("message") if isinstance(data, dict) else None
    return message if isinstance(message, str) else None


def _is_tls(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError) or "SSL" in str(seen) or "CERTIFICATE" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _cause(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text[:200]
