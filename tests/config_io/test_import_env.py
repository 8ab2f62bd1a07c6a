"""`import-env`: the variables applications already use become connections, verified, and a
second run changes nothing and says so."""

from __future__ import annotations

import pytest

from app.config_io.dotenv import parse_dotenv
from app.config_io.env_import import specs_from_env
from app.db.tables import AuditEvent, LLMConnection
from app.providers.catalog import Provider
from tests.conftest import TEST_KEYRING, keyring_env, run_cli

KEY = "sk-S3CR3T-imported-key-000001"


def test_dotenv_reads_what_shells_and_loaders_read():
    text = (
        "# comment\n"
        "export A=1\n"
        "B = 'single # kept'\n"
        'C="two\\nlines \\"quoted\\""\n'
        "D=plain # trailing comment\n"
        "not an assignment\n"
        "E=\n"
    )
    assert parse_dotenv(text) == {
        "A": "1",
        "B": "single # kept",
        "C": 'two\nlines "quoted"',
        "D": "plain",
        "E": "",
    }


def test_the_usual_variables_map_to_one_connection_per_provider():
    specs = specs_from_env(
        {
            "LLM_BASE_URL": "http://llm.local/v1",
            "LLM_API_KEY": "k1",
            "LLM_MODEL": "m",
            "OPENAI_API_KEY": "k2",
            "ANTHROPIC_API_KEY": "k3",
            "AZURE_OPENAI_API_KEY": "k4",
            "AZURE_OPENAI_ENDPOINT": "https://x.openai.azure.com",
            "GEMINI_API_KEY": "k5",
            "OLLAMA_HOST": "0.0.0.0:11434",
        }
    )
    by_name = {s.name: s for s in specs}
    assert list(by_name) == ["llm", "openai", "anthropic", "azure-openai", "gemini", "ollama"]
    assert by_name["llm"].provider is Provider.OPENAI_COMPATIBLE
    assert by_name["llm"].plain == {"model_ids": ["m"]}
    assert by_name["azure-openai"].config == {"apiVersion": "2024-10-21"}
    assert by_name["ollama"].base_url == "http://127.0.0.1:11434"
    assert specs_from_env({"PATH": "/bin"}) == []


def _env(database_url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "SWITCHBOARD_ENCRYPTION_KEYS": keyring_env(TEST_KEYRING),
        "SWITCHBOARD_OUTBOUND_ALLOW": "127.0.0.0/8",  # the fakes listen on loopback
        "SWITCHBOARD_LOG_LEVEL": "WARNING",
    }


@pytest.mark.db
async def test_import_twice_then_a_changed_key(admin, fake, database_url, tmp_path):
    compatible = fake("OPENAI_COMPATIBLE", key=KEY, models=["demo-small", "demo-large"])
    ollama = fake("OLLAMA", models=["llama3"])
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        f"LLM_BASE_URL={compatible.url}\nLLM_API_KEY={KEY}\nLLM_MODEL=demo-small\n"
        f"OLLAMA_HOST={ollama.url.removeprefix('http://')}\n"
    )
    env = _env(database_url)
    dry = run_cli("import-env", str(dotenv), "--dry-run", env=env)
    assert dry.returncode == 0 and "would create llm" in dry.stdout
    assert await LLMConnection.count() == 0
    first = run_cli("import-env", str(dotenv), env=env)
    assert first.returncode == 0, first.stderr
    assert "create llm" in first.stdout and "create ollama" in first.stdout
    again = run_cli("import-env", str(dotenv), env=env)
    assert again.returncode == 0 and "Nothing to change" in again.stdout
    catalog = await admin("{ connections { nodes { name provider apiKeyHint modelIds } } }")
    assert {n["name"]: n["apiKeyHint"] for n in catalog["connections"]["nodes"]} == {
        "llm": "…0001",
        "ollama": None,
    }
    rotated = KEY.replace("000001", "000002")
    compatible.key = rotated
    dotenv.write_text(dotenv.read_text().replace(KEY, rotated))
    changed = run_cli("import-env", str(dotenv), env=env)
    assert changed.returncode == 0 and "update llm (api_key)" in changed.stdout
    for output in (dry, first, again, changed):
        assert KEY not in output.stdout + output.stderr and rotated not in output.stdout
    actions = [r["action"] for r in await AuditEvent.select(AuditEvent.action)]
    assert actions.count("connection.create") == 2 and actions.count("connection.update") == 1


@pytest.mark.db
async def test_a_connection_that_fails_verification_is_not_imported(
    admin, fake, database_url, tmp_path
):
    compatible = fake("OPENAI_COMPATIBLE", key=KEY, models=["m"])
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"LLM_BASE_URL={compatible.url}\nLLM_API_KEY=sk-wrong-key-0000000000\n")
    refused = run_cli("import-env", str(dotenv), env=_env(database_url))
    assert refused.returncode == 1 and "not done: create llm" in refused.stdout
    assert await LLMConnection.count() == 0
    unverified = run_cli("import-env", str(dotenv), "--no-verify", env=_env(database_url))
    assert unverified.returncode == 0 and await LLMConnection.count() == 1
