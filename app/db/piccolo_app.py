"""Piccolo app config: where the tables and migrations live. The migrations are their own
top-level package (piccolo_migrations/), installed with the app."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

import piccolo_migrations
from app.db.tables import ALL_TABLES

MIGRATIONS = Path(piccolo_migrations.__file__).resolve().parent

APP_CONFIG = AppConfig(
    app_name="switchboard",
    migrations_folder_path=str(MIGRATIONS),
    table_classes=list(ALL_TABLES),
    migration_dependencies=[],
    commands=[],
)
