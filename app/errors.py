"""Expected failures as data: the services' vocabulary for what went wrong and where."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any


class ErrorCode(Enum):
    VALIDATION = "VALIDATION"
    NOT_FOUND = "NOT_FOUND"
    DUPLICATE_NAME = "DUPLICATE_NAME"
    HAS_DEPENDENTS = "HAS_DEPENDENTS"
    VERSION_CONFLICT = "VERSION_CONFLICT"
    VERIFICATION_FAILED = "VERIFICATION_FAILED"
    NOT_ALLOWED = "NOT_ALLOWED"
    RECENTLY_USED = "RECENTLY_USED"


@dataclass(frozen=True)
class Problem:
    """One userErrors entry: `field` is the path into the mutation's arguments."""

    field: tuple[str, ...] | None
    code: ErrorCode
    message: str


def not_found(what: str, field: tuple[str, ...] = ("id",)) -> Problem:
    """The one way to say an id names nothing the caller may see: a connection, an endpoint..."""
    return Problem(field, ErrorCode.NOT_FOUND, f"no {what} with this id")


def invalid(field: tuple[str, ...], message: str) -> Problem:
    return Problem(field, ErrorCode.VALIDATION, message)


class ProblemsFound(Exception):
    """The one way a service says "nothing was written, and here is why". Raised anywhere below
    a mutation (inside a transaction it rolls the transaction back); one decorator on each
    mutation turns it into the payload's userErrors. `details` are further facts for the payload
    (the verification that failed, the dependents that block a delete)."""

    def __init__(self, problems: list[Problem], **details: Any) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems
        self.details = details


class Forbidden(Exception):
    """The caller's role does not allow this at all (a top-level FORBIDDEN error, not a
    userError). The message names what was refused."""


class Unavailable(Exception):
    """The service cannot do this until an operator acts; the message says what to do and
    holds no secret. Clients see it (code SERVICE_UNAVAILABLE), and it is logged."""

    code = "SERVICE_UNAVAILABLE"
