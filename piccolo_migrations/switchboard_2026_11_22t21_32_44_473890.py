"""Indexes to find a connection's dependents quickly."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-22T21:32:44:473890"
VERSION = "1.38.0"
DESCRIPTION = "indexes on endpoint.connection and workspace.default_connection"

STATEMENTS = (
    "CREATE INDEX endpoint_connection ON endpoint (connection)",
    "CREATE INDEX workspace_default_connection ON workspace (default_connection)",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="switchboard", description=DESCRIPTION)

    async def create_indexes():
        engine = engine_finder()
        assert engine is not None
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(create_indexes)
    return manager
