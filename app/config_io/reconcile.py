"""Make the stored connections match specs: what differs, then create or update through the
connection service (each write with its audit event), or nothing when everything matches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.config_io.specs import PLAIN_NAMES, ConnectionSpec
from app.connections.checks import normalize_base_url
from app.connections.records import ConnectionRecord, fetch_connections
from app.connections.sealing import target_from_record
from app.db.tables import LLMConnection
from app.providers.catalog import derived_base_url, spec_for
from app.security.keyring import Keyring


@dataclass(frozen=True)
class Step:
    name: str
    action: str  # "create", "update", "unchanged", "delete"
    fields: tuple[str, ...] = ()
    kind: str = "connection"  # or "endpoint", "workspace"

    def describe(self) -> str:
        what = self.name if self.kind == "connection" else f"{self.kind} {self.name}"
        if self.action == "update":
            return f"update {what} ({', '.join(self.fields)})"
        return f"{self.action} {what}"


def _base_url(spec: ConnectionSpec) -> str | None:
    if spec.base_url:
        return normalize_base_url(spec.base_url)[0] or spec.base_url
    return derived_base_url(spec_for(spec.provider), spec.config)


def differences(spec: ConnectionSpec, record: ConnectionRecord, keyring: Keyring) -> list[str]:
    """ConnectionInput field names (or plain field names) whose values differ."""
    stored = target_from_record(keyring, record)
    changed = []
    if spec.provider is not record.provider:
        changed.append("provider")
    if _base_url(spec) != record.base_url:
        changed.append("base_url")
    if (spec.api_key or None) != stored.api_key:
        changed.append("api_key")
    if (spec.service_account_json or None) != stored.service_account_json:
        changed.append("service_account_json")
    if dict(spec.config) != dict(record.config) and spec.config:
        changed.append("config")
    if dict(spec.headers) != dict(stored.headers):
        changed.append("custom_headers")
    if spec.enabled != record.enabled:
        changed.append("enabled")
    if spec.is_default != record.is_default:
        changed.append("is_default")
    for name in PLAIN_NAMES:
        if name in spec.plain and _plain(spec.plain[name]) != _plain(record.plain[name]):
            changed.append(name)
    return changed


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, list | tuple) else value


async def existing_by_name() -> dict[str, ConnectionRecord]:
    """Workspace-wide connections by case-folded name (personal ones are their owners')."""
    records = await fetch_connections(LLMConnection.owner.is_null())
    return {r.name.casefold(): r for r in records}


def plan(
    specs: list[ConnectionSpec], existing: dict[str, ConnectionRecord], keyring: Keyring
) -> list[Step]:
    steps = []
    for spec in specs:
        record = existing.get(spec.name.casefold())
        if record is None:
            steps.append(Step(spec.name, "create"))
            continue
        changed = differences(spec, record, keyring)
        steps.append(Step(spec.name, "update" if changed else "unchanged", tuple(changed)))
    return steps


@dataclass(frozen=True)
class Outcome:
    step: Step
    problem: str | None = None  # why it was not done


async def carry_out(
    service: Any,
    caller: Any,
    specs: list[ConnectionSpec],
    steps: list[Step],
    existing: dict[str, ConnectionRecord],
    verify: bool,
) -> list[Outcome]:
    """Each step through the connection service, in its own transaction with its audit event;
    a refused step is reported and the others still run."""
    from app.errors import ProblemsFound, invalid

    outcomes = []
    for spec, step in zip(specs, steps, strict=True):
        try:
            if step.action == "create":
                await service.create(caller, spec.create_input(), verify=verify)
            elif step.action == "update":
                record = existing[spec.name.casefold()]
                data = spec.update_input(list(step.fields))
                if verify:
                    result = await service.test(caller, data, record.id)
                    if not result.ok:
                        message = f"verification failed: {result.message}"
                        raise ProblemsFound([invalid(("verify",), message)])
                await service.update(caller, record.id, data)
        except ProblemsFound as exc:
            outcomes.append(Outcome(step, "; ".join(p.message for p in exc.problems)))
            continue
        outcomes.append(Outcome(step))
    return outcomes
