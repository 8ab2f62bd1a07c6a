"""Configuration as files: `import-env [FILE]` (a .env's variables become connections),
`export [FILE]` (YAML, secrets as ${ENV_VAR}) and `apply FILE` (the database made to match)."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import Any

from app.cli.common import fail
from app.cli.session import services
from app.config_io.dotenv import parse_dotenv
from app.config_io.env_import import specs_from_env
from app.config_io.reconcile import carry_out, existing_by_name, plan


def _read_env(path: str) -> dict[str, str]:
    if path == "-":
        return dict(os.environ)
    file = Path(path)
    if not file.is_file():
        fail(f"{path}: no such file (give a .env file, or - for this process's environment)")
    return parse_dotenv(file.read_text())


async def import_env(path: str, dry_run: bool, verify: bool) -> None:
    specs = specs_from_env(_read_env(path))
    if not specs:
        fail(
            f"{path}: none of LLM_BASE_URL/LLM_API_KEY, OPENAI_API_KEY, ANTHROPIC_API_KEY, "
            "AZURE_OPENAI_API_KEY with AZURE_OPENAI_ENDPOINT, GEMINI_API_KEY or OLLAMA_HOST is set"
        )
    async with services() as (found, caller):
        existing = await existing_by_name()
        steps = plan(specs, existing, found.keyring)
        changes = [s for s in steps if s.action != "unchanged"]
        for step in steps:
            print(("would " if dry_run and step.action != "unchanged" else "") + step.describe())
        if not changes:
            print(f"Nothing to change: {len(steps)} connection(s) already match {path}.")
            return
        if dry_run:
            print(f"Dry run: {len(changes)} change(s) not made.")
            return
        outcomes = await carry_out(found.connections, caller, specs, steps, existing, verify)
    failed = [o for o in outcomes if o.problem]
    for outcome in failed:
        print(f"not done: {outcome.step.describe()}: {outcome.problem}")
    print(f"Done: {len(changes) - len(failed)} change(s) made, {len(failed)} refused.")
    if failed:
        raise SystemExit(1)


def export(path: str) -> None:
    """Every workspace-wide connection, endpoint and workspace as YAML, secrets as references."""
    import yaml

    document = asyncio.run(_export_document())
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    text = "# Switchboard: apply with `python -m app.cli apply FILE`. Secrets are ${ENV_VAR}.\n"
    text += body
    if path == "-":
        print(text, end="")
        return
    Path(path).write_text(text)
    refs = sorted(set(re.findall(r"\$\{([A-Z0-9_]+)\}", body)))
    print(
        f"Wrote {path}: {len(document['connections'])} connection(s), "
        f"{len(document['endpoints'])} endpoint(s), {len(document['workspaces'])} workspace(s), "
        f"{len(document['prices'])} price(s)."
    )
    if refs:
        print("Set these before applying it: " + ", ".join(refs))


async def _export_document() -> dict[str, Any]:
    from app.cli.common import database
    from app.config_io.document import export_document
    from app.connections.records import fetch_connections
    from app.db.tables import Endpoint, LLMConnection, Workspace
    from app.dependents.records import EndpointRecord, WorkspaceRecord
    from app.spend.prices import admin_prices

    async with database():
        connections = await fetch_connections(LLMConnection.owner.is_null())
        endpoints = [EndpointRecord.from_row(r) for r in await Endpoint.select()]
        workspaces = [WorkspaceRecord.from_row(r) for r in await Workspace.select()]
        prices = await admin_prices()
    return export_document(
        sorted(connections, key=lambda c: c.name.casefold()),
        sorted(endpoints, key=lambda e: e.name.casefold()),
        sorted(workspaces, key=lambda w: w.name.casefold()),
        sorted(prices, key=lambda p: (p.model, str(p.connection_id or ""))),
    )


def apply(path: str, prune: bool, dry_run: bool, verify: bool) -> None:
    import yaml

    from app.config_io.document import DocumentError, read_document

    file = Path(path)
    if not file.is_file():
        fail(f"{path}: no such file")
    try:
        wanted = read_document(yaml.safe_load(file.read_text()), os.environ)
    except (DocumentError, yaml.YAMLError) as exc:
        fail(f"{path}: {exc}".splitlines()[0])
    asyncio.run(_apply(path, wanted, prune, dry_run, verify))


async def _apply(path: str, wanted: Any, prune: bool, dry_run: bool, verify: bool) -> None:
    from app.config_io.apply import carry_out_plan, make_plan

    async with services() as (found, caller):
        planned = await make_plan(wanted, found.keyring, prune)
        changes = planned.changes()
        for step in changes:
            print(("would " if dry_run else "") + step.describe())
        unchanged = len(planned.steps()) - len(changes)
        if not changes:
            print(f"Nothing to change: the database matches {path} ({unchanged} unchanged).")
            return
        print(f"Plan: {len(changes)} change(s), {unchanged} unchanged.")
        if dry_run:
            return
        outcomes = await carry_out_plan(found, caller, wanted, planned, verify)
    failed = [o for o in outcomes if o.problem]
    for outcome in failed:
        print(f"not done: {outcome.step.describe()}: {outcome.problem}")
    print(f"Applied: {len(changes) - len(failed)} change(s) made, {len(failed)} refused.")
    if failed:
        raise SystemExit(1)
