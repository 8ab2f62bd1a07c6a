"""create_app(): routes, lifespan (database pool, keyring check), shared services."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Request, Response
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.exceptions import HTTPException

from app.api.endpoint import graphql_endpoint, graphql_get
from app.api.limits import rate_limit_middleware
from app.api.schema import build_schema
from app.api.websocket import graphql_socket
from app.composition import build_services
from app.db.engine import (
    bind_tables,
    close_engine,
    engine_from_url,
    is_postgres,
    open_engine,
)
from app.gateway.routes import GATEWAY_ROUTES, gateway_failure
from app.http.failures import http_error, unexpected_error
from app.http.health import HEALTH_ROUTES
from app.http.request_ids import RequestIdMiddleware
from app.http.stores import rate_limit_store
from app.logs import install_log_record_factory
from app.providers.client import HttpLimits, Outbound, PolicyTransport, build_client
from app.security.key_check import check_keyring
from app.security.keyring import Keyring, load_keyring
from app.security.outbound import OutboundPolicy, Resolver, system_resolver
from app.settings import Settings, get_settings
from app.usage.journal import replay
from app.usage.metrics import metrics
from app.usage.retention import START_STEPS, prune_forever, prune_now
from app.web.assets import WEB_ROUTES


async def start(app: Litestar) -> None:
    """Bind the tables to this app's database, open its pool and check the keyring."""
    bind_tables(app.state.engine)
    await open_engine(app.state.engine)
    await check_keyring(app.state.keyring)
    journal = app.state.services.usage.recorder.journal
    if journal is not None:  # answered calls a crashed process had not written
        await replay(journal.folder)
    app.state.services.usage.recorder.start()
    app.state.services.spend.alerts.start()
    retention = app.state.settings.usage_retention_days
    # Before serving, not in the middle of the first requests (up to START_STEPS steps).
    done = await prune_now(retention, steps=START_STEPS)
    loop = asyncio.get_running_loop()
    app.state.pruning = loop.create_task(prune_forever(retention, done))
    balancer = app.state.services.gateway.balancer
    app.state.health_sync = loop.create_task(balancer.sync_forever()) if balancer.store else None
    # Several instances share PostgreSQL: without Redis, each re-reads the budgets' spend.
    settings = app.state.settings
    every = settings.budget_reread_seconds
    shared = is_postgres(app.state.engine) and not settings.redis_url and every > 0
    spend = app.state.services.spend
    app.state.budget_sync = loop.create_task(spend.reread_forever(every)) if shared else None
    # What exists now (schema, modules, settings) lives as long as the process: keep it out of
    # the collector's full scans, which otherwise pause the event loop for tens of ms.
    gc.freeze()


async def stop(app: Litestar) -> None:
    app.state.pruning.cancel()
    for task in (app.state.health_sync, app.state.budget_sync):
        if task is not None:
            task.cancel()
    await app.state.services.spend.alerts.stop()
    await app.state.services.limits.flush()  # tokens counted for this minute, for the others
    await app.state.services.usage.recorder.stop()  # what is queued is written first
    for outbound in app.state.outbound:
        await outbound.client.aclose()
    await close_engine(app.state.engine)


def build_outbound(
    settings: Settings, resolve: Resolver | None = None
) -> tuple[Outbound, Outbound]:
    """Two clients: one for workspace-wide connections, and one for members' personal ones whose
    policy also refuses loopback and private ranges (the check lives in each client's pool)."""
    policy = OutboundPolicy.from_cidrs(settings.outbound_allow, settings.outbound_deny)
    return _outbound(settings, policy, resolve), _outbound(
        settings, policy.without_private(), resolve
    )


def _outbound(settings: Settings, policy: OutboundPolicy, resolve: Resolver | None) -> Outbound:
    limits = HttpLimits(
        connect_timeout=settings.provider_connect_timeout,
        read_timeout=settings.provider_read_timeout,
        max_response_bytes=settings.provider_max_response_bytes,
    )
    resolver = resolve or system_resolver
    transport = PolicyTransport(policy, resolver)
    client = build_client(policy, limits, resolver, transport)
    return Outbound(client, limits, policy, resolver, transport)


def _routes() -> list[Any]:
    return [
        graphql_endpoint,
        graphql_get,
        graphql_socket,
        *HEALTH_ROUTES,
        metrics,
        *GATEWAY_ROUTES,
        *WEB_ROUTES,
    ]


@asynccontextmanager
async def lifespan(app: Litestar) -> AsyncIterator[None]:
    await start(app)
    try:
        yield
    finally:
        await stop(app)


def _cors(settings: Settings) -> CORSConfig | None:
    if not settings.cors_origins:
        return None
    return CORSConfig(
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["authorization", "content-type", "x-request-id"],
        expose_headers=["x-request-id", "retry-after"],
    )


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """Litestar's own refusals: in the gateway's format under /v1, else in GraphQL's."""
    path = request.url.path
    if exc.status_code < 500 and path.split("/")[1:2] in (["v1"], ["v1beta"]):
        message = f"The gateway has no route {request.method} {path}."
        return gateway_failure(path, exc.status_code, message)
    return http_error(request, exc)


class Switchboard(Litestar):
    """Litestar with the request id outermost: every answer carries X-Request-Id and every log
    line of the request its id, an unknown path's 404 and uvicorn's access line included
    (Litestar's own middleware runs only for routes it matched)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._with_request_id = RequestIdMiddleware(super().__call__)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self._with_request_id(scope, receive, send)


def create_worker_app() -> Litestar:
    """What each of several worker processes serves (SWITCHBOARD_WORKERS): a spawned process
    starts with no logging set up, so it sets up the same as `serve` first."""
    from app.logs import configure_logging

    configure_logging(get_settings())
    return create_app()


def create_app(
    settings: Settings | None = None,
    keyring: Keyring | None = None,
    resolve: Resolver | None = None,
    store_namespace: str = "switchboard-rate-limit",
) -> Litestar:
    """The app. `resolve` replaces DNS for provider calls (tests map names to addresses)."""
    settings = settings or get_settings()
    install_log_record_factory()
    keyring = keyring or load_keyring(settings)
    engine = engine_from_url(settings.database_url, settings.database_timeout)
    outbound = build_outbound(settings, resolve)

    store = rate_limit_store(settings.redis_url, store_namespace)
    services = build_services(settings, keyring, outbound, store)
    if settings.redis_url:  # connection health, shared by every instance
        services.gateway.balancer.share(store)
    state: dict[str, Any] = {
        "engine": engine,
        "schema": build_schema(introspection=settings.introspection, budgets=settings.budgets),
        "rate_limit_store": store,
        "settings": settings,
        "keyring": keyring,
        "outbound": outbound,
        "services": services,
    }
    return Switchboard(
        route_handlers=_routes(),
        lifespan=[lifespan],
        state=State(state),
        openapi_config=None,
        cors_config=_cors(settings),
        middleware=rate_limit_middleware(settings),
        exception_handlers={
            HTTPException: _http_error,
            Exception: unexpected_error,
        },
        # Each route checks its own cap (GraphQL's is far smaller than the gateway's).
        request_max_body_size=max(settings.budgets.max_body_bytes, settings.gateway_max_body_bytes),
        logging_config=None,  # app.logs owns logging
    )
