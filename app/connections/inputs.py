"""What a connection write asks for (ConnectionInput: absent, null and a value told apart) and what
planning decides from it (ConnectionPlan and its secret and header plans)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from app.errors import ErrorCode, Problem
from app.providers.catalog import AuthMethod, Provider
from app.validation import UNSET, Unset


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


@dataclass(frozen=True)
class SecretChange:
    action: Literal["keep", "set", "clear"]
    value: str | None = None


KEEP = SecretChange("keep")
CLEAR = SecretChange("clear")


@dataclass(frozen=True)
class HeaderPlan:
    name: str
    value: str | None  # None: keep the stored value of this header


@dataclass
class ConnectionPlan:
    provider: Provider
    name: str
    auth_method: AuthMethod
    base_url: str
    config: dict[str, str]
    plain: dict[str, Any]  # the declared plain fields, checked
    enabled: bool
    is_default: bool | None  # None: unchanged
    api_key: SecretChange = KEEP
    service_account: SecretChange = KEEP
    headers: list[HeaderPlan] | None = None  # None: keep the stored headers

    @property
    def prefix_id(self) -> str | None:
        return self.plain["prefix_id"]

    @property
    def model_ids(self) -> list[str]:
        return list(self.plain["model_ids"])

    @property
    def credentials_changed(self) -> bool:
        return (
            self.api_key.action != "keep"
            or self.service_account.action != "keep"
            or self.headers is not None
        )


@dataclass
class Problems:
    items: list[Problem] = field(default_factory=list)

    def add(
        self, path: tuple[str, ...], message: str, code: ErrorCode = ErrorCode.VALIDATION
    ) -> None:
        self.items.append(Problem(("input", *path), code, message))

    def take(self, path: tuple[str, ...], checked: tuple[Any, str | None]) -> Any:
        value, message = checked
        if message:
            self.add(path, message)
        return value
