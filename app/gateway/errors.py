"""Gateway failures, answered in the format of the route that was called: OpenAI routes
`{"error": {"message", "type", "code"}}`, Anthropic routes `{"type": "error", "error":
{"type", "message"}}`, with the same status either way."""

from __future__ import annotations

from enum import Enum
from typing import Any

from app.http.failures import CHALLENGE
from app.providers.families import Operation


class Dialect(Enum):
    OPENAI = "openai"
    ANTHROPIC = "anthropic"

    @classmethod
    def of(cls, op: Operation) -> Dialect:
        """The format an operation's caller reads, answers and errors alike."""
        return cls.ANTHROPIC if op.speaks_anthropic else cls.OPENAI


# status -> (OpenAI type, Anthropic type)
TYPES = {
    400: ("invalid_request_error", "invalid_request_error"),
    401: ("invalid_request_error", "authentication_error"),
    403: ("permission_error", "permission_error"),
    404: ("invalid_request_error", "not_found_error"),
    405: ("invalid_request_error", "invalid_request_error"),
    413: ("invalid_request_error", "request_too_large"),
    429: ("rate_limit_error", "rate_limit_error"),
    502: ("api_error", "api_error"),
    504: ("api_error", "timeout_error"),
}


class GatewayError(Exception):
    """A refusal or failure the caller can act on; its message holds no secret."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def invalid_api_key() -> GatewayError:
    message = (
        "Invalid or missing Switchboard token: send it as 'Authorization: Bearer <token>' "
        "or 'x-api-key: <token>'."
    )
    return GatewayError(401, "invalid_api_key", message, dict(CHALLENGE))


def model_not_found(message: str) -> GatewayError:
    return GatewayError(404, "model_not_found", message)


def bad_request(message: str) -> GatewayError:
    return GatewayError(400, "invalid_request", message)


def error_body(dialect: Dialect, status: int, code: str, message: str) -> dict[str, Any]:
    openai_type, anthropic_type = TYPES.get(status, ("api_error", "api_error"))
    if dialect is Dialect.ANTHROPIC:
        return {"type": "error", "error": {"type": anthropic_type, "message": message}}
    return {"error": {"message": message, "type": openai_type, "code": code}}


def error_payload(dialect: Dialect, error: GatewayError) -> dict[str, Any]:
    return error_body(dialect, error.status, error.code, error.message)
