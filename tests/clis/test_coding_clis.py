"""Each coding CLI, run non-interactively (`claude -p`, `codex exec`, `gemini -p`) as the
README's "Use it from coding tools" sets it up, against a live serve and fake providers of each
family: the tool's own format reaches every family, a tool call goes out and its result comes
back (the fakes call the first tool, then say what it answered: "tool said: ...")."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import httpx
import pytest

from tests.conftest import migrate
from tests.serving import ADMIN, start_serve, wait_healthy
from tests.support import free_port

CLI_DIR = Path(os.environ.get("SWITCHBOARD_CLI_DIR", "."))
UPSTREAMS = {
    "openai": ("OPENAI", "/v1"),
    "anthropic": ("ANTHROPIC", ""),
    "gemini": ("GEMINI", ""),
    "compat": ("OPENAI_COMPATIBLE", "/v1"),
}
SEEN = {"openai": "/v1/", "anthropic": "/v1/messages", "gemini": "/v1beta/", "compat": "/v1/"}
CODEX_CONFIG = """model_provider = "switchboard"
[model_providers.switchboard]
name = "Switchboard"
base_url = "http://127.0.0.1:{port}/v1"
env_key = "SWITCHBOARD_TOKEN"
wire_api = "responses"
"""


def _command(cli: str, model: str, home: Path, port: int, token: str) -> tuple[list[str], dict]:
    env = {**os.environ, "HOME": str(home), "NO_COLOR": "1"}
    binary = str(CLI_DIR / cli)
    if cli == "claude":
        env.update(
            ANTHROPIC_BASE_URL=f"http://127.0.0.1:{port}",
            ANTHROPIC_AUTH_TOKEN=token,
            ANTHROPIC_MODEL=model,
            ANTHROPIC_DEFAULT_HAIKU_MODEL=model,
            ANTHROPIC_SMALL_FAST_MODEL=model,
        )
        return [binary, "-p", "Say hello"], env
    if cli == "codex":
        (home / "codex").mkdir(exist_ok=True)
        (home / "codex" / "config.toml").write_text(CODEX_CONFIG.format(port=port))
        env.update(CODEX_HOME=str(home / "codex"), SWITCHBOARD_TOKEN=token)
        return [binary, "exec", "-m", model, "--skip-git-repo-check", "Say hello"], env
    (home / ".gemini").mkdir(exist_ok=True)
    (home / ".gemini" / "settings.json").write_text(
        '{"security": {"auth": {"selectedType": "gemini-api-key"}}}'
    )
    env.update(
        GOOGLE_GEMINI_BASE_URL=f"http://127.0.0.1:{port}",
        GEMINI_API_KEY=token,
        GEMINI_CLI_TRUST_WORKSPACE="true",
    )
    return [binary, "-m", model, "-p", "Say hello"], env


@pytest.mark.parametrize("upstream", list(UPSTREAMS))
@pytest.mark.parametrize("cli", ["claude", "codex", "gemini"])
def test_the_cli_runs_a_tool_turn_through_each_family(fake, cli, upstream):
    """On a fresh SQLite database each time (the CLIs' path does not depend on which)."""
    if not (CLI_DIR / cli).exists():
        pytest.skip(f"{cli} is not in SWITCHBOARD_CLI_DIR ({CLI_DIR})")
    provider, base_path = UPSTREAMS[upstream]
    server = fake(provider, key="sk-cli-upstream-S3CR3T", models=["demo-small"])
    port = free_port()
    with tempfile.TemporaryDirectory() as home, tempfile.TemporaryFile(mode="w+") as log:
        database_url = f"sqlite:///{home}/switchboard.sqlite3"
        migrate(database_url)
        process = start_serve(database_url, port, log)
        try:
            wait_healthy(port, process)
            token = _prepare(port, provider, server.origin + base_path, server.key)
            command, env = _command(cli, "via-fake", Path(home), port, token)
            run = subprocess.run(
                command, env=env, cwd=home, capture_output=True, text=True, timeout=180
            )
        finally:
            process.terminate()
            process.wait(timeout=30)
    said = run.stdout + run.stderr
    assert run.returncode == 0, said[-3000:]
    assert "tool said:" in said, said[-3000:]
    assert any(SEEN[upstream] in r.path for r in server.requests if r.method == "POST")
    assert "S3CR3T" not in said


def _prepare(port: int, provider: str, base_url: str, key: str) -> str:
    def gql(query: str, variables: dict) -> dict:
        answer = httpx.post(
            f"http://127.0.0.1:{port}/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {ADMIN}"},
        ).json()
        assert not answer.get("errors"), answer
        return answer["data"]

    made = gql(
        """mutation($i: CreateConnectionInput!) { createConnection(input: $i) {
          connection { id } userErrors { message } } }""",
        {"i": {"name": "fake", "provider": provider, "baseUrl": base_url, "apiKey": key}},
    )["createConnection"]
    assert made["userErrors"] == [], made
    endpoint = {"name": "via-fake", "connectionId": made["connection"]["id"], "model": "demo-small"}
    gql(
        """mutation($i: CreateEndpointInput!) { createEndpoint(input: $i) {
          userErrors { message } } }""",
        {"i": endpoint},
    )
    return gql('mutation { createApiToken(input: {name: "cli", role: CALLER}) { token } }', {})[
        "createApiToken"
    ]["token"]
