"""Base URL normalisation, origins, DATABASE_URL forms and settings."""

from __future__ import annotations

import pytest

from app.connections.checks import looks_masked, normalize_base_url, origin
from app.db.urls import parse_database_url
from app.security.hints import hint
from app.settings import SettingsError, load_settings


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://api.openai.com/v1/", "https://api.openai.com/v1"),
        ("HTTPS://API.example.com:8443/v1", "https://api.example.com:8443/v1"),
        ("http://[::1]:11434", "http://[::1]:11434"),
        (" http://localhost:11434 ", "http://localhost:11434"),
    ],
)
def test_base_urls_are_normalised(raw, expected):
    assert normalize_base_url(raw) == (expected, None)


def test_origins():
    assert origin("https://a.example/v1") == origin("https://A.example:443/other")
    assert origin("https://a.example") != origin("http://a.example")
    assert origin("https://a.example") != origin("https://a.example:8443")


def test_hints_and_masks():
    assert hint("sk-1234567890WXYZ") == "…WXYZ"
    assert hint("12345678") == "…"
    assert hint("123456789") == "…6789"
    assert looks_masked("…WXYZ") and looks_masked("sk-****WXYZ") and looks_masked("...WXYZ")
    assert not looks_masked("sk-proj-abc.def")


def test_database_urls():
    assert parse_database_url("sqlite:///data/x.db").sqlite_path.as_posix() == "data/x.db"
    assert parse_database_url("sqlite:////abs/x.db").sqlite_path.as_posix() == "/abs/x.db"
    assert parse_database_url("postgresql://u:p@h:5432/db").kind == "postgres"
    for bad in ("sqlite://", "sqlite:///", "mysql://h/db", "postgresql://h", "nonsense"):
        with pytest.raises(ValueError):
            parse_database_url(bad)


def test_settings_defaults_and_errors():
    settings = load_settings({})
    assert (settings.host, settings.port, settings.environment) == (
        "127.0.0.1",
        8000,
        "development",
    )
    assert settings.database_url == "sqlite:///data/switchboard.sqlite3"
    with pytest.raises(SettingsError, match="SWITCHBOARD_PORT"):
        load_settings({"SWITCHBOARD_PORT": "0"})
