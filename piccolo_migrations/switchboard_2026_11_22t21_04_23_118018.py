"""Indexes for the merged model catalog."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-22T21:04:23:118018"
VERSION = "1.38.0"
DESCRIPTION = "model catalog indexes; one row per connection and upstream model"

STATEMENTS = (
    "CREATE UNIQUE INDEX connection_model_upstream ON connection_model (connection, upstream_id)",
    "CREATE INDEX connection_model_exposed ON connection_model (exposed_id)",
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
