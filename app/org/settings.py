"""Organisation-wide switches, stored in the database so every instance sees the same."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from app.audit.service import Actor, Done, Target, audited_write, diff
from app.db.json_columns import load_json
from app.db.tables import AppSetting
from app.errors import ProblemsFound, invalid
from app.naming import camel_snapshot
from app.security.envelope import open_sealed, seal
from app.security.hints import hint
from app.security.key_registry import active_sealing_key
from app.security.keyring import Keyring
from app.security.sealed_fields import WEBHOOK_SECRET_CONTEXT


@dataclass(frozen=True)
class OrgSettings:
    allow_direct_connections: bool = True  # members may keep personal connections
    allow_secret_reveal: bool = False  # admins may read a stored secret back (audited)
    alert_webhook_url: str | None = None  # where budget alerts are POSTed
    alert_webhook_secret: dict[str, str] | None = None  # {"sealed", "hint"}: signs each alert


SECRET_FIELDS = ("alertWebhookSecret",)


MAX_URL = 2048
MAX_SECRET = 256


def webhook_url(value: str | None) -> str | None:
    """The alert webhook's URL as stored (None: none), or a VALIDATION problem."""
    url = (value or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if len(url) > MAX_URL or parts.scheme not in ("http", "https") or not parts.hostname:
        message = "alertWebhookUrl: an http(s) URL of at most 2048 characters"
        raise ProblemsFound([invalid(("input", "alertWebhookUrl"), message)])
    return url


def checked_secret(value: str) -> str:
    if len(value) > MAX_SECRET:
        message = f"alertWebhookSecret: at most {MAX_SECRET} characters"
        raise ProblemsFound([invalid(("input", "alertWebhookSecret"), message)])
    return value


def webhook_secret(keyring: Keyring, settings: OrgSettings) -> str | None:
    stored = settings.alert_webhook_secret
    if not stored:
        return None
    return open_sealed(keyring, stored["sealed"], WEBHOOK_SECRET_CONTEXT)


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


@dataclass(frozen=True)
class NewSecret:
    """The alert webhook secret to store (None: clear it), sealed inside the write's
    transaction with the key the registry says is active there, as connection secrets are."""

    keyring: Keyring
    plaintext: str | None

    async def stored(self) -> dict[str, str] | None:
        if not self.plaintext:
            return None
        key_id = await active_sealing_key(self.keyring)
        sealed = seal(self.keyring, self.plaintext, WEBHOOK_SECRET_CONTEXT, key_id=key_id)
        return {"sealed": sealed, "hint": hint(self.plaintext)}


async def save_org_settings(
    actor: Actor, changes: dict[str, Any], secret: NewSecret | None = None
) -> OrgSettings:
    """Apply `changes` (and a new webhook `secret`) with their audit event in one transaction;
    return the settings after."""

    async def write() -> Done[OrgSettings]:
        if secret is not None:
            changes["alert_webhook_secret"] = await secret.stored()
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
        changed = diff(camel_snapshot(before), camel_snapshot(after), SECRET_FIELDS)
        return Done(after, Target("Settings", None, "settings"), changed)

    return await audited_write(AppSetting, actor, "settings.update", write)
