"""What budgets add to a gateway call: one `serve`, two caller tokens interleaved call by call,
one bound by budgets (a REJECT budget in dollars and an ALERT budget in tokens on the token,
so each call is estimated, reserved, priced and settled) and one that no budget names (the
floor: the same server, the same model, its price looked up and the call costed all the same).
Run on the default ledger (this process's memory) and again with REDIS_URL (the shared one).

make bench          (or: .venv/bin/python -m bench.budget_check [calls])
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
from typing import Any

import httpx

from bench.gateway import KEY, Upstream, _one, _percentile, admin_gql
from bench.serving import serving

TOKEN = """mutation($name: String!) { createApiToken(input: {name: $name, role: CALLER}) {
  token apiToken { id } } }"""
BUDGET = """mutation($input: CreateBudgetInput!) { createBudget(input: $input) {
  userErrors { message } } }"""
PRICE = """mutation { setModelPrice(input: {model: "gpt-bench", inputPerMTok: "2.50",
  outputPerMTok: "10"}) { userErrors { message } } }"""
CONNECTION = """mutation($input: CreateConnectionInput!) { createConnection(input: $input) {
  userErrors { message } } }"""


def _setup(port: int, fake: Upstream) -> tuple[str, str]:
    def gql(query: str, variables: dict[str, Any] | None = None) -> Any:
        return admin_gql(port, query, variables)

    fields = {"name": "bench", "provider": "OPENAI_COMPATIBLE", "baseUrl": fake.url, "apiKey": KEY}
    assert gql(CONNECTION, {"input": fields})["createConnection"]["userErrors"] == []
    assert gql(PRICE)["setModelPrice"]["userErrors"] == []
    bound = gql(TOKEN, {"name": "bound"})["createApiToken"]
    free = gql(TOKEN, {"name": "free"})["createApiToken"]
    scope = {"scope": "TOKEN", "scopeId": bound["apiToken"]["id"]}
    for budget in (
        {"name": "hard", "amountUsd": "1000000", "action": "REJECT", **scope},
        {"name": "soft", "amountTokens": 10**9, "action": "ALERT", "period": "DAY", **scope},
    ):
        assert gql(BUDGET, {"input": budget})["createBudget"]["userErrors"] == []
    return bound["token"], free["token"]


async def measure(port: int, tokens: tuple[str, str], calls: int) -> float:
    url = f"http://127.0.0.1:{port}/v1/chat/completions"
    bound, free = ({"Authorization": f"Bearer {t}"} for t in tokens)
    async with httpx.AsyncClient() as client:
        for headers in (bound, free):  # warm both
            for _ in range(30):
                await _one(client, url, headers)
        pairs = []
        for n in range(calls):  # which goes first alternates, so order favours neither
            if n % 2:
                f = await _one(client, url, free)
                pairs.append((await _one(client, url, bound), f))
            else:
                pairs.append((await _one(client, url, bound), await _one(client, url, free)))
    with_budgets, without = [p[0] for p in pairs], [p[1] for p in pairs]
    added = statistics.median(a - b for a, b in pairs)
    print(
        f"  no budget p50 {statistics.median(without):.2f} ms (p99 {_percentile(without, 0.99):.2f});"
        f" two budgets p50 {statistics.median(with_budgets):.2f} ms"
        f" (p99 {_percentile(with_budgets, 0.99):.2f})"
    )
    print(f"  added by budgets, median of {calls} per-call differences: {added:+.3f} ms")
    return added


def main(calls: int) -> None:
    fake = Upstream()
    try:
        with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryFile(mode="w+") as log:
            setups: list[tuple[str, dict[str, str]]] = [("memory ledger (no Redis)", {})]
            redis = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
            setups.append((f"Redis ledger ({redis})", {"REDIS_URL": redis}))
            for n, (label, settings) in enumerate(setups):
                url = f"sqlite:///{folder}/budgets-{n}.sqlite3"
                print(f"-- {label}")
                try:
                    with serving(url, log, **settings) as (port, _):
                        tokens = _setup(port, fake)
                        added = asyncio.run(measure(port, tokens, calls))
                        print(
                            f"  goal: added p50 <= 0.1 ms: {'met' if added <= 0.1 else 'NOT met'}"
                        )
                except Exception as exc:  # no Redis here: say so, the memory figures stand
                    print(f"  skipped: {type(exc).__name__}: {exc}")
    finally:
        fake.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 600)
