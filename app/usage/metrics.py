"""Prometheus metrics of gateway calls: requests, errors, latency, tokens (by connection name and
model as the caller asked for it) and calls in flight. With several worker processes set
PROMETHEUS_MULTIPROC_DIR (prometheus-client's multiprocess mode) and every worker's counts are
summed at scrape time. GET /metrics serves them, to an ADMIN token (Bearer) unless
SWITCHBOARD_METRICS_PUBLIC=true."""

from __future__ import annotations

import os

from litestar import Request, Response, get
from litestar.datastructures import State
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from app.auth.service import Role, authenticate
from app.auth.tokens import bearer_token
from app.http.failures import CHALLENGE
from app.money import PICO
from app.usage.buckets import BOUNDS_MS
from app.usage.trace import CallTrace

LABELS = ("connection", "model")


class GatewayMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        made = {"registry": self.registry, "namespace": "switchboard_gateway"}
        self.requests = Counter("requests", "Gateway calls answered.", LABELS, **made)  # type: ignore[arg-type]
        self.errors = Counter("errors", "Gateway calls answered with an error.", LABELS, **made)  # type: ignore[arg-type]
        self.tokens = Counter(
            "tokens",
            "Tokens used by gateway calls.",
            (*LABELS, "direction"),
            **made,  # type: ignore[arg-type]
        )
        self.cost = Counter(
            "cost_usd",
            "What priced gateway calls cost, in USD (with the price in force at each call).",
            LABELS,
            **made,  # type: ignore[arg-type]
        )
        self.unpriced = Counter(
            "unpriced",
            "Gateway calls that used tokens of a model with no price.",
            LABELS,
            **made,  # type: ignore[arg-type]
        )
        self.latency = Histogram(
            "latency_seconds",
            "Gateway call latency, to the last byte.",
            LABELS,
            buckets=[b / 1000 for b in BOUNDS_MS],
            **made,  # type: ignore[arg-type]
        )
        self.usage_invalid = Counter(
            "usage_invalid",
            "Gateway calls whose upstream reported token counts that were not counts "
            "(recorded as reporting no usage).",
            ("connection",),
            **made,  # type: ignore[arg-type]
        )
        self.in_flight = Gauge(
            "in_flight",
            "Gateway calls under way.",
            multiprocess_mode="livesum",
            **made,  # type: ignore[arg-type]
        )

        self.cooling_down = Gauge(
            "connection_cooling_down",
            "1 while a connection is cooling down after failures (skipped while another serves), "
            "else 0.",
            ("connection",),
            multiprocess_mode="max",
            **made,  # type: ignore[arg-type]
        )
        self.consecutive_failures = Gauge(
            "connection_consecutive_failures",
            "Failed gateway calls in a row through a connection.",
            ("connection",),
            multiprocess_mode="max",
            **made,  # type: ignore[arg-type]
        )

    def started(self) -> None:
        self.in_flight.inc()

    def health(self, snapshot: list[tuple[str, bool, int]]) -> None:
        """Connection health as the gateway's balancer sees it now (set at scrape time): name,
        cooling down or not, failures in a row."""
        for name, cooling, failures in snapshot:
            self.cooling_down.labels(name).set(1 if cooling else 0)
            self.consecutive_failures.labels(name).set(failures)

    def ended(self, trace: CallTrace) -> None:
        self.in_flight.dec()
        # Only a routed call names its model: caller-chosen names must not grow the label set.
        routed = bool(trace.connection_name)
        labels = (trace.connection_name or "none", trace.model if routed else "none")
        self.requests.labels(*labels).inc()
        if trace.status >= 400:
            self.errors.labels(*labels).inc()
        self.tokens.labels(*labels, "input").inc(trace.input_tokens)
        self.tokens.labels(*labels, "output").inc(trace.output_tokens)
        self.tokens.labels(*labels, "cached_input").inc(trace.cached_input_tokens)
        if trace.cost_pusd is None:
            self.unpriced.labels(*labels).inc()
        elif trace.cost_pusd:  # a float sum, as Prometheus keeps every value; records are exact
            self.cost.labels(*labels).inc(trace.cost_pusd / PICO)
        self.latency.labels(*labels).observe(trace.latency_ms / 1000)
        if trace.usage_invalid:
            self.usage_invalid.labels(labels[0]).inc()

    def exposition(self) -> tuple[bytes, str]:
        """The text to serve, and its content type."""
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


@get("/metrics")
async def metrics(request: Request[object, object, State], state: State) -> Response[bytes]:
    if not state.settings.metrics_public:
        token = bearer_token(request.headers.get("authorization"))
        viewer = await authenticate(token) if token else None
        if viewer is None or viewer.role is not Role.ADMIN:
            status = 401 if viewer is None else 403
            message = b"/metrics needs an ADMIN token (Authorization: Bearer ...)\n"
            headers = CHALLENGE if status == 401 else {}
            return Response(message, status_code=status, media_type="text/plain", headers=headers)
    usage_metrics = state.services.usage.metrics
    usage_metrics.health(state.services.gateway.balancer.snapshot())
    body, content_type = usage_metrics.exposition()
    return Response(body, media_type=content_type)
