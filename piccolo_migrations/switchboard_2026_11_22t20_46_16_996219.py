"""Database-enforced rules that Piccolo's column options cannot express."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-22T20:46:16:996219"
VERSION = "1.38.0"
DESCRIPTION = "at most one default connection; indexes for listing"

STATEMENTS = (
    # Exactly one default: a second TRUE row violates this partial unique index on both backends.
    "CREATE UNIQUE INDEX llm_connection_single_default ON llm_connection (is_default) "
    "WHERE is_default",
    "CREATE INDEX llm_connection_created_at ON llm_connection (created_at, id)",
    "CREATE INDEX llm_connection_updated_at ON llm_connection (updated_at, id)",
    "CREATE INDEX llm_connection_owner ON llm_connection (owner)",
    'CREATE INDEX api_token_user ON api_token ("user")',
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
