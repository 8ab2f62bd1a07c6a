"""GraphQL input types for connections, and their translation into service inputs."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from app.api.connections.plain_fields import (
    PlainCreateFields,
    PlainUpdateFields,
    plain_given,
    plain_maybe,
)
from app.api.providers import AuthMethod, Provider
from app.connections.inputs import ConnectionInput, HeaderInput
from app.connections.records import ConnectionOrderField as DomainOrderField
from app.connections.records import OwnerScope as DomainOwnerScope
from app.graphql.arguments import sent
from app.validation import UNSET, Unset

OwnerScope = strawberry.enum(DomainOwnerScope, name="OwnerScope")
ConnectionOrderField = strawberry.enum(DomainOrderField, name="ConnectionOrderField")


@strawberry.enum
class OrderDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.input
class CustomHeaderInput:
    name: str
    value: str | None = strawberry.field(
        default=None, description="On update, null keeps the stored value of this header."
    )


@strawberry.input
class CreateConnectionInput(PlainCreateFields):
    name: str
    provider: Provider  # type: ignore[valid-type]
    auth_method: AuthMethod | None = None  # type: ignore[valid-type]
    base_url: str | None = strawberry.field(
        default=None, description="Provider default when not given."
    )
    api_key: str | None = None
    service_account_json: str | None = None
    config: JSON | None = None
    custom_headers: list[CustomHeaderInput] | None = None
    enabled: bool = True
    is_default: bool = False
    verify: bool = strawberry.field(
        default=False, description="Test the configuration first; save nothing if it fails."
    )


@strawberry.input(
    description="An unsaved configuration (provider required), or id plus overrides to test an "
    "edit against the stored secrets."
)
class TestConnectionInput(PlainCreateFields):
    id: strawberry.ID | None = None
    provider: Provider | None = None  # type: ignore[valid-type]
    name: str | None = None
    auth_method: AuthMethod | None = None  # type: ignore[valid-type]
    base_url: str | None = None
    api_key: str | None = None
    service_account_json: str | None = None
    config: JSON | None = None
    custom_headers: list[CustomHeaderInput] | None = None


@strawberry.input(description="Partial: an absent field is unchanged, an explicit null clears it.")
class UpdateConnectionInput(PlainUpdateFields):
    name: strawberry.Maybe[str | None]
    auth_method: strawberry.Maybe[AuthMethod | None]  # type: ignore[valid-type]
    base_url: strawberry.Maybe[str | None]
    api_key: strawberry.Maybe[str | None] = strawberry.field(
        description="Absent keeps the stored key; null removes it."
    )
    service_account_json: strawberry.Maybe[str | None]
    config: strawberry.Maybe[JSON | None]
    custom_headers: strawberry.Maybe[list[CustomHeaderInput] | None]
    enabled: strawberry.Maybe[bool | None]
    is_default: strawberry.Maybe[bool | None]
    expected_version: int | None = strawberry.field(
        default=None, description="When set, must equal the current version or nothing is written."
    )


@strawberry.input
class ConnectionFilter:
    provider: list[Provider] | None = None  # type: ignore[valid-type]
    enabled: bool | None = None
    is_default: bool | None = None
    tag: str | None = None
    search: str | None = strawberry.field(default=None, description="Matches name or description.")
    owner: OwnerScope | None = None  # type: ignore[valid-type]


@strawberry.input
class ConnectionOrder:
    field: ConnectionOrderField = DomainOrderField.NAME  # type: ignore[valid-type]
    direction: OrderDirection = OrderDirection.ASC


def _headers(raw: list[CustomHeaderInput] | None) -> list[HeaderInput] | None:
    return None if raw is None else [HeaderInput(h.name, h.value) for h in raw]


def create_input(data: CreateConnectionInput) -> ConnectionInput:
    return ConnectionInput(
        provider=data.provider,
        name=data.name,
        auth_method=data.auth_method,
        base_url=data.base_url,
        api_key=data.api_key,
        service_account_json=data.service_account_json,
        config=data.config,
        custom_headers=_headers(data.custom_headers),
        enabled=data.enabled,
        is_default=data.is_default,
        plain=plain_given(data),
    )


def update_input(data: UpdateConnectionInput) -> ConnectionInput:
    headers = sent(data.custom_headers)
    return ConnectionInput(
        name=sent(data.name),
        auth_method=sent(data.auth_method),
        base_url=sent(data.base_url),
        api_key=sent(data.api_key),
        service_account_json=sent(data.service_account_json),
        config=sent(data.config),
        custom_headers=headers if isinstance(headers, Unset) else _headers(headers),
        enabled=sent(data.enabled),
        is_default=sent(data.is_default),
        expected_version=UNSET if data.expected_version is None else data.expected_version,
        plain=plain_maybe(data),
    )


TEST_NAME = "connection-test"


def test_input(data: TestConnectionInput) -> ConnectionInput:
    """Without id: a new connection (absent means default). With id: overrides (absent keeps)."""

    def pick(value: Any) -> Any:
        return UNSET if value is None and data.id is not None else value

    return ConnectionInput(
        provider=data.provider if data.provider is not None else UNSET,
        name=data.name if data.name is not None else (UNSET if data.id else TEST_NAME),
        auth_method=pick(data.auth_method),
        base_url=pick(data.base_url),
        api_key=pick(data.api_key),
        service_account_json=pick(data.service_account_json),
        config=pick(data.config),
        custom_headers=pick(_headers(data.custom_headers)),
        enabled=UNSET if data.id else True,
        is_default=UNSET if data.id else False,
        plain=plain_given(data, absent_is_unset=data.id is not None),
    )


def rotate_input(data: Any) -> ConnectionInput:
    """rotateConnectionCredentials' secrets; absent ones are kept."""
    return ConnectionInput(
        api_key=UNSET if data.api_key is None else data.api_key,
        service_account_json=UNSET
        if data.service_account_json is None
        else data.service_account_json,
        custom_headers=UNSET if data.custom_headers is None else _headers(data.custom_headers),
    )


@strawberry.input
class RotateCredentialsInput:
    api_key: str | None = None
    service_account_json: str | None = None
    custom_headers: list[CustomHeaderInput] | None = strawberry.field(
        default=None, description="The new header list; a null value keeps that header's value."
    )
    verify: bool = strawberry.field(
        default=True, description="Test the new secrets first; if they fail, the old ones stay."
    )
