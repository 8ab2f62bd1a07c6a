"""The outcome of testing a connection against its provider."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from enum import Enum
from typing import Any


class VerificationStatus(Enum):
    OK = "OK"
    AUTH_FAILED = "AUTH_FAILED"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    NOT_FOUND = "NOT_FOUND"
    RATE_LIMITED = "RATE_LIMITED"
    UNREACHABLE = "UNREACHABLE"
    TIMEOUT = "TIMEOUT"
    TLS_ERROR = "TLS_ERROR"
    INVALID_RESPONSE = "INVALID_RESPONSE"
    BLOCKED_BY_POLICY = "BLOCKED_BY_POLICY"


@dataclass(frozen=True)
class VerificationResult:
    status: VerificationStatus
    message: str | None
    latency_ms: int | None
    model_count: int | None
    checked_at: datetime

    @property
    def ok(self) -> bool:
        return self.status is VerificationStatus.OK

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        data["checked_at"] = self.checked_at.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VerificationResult:
        return cls(
            status=VerificationStatus(data["status"]),
            message=data.get("message"),
            latency_ms=data.get("latency_ms"),
            model_count=data.get("model_count"),
            checked_at=datetime.fromisoformat(data["checked_at"]),
        )
