"""Piccolo app config: where the tables and migrations live."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from app.db.tables import ALL_TABLES

MIGRATIONS = Path(__file__).resolve().parents[2] / "piccolo_migrations"

APP_CONFIG = AppConfig(
    app_name="switchboard",
    migrations_folder_path=str(MIGRATIONS),
    table_classes=list(ALL_TABLES),
    migration_dependencies=[],
    commands=[],
)
