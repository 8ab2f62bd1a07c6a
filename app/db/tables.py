"""Piccolo tables. Migrations in piccolo_migrations/ must match these exactly."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    UUID,
    BigInt,
    Boolean,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class AppUser(Table, tablename="app_user"):
    """Someone who holds API tokens: an admin or a member."""

    id = UUID(primary_key=True)
    name = Varchar(length=64)
    name_key = Varchar(length=64, unique=True)  # casefolded name: unique case-insensitively
    created_at = Timestamptz(default=TimestamptzNow())


class ApiToken(Table, tablename="api_token"):
    """A bearer token, stored only as its SHA-256 hash."""

    id = UUID(primary_key=True)
    user = ForeignKey(references=AppUser, on_delete=OnDelete.cascade, null=False)
    name = Varchar(length=64)
    role = Varchar(length=16, default="MEMBER")  # what the bearer may do: ADMIN, MEMBER or CALLER
    token_hash = Varchar(length=64, unique=True)
    display_prefix = Varchar(length=16)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(null=True, default=None)
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    # Gateway limits: endpoint names or model ids this token may call (empty: all it can see),
    # and requests and tokens per minute (null: no limit).
    allowed_models = JSON(default="[]")
    requests_per_minute = Integer(null=True, default=None)
    tokens_per_minute = Integer(null=True, default=None)


class LLMConnection(Table, tablename="llm_connection"):
    """A provider connection. Secrets are sealed (app.security.envelope); hints are not secret."""

    id = UUID(primary_key=True)
    name = Varchar(length=64)
    name_key = Varchar(length=64, unique=True)  # casefolded name: unique case-insensitively
    description = Text(null=True, default=None)
    provider = Varchar(length=32)
    auth_method = Varchar(length=32)
    base_url = Varchar(length=2048)
    config = JSON(default="{}")
    api_key_sealed = Text(null=True, default=None)
    api_key_hint = Varchar(length=16, null=True, default=None)
    service_account_sealed = Text(null=True, default=None)
    custom_headers = JSON(default="[]")  # [{"name", "sealed", "hint"}]
    prefix_id = Varchar(length=32, null=True, default=None)
    model_ids = JSON(default="[]")
    tags = JSON(default="[]")
    enabled = Boolean(default=True)
    # At most one row may be TRUE: a partial unique index (migration 2) enforces it.
    is_default = Boolean(default=False)
    owner = ForeignKey(references=AppUser, on_delete=OnDelete.cascade, null=True, default=None)
    last_verification = JSON(null=True, default=None)
    models_fetched_at = Timestamptz(null=True, default=None)  # last successful discovery
    models_error = Text(null=True, default=None)  # why the last discovery failed, if it did
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    credentials_updated_at = Timestamptz(default=TimestamptzNow())


class EncryptionKeyCheck(Table, tablename="encryption_key_check"):
    """The key registry: one row per key id that ever sealed anything here. Its sealed canary
    catches a wrong key at start-up, not at first use; `retired_at` set means no instance may
    seal with that key again (app.security.key_registry)."""

    key_id = Varchar(length=32, primary_key=True)
    canary = Text()
    created_at = Timestamptz(default=TimestamptzNow())
    retired_at = Timestamptz(null=True, default=None)


class ConnectionModel(Table, tablename="connection_model"):
    """A model a connection serves: discovered upstream, or listed by hand (modelIds)."""

    id = UUID(primary_key=True)
    connection = ForeignKey(references=LLMConnection, on_delete=OnDelete.cascade, null=False)
    upstream_id = Varchar(length=256)
    exposed_id = Varchar(length=300)  # prefix applied: "{prefixId}.{upstream_id}"
    display_name = Varchar(length=256, null=True, default=None)
    source = Varchar(length=16)  # DISCOVERED | MANUAL


class ModelSetting(Table, tablename="model_setting"):
    """Per exposed model switches that survive refreshes (a missing row means enabled)."""

    exposed_id = Varchar(length=300, primary_key=True)
    enabled = Boolean(default=True)
    updated_at = Timestamptz(default=TimestamptzNow())


class Endpoint(Table, tablename="endpoint"):
    """A named route consumers call; it depends on a connection.

    RESTRICT: the database refuses to delete a connection an endpoint still points at, so a
    delete racing an endpoint's creation can never leave an endpoint pointing at a missing row.
    """

    id = UUID(primary_key=True)
    name = Varchar(length=64)
    name_key = Varchar(length=64, unique=True)
    description = Text(null=True, default=None)
    connection = ForeignKey(
        references=LLMConnection, on_delete=OnDelete.restrict, null=True, default=None
    )
    model = Varchar(length=300)
    config = JSON(default="{}")
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Workspace(Table, tablename="workspace"):
    """Overrides the default connection for its members' new work."""

    id = UUID(primary_key=True)
    name = Varchar(length=64)
    name_key = Varchar(length=64, unique=True)
    default_connection = ForeignKey(
        references=LLMConnection, on_delete=OnDelete.restrict, null=True, default=None
    )
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class AppSetting(Table, tablename="app_setting"):
    """Organisation-wide switches (allowDirectConnections, allowSecretReveal...)."""

    key = Varchar(length=64, primary_key=True)
    value = JSON(default="null")
    updated_at = Timestamptz(default=TimestamptzNow())


class AuditEvent(Table, tablename="audit_event"):
    """Who changed what, when. Append-only: nothing in the API updates or deletes these rows.

    The actor is copied (id and name), not referenced, so history outlives the user.
    """

    id = UUID(primary_key=True)
    at = Timestamptz(default=TimestamptzNow())
    actor_id = UUID(null=True, default=None)
    actor_name = Varchar(length=64, null=True, default=None)
    action = Varchar(length=64)
    target_type = Varchar(length=32)
    target_id = Varchar(length=128, null=True, default=None)
    target_name = Varchar(length=300, null=True, default=None)
    request_id = Varchar(length=64, null=True, default=None)
    changes = JSON(
        default="[]"
    )  # [{"field", "old", "new"}]; secrets only as {"field", "secret": true}


class GatewayCall(Table, tablename="gateway_call"):
    """One call through the gateway, written in batches off the request path (app.usage) and
    pruned after SWITCHBOARD_USAGE_RETENTION_DAYS. Ids are copied as text ('' for none), not
    referenced, so the record outlives what it names."""

    id = UUID(primary_key=True)
    started_ms = BigInt()  # epoch milliseconds
    hour = Integer()  # epoch hours: the usage_hour row that counts it
    token_key = Varchar(length=36, default="")
    user_key = Varchar(length=36, default="")
    endpoint_key = Varchar(length=36, default="")
    workspace_key = Varchar(length=36, default="")
    connection_key = Varchar(length=36, default="")
    operation = Varchar(length=32)  # chat/completions, embeddings, messages, messages/count_tokens
    model = Varchar(length=300)  # as the caller asked
    upstream_model = Varchar(length=300, default="")  # as sent upstream
    status = Integer()  # the HTTP status answered; 499 when the caller left first
    attempts = Integer(default=0)
    latency_ms = Integer()
    first_token_ms = Integer(null=True, default=None)
    input_tokens = Integer(default=0)  # all of the input, cached and cache-written included
    output_tokens = Integer(default=0)
    latency_bucket = Integer()  # app.usage.buckets
    cached_input_tokens = Integer(default=0)  # of the input: read from the provider's cache
    cache_write_tokens = Integer(default=0)  # of the input: written to it (Anthropic bills these)
    # What it cost in pico-dollars (app.money), with the price in force when it was made;
    # null: it used tokens and no price was known for its model (unpriced, never $0).
    cost_pusd = BigInt(null=True, default=None)


class UsageCounts:
    """What usage_hour and usage_day count per connection, endpoint, user and model: kept up to
    date with each batch of gateway_call rows, so usage queries read these instead of every call.
    Latencies are counted per bucket (app.usage.buckets) so percentiles can be estimated from
    sums."""

    connection_key = Varchar(length=36, default="")
    endpoint_key = Varchar(length=36, default="")
    user_key = Varchar(length=36, default="")
    model = Varchar(length=300)
    requests = BigInt(default=0)
    errors = BigInt(default=0)
    input_tokens = BigInt(default=0)
    output_tokens = BigInt(default=0)
    cached_input_tokens = BigInt(default=0)
    cost_pusd = BigInt(default=0)  # the priced calls' cost, in pico-dollars
    unpriced = BigInt(default=0)  # calls that used tokens with no price known
    lat_0 = BigInt(default=0)
    lat_1 = BigInt(default=0)
    lat_2 = BigInt(default=0)
    lat_3 = BigInt(default=0)
    lat_4 = BigInt(default=0)
    lat_5 = BigInt(default=0)
    lat_6 = BigInt(default=0)
    lat_7 = BigInt(default=0)
    lat_8 = BigInt(default=0)
    lat_9 = BigInt(default=0)
    lat_10 = BigInt(default=0)
    lat_11 = BigInt(default=0)
    lat_12 = BigInt(default=0)
    lat_13 = BigInt(default=0)
    lat_14 = BigInt(default=0)
    lat_15 = BigInt(default=0)


class UsageHour(UsageCounts, Table, tablename="usage_hour"):
    """Calls counted per epoch hour."""

    hour = Integer()


class UsageDay(UsageCounts, Table, tablename="usage_day"):
    """Calls counted per UTC day (epoch hours // 24): whole days of a usage query read these,
    24 times fewer rows than the hours."""

    day = Integer()


class LastUse(Table, tablename="last_use"):
    """When something last called through the gateway: 'connection:<id>', 'endpoint:<id>',
    'workspace:<id>', 'token:<id>'. Kept past retention, so lastUsedAt never forgets."""

    subject = Varchar(length=64, primary_key=True)
    last_ms = BigInt()


class ModelPrice(Table, tablename="model_price"):
    """An admin's price for a model (the upstream model id), for one connection or (connection
    null) every one; it wins over the shipped defaults (app/spend/default_prices.json). Prices are
    micro-dollars per million tokens; null cached or cache-write prices mean the input price."""

    id = UUID(primary_key=True)
    price_key = Varchar(length=340, unique=True)  # "<connection id or *>:<model>"
    model = Varchar(length=300)
    connection = ForeignKey(
        references=LLMConnection, on_delete=OnDelete.cascade, null=True, default=None
    )
    input_per_mtok = BigInt()
    output_per_mtok = BigInt()
    cached_input_per_mtok = BigInt(null=True, default=None)
    cache_write_per_mtok = BigInt(null=True, default=None)
    effective_from = Timestamptz(default=TimestamptzNow())


class Budget(Table, tablename="budget"):
    """A limit on what gateway calls may spend in a calendar period (app.spend.budgets). The
    scope's id is text, as usage stores it ('' for the organisation)."""

    id = UUID(primary_key=True)
    name = Varchar(length=64)
    scope = Varchar(length=16)  # ORGANIZATION, USER, TOKEN, WORKSPACE or ENDPOINT
    scope_key = Varchar(length=36, default="")
    amount_pusd = BigInt(null=True, default=None)  # pico-dollars
    amount_tokens = BigInt(null=True, default=None)  # input plus output tokens
    period = Varchar(length=8)  # DAY, WEEK (from Monday) or MONTH
    time_zone = Varchar(length=64, default="UTC")  # where the period's calendar is
    action = Varchar(length=8)  # ALERT or REJECT
    alert_at = JSON(default="[]")  # percents
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class CacheVersion(Table, tablename="cache_version"):
    """Moves with every write that cached reads depend on (token revocations, organisation
    settings): each instance reads it in one tiny statement per request and drops what it
    cached under an older version (app.db.versions)."""

    key = Varchar(length=32, primary_key=True)
    version = BigInt(default=0)


ALL_TABLES: tuple[type[Table], ...] = (
    AppUser,
    ApiToken,
    LLMConnection,
    EncryptionKeyCheck,
    ConnectionModel,
    ModelSetting,
    Endpoint,
    Workspace,
    AppSetting,
    AuditEvent,
    GatewayCall,
    UsageHour,
    UsageDay,
    LastUse,
    ModelPrice,
    Budget,
    CacheVersion,
)
