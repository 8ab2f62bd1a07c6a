"""Logging: one format for the service, and the request id on every record."""

from __future__ import annotations

import logging
from contextvars import ContextVar
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


def configure_logging(settings: Settings) -> None:
    install_log_record_factory()
    logging.basicConfig(level=settings.log_level, format=FORMAT)
    # Noise at INFO: Piccolo announces the SQLite version for every engine it builds, and
    # httpx logs every provider call with its URL (uvicorn's access line already says what was
    # called); their warnings and errors still show.
    quiet = max(logging.WARNING, logging.getLevelName(settings.log_level))
    for name in ("piccolo", "httpx", "httpcore"):
        logging.getLogger(name).setLevel(quiet)
