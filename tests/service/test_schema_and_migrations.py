"""The committed schema and the migrations agree with the code."""

from __future__ import annotations

import pytest
from piccolo.apps.migrations.commands.new import AutoMigrationManager

from app.api.schema import schema
from app.cli.commands import SCHEMA_FILE
from app.db.piccolo_app import APP_CONFIG
from app.db.tables import ALL_TABLES, LLMConnection


def test_schema_graphql_is_current():
    assert SCHEMA_FILE.read_text() == schema.as_str() + "\n", (
        "schema.graphql is stale; regenerate it with: make schema"
    )


async def test_migrations_describe_the_tables_exactly():
    statements = await AutoMigrationManager().get_alter_statements(app_config=APP_CONFIG)
    pending = [line for alter in statements for line in alter.statements]
    assert pending == [], (
        "the tables differ from piccolo_migrations/; add a migration with "
        "`piccolo migrations new switchboard --auto` (against PostgreSQL):\n" + "\n".join(pending)
    )


async def _columns(table: type) -> set[str]:
    engine = table._meta.db
    name = table._meta.tablename
    if engine.engine_type == "sqlite":
        rows = await engine.run_ddl(f"PRAGMA table_info({name})")
        return {row["name"] for row in rows}
    rows = await engine.run_ddl(
        f"SELECT column_name FROM information_schema.columns WHERE table_name = '{name}'"
    )
    return {row["column_name"] for row in rows}


@pytest.mark.db
async def test_migrated_database_has_exactly_the_table_columns(app):
    for table in ALL_TABLES:
        expected = {c._meta.db_column_name for c in table._meta.columns}
        assert await _columns(table) == expected, table._meta.tablename


@pytest.mark.db
async def test_database_refuses_a_second_default(app, clean_db):
    from app.db.engine import is_unique_violation

    for name in ("a", "b"):
        await LLMConnection.insert(
            LLMConnection(
                name=name,
                name_key=name,
                provider="OLLAMA",
                auth_method="NONE",
                base_url="http://x",
                is_default=True,
            )
        ) if name == "a" else None
    with pytest.raises(Exception) as caught:
        await LLMConnection.insert(
            LLMConnection(
                name="b",
                name_key="b",
                provider="OLLAMA",
                auth_method="NONE",
                base_url="http://x",
                is_default=True,
            )
        )
    assert is_unique_violation(caught.value)
    with pytest.raises(Exception) as caught:
        await LLMConnection.insert(
            LLMConnection(
                name="A", name_key="a", provider="OLLAMA", auth_method="NONE", base_url="http://x"
            )
        )
    assert is_unique_violation(caught.value)


async def test_instances_starting_together_migrate_once_on_postgres():
    """Several instances behind a load balancer start at once: they take turns (advisory lock)."""
    import asyncio

    from tests.conftest import (
        create_postgres_database,
        drop_postgres_database,
        postgres_database_url,
        run_cli,
    )

    name = await create_postgres_database()
    try:
        env = {"DATABASE_URL": postgres_database_url(name)}
        results = await asyncio.gather(
            *(asyncio.to_thread(run_cli, "migrate", env=env) for _ in range(3))
        )
        assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
        ran = [r for r in results if r.stdout.startswith("Applied")]
        assert len(ran) == 1, "exactly one instance applies the migrations"
        assert sum(r.stdout.startswith("Nothing to apply") for r in results) == 2
    finally:
        await drop_postgres_database(name)
