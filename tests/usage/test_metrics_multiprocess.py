"""With several worker processes (PROMETHEUS_MULTIPROC_DIR set), /metrics sums every worker's
counts: each worker here is its own Python process, as uvicorn's workers are."""

from __future__ import annotations

import os
import subprocess
import sys

from prometheus_client.parser import text_string_to_metric_families

WORKER = """
from app.usage.metrics import GatewayMetrics
from app.usage.trace import CallTrace
import asyncio
metrics = GatewayMetrics()
trace = CallTrace("chat/completions", model="m")
trace.tried("c1", "main", "OPENAI", "m")
metrics.started()
asyncio.run(trace.end(200, 3, 4))
metrics.ended(trace)
"""
READER = """
import sys
from app.usage.metrics import GatewayMetrics
sys.stdout.write(GatewayMetrics().exposition()[0].decode())
"""


def test_every_workers_calls_are_counted(tmp_path):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", WORKER], env=env, check=True)
    text = subprocess.run(
        [sys.executable, "-c", READER], env=env, check=True, capture_output=True, text=True
    ).stdout
    values = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    labels = (("connection", "main"), ("model", "m"))
    assert values[("switchboard_gateway_requests_total", labels)] == 2
    output = tuple(sorted((*labels, ("direction", "output"))))
    assert values[("switchboard_gateway_tokens_total", output)] == 8
