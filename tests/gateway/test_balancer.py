"""The balancer's order: least in flight first, ties in turn, an offering that failed last, and
a provider that said how long to wait (Retry-After) sitting out exactly that, not the default."""

from __future__ import annotations

from app.gateway.balancer import Balancer
from app.gateway.routing import Offering
from tests.connections.records import connection


def _offering(name: str) -> Offering:
    return Offering(connection(name=name), "model")


def test_a_provider_that_asked_to_wait_comes_back_when_it_said():
    balancer = Balancer(cool_down=30)
    asked, failed, ready = _offering("asked"), _offering("failed"), _offering("ready")
    balancer.failed(failed)  # 30 s
    balancer.failed(asked, retry_after=7)  # 7 s: back before the other
    order = balancer.order((failed, asked, ready))
    assert [o.connection.name for o in order] == ["ready", "asked", "failed"]
    balancer.failed(asked, retry_after=300)  # longer than the default: honoured too
    order = balancer.order((failed, asked, ready))
    assert [o.connection.name for o in order] == ["ready", "failed", "asked"]


def test_a_success_ends_the_cool_down_and_the_least_busy_goes_first():
    balancer = Balancer()
    a, b = _offering("a"), _offering("b")
    balancer.failed(a)
    balancer.succeeded(a)
    balancer.started(a)
    assert [o.connection.name for o in balancer.order((a, b))][0] == "b"
    balancer.finished(a)
    balancer.started(b)
    assert [o.connection.name for o in balancer.order((a, b))][0] == "a"
