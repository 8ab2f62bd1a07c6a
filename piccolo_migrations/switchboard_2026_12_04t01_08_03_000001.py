"""The database moves cache_version itself: triggers on every write that cached reads depend on
(a token's revocation, expiry, role, limits or owner; a token or user deleted; any organisation
setting), so no write, from the API or by hand, can leave an instance trusting a stale cache.
last_used_at is not among them: it changes every minute and no cache depends on it."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-12-04T01:08:03:000001"
VERSION = "1.38.0"
DESCRIPTION = "cache_version row and the triggers that move it"

BUMP = "UPDATE cache_version SET version = version + 1 WHERE key = 'auth'"
WATCHED_COLUMNS = (
    "revoked_at, expires_at, role, allowed_models, requests_per_minute, tokens_per_minute,"
    ' token_hash, "user"'
)
EVENTS = (
    ("api_token_changed", f"UPDATE OF {WATCHED_COLUMNS}", "api_token"),
    ("api_token_deleted", "DELETE", "api_token"),
    ("app_user_changed", "UPDATE OF name", "app_user"),
    ("app_user_deleted", "DELETE", "app_user"),
    ("app_setting_inserted", "INSERT", "app_setting"),
    ("app_setting_changed", "UPDATE", "app_setting"),
    ("app_setting_deleted", "DELETE", "app_setting"),
)
POSTGRES_FUNCTION = (
    "CREATE FUNCTION bump_auth_version() RETURNS trigger AS $$"
    f" BEGIN {BUMP}; RETURN NULL; END $$ LANGUAGE plpgsql"
)


def statements(sqlite: bool) -> list[str]:
    found = ["INSERT INTO cache_version (key, version) VALUES ('auth', 0)"]
    if not sqlite:
        found.append(POSTGRES_FUNCTION)
    for name, event, table in EVENTS:
        if sqlite:
            found.append(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {BUMP}; END")
        else:
            found.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table}"
                " FOR EACH STATEMENT EXECUTE FUNCTION bump_auth_version()"
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
