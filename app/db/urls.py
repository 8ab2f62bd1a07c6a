"""DATABASE_URL parsing, in SQLAlchemy's URL forms."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+asyncpg")
DEFAULT_DATABASE_URL = "sqlite:///data/switchboard.sqlite3"


@dataclass(frozen=True)
class DatabaseTarget:
    kind: str  # "sqlite" | "postgres"
    sqlite_path: Path | None = None
    postgres_dsn: str | None = None


def parse_database_url(url: str) -> DatabaseTarget:
    """`sqlite:///relative.db`, `sqlite:////absolute.db` or `postgresql://user@host:5432/db`."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError("must look like sqlite:///path.db or postgresql://user@host:5432/db")
    if scheme == "sqlite":
        if not rest.startswith("/") or rest == "/":
            raise ValueError("a SQLite URL needs a file path: sqlite:///relative.db")
        path = rest[1:]
        if path in (":memory:", ""):
            raise ValueError("an in-memory SQLite database is not supported; give a file path")
        return DatabaseTarget(kind="sqlite", sqlite_path=Path(path))
    if scheme in POSTGRES_SCHEMES:
        parts = urlsplit("postgresql://" + rest)
        if not parts.hostname and "host=" not in (parts.query or ""):
            raise ValueError("a PostgreSQL URL needs a host: postgresql://user@host:5432/db")
        if not parts.path.strip("/"):
            raise ValueError("a PostgreSQL URL needs a database name: postgresql://.../dbname")
        return DatabaseTarget(kind="postgres", postgres_dsn="postgresql://" + rest)
    raise ValueError(f"unsupported scheme {scheme!r}: use sqlite or postgresql")
