"""Health for load balancers and orchestrators, each dependency reported on its own.

- GET /health/live: the process answers (no dependency is touched): restart it when this fails.
- GET /health/ready: 200 while the database answers and the keyring opens what it sealed;
  503 otherwise. Redis is reported, not required: without it rate limits count per instance
  (app.http.stores), so the instance stays in rotation, "degraded".
- GET /health: the same report as /health/ready (kept for existing checks).
"""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Response, get
from litestar.datastructures import State

from app.db.deadlines import DatabaseUnavailable, database_deadline
from app.db.engine import database_reachable
from app.http.stores import FallbackStore
from app.security.key_check import keyring_problem

DATABASE_CHECK_SECONDS = 0.8  # an orchestrator's probe gets its answer within a second


async def _redis_reachable(state: State) -> bool | None:
    store = state.rate_limit_store
    return await store.reachable() if isinstance(store, FallbackStore) else None


async def _report(state: State) -> tuple[dict[str, Any], int]:
    """Within a second whatever the database and Redis do: both are asked at once, each
    within its own deadline, and a frozen database is reported, not waited for."""
    report: dict[str, Any] = {"status": "ok", "database": "reachable"}
    redis, database = await asyncio.gather(
        _redis_reachable(state), database_reachable(state.engine, DATABASE_CHECK_SECONDS)
    )
    if redis is not None:
        report["redis"] = "reachable" if redis else "unreachable"
        if not redis:
            report["status"] = "degraded"
            report["rateLimits"] = "per instance until Redis answers"
    if not database:
        report.update(status="unavailable", database="unreachable", keyring="unknown")
        return report, 503
    with database_deadline(DATABASE_CHECK_SECONDS):
        try:
            problem = await keyring_problem(state.keyring)
        except DatabaseUnavailable:
            report.update(status="unavailable", database="unreachable", keyring="unknown")
            return report, 503
    report["keyring"] = "ok" if problem is None else problem
    if problem is not None:
        report["status"] = "unavailable"
        return report, 503
    return report, 200


@get("/health/live")
async def live() -> Response[dict[str, str]]:
    return Response({"status": "alive"}, status_code=200)


@get("/health/ready")
async def ready(state: State) -> Response[dict[str, Any]]:
    report, status = await _report(state)
    return Response(report, status_code=status)


@get("/health")
async def health(state: State) -> Response[dict[str, Any]]:
    report, status = await _report(state)
    return Response(report, status_code=status)


HEALTH_ROUTES = [live, ready, health]
