"""Organisation-wide switches, stored in the database so every instance sees the same."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from typing import Any

from app.audit.service import Actor, Done, Target, audited_write, diff
from app.db.json_columns import load_json
from app.db.tables import AppSetting
from app.naming import camel_snapshot


@dataclass(frozen=True)
class OrgSettings:
    allow_direct_connections: bool = True  # members may keep personal connections
    allow_secret_reveal: bool = False  # admins may read a stored secret back (audited)


_CACHED: tuple[int, OrgSettings] | None = None


async def load_org_settings(version: int | None = None) -> OrgSettings:
    """The settings; with the cache version the caller just read, kept while it holds."""
    global _CACHED
    if version is not None and _CACHED is not None and _CACHED[0] == version:
        return _CACHED[1]
    settings = await _read_settings()
    if version is not None:
        _CACHED = (version, settings)
    return settings


async def _read_settings() -> OrgSettings:
    rows = await AppSetting.select(AppSetting.key, AppSetting.value)
    stored = {row["key"]: load_json(row["value"]) for row in rows}
    known = {f.name for f in fields(OrgSettings)}
    return replace(OrgSettings(), **{k: v for k, v in stored.items() if k in known})


async def save_org_settings(actor: Actor, changes: dict[str, Any]) -> OrgSettings:
    """Apply `changes` with their audit event in one transaction; return the settings after."""

    async def write() -> Done[OrgSettings]:
        before = await _read_settings()
        after = replace(before, **changes)
        now = datetime.now(UTC)
        for key, value in asdict(after).items():
            if getattr(before, key) == value and key not in changes:
                continue
            updated = (
                await AppSetting.update(
                    {AppSetting.value: json.dumps(value), AppSetting.updated_at: now}
                )
                .where(AppSetting.key == key)
                .returning(AppSetting.key)
            )
            if not updated:
                await AppSetting.insert(AppSetting(key=key, value=json.dumps(value)))
        changed = diff(camel_snapshot(before), camel_snapshot(after))
        return Done(after, Target("Settings", None, "settings"), changed)

    return await audited_write(AppSetting, actor, "settings.update", write)
