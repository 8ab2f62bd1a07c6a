"""The README's command and Python blocks, run as a new user would paste them: in order, in one
shell in a fresh folder, against a live `serve` and the fake providers the README starts. Every
block must run (a failing command stops the script), every GraphQL answer must be free of errors
and userErrors, and the SDK examples must print the fakes' echo. Only the blocks that cannot run
here are left out, each for a reason."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.serving import start_serve, wait_healthy
from tests.support import free_port

pytestmark = pytest.mark.db

README = ROOT / "README.md"
BLOCK = re.compile(r"^( *)```(sh|python)\n(.*?)^\1```", re.MULTILINE | re.DOTALL)
NOT_HERE = {
    "make run": "the test is itself a `make run`: it serves the app and runs the rest",
    "docker compose": "no Docker engine on these machines",
}
FAKE_PORTS = 7  # tests.fakes starts 9101..9107


def readme_blocks() -> list[tuple[str, str]]:
    """(language, code) of every block the test runs, in the README's order."""
    found = []
    for indent, language, code in BLOCK.findall(README.read_text()):
        code = re.sub(rf"(?m)^{indent}", "", code)
        if not any(marker in code for marker in NOT_HERE):
            found.append((language, code))
    return found


def _free_run(length: int) -> int:
    """A first port with `length` free ports from it (the fakes take consecutive ones)."""
    for _ in range(50):
        base = free_port()
        if base + length > 65535:
            continue
        sockets = []
        try:
            for port in range(base, base + length):
                probe = socket.socket()
                sockets.append(probe)
                probe.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for probe in sockets:
                probe.close()
    pytest.fail("no run of free ports for the fakes")


def script(port: int, fakes: int) -> str:
    """The blocks as one bash script, pointed at this server and these fakes' ports."""
    parts = ["set -euo pipefail"]
    for index, (language, code) in enumerate(readme_blocks()):
        parts.append(f"echo '=== README block {index + 1} ({language}) ==='")
        if language == "python":
            parts.append(f".venv/bin/python - <<'README_PYTHON'\n{code}README_PYTHON")
        else:
            parts.append(code)
    text = "\n".join(parts)
    text = text.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    text = re.sub(
        r"127\.0\.0\.1:91(0[1-7])", lambda m: f"127.0.0.1:{fakes + int(m.group(1)) - 1}", text
    )
    assert text.count("-m tests.fakes ") == 1, "the README starts the fakes once"
    return text.replace("-m tests.fakes ", f"-m tests.fakes {fakes} ")


def test_the_blocks_it_leaves_out_are_few_and_named():
    blocks = BLOCK.findall(README.read_text())
    ran = readme_blocks()
    assert len(blocks) - len(ran) == len(NOT_HERE), "each reason leaves out one block"
    assert sum(language == "python" for language, _ in ran) == 2
    assert len(ran) >= 15


async def test_every_block_runs_as_pasted_against_a_live_server(database_url, clean_db, tmp_path):
    port, fakes = free_port(), _free_run(FAKE_PORTS)
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    settings = {
        "SWITCHBOARD_ENCRYPTION_KEYS": "",  # a key file, as `make run` makes: `keys add` writes it
        "SWITCHBOARD_KEY_FILE": str(tmp_path / "keyring.json"),
        "SWITCHBOARD_USAGE_JOURNAL_DIR": str(tmp_path / "journal"),
        "SWITCHBOARD_ENV": "development",
    }
    with tempfile.TemporaryFile(mode="w+") as log:
        server = start_serve(database_url, port, log, **settings)
        try:
            await asyncio.to_thread(wait_healthy, port, server)
            shell = {
                **os.environ,
                **settings,
                "DATABASE_URL": database_url,
                "PYTHONPATH": str(ROOT),  # `-m tests.fakes` from the checkout
            }
            shell.pop("SWITCHBOARD_ADMIN_TOKEN", None)
            run = await asyncio.to_thread(_bash, script(port, fakes), tmp_path, shell)
        finally:
            server.terminate()
            await asyncio.to_thread(server.wait, 30)
            log.seek(0)
            served = log.read()
    transcript = run.stdout + run.stderr
    assert run.returncode == 0, transcript[-6000:]
    assert "Traceback" not in transcript, transcript[-6000:]
    errors = re.search(r'"errors"\s*:\s*\[', run.stdout)  # GraphQL's, not usage's counts
    assert errors is None, (
        "a GraphQL error:\n" + run.stdout[errors.start() - 1500 : errors.end() + 500]
    )
    refused = re.findall(r'"userErrors"\s*:\s*\[\s*\{[^]]*', run.stdout)
    assert refused == [], refused
    assert '"ok":false' not in run.stdout.replace(" ", ""), run.stdout
    assert "echo: Hello through Switchboard" in run.stdout  # the first screen's SDK example
    # the OpenAI SDK (Chat Completions and Responses), Anthropic's and google-genai
    assert run.stdout.count("echo: hi") == 4
    assert "Nothing to change" in run.stdout  # apply --dry-run after export
    assert "switchboard_gateway_requests_total" in run.stdout
    assert "Traceback" not in served, served[-4000:]


def _bash(text: str, folder: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the script in its own process group, then stop what it left running (the fakes)."""
    process = subprocess.Popen(
        ["bash", "-c", text],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)
