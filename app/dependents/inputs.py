"""What endpoint and workspace mutations ask for, in the services' terms."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from app.validation import UNSET, Unset


@dataclass
class EndpointInput:
    name: str | Unset = UNSET
    connection_id: uuid.UUID | Unset | None = UNSET
    model: str | Unset = UNSET
    description: str | Unset | None = UNSET
    config: Any | Unset = UNSET
    expected_version: int | Unset = UNSET


@dataclass
class WorkspaceInput:
    name: str | Unset = UNSET
    default_connection_id: uuid.UUID | Unset | None = UNSET
    expected_version: int | Unset = UNSET
