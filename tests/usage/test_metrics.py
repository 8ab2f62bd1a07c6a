"""GET /metrics: Prometheus text that counts the gateway calls, for ADMIN tokens (or anyone when
SWITCHBOARD_METRICS_PUBLIC=true)."""

from __future__ import annotations

from dataclasses import replace

import openai
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.auth.service import Role, issue_token
from tests.gateway.sdks import caller_token, openai_client, openai_connection

pytestmark = pytest.mark.db

HELLO = [{"role": "user", "content": "hello there"}]


def samples(text: str) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def test_metrics_count_calls_by_connection_and_model(app, client, admin, fake):
    await openai_connection(admin, fake, "one", ["m-one"])
    sdk = openai_client(app, await caller_token(admin))
    labels = (("connection", "one"), ("model", "m-one"))
    before = samples((await client.get("/metrics", headers=_bearer(admin.token))).text)
    for _ in range(2):
        await sdk.chat.completions.create(model="m-one", messages=HELLO)
    with pytest.raises(openai.NotFoundError):
        await sdk.chat.completions.create(model="not-a-model-0123", messages=HELLO)

    answer = await client.get("/metrics", headers=_bearer(admin.token))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    after = samples(answer.text)

    def grew(name: str, extra: tuple = ()) -> float:
        key = (name, tuple(sorted(labels + extra)))
        return after[key] - before.get(key, 0)

    assert grew("switchboard_gateway_requests_total") == 2
    assert grew("switchboard_gateway_tokens_total", (("direction", "input"),)) == 4
    assert grew("switchboard_gateway_tokens_total", (("direction", "output"),)) == 6
    assert grew("switchboard_gateway_latency_seconds_count") == 2
    assert after[("switchboard_gateway_in_flight", ())] == 0
    none = (("connection", "none"), ("model", "none"))  # caller-chosen names are not labels
    assert after[("switchboard_gateway_errors_total", none)] >= 1
    assert "not-a-model-0123" not in answer.text


async def test_metrics_need_an_admin_token_unless_public(app, client):
    assert (await client.get("/metrics")).status_code == 401
    member = await issue_token("mia", Role.MEMBER, "mia")
    assert (await client.get("/metrics", headers=_bearer(member))).status_code == 403
    settings = app.state.settings
    app.state.settings = replace(settings, metrics_public=True)
    try:
        assert (await client.get("/metrics")).status_code == 200
    finally:
        app.state.settings = settings


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
