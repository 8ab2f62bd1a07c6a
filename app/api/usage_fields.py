"""Usage fields that connections, endpoints and workspaces show: when a gateway call last went
through them, how many did in the last 24 hours, and a summary since a time. Each type says which
subject it is (`usage_subject`); the values come in batches (one query per kind per response)."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from app.api.context import Info
from app.api.usage import UsageSummary, summary, written


class _Subject:
    def usage_subject(self) -> tuple[str, str]:
        raise NotImplementedError


@strawberry.type
class LastUseFields(_Subject):
    @strawberry.field(description="When a gateway call last went through it.")
    async def last_used_at(self, info: Info) -> datetime | None:
        kind, key = self.usage_subject()
        await written(info)
        ms = await info.context.loaders["last_use"].load(f"{kind}:{key}")
        return datetime.fromtimestamp(ms / 1000, tz=UTC) if ms else None

    @strawberry.field(description="Gateway calls through it in the last 24 hours.")
    async def calls_last_24_hours(self, info: Info) -> int:
        await written(info)
        return int(await info.context.loaders["recent_calls"].load(self.usage_subject()))


@strawberry.type
class UsageSummaryField(_Subject):
    @strawberry.field(description="Its gateway calls since then (all kept ones when omitted).")
    async def usage(self, info: Info, since: datetime | None = None) -> UsageSummary:
        kind, key = self.usage_subject()
        return await summary(info, since, kind, key)
