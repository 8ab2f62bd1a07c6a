"""Logging: one format for the service (text, or JSON with SWITCHBOARD_LOG_FORMAT=json), the
request id on every record, uvicorn's lines included (serve hands uvicorn no logging config of
its own)."""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from app.settings import Settings

# Set by app.http.request_ids for the length of each request.
request_id_var: ContextVar[str | None] = ContextVar("switchboard_request_id", default=None)

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
_installed = False


def install_log_record_factory() -> None:
    """Every record gets `request_id` ("-" outside a request), whichever handler reads it."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = request_id_var.get() or "-"
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


class JsonLines(logging.Formatter):
    """One JSON object per record: time, level, logger, requestId, message (and the exception)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "requestId": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


KEY_IN_QUERY = re.compile(r"([?&]key=)[^&\s]*")


class KeyInQuery(logging.Filter):
    """Gemini's clients may send the Switchboard token as ?key=: uvicorn's access line shows the
    query, so the value is replaced before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                KEY_IN_QUERY.sub(r"\1[redacted]", a) if isinstance(a, str) else a
                for a in record.args
            )
        return True


def configure_logging(settings: Settings) -> None:
    install_log_record_factory()
    logging.getLogger("uvicorn.access").addFilter(KeyInQuery())
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonLines() if settings.log_format == "json" else logging.Formatter(FORMAT)
    )
    logging.basicConfig(level=settings.log_level, handlers=[handler])
    # Noise at INFO: Piccolo announces the SQLite version for every engine it builds, and
    # httpx logs every provider call with its URL (uvicorn's access line already says what was
    # called); their warnings and errors still show.
    quiet = max(logging.WARNING, logging.getLevelName(settings.log_level))
    for name in ("piccolo", "httpx", "httpcore"):
        logging.getLogger(name).setLevel(quiet)
