"""usage_day's key (the one its upserts use) and its rows for the hours already counted: each
day's sums of usage_hour, so usage over whole days reads a day's row instead of 24 hours'."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-07T21:03:28:000001"
VERSION = "1.38.0"
DESCRIPTION = "usage_day key and its rows from usage_hour"

KEY = "connection_key, endpoint_key, user_key, model"
SUMS = (
    "requests, errors, input_tokens, output_tokens, cached_input_tokens, cost_pusd, unpriced, "
    + ", ".join(f"lat_{i}" for i in range(16))
)
STATEMENTS = (
    f"CREATE UNIQUE INDEX usage_day_key ON usage_day (day, {KEY})",
    f"INSERT INTO usage_day (day, {KEY}, {SUMS})"  # noqa: S608 (constant names only)
    f" SELECT hour / 24, {KEY}, {', '.join(f'SUM({c})' for c in SUMS.split(', '))}"
    f" FROM usage_hour GROUP BY hour / 24, {KEY}",
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
