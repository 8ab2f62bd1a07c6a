"""Indexes of the usage tables: calls by time and by connection, endpoint and user; one hourly
row per connection, endpoint, user and model (the key its upserts use)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-03T23:55:09:000001"
VERSION = "1.38.0"
DESCRIPTION = "usage table indexes"

INDEXES = (
    "CREATE INDEX gateway_call_started ON gateway_call (started_ms, id)",
    "CREATE INDEX gateway_call_connection ON gateway_call (connection_key, started_ms)",
    "CREATE INDEX gateway_call_endpoint ON gateway_call (endpoint_key, started_ms)",
    "CREATE INDEX gateway_call_user ON gateway_call (user_key, started_ms)",
    "CREATE UNIQUE INDEX usage_hour_key"
    " ON usage_hour (hour, connection_key, endpoint_key, user_key, model)",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="switchboard", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        assert engine is not None
        for statement in INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
