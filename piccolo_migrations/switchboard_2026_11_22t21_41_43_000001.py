"""Users no longer carry a role: their tokens do."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-22T21:41:43:000001"
VERSION = "1.38.0"
DESCRIPTION = "drop app_user.role"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="switchboard", description=DESCRIPTION)
    manager.drop_column(
        table_class_name="AppUser",
        tablename="app_user",
        column_name="role",
        db_column_name="role",
        schema=None,
    )
    return manager
