"""Gateway failures, answered in the format of the route that was called: OpenAI routes
`{"error": {"message", "type", "code"}}`, Anthropic routes `{"type": "error", "error":
{"type", "message"}}`, Gemini routes `{"error": {"code", "message", "status"}}`, with the same
HTTP status each way."""

from __future__ import annotations

from enum import Enum
from typing import Any

from app.http.failures import CHALLENGE
from app.providers.families import Operation


class Dialect(Enum):
    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    GEMINI = "gemini"

    @classmethod
    def of(cls, op: Operation) -> Dialect:
        """The format an operation's caller reads, answers and errors alike."""
        if op.speaks_gemini:
            return cls.GEMINI
        return cls.ANTHROPIC if op.speaks_anthropic else cls.OPENAI

    @classmethod
    def of_path(cls, path: str) -> Dialect:
        """The format of a path under /v1 or /v1beta, a path no route serves included."""
        if path == "/v1beta" or path.startswith("/v1beta/"):
            return cls.GEMINI
        if path.startswith("/v1/models/") and ":" in path:
            return cls.GEMINI  # /v1/models/{model}:method is Gemini's v1
        return cls.ANTHROPIC if path.startswith("/v1/messages") else cls.OPENAI


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
# status -> Google's canonical status name (google.rpc.Code), as Gemini's errors say it
GOOGLE_STATUSES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "INVALID_ARGUMENT",
    409: "ABORTED",
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
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
        "or 'x-api-key: <token>' (on /v1beta, 'x-goog-api-key: <token>' or '?key=<token>')."
    )
    return GatewayError(401, "invalid_api_key", message, dict(CHALLENGE))


def model_not_found(message: str) -> GatewayError:
    return GatewayError(404, "model_not_found", message)


def bad_request(message: str) -> GatewayError:
    return GatewayError(400, "invalid_request", message)


# codes whose OpenAI type is the code itself (LiteLLM's and Portkey's budget errors say so too)
TYPED_CODES = frozenset({"budget_exceeded"})


def error_body(dialect: Dialect, status: int, code: str, message: str) -> dict[str, Any]:
    openai_type, anthropic_type = TYPES.get(status, ("api_error", "api_error"))
    if code in TYPED_CODES:
        openai_type = code
    if dialect is Dialect.GEMINI:
        google = GOOGLE_STATUSES.get(status, "UNAVAILABLE" if status >= 500 else "UNKNOWN")
        return {"error": {"code": status, "message": message, "status": google}}
    if dialect is Dialect.ANTHROPIC:
        return {"type": "error", "error": {"type": anthropic_type, "message": message}}
    return {"error": {"message": message, "type": openai_type, "code": code}}


def error_payload(dialect: Dialect, error: GatewayError) -> dict[str, Any]:
    return error_body(dialect, error.status, error.code, error.message)
