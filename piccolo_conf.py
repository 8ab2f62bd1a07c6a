"""Piccolo's configuration: used by `piccolo migrations ...` and by app.cli migrate."""

import os

from piccolo.conf.apps import AppRegistry

from app.db.engine import engine_from_url
from app.settings import DEFAULT_DATABASE_URL

DB = engine_from_url(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))

APP_REGISTRY = AppRegistry(apps=["app.db.piccolo_app"])
