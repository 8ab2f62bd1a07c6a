"""Shared fixtures: a migrated database per backend, the real app over ASGI, tokens.

Every test that touches the database runs twice: on SQLite and on PostgreSQL. PostgreSQL tests
skip when no server answers, except in CI (CI=true), where they fail instead.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

# Settings are read from the environment once; set them before the app is imported.
os.environ.setdefault("SWITCHBOARD_ENV", "development")
os.environ["SWITCHBOARD_LOG_LEVEL"] = "DEBUG"

import httpx  # noqa: E402
import pytest  # noqa: E402

from app.asgi import create_app, start, stop  # noqa: E402
from app.auth.service import Role, issue_token  # noqa: E402
from app.db.tables import ALL_TABLES, CacheVersion  # noqa: E402
from app.security.keyring import Keyring  # noqa: E402
from app.security.outbound import system_resolver  # noqa: E402
from app.settings import load_settings  # noqa: E402
from tests.graphql_identity import IDENTITY, install  # noqa: E402
from tests.support import GraphQLClient, SecretWatch  # noqa: E402

pytest_plugins = ["tests.browser"]  # the `browser` fixture (headless Chromium)


def pytest_configure(config: pytest.Config) -> None:
    # Every query of the suite runs through both executors (tests/graphql_identity.py); only
    # under pytest, not in the benchmarks that import these helpers.
    install()


ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get(
    "SWITCHBOARD_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
TEST_KEYRING = Keyring(primary_id="test1", keys={"test1": bytes(range(32))})


def keyring_env(keyring: Keyring) -> str:
    return ",".join(f"{kid}:{base64.b64encode(raw).decode()}" for kid, raw in keyring.keys.items())


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def migrate(database_url: str) -> None:
    result = run_cli("migrate", env={"DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr + result.stdout


async def _postgres_admin() -> object:
    import asyncpg

    return await asyncpg.connect(PG_ADMIN_URL, timeout=3)


def postgres_database_url(name: str) -> str:
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{name}"


async def create_postgres_database() -> str:
    """A fresh database on the local server, or skip (fail in CI) when none answers."""
    try:
        conn = await _postgres_admin()
    except Exception as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI but {PG_ADMIN_URL} did not answer: {exc}")
        pytest.skip(
            f"PostgreSQL not reachable at {PG_ADMIN_URL} ({exc}); set up a server to run these"
        )
    name = f"switchboard_test_{uuid.uuid4().hex[:12]}"
    await conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[attr-defined]
    await conn.close()  # type: ignore[attr-defined]
    return name


async def drop_postgres_database(name: str) -> None:
    conn = await _postgres_admin()
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[attr-defined]
    await conn.close()  # type: ignore[attr-defined]


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    if request.param == "sqlite":
        with tempfile.TemporaryDirectory(prefix="switchboard-test-") as folder:
            url = f"sqlite:///{folder}/switchboard.sqlite3"
            migrate(url)
            yield url
        return
    name = await create_postgres_database()
    url = postgres_database_url(name)
    try:
        migrate(url)
        yield url
    finally:
        await drop_postgres_database(name)


async def test_resolver(host: str, port: int) -> list[str]:
    """DNS for provider calls in tests: names that point where an attacker would want them,
    loopback, and nothing else: no test sends a query beyond this machine."""
    if host.endswith(".metadata.test"):
        return ["169.254.169.254"]
    if host.endswith(".loopback.test"):
        return ["127.0.0.1"]
    if host == "localhost" or _is_address(host):
        return await system_resolver(host, port)
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


TEST_SETTINGS = {
    "SWITCHBOARD_ENV": "development",
    # Short provider timeouts and a small response cap, so the failure tests run fast.
    "SWITCHBOARD_PROVIDER_CONNECT_TIMEOUT": "1",
    "SWITCHBOARD_PROVIDER_READ_TIMEOUT": "1",
    "SWITCHBOARD_PROVIDER_MAX_RESPONSE_BYTES": str(1024 * 1024),
    "SWITCHBOARD_REFRESH_CONCURRENCY": "4",
    # Generous limits for the suite; test_hardening builds an app with tight ones.
    "SWITCHBOARD_RATE_LIMIT_MUTATIONS": "100000",
    "SWITCHBOARD_RATE_LIMIT_TESTS": "100000",
    # Budgets' spend is re-read only when a test asks (tests count statements to the last one).
    "SWITCHBOARD_BUDGET_REREAD_SECONDS": "0",
    # Answered calls are journaled per database; the suite's journals live in its own folder.
    "SWITCHBOARD_USAGE_JOURNAL_DIR": tempfile.mkdtemp(prefix="switchboard-journal-"),
}


@pytest.fixture(scope="session")
async def app(database_url: str) -> AsyncIterator[object]:
    settings = load_settings({"DATABASE_URL": database_url, **TEST_SETTINGS})
    application = create_app(settings, TEST_KEYRING, resolve=test_resolver)
    # The same start-up and shut-down the lifespan runs (httpx's ASGITransport sends no
    # lifespan events, and anyio's lifespan task group cannot span pytest-asyncio tasks).
    await start(application)
    try:
        yield application
    finally:
        await stop(application)


@pytest.fixture
async def clean_db(app: object) -> AsyncIterator[None]:
    """Each test starts with empty tables (the schema stays) and no usage still queued."""
    await app.state.services.usage.recorder.flush()  # type: ignore[attr-defined]
    for table in reversed(ALL_TABLES):
        if table is not CacheVersion:  # it only ever moves forward, as in production
            await table.delete(force=True)
    yield


@pytest.fixture(autouse=True)
def same_answer_from_both_executors(request: pytest.FixtureRequest) -> Iterator[None]:
    before = len(IDENTITY.differences)
    IDENTITY.enabled = request.node.get_closest_marker("one_execution") is None
    yield
    IDENTITY.enabled = True
    new = IDENTITY.differences[before:]
    assert not new, "the planned executor answered differently:\n" + "\n".join(new)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    terminalreporter.write_line(
        f"queries answered by both executors: {IDENTITY.compared}, differences:"
        f" {len(IDENTITY.differences)}; run once (tests marked one_execution): {IDENTITY.run_once}"
    )


@pytest.fixture
def secret_watch() -> Iterator[SecretWatch]:
    watch = SecretWatch()
    yield watch


@pytest.fixture
async def client(
    app: object, clean_db: None, secret_watch: SecretWatch, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://switchboard.test") as http:
        yield http
    # Whatever a test did, no secret it used may appear in any log line.
    secret_watch.assert_absent("log", caplog.text)


@pytest.fixture
async def admin(client: httpx.AsyncClient, secret_watch: SecretWatch) -> GraphQLClient:
    token = await issue_token("root", Role.ADMIN, "test admin")
    return GraphQLClient(client, token, secret_watch)


@pytest.fixture
async def member(client: httpx.AsyncClient, secret_watch: SecretWatch) -> GraphQLClient:
    token = await issue_token("mia", Role.MEMBER, "test member")
    return GraphQLClient(client, token, secret_watch)


@pytest.fixture
def fake() -> Iterator[Callable[..., Any]]:
    """Start fake providers on 127.0.0.1: fake("ANTHROPIC", key=..., models=[...])."""
    from tests.fakes.providers import FAKES

    started: list[Any] = []

    def start(provider: str, **kwargs: Any) -> Any:
        server = FAKES[provider](**kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


@pytest.fixture
def fresh_secret() -> str:
    return "sk-S3CR3T-" + secrets.token_hex(12) + "WXYZ"
