"""Budget alerts: each is an audit event, and one signed POST to the organisation's webhook.

Alerts are queued and sent by one background task, so a slow or dead receiver never delays a
gateway call. A delivery is retried with backoff (1, 2, 4, 8, 16, 32 s) on a connect error, a
timeout or a 5xx/429 answer, then dropped with a log line; the audit event stays either way.
The body is signed with HMAC-SHA256 under the webhook secret (X-Switchboard-Signature:
sha256=<hex>), so a receiver can tell our alerts from anyone's."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from app.audit.service import Actor, Done, Target, audited_write, set_to
from app.db.tables import AuditEvent
from app.ids import global_id
from app.money import picos_text
from app.org.settings import load_org_settings, webhook_secret
from app.security.keyring import Keyring
from app.spend.budgets import BudgetRecord
from app.spend.ledger import Spent

log = logging.getLogger("switchboard.budgets")

SIGNATURE_HEADER = "X-Switchboard-Signature"
BACKOFF = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)  # seconds before each retry
DELIVERY_TIMEOUT = 10.0
MAX_QUEUED = 1000
SYSTEM = Actor(None, "switchboard", None)


@dataclass(frozen=True)
class Alert:
    budget: BudgetRecord
    percent: int
    spent: Spent
    period_start: datetime
    resets_at: datetime

    def body(self) -> dict[str, Any]:
        b = self.budget
        amount = None if b.amount_pusd is None else picos_text(b.amount_pusd)
        return {
            "event": "budget.threshold",
            "budget": {
                "id": global_id("Budget", b.id),
                "name": b.name,
                "scope": b.scope.value,
                "scopeId": b.scope_id(),
                "action": b.action.value,
                "amountTokens": b.amount_tokens,
            },
            "percent": self.percent,
            "spentUsd": picos_text(self.spent.usd),
            "spentTokens": self.spent.tokens,
            "amountUsd": amount,
            "periodStart": self.period_start.isoformat(),
            "resetsAt": self.resets_at.isoformat(),
        }


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class AlertSender:
    def __init__(self, keyring: Keyring, client: httpx.AsyncClient | None = None) -> None:
        self.keyring = keyring
        self.client = client  # the outbound client (its policy applies); set when serving
        self.queue: asyncio.Queue[Alert] = asyncio.Queue(MAX_QUEUED)
        self._task: asyncio.Task[None] | None = None
        self._deliveries: set[asyncio.Task[None]] = set()

    def send(self, alert: Alert) -> None:
        """Queue an alert; never waits (a full queue drops it, with a log line)."""
        try:
            self.queue.put_nowait(alert)
        except asyncio.QueueFull:
            log.warning("Budget alert for '%s' dropped: the queue is full", alert.budget.name)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="budget-alerts")

    async def stop(self) -> None:
        for delivery in list(self._deliveries):
            delivery.cancel()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            alert = await self.queue.get()
            try:
                await self._audit(alert)
            except Exception:
                log.exception("Could not record the alert of budget '%s'", alert.budget.name)
            # Deliveries run side by side: one receiver's backoff never holds the next alert.
            delivery = asyncio.get_running_loop().create_task(self._deliver(alert))
            self._deliveries.add(delivery)
            delivery.add_done_callback(self._deliveries.discard)

    async def _audit(self, alert: Alert) -> None:
        b = alert.budget
        body = alert.body()
        changes = set_to(
            percent=alert.percent, spentUsd=body["spentUsd"], spentTokens=body["spentTokens"]
        )

        async def write() -> Done[None]:  # the event is the whole write
            return Done(None, Target("Budget", b.id, b.name), changes)

        await audited_write(AuditEvent, SYSTEM, "budget.alert", write)

    async def _deliver(self, alert: Alert) -> None:
        settings = await load_org_settings()
        if not settings.alert_webhook_url or self.client is None:
            return
        secret = webhook_secret(self.keyring, settings)
        body = json.dumps(alert.body(), separators=(",", ":")).encode()
        headers = {"content-type": "application/json", "user-agent": "Switchboard"}
        if secret:
            headers[SIGNATURE_HEADER] = signature(secret, body)
        for attempt, wait in enumerate((0.0, *BACKOFF)):
            await asyncio.sleep(wait)
            try:
                response = await self.client.post(
                    settings.alert_webhook_url,
                    content=body,
                    headers=headers,
                    timeout=DELIVERY_TIMEOUT,
                )
            except Exception as exc:  # connect errors, timeouts, the outbound policy
                why = type(exc).__name__
            else:
                if response.status_code < 300:
                    return
                why = f"HTTP {response.status_code}"
                if response.status_code < 500 and response.status_code != 429:
                    break  # the receiver refuses it: trying again will not help
            log.warning("Budget alert delivery %d failed (%s)", attempt + 1, why)
        name, percent = alert.budget.name, alert.percent
        log.warning("Budget alert for '%s' at %d%% was not delivered", name, percent)
