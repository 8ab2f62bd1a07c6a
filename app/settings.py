"""Settings read once from the environment and validated at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from app.budgets import ENVIRONMENT as BUDGET_VARIABLES
from app.budgets import Budgets, budgets_from
from app.db.urls import DEFAULT_DATABASE_URL
from app.validation import MIN_TOKEN_LENGTH, TOKEN_PREFIX

Environment = Literal["development", "production"]

DEFAULT_KEY_FILE = "data/keyring.json"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("text", "json")


class SettingsError(ValueError):
    """A setting that stops start-up; the message names the variable."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


@dataclass(frozen=True)
class Settings:
    database_url: str
    host: str
    port: int
    environment: Environment
    log_level: str
    encryption_keys: str | None
    key_file: Path
    admin_token: str | None
    outbound_allow: tuple[str, ...] = ()
    outbound_deny: tuple[str, ...] = ()
    provider_connect_timeout: float = 5.0
    provider_read_timeout: float = 20.0
    provider_max_response_bytes: int = 8 * 1024 * 1024
    refresh_concurrency: int = 128
    cors_origins: tuple[str, ...] = ()
    introspection: bool = True
    redis_url: str | None = None
    rate_limit_mutations: int = 120  # per token per minute
    rate_limit_tests: int = 20  # testConnection calls per token per minute
    budgets: Budgets = field(default_factory=Budgets)
    shutdown_timeout: float = 10.0  # seconds in-flight requests get after SIGTERM
    gateway_max_body_bytes: int = 32 * 1024 * 1024  # a gateway request (images travel inline)
    usage_retention_days: int = 90  # gateway call records older than this are pruned
    # On PostgreSQL without Redis: how often each instance re-reads the budgets' spend from the
    # recorded calls (so budgets hold across instances); 0: never.
    budget_reread_seconds: float = 2.0
    usage_recording: bool = True  # false: gateway calls are counted in /metrics only
    workers: int = 1  # serving processes; more than one needs REDIS_URL (shared rate limits)
    metrics_public: bool = False  # /metrics without an ADMIN token
    log_format: str = "text"  # "json": one JSON object per line, uvicorn's lines included
    database_timeout: float = 5.0  # seconds any one wait on the database may take
    gateway_timeout: float = 600.0  # seconds a whole gateway call may take, streams included
    gateway_max_event_bytes: int = 4 * 1024 * 1024  # one upstream stream event
    usage_journal_dir: Path = Path("data/usage-journal")  # answered calls not yet in the database

    @property
    def is_production(self) -> bool:
        return self.environment == "production"


def _port(raw: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise SettingsError("SWITCHBOARD_PORT", f"must be a port number (1-65535), got {raw!r}")
    return int(raw)


def _environment(raw: str) -> Environment:
    if raw == "development":
        return "development"
    if raw == "production":
        return "production"
    raise SettingsError("SWITCHBOARD_ENV", f"must be 'development' or 'production', got {raw!r}")


def _choice(environ: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = environ.get(name, default).strip().lower()
    if value not in allowed:
        raise SettingsError(name, f"must be one of {', '.join(allowed)}")
    return value


def _log_level(raw: str) -> str:
    level = raw.upper()
    if level not in LOG_LEVELS:
        raise SettingsError("SWITCHBOARD_LOG_LEVEL", f"must be one of {', '.join(LOG_LEVELS)}")
    return level


def _database_url(raw: str) -> str:
    from app.db.urls import parse_database_url

    try:
        parse_database_url(raw)
    except ValueError as exc:
        raise SettingsError("DATABASE_URL", str(exc)) from None
    return raw


def _cidrs(environ: Mapping[str, str], name: str) -> tuple[str, ...]:
    import ipaddress

    items = tuple(item.strip() for item in environ.get(name, "").split(",") if item.strip())
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise SettingsError(name, f"{item!r} is not a CIDR range like 10.0.0.0/8") from None
    return items


def _number(
    environ: Mapping[str, str], name: str, default: float, low: float, high: float
) -> float:
    raw = environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(name, f"must be a number, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(name, f"must be between {low:g} and {high:g}, got {raw}")
    return value


def _origins(environ: Mapping[str, str]) -> tuple[str, ...]:
    items = tuple(
        o.strip().rstrip("/")
        for o in environ.get("SWITCHBOARD_CORS_ORIGINS", "").split(",")
        if o.strip()
    )
    for origin in items:
        if origin != "*" and not origin.startswith(("http://", "https://")):
            raise SettingsError(
                "SWITCHBOARD_CORS_ORIGINS",
                f"{origin!r} is not an origin like https://app.example.com",
            )
    return items


def _flag(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(name, f"must be true or false, got {raw!r}")


def _redis_url(environ: Mapping[str, str]) -> str | None:
    url = environ.get("REDIS_URL", "").strip() or None
    if url and not url.startswith(("redis://", "rediss://", "unix://")):
        raise SettingsError("REDIS_URL", "must look like redis://host:6379/0")
    return url


def _budgets(environ: Mapping[str, str]) -> Budgets:
    """Each budget from its variable (a positive number), else its default."""
    defaults = Budgets()
    values = {
        name: _number(environ, variable, getattr(defaults, name), 1e-3, 1e12)
        for name, variable in BUDGET_VARIABLES.items()
    }
    return budgets_from(values)


def _optional(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name, "").strip()
    return value or None


def _provider_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    """Where provider calls may go, and how long and how much they may take."""
    return {
        "outbound_allow": _cidrs(environ, "SWITCHBOARD_OUTBOUND_ALLOW"),
        "outbound_deny": _cidrs(environ, "SWITCHBOARD_OUTBOUND_DENY"),
        "provider_connect_timeout": _number(
            environ, "SWITCHBOARD_PROVIDER_CONNECT_TIMEOUT", 5, 0.1, 120
        ),
        "provider_read_timeout": _number(
            environ, "SWITCHBOARD_PROVIDER_READ_TIMEOUT", 20, 0.1, 600
        ),
        "provider_max_response_bytes": int(
            _number(
                environ, "SWITCHBOARD_PROVIDER_MAX_RESPONSE_BYTES", 8 * 1024 * 1024, 1024, 1 << 30
            )
        ),
    }


def _gateway_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    return {
        "gateway_max_body_bytes": int(
            _number(environ, "SWITCHBOARD_GATEWAY_MAX_BODY_BYTES", 32 * 1024 * 1024, 1024, 1 << 30)
        ),
        "budget_reread_seconds": _number(environ, "SWITCHBOARD_BUDGET_REREAD_SECONDS", 2, 0, 3600),
        "usage_retention_days": int(
            _number(environ, "SWITCHBOARD_USAGE_RETENTION_DAYS", 90, 1, 36500)
        ),
        "metrics_public": _flag(environ, "SWITCHBOARD_METRICS_PUBLIC", False),
        "usage_recording": _flag(environ, "SWITCHBOARD_USAGE_RECORDING", True),
        "workers": int(_number(environ, "SWITCHBOARD_WORKERS", 1, 1, 64)),
        "log_format": _choice(environ, "SWITCHBOARD_LOG_FORMAT", "text", LOG_FORMATS),
        "gateway_timeout": _number(environ, "SWITCHBOARD_GATEWAY_TIMEOUT", 600, 1, 86400),
        "gateway_max_event_bytes": int(
            _number(environ, "SWITCHBOARD_GATEWAY_MAX_EVENT_BYTES", 4 * 1024 * 1024, 1024, 1 << 30)
        ),
        "usage_journal_dir": Path(
            environ.get("SWITCHBOARD_USAGE_JOURNAL_DIR", "").strip() or "data/usage-journal"
        ),
    }


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Build settings from an environment mapping; raise SettingsError on the first bad one."""
    settings = Settings(
        database_url=_database_url(environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)),
        host=environ.get("SWITCHBOARD_HOST", "127.0.0.1"),
        port=_port(environ.get("SWITCHBOARD_PORT", "8000")),
        environment=_environment(environ.get("SWITCHBOARD_ENV", "development")),
        log_level=_log_level(environ.get("SWITCHBOARD_LOG_LEVEL", "INFO")),
        encryption_keys=_optional(environ, "SWITCHBOARD_ENCRYPTION_KEYS"),
        key_file=Path(environ.get("SWITCHBOARD_KEY_FILE", DEFAULT_KEY_FILE)),
        admin_token=_optional(environ, "SWITCHBOARD_ADMIN_TOKEN"),
        **_provider_settings(environ),
        refresh_concurrency=int(_number(environ, "SWITCHBOARD_REFRESH_CONCURRENCY", 128, 1, 1024)),
        cors_origins=_origins(environ),
        redis_url=_redis_url(environ),
        rate_limit_mutations=int(
            _number(environ, "SWITCHBOARD_RATE_LIMIT_MUTATIONS", 120, 1, 1_000_000)
        ),
        rate_limit_tests=int(_number(environ, "SWITCHBOARD_RATE_LIMIT_TESTS", 20, 1, 1_000_000)),
        budgets=_budgets(environ),
        shutdown_timeout=_number(environ, "SWITCHBOARD_SHUTDOWN_TIMEOUT", 10, 0.1, 600),
        **_gateway_settings(environ),
    )
    settings = replace(
        settings,
        # Introspection is a development convenience: off in production unless asked for.
        introspection=_flag(environ, "SWITCHBOARD_INTROSPECTION", not settings.is_production),
        # A database wait always ends well within the request's deadline, so a request that
        # meets a frozen database still answers (503) before its deadline does.
        database_timeout=min(
            _number(environ, "SWITCHBOARD_DATABASE_TIMEOUT", 5, 0.05, 600),
            settings.budgets.request_timeout / 2,
        ),
    )
    if settings.admin_token is not None and len(settings.admin_token) < MIN_TOKEN_LENGTH:
        raise SettingsError(
            "SWITCHBOARD_ADMIN_TOKEN",
            f"must be at least {MIN_TOKEN_LENGTH} characters (e.g. {TOKEN_PREFIX}...)",
        )
    return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings(os.environ)
