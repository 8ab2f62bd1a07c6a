"""Roles move from users to tokens (copied before the old column goes); audit indexes."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-22T21:41:41:693921"
VERSION = "1.38.0"
DESCRIPTION = "copy user roles onto their tokens; audit trail indexes"

STATEMENTS = (
    'UPDATE api_token SET role = (SELECT role FROM app_user WHERE app_user.id = api_token."user")',
    "CREATE INDEX audit_event_at ON audit_event (at, id)",
    "CREATE INDEX audit_event_target ON audit_event (target_id, at)",
    "CREATE INDEX audit_event_actor ON audit_event (actor_id, at)",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="switchboard", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        assert engine is not None
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
