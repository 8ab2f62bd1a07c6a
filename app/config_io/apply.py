"""`apply`: make the database match a file. A plan first (create, update, unchanged and, with
prune, delete), then each step through the services, each write with its audit event:
connections (several at once: their providers are asked for models), then endpoints and
workspaces, then what prune removes, dependents before the connections they use (a connection
something still uses is refused, as deleteConnection refuses it)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.config_io.document import PRICE_FIELDS, Wanted, price_entry
from app.config_io.reconcile import Outcome, Step, carry_out, existing_by_name, plan
from app.db.tables import Endpoint, Workspace
from app.dependents.inputs import EndpointInput, WorkspaceInput
from app.dependents.records import EndpointRecord, WorkspaceRecord
from app.errors import ProblemsFound
from app.security.keyring import Keyring
from app.spend.prices import Price, PriceInput, admin_prices, delete_price, set_price

AT_ONCE = 16  # connections written concurrently (each may call its provider first)


@dataclass
class Plan:
    connections: list[Step] = field(default_factory=list)
    endpoints: list[Step] = field(default_factory=list)
    workspaces: list[Step] = field(default_factory=list)
    prices: list[Step] = field(default_factory=list)
    deletions: list[Step] = field(default_factory=list)  # "delete endpoint x", ...

    def steps(self) -> list[Step]:
        return self.connections + self.endpoints + self.workspaces + self.prices + self.deletions

    def changes(self) -> list[Step]:
        return [s for s in self.steps() if s.action != "unchanged"]


async def _endpoints() -> dict[str, EndpointRecord]:
    return {r["name_key"]: EndpointRecord.from_row(r) for r in await Endpoint.select()}


async def _workspaces() -> dict[str, WorkspaceRecord]:
    return {r["name_key"]: WorkspaceRecord.from_row(r) for r in await Workspace.select()}


def _name(names: dict[uuid.UUID, str], connection_id: uuid.UUID | None) -> str:
    return names.get(connection_id, "").casefold() if connection_id else ""


def _endpoint_changes(
    entry: dict[str, Any], current: EndpointRecord, names: dict[uuid.UUID, str]
) -> list[str]:
    changed = []
    if (entry.get("connection") or "").casefold() != _name(names, current.connection_id):
        changed.append("connection")
    if entry.get("model") != current.model:
        changed.append("model")
    if (entry.get("description") or None) != current.description:
        changed.append("description")
    if dict(entry.get("config") or {}) != dict(current.config):
        changed.append("config")
    return changed


async def make_plan(wanted: Wanted, keyring: Keyring, prune: bool) -> Plan:
    existing = await existing_by_name()
    names = {r.id: r.name for r in existing.values()}
    result = Plan(connections=plan(wanted.connections, existing, keyring))
    endpoints, workspaces = await _endpoints(), await _workspaces()
    for entry in wanted.endpoints:
        current = endpoints.get(entry["name"].casefold())
        changed = _endpoint_changes(entry, current, names) if current else []
        action = "create" if current is None else ("update" if changed else "unchanged")
        result.endpoints.append(Step(entry["name"], action, tuple(changed), "endpoint"))
    for entry in wanted.workspaces:
        space = workspaces.get(entry["name"].casefold())
        wanted_default = (entry.get("defaultConnection") or "").casefold()
        differs = space is not None and wanted_default != _name(names, space.default_connection_id)
        action = "create" if space is None else ("update" if differs else "unchanged")
        fields = ("defaultConnection",) if differs else ()
        result.workspaces.append(Step(entry["name"], action, fields, "workspace"))
    prices = await _prices(names)
    for entry in wanted.prices:
        held = prices.get(_price_key(entry))
        changed = _price_changes(entry, held) if held else []
        action = "create" if held is None else ("update" if changed else "unchanged")
        result.prices.append(Step(_price_name(entry), action, tuple(changed), "price"))
    if prune:
        keep_prices = {_price_key(e) for e in wanted.prices}
        result.deletions += [
            Step(_price_name(price_entry(p, names)), "delete", (), "price")
            for k, p in prices.items()
            if k not in keep_prices
        ]
        keep = {e["name"].casefold() for e in wanted.endpoints}
        result.deletions += [
            Step(e.name, "delete", (), "endpoint") for k, e in endpoints.items() if k not in keep
        ]
        keep = {w["name"].casefold() for w in wanted.workspaces}
        result.deletions += [
            Step(w.name, "delete", (), "workspace") for k, w in workspaces.items() if k not in keep
        ]
        keep = {s.name.casefold() for s in wanted.connections}
        result.deletions += [Step(c.name, "delete") for k, c in existing.items() if k not in keep]
    return result


def _price_key(entry: dict[str, Any]) -> tuple[str, str]:
    return ((entry.get("connection") or "").casefold(), entry["model"])


def _price_name(entry: dict[str, Any]) -> str:
    on = entry.get("connection")
    return f"{entry['model']} @ {on}" if on else entry["model"]


async def _prices(names: dict[uuid.UUID, str]) -> dict[tuple[str, str], Price]:
    """The admin's prices by (connection name or '', model)."""
    found = await admin_prices()
    return {(_name(names, p.connection_id), p.model): p for p in found}


def _price_changes(entry: dict[str, Any], held: Price) -> list[str]:
    usd = held.usd()
    return [
        name
        for name, key in PRICE_FIELDS.items()
        if (None if entry.get(name) is None else Decimal(str(entry[name]))) != usd[key]
    ]


async def _set_prices(
    caller: Any, wanted: Wanted, steps: list[Step], ids: dict[str, uuid.UUID]
) -> list[Outcome]:
    outcomes = []
    for entry, step in zip(wanted.prices, steps, strict=True):
        on = entry.get("connection")
        if on and on.casefold() not in ids:
            outcomes.append(Outcome(step, f"no connection named {on!r}"))
            continue
        given = {
            key: None if entry.get(name) is None else str(entry[name])
            for name, key in PRICE_FIELDS.items()
        }
        data = PriceInput(
            model=entry["model"],
            connection_id=ids[on.casefold()] if on else None,
            input=given["input"] or "",
            output=given["output"] or "",
            cached_input=given["cached_input"],
            cache_write=given["cache_write"],
        )
        outcomes.append(await _attempt(step, lambda d=data: set_price(caller.actor, d)))
    return outcomes


async def _connections(
    services: Any, caller: Any, wanted: Wanted, steps: list[Step], verify: bool
) -> list[Outcome]:
    existing = await existing_by_name()
    gate = asyncio.Semaphore(AT_ONCE)

    async def one(index: int) -> list[Outcome]:
        async with gate:
            return await carry_out(
                services.connections,
                caller,
                [wanted.connections[index]],
                [steps[index]],
                existing,
                verify,
            )

    done = await asyncio.gather(*(one(i) for i in range(len(steps))))
    return [outcome for group in done for outcome in group]


async def _attempt(step: Step, write: Any) -> Outcome:
    try:
        if step.action != "unchanged":
            await write()
    except ProblemsFound as exc:
        return Outcome(step, "; ".join(p.message for p in exc.problems))
    return Outcome(step)


async def carry_out_plan(
    services: Any, caller: Any, wanted: Wanted, planned: Plan, verify: bool
) -> list[Outcome]:
    outcomes = await _connections(services, caller, wanted, planned.connections, verify)
    ids = {r.name.casefold(): r.id for r in (await existing_by_name()).values()}
    endpoints, workspaces = await _endpoints(), await _workspaces()
    actor = caller.actor
    for entry, step in zip(wanted.endpoints, planned.endpoints, strict=True):
        data = EndpointInput(
            name=entry["name"],
            connection_id=ids.get((entry.get("connection") or "").casefold()),
            model=entry.get("model") or "",
            description=entry.get("description"),
            config=dict(entry.get("config") or {}),
        )
        current = endpoints.get(entry["name"].casefold())
        if current is None:
            outcomes.append(
                await _attempt(step, lambda d=data: services.endpoints.create(actor, d))
            )
        else:
            outcomes.append(
                await _attempt(
                    step, lambda c=current, d=data: services.endpoints.update(actor, c.id, d)
                )
            )
    for entry, step in zip(wanted.workspaces, planned.workspaces, strict=True):
        space = WorkspaceInput(
            name=entry["name"],
            default_connection_id=ids.get((entry.get("defaultConnection") or "").casefold()),
        )
        held = workspaces.get(entry["name"].casefold())
        if held is None:
            outcomes.append(
                await _attempt(step, lambda d=space: services.workspaces.create(actor, d))
            )
        else:
            outcomes.append(
                await _attempt(
                    step, lambda c=held, d=space: services.workspaces.update(actor, c.id, d)
                )
            )
    outcomes += await _set_prices(caller, wanted, planned.prices, ids)
    for step in planned.deletions:
        outcomes.append(
            await _attempt(
                step, lambda s=step: _delete(services, caller, s, ids, endpoints, workspaces)
            )
        )
    return outcomes


async def _delete(
    services: Any,
    caller: Any,
    step: Step,
    ids: dict[str, uuid.UUID],
    endpoints: dict[str, EndpointRecord],
    workspaces: dict[str, WorkspaceRecord],
) -> None:
    if step.kind == "endpoint":
        await services.endpoints.delete(caller.actor, endpoints[step.name.casefold()].id)
    elif step.kind == "workspace":
        await services.workspaces.delete(caller.actor, workspaces[step.name.casefold()].id)
    elif step.kind == "price":
        model, _, on = step.name.partition(" @ ")
        await delete_price(caller.actor, model, ids[on.casefold()] if on else None)
    else:
        await services.connections.delete(caller, ids[step.name.casefold()])
