"""OAuth access tokens for Vertex AI from a stored service-account JSON, via google-auth.

google-auth signs the JWT grant; the token request itself goes through Switchboard's own client,
so the outbound policy applies to the JSON's token_uri too (it is user input like any base URL).
Credentials are cached per connection until their secrets change.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from google.auth.transport import Request, Response
from google.oauth2 import service_account

from app.providers.client import Outbound
from app.providers.target import ProviderTarget

SCOPE = "https://www.googleapis.com/auth/cloud-platform"
_CACHE: dict[str, service_account.Credentials] = {}
_CACHE_LIMIT = 1000


@dataclass(frozen=True)
class _Answer(Response):
    status_code: int
    header_map: dict[str, str]
    body: bytes

    @property
    def status(self) -> int:
        return self.status_code

    @property
    def headers(self) -> dict[str, str]:
        return self.header_map

    @property
    def data(self) -> bytes:
        return self.body


class _LoopRequest(Request):
    """google-auth's blocking transport interface, served by our async client on the main loop."""

    def __init__(self, out: Outbound, loop: asyncio.AbstractEventLoop) -> None:
        self.out = out
        self.loop = loop

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: Any = None,
        headers: Any = None,
        timeout: Any = None,
        **kwargs: Any,
    ) -> _Answer:
        future = asyncio.run_coroutine_threadsafe(self._send(url, method, body, headers), self.loop)
        return future.result(
            timeout=self.out.limits.connect_timeout + self.out.limits.read_timeout + 5
        )

    async def _send(self, url: str, method: str, body: Any, headers: Any) -> _Answer:
        response = await self.out.client.request(method, url, content=body, headers=headers)
        return _Answer(response.status_code, dict(response.headers), response.content)


def _credentials(target: ProviderTarget) -> service_account.Credentials:
    key = target.credentials_key
    cached = _CACHE.get(key) if key else None
    if cached is not None:
        return cached
    info = json.loads(target.service_account_json or "{}")
    credentials = service_account.Credentials.from_service_account_info(info, scopes=[SCOPE])
    if key:
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        _CACHE[key] = credentials
    return credentials


async def access_token(target: ProviderTarget, out: Outbound) -> str:
    credentials = _credentials(target)
    if not credentials.valid:
        request = _LoopRequest(out, asyncio.get_running_loop())
        await asyncio.to_thread(credentials.refresh, request)
    return str(credentials.token)
