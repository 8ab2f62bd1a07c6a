"""The API's field names: the services use snake_case, GraphQL and the audit trail camelCase."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any


def camel_case(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


def camel_snapshot(values: Any) -> dict[str, Any]:
    """A plain dataclass in the API's field names (allow_secret_reveal -> allowSecretReveal)."""
    return {camel_case(name): value for name, value in asdict(values).items()}
