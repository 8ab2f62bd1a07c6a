"""The rules for endpoints: a name, a connection, and a model that connection serves."""

from __future__ import annotations

import json
import uuid
from typing import Any

from app.audit.service import Actor
from app.connections.records import fetch_connection
from app.db.tables import Endpoint
from app.db.writes import check_version, ensure_name_free, versioned_update
from app.dependents.inputs import EndpointInput
from app.dependents.kinds import ENDPOINT, personal_refusal
from app.dependents.records import EndpointRecord
from app.dependents.served import model_refusal
from app.dependents.writes import delete_dependent, write_dependent
from app.errors import ErrorCode, Problem, ProblemsFound, invalid, not_found
from app.validation import Unset, check_description, check_name, given

MODEL_MAX = 300
CONFIG_MAX_BYTES = 16384


async def _check_connection_and_model(connection_id: uuid.UUID | None, model: str) -> list[Problem]:
    """The connection must exist; when its model list is known, the model must be on it."""
    if connection_id is None:
        return [invalid(("input", "connectionId"), "an endpoint needs a connection")]
    connection = await fetch_connection(connection_id)
    if connection is None:
        return [not_found("connection", ("input", "connectionId"))]
    refused = personal_refusal(ENDPOINT, connection)
    if refused:
        return [Problem(("input", "connectionId"), ErrorCode.NOT_ALLOWED, refused)]
    refused = await model_refusal(connection, model)
    return [invalid(("input", "model"), refused)] if refused else []


def _checked_fields(
    data: EndpointInput, current: EndpointRecord | None
) -> tuple[dict[str, Any], list[Problem]]:
    problems: list[Problem] = []
    name, message = check_name(given(data.name, current.name if current else ""))
    if message:
        problems.append(invalid(("input", "name"), message))
    description, message = check_description(
        given(data.description, current.description if current else None)
    )
    if message:
        problems.append(invalid(("input", "description"), message))
    model = given(data.model, current.model if current else "").strip()
    if not model or len(model) > MODEL_MAX:
        problems.append(invalid(("input", "model"), f"model must be 1-{MODEL_MAX} characters"))
    config = given(data.config, current.config if current else {}) or {}
    if not isinstance(config, dict) or len(json.dumps(config)) > CONFIG_MAX_BYTES:
        problems.append(
            invalid(
                ("input", "config"), f"config must be a JSON object under {CONFIG_MAX_BYTES} bytes"
            )
        )
    values = {"name": name, "description": description, "model": model, "config": config}
    return values, problems


class EndpointService:
    async def create(self, actor: Actor, data: EndpointInput) -> EndpointRecord:
        endpoint_id = uuid.uuid4()

        async def change(_: EndpointRecord | None) -> None:
            values, problems = _checked_fields(data, None)
            connection_id = given(data.connection_id, None)
            problems += await _check_connection_and_model(connection_id, values["model"])
            if problems:
                raise ProblemsFound(problems)
            await ensure_name_free(Endpoint, values["name"], None, "an endpoint")
            await Endpoint.insert(
                Endpoint(
                    id=endpoint_id,
                    name_key=values["name"].casefold(),
                    connection=connection_id,
                    **{**values, "config": json.dumps(values["config"])},
                )
            )

        return await write_dependent(ENDPOINT, actor, "create", endpoint_id, change, existing=False)

    async def update(
        self, actor: Actor, endpoint_id: uuid.UUID, data: EndpointInput
    ) -> EndpointRecord:
        async def change(current: EndpointRecord | None) -> None:
            assert current is not None
            check_version(data.expected_version, current.version)
            values, problems = _checked_fields(data, current)
            connection_id = given(data.connection_id, current.connection_id)
            if not isinstance(data.connection_id, Unset) or not isinstance(data.model, Unset):
                problems += await _check_connection_and_model(connection_id, values["model"])
            if problems:
                raise ProblemsFound(problems)
            await ensure_name_free(Endpoint, values["name"], endpoint_id, "an endpoint")
            columns = {
                **values,
                "name_key": values["name"].casefold(),
                "config": json.dumps(values["config"]),
                "connection": connection_id,
            }
            strict = isinstance(data.expected_version, int)
            await versioned_update(Endpoint, endpoint_id, current.version, columns, strict)

        return await write_dependent(ENDPOINT, actor, "update", endpoint_id, change, existing=True)

    async def delete(self, actor: Actor, endpoint_id: uuid.UUID) -> EndpointRecord:
        return await delete_dependent(ENDPOINT, actor, endpoint_id)
