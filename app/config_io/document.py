"""The YAML file: what `export` writes and `apply` reads. Secrets never appear in it: each is
a ${ENV_VAR} reference, resolved from the environment when the file is applied."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.config_io.specs import ConnectionSpec
from app.connections.plain_fields import PLAIN_FIELDS
from app.connections.records import ConnectionRecord
from app.dependents.records import EndpointRecord, WorkspaceRecord
from app.money import NotMoney, price_micros, usd_text
from app.providers.catalog import Provider
from app.spend.prices import Price

VERSION = 1
_REFERENCE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")


class DocumentError(ValueError):
    """The file cannot be applied; the message says where and why."""


def env_name(connection: str, what: str) -> str:
    """OPENAI_PROD_API_KEY for connection "openai-prod" and "API_KEY"."""
    return re.sub(r"[^A-Z0-9]+", "_", f"{connection}_{what}".upper()).strip("_")


def connection_entry(record: ConnectionRecord) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": record.name, "provider": record.provider.value}
    entry["baseUrl"] = record.base_url
    if record.api_key_sealed:
        entry["apiKey"] = "${" + env_name(record.name, "API_KEY") + "}"
    if record.service_account_sealed:
        entry["serviceAccountJson"] = "${" + env_name(record.name, "SERVICE_ACCOUNT_JSON") + "}"
    if record.config:
        entry["config"] = dict(record.config)
    if record.custom_headers:
        entry["customHeaders"] = {
            h.name: "${" + env_name(record.name, f"HEADER_{h.name}") + "}"
            for h in record.custom_headers
        }
    for plain in PLAIN_FIELDS:
        value = record.plain[plain.name]
        if value:
            entry[plain.api_name] = list(value) if plain.json else value
    entry["enabled"] = record.enabled
    entry["isDefault"] = record.is_default
    return entry


PRICE_FIELDS = {  # the file's name -> Price.usd()'s
    "inputPerMTok": "input",
    "outputPerMTok": "output",
    "cachedInputPerMTok": "cached_input",
    "cacheWritePerMTok": "cache_write",
}


def price_entry(price: Price, names: Mapping[uuid.UUID, str]) -> dict[str, Any]:
    """An admin's price: its model, its connection by name (absent: every connection), and its
    prices per million tokens as decimal strings."""
    entry: dict[str, Any] = {"model": price.model}
    if price.connection_id is not None:
        entry["connection"] = names.get(price.connection_id)
    usd = price.usd()
    for name, key in PRICE_FIELDS.items():
        if usd[key] is not None:
            entry[name] = usd_text(usd[key])
    return entry


def export_document(
    connections: list[ConnectionRecord],
    endpoints: list[EndpointRecord],
    workspaces: list[WorkspaceRecord],
    prices: Sequence[Price] = (),
) -> dict[str, Any]:
    names = {c.id: c.name for c in connections}
    return {
        "version": VERSION,
        "connections": [connection_entry(c) for c in connections],
        "endpoints": [
            {
                "name": e.name,
                "connection": names.get(e.connection_id) if e.connection_id else None,
                "model": e.model,
                **({"description": e.description} if e.description else {}),
                **({"config": dict(e.config)} if e.config else {}),
            }
            for e in endpoints
        ],
        "workspaces": [
            {
                "name": w.name,
                "defaultConnection": names.get(w.default_connection_id)
                if w.default_connection_id
                else None,
            }
            for w in workspaces
        ],
        "prices": [price_entry(p, names) for p in prices if p.connection_id in (None, *names)],
    }


@dataclass
class Wanted:
    connections: list[ConnectionSpec] = field(default_factory=list)
    endpoints: list[dict[str, Any]] = field(default_factory=list)  # name, connection, model...
    workspaces: list[dict[str, Any]] = field(default_factory=list)  # name, defaultConnection
    prices: list[dict[str, Any]] = field(default_factory=list)  # model, connection, the prices


def _secret(value: Any, where: str, environ: Mapping[str, str]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise DocumentError(f"{where}: must be a ${{ENV_VAR}} reference")
    found = _REFERENCE.match(value.strip())
    if found is None:
        raise DocumentError(f"{where}: secrets are written as ${{ENV_VAR}}, never in the file")
    if found.group(1) not in environ:
        raise DocumentError(f"{where}: the environment variable {found.group(1)} is not set")
    return environ[found.group(1)]


def _connection(entry: Any, at: str, environ: Mapping[str, str]) -> ConnectionSpec:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise DocumentError(f"{at}: needs a name")
    try:
        provider = Provider(entry.get("provider"))
    except ValueError:
        raise DocumentError(f"{at}.provider: unknown provider {entry.get('provider')!r}") from None
    headers = entry.get("customHeaders") or {}
    if not isinstance(headers, dict):
        raise DocumentError(f"{at}.customHeaders: must map header names to ${{ENV_VAR}}")
    spec = ConnectionSpec(
        entry["name"],
        provider,
        base_url=entry.get("baseUrl"),
        api_key=_secret(entry.get("apiKey"), f"{at}.apiKey", environ),
        service_account_json=_secret(
            entry.get("serviceAccountJson"), f"{at}.serviceAccountJson", environ
        ),
        config=dict(entry.get("config") or {}),
        headers={
            str(k): _secret(v, f"{at}.customHeaders.{k}", environ) or "" for k, v in headers.items()
        },
        enabled=bool(entry.get("enabled", True)),
        is_default=bool(entry.get("isDefault", False)),
    )
    for plain in PLAIN_FIELDS:
        value = entry.get(plain.api_name)
        spec.plain[plain.name] = list(value or []) if plain.json else value
    return spec


def _price(entry: Any, at: str) -> dict[str, Any]:
    if not isinstance(entry, dict) or not isinstance(entry.get("model"), str):
        raise DocumentError(f"{at}: needs a model")
    for name in ("inputPerMTok", "outputPerMTok"):
        if entry.get(name) is None:
            raise DocumentError(f"{at}.{name}: needed (USD per million tokens)")
    for name in PRICE_FIELDS:
        value = entry.get(name)
        if value is None:
            continue
        try:
            price_micros(value)
        except NotMoney as exc:
            raise DocumentError(f"{at}.{name}: {exc}") from None
    return entry


def _check_variables(data: dict[str, Any], environ: Mapping[str, str]) -> None:
    """Name every variable the file's secrets need and the environment lacks, at once."""
    missing: list[str] = []
    for index, entry in enumerate(data.get("connections") or []):
        if not isinstance(entry, dict):
            continue
        headers = entry.get("customHeaders")
        secrets = {
            "apiKey": entry.get("apiKey"),
            "serviceAccountJson": entry.get("serviceAccountJson"),
            **{
                f"customHeaders.{k}": v
                for k, v in (headers if isinstance(headers, dict) else {}).items()
            },
        }
        for where, value in secrets.items():
            found = _REFERENCE.match(value.strip()) if isinstance(value, str) else None
            if found is not None and found.group(1) not in environ:
                missing.append(f"{found.group(1)} (connections[{index}].{where})")
    if missing:
        raise DocumentError(f"set these environment variables first: {', '.join(missing)}")


def read_document(data: Any, environ: Mapping[str, str]) -> Wanted:
    """The file's contents, secrets resolved; DocumentError on the first problem."""
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise DocumentError(f"not a Switchboard file: it needs `version: {VERSION}` at the top")
    _check_variables(data, environ)
    wanted = Wanted()
    for index, entry in enumerate(data.get("connections") or []):
        wanted.connections.append(_connection(entry, f"connections[{index}]", environ))
    for kind in ("endpoints", "workspaces"):
        for index, entry in enumerate(data.get(kind) or []):
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                raise DocumentError(f"{kind}[{index}]: needs a name")
            getattr(wanted, kind).append(entry)
    for index, entry in enumerate(data.get("prices") or []):
        wanted.prices.append(_price(entry, f"prices[{index}]"))
    names = [s.name.casefold() for s in wanted.connections]
    if len(set(names)) != len(names):
        raise DocumentError("connections: two entries share a name")
    return wanted
