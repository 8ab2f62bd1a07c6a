"""Planning on its own: an update is the stored row with the input laid over it, checked as a
new connection would be; secrets are kept, set or cleared, and never sent to a new origin."""

from __future__ import annotations

from dataclasses import replace

from app.connections.inputs import ConnectionInput, HeaderInput
from app.connections.planning import plan_connection
from app.connections.records import StoredHeader
from app.errors import ErrorCode
from app.providers.catalog import AuthMethod, Provider
from tests.connections.records import connection

STORED = replace(
    connection(),
    provider=Provider.OPENAI_COMPATIBLE,
    auth_method=AuthMethod.API_KEY,
    base_url="https://llm.example.test/v1",
    api_key_sealed="sealed-key",
    api_key_hint="…WXYZ",
    custom_headers=(StoredHeader("X-Team", "sealed-header", "…team"),),
    plain={"description": "kept", "prefix_id": "p", "model_ids": ("m",), "tags": ("prod",)},
)


def _fields(problems) -> list[tuple[str, ...]]:
    return [p.field for p in problems]


def test_absent_fields_keep_the_stored_values_and_secrets():
    plan, problems = plan_connection(ConnectionInput(name="renamed"), STORED)
    assert problems == [] and plan is not None
    assert plan.name == "renamed" and plan.base_url == STORED.base_url
    assert plan.plain == {
        "description": "kept",
        "prefix_id": "p",
        "model_ids": ["m"],
        "tags": ["prod"],
    }
    assert plan.api_key.action == "keep" and plan.headers is None and plan.is_default is None
    assert not plan.credentials_changed


def test_null_clears_an_optional_field_and_is_refused_for_a_required_one():
    plan, problems = plan_connection(
        ConnectionInput(plain={"description": None, "tags": None}), STORED
    )
    assert plan is not None and plan.plain["description"] is None and plan.plain["tags"] == []
    _, problems = plan_connection(ConnectionInput(name=None, enabled=None), STORED)
    assert _fields(problems) == [("input", "name"), ("input", "enabled")]


def test_a_new_key_is_set_and_null_removes_it_where_the_method_allows():
    plan, _ = plan_connection(ConnectionInput(api_key="sk-new-0123456789"), STORED)
    assert plan is not None and plan.api_key.action == "set" and plan.credentials_changed
    _, problems = plan_connection(ConnectionInput(api_key=None), STORED)
    assert _fields(problems) == [("input", "apiKey")], "API_KEY auth needs its key"
    plan, problems = plan_connection(
        ConnectionInput(auth_method=AuthMethod.NONE, api_key=None), STORED
    )
    assert problems == [] and plan is not None and plan.api_key.action == "clear"


def test_moving_to_another_origin_needs_every_stored_secret_again():
    moved = ConnectionInput(base_url="https://elsewhere.example.test/v1")
    _, problems = plan_connection(moved, STORED)
    assert {p.field for p in problems} == {("input", "apiKey"), ("input", "customHeaders")}
    assert {p.code for p in problems} == {ErrorCode.NOT_ALLOWED}
    again = replace(
        moved, api_key="sk-again-0123456789", custom_headers=[HeaderInput("X-Team", "blue")]
    )
    plan, problems = plan_connection(again, STORED)
    assert problems == [] and plan is not None
    same_origin = ConnectionInput(base_url="https://llm.example.test/v2")
    assert plan_connection(same_origin, STORED)[1] == []


def test_a_kept_header_needs_a_stored_value_and_names_are_unique():
    keep = ConnectionInput(custom_headers=[HeaderInput("x-team", None)])
    plan, problems = plan_connection(keep, STORED)
    assert problems == [] and plan is not None and plan.headers is not None
    unknown = ConnectionInput(custom_headers=[HeaderInput("X-New", None)])
    assert _fields(plan_connection(unknown, STORED)[1]) == [
        ("input", "customHeaders", "0", "value")
    ]
    twice = ConnectionInput(custom_headers=[HeaderInput("A", "1"), HeaderInput("a", "2")])
    assert _fields(plan_connection(twice, STORED)[1]) == [("input", "customHeaders", "1", "name")]


def test_every_problem_is_reported_at_once():
    bad = ConnectionInput(
        provider=Provider.OPENAI_COMPATIBLE,
        name="",
        base_url="ftp://nope",
        plain={"prefix_id": "bad prefix", "tags": ["Bad Tag"]},
    )
    plan, problems = plan_connection(bad, None)
    assert plan is None
    assert set(_fields(problems)) >= {
        ("input", "name"),
        ("input", "baseUrl"),
        ("input", "prefixId"),
        ("input", "tags"),
    }


def test_a_custom_header_may_not_carry_a_credential_the_family_sends():
    """Each family names the headers its credentials travel in (providers/families): Gemini's
    key goes as x-goog-api-key to its listing and as a Bearer token to its calls."""

    def refused(provider: Provider, header: str, **fields) -> bool:
        made = ConnectionInput(
            provider=provider,
            name="c",
            base_url="https://llm.example.test",
            api_key="sk-0123456789abcdef",
            custom_headers=[HeaderInput(header, "x")],
            **fields,
        )
        return ("input", "customHeaders", "0", "name") in _fields(plan_connection(made, None)[1])

    assert refused(Provider.GEMINI, "X-Goog-Api-Key") and refused(Provider.GEMINI, "Authorization")
    assert refused(Provider.ANTHROPIC, "x-api-key")
    assert refused(Provider.OPENAI, "Authorization") and not refused(Provider.OPENAI, "api-key")
    azure = {"config": {"apiVersion": "2024-10-21"}}
    assert refused(Provider.AZURE_OPENAI, "api-key", **azure)
    assert not refused(Provider.AZURE_OPENAI, "X-Team", **azure)
