"""A connection's plain fields, declared once.

A plain field is stored in one column of the same name, validated by one check, shown as is,
changed by create/update (absent keeps, null clears) and compared by the audit trail. The
record, the row values, the audit snapshot, the GraphQL type and the create, update and test
inputs are all derived from this tuple. Adding one costs: this line, the table column, its
migration, schema.graphql and a test. Fields with rules of their own (name, provider, baseUrl,
secrets, enabled, isDefault) are hand-written in the plan.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.connections import checks as check
from app.db.json_columns import load_json
from app.naming import camel_case
from app.validation import Checked, check_description


@dataclass(frozen=True)
class PlainField:
    name: str  # the Python and column name; GraphQL's is its camelCase
    type: Any  # as shown on LLMConnection; inputs take it or null
    check: Callable[[Any], Checked]  # (input or None) -> (value to store, problem or None)
    json: bool = False  # a JSON column (lists)
    doc: str | None = None

    @property
    def api_name(self) -> str:
        return camel_case(self.name)


PLAIN_FIELDS: tuple[PlainField, ...] = (
    PlainField("description", str | None, check_description),
    PlainField(
        "prefix_id",
        str | None,
        check.check_prefix_id,
        doc="Models are exposed as {prefixId}.{model}.",
    ),
    PlainField(
        "model_ids",
        list[str],
        check.check_model_ids,
        json=True,
        doc="A manual model list; when set, the provider's listing is not asked.",
    ),
    PlainField("tags", list[str], check.check_tags, json=True),
)


def plain_from_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """The declared fields of a table row, decoded (JSON lists become tuples)."""
    values = {}
    for field in PLAIN_FIELDS:
        value = row[field.name]
        values[field.name] = tuple(load_json(value) or ()) if field.json else value
    return values


def plain_columns(values: Mapping[str, Any]) -> dict[str, Any]:
    """Planned values as column values (JSON fields encoded)."""
    return {
        f.name: json.dumps(list(values[f.name])) if f.json else values[f.name] for f in PLAIN_FIELDS
    }


def plain_snapshot(values: Mapping[str, Any]) -> dict[str, Any]:
    """The audit trail's view: API names, lists as lists."""
    return {f.api_name: list(values[f.name]) if f.json else values[f.name] for f in PLAIN_FIELDS}
