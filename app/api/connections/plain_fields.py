"""The GraphQL side of app.connections.plain_fields: each declared field becomes a field of
LLMConnection and of the create, update and test inputs, and is read back from them, with no
hand mapping."""

from __future__ import annotations

from typing import Any

import strawberry

from app.connections.plain_fields import PLAIN_FIELDS
from app.connections.records import ConnectionRecord


def _class(name: str, annotations: dict[str, Any], defaults: dict[str, Any]) -> type:
    return type(name, (), {"__annotations__": annotations, "__module__": __name__, **defaults})


def _described(field: Any, default: Any = strawberry.UNSET) -> Any:
    return strawberry.field(description=field.doc, default=default)


def _output() -> Any:
    annotations = {f.name: f.type for f in PLAIN_FIELDS}
    defaults = {f.name: _described(f) for f in PLAIN_FIELDS if f.doc}
    return strawberry.type(_class("PlainConnectionFields", annotations, defaults))


def _input(name: str, partial: bool) -> Any:
    """Create and test inputs take each field or null; update's are Maybe (absent keeps)."""
    maybe: Any = strawberry.Maybe
    annotations = {f.name: maybe[f.type | None] if partial else f.type | None for f in PLAIN_FIELDS}
    defaults = {} if partial else {f.name: _described(f, None) for f in PLAIN_FIELDS}
    return strawberry.input(_class(name, annotations, defaults))


PlainConnectionFields = _output()
PlainCreateFields = _input("PlainCreateFields", partial=False)
PlainUpdateFields = _input("PlainUpdateFields", partial=True)


def plain_output(record: ConnectionRecord) -> dict[str, Any]:
    """LLMConnection's constructor arguments for the declared fields."""
    return {f.name: list(v) if f.json else v for f in PLAIN_FIELDS for v in [record.plain[f.name]]}


def plain_given(data: Any, absent_is_unset: bool = False) -> dict[str, Any]:
    """The declared fields a create or test input sent (None: not sent, when `absent_is_unset`)."""
    values = {f.name: getattr(data, f.name) for f in PLAIN_FIELDS}
    if absent_is_unset:
        return {name: value for name, value in values.items() if value is not None}
    return values


def plain_maybe(data: Any) -> dict[str, Any]:
    """The declared fields an update sent: Maybe's value (null clears); absent ones are left out."""
    values = {f.name: getattr(data, f.name) for f in PLAIN_FIELDS}
    return {name: maybe.value for name, maybe in values.items() if maybe is not None}
