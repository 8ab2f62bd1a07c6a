"""The catalog's cache version: triggers on every write to what the merged model catalog is made
of (a connection, its models, a model switch) move it, so an instance holding the catalog in
memory (app.model_catalog.cache) rebuilds it on its next request, whoever wrote."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-12-04T03:10:02:000001"
VERSION = "1.38.0"
DESCRIPTION = "catalog cache version and the triggers that move it"

BUMP = "UPDATE cache_version SET version = version + 1 WHERE key = 'catalog'"
TABLES = ("llm_connection", "connection_model", "model_setting")
POSTGRES_FUNCTION = (
    "CREATE FUNCTION bump_catalog_version() RETURNS trigger AS $$"
    f" BEGIN {BUMP}; RETURN NULL; END $$ LANGUAGE plpgsql"
)


def statements(sqlite: bool) -> list[str]:
    found = ["INSERT INTO cache_version (key, version) VALUES ('catalog', 0)"]
    if not sqlite:
        found.append(POSTGRES_FUNCTION)
    for table in TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            name = f"{table}_{event.lower()}_catalog"
            if sqlite:
                found.append(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {BUMP}; END")
            else:
                found.append(
                    f"CREATE TRIGGER {name} AFTER {event} ON {table}"
                    " FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version()"
                )
    return found


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="switchboard", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        assert engine is not None
        for statement in statements(isinstance(engine, SQLiteEngine)):
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
