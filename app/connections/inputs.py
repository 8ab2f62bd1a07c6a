"""What a create or update asks for, in the services' terms (no GraphQL types)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from app.providers.catalog import AuthMethod, Provider


class Unset:
    """An input field that was not sent: keep what is stored."""

    _instance: Unset | None = None

    def __new__(cls) -> Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = Unset()
T = TypeVar("T")


def given(value: T | Unset, fallback: T) -> T:
    return fallback if isinstance(value, Unset) else value


@dataclass(frozen=True)
class HeaderInput:
    name: str
    value: str | None  # None on update: keep the stored value of the header with this name


@dataclass
class ConnectionInput:
    """Fields of createConnection / updateConnection. UNSET means "not sent"."""

    provider: Provider | Unset = UNSET
    name: str | Unset = UNSET
    auth_method: AuthMethod | Unset | None = UNSET
    base_url: str | Unset | None = UNSET
    api_key: str | Unset | None = UNSET
    service_account_json: str | Unset | None = UNSET
    config: Any | Unset = UNSET
    custom_headers: list[HeaderInput] | Unset | None = UNSET
    enabled: bool | Unset | None = UNSET
    is_default: bool | Unset | None = UNSET
    expected_version: int | Unset | None = UNSET
    # The declared plain fields (app.connections.plain_fields) that were sent, by name.
    plain: dict[str, Any] = field(default_factory=dict)
