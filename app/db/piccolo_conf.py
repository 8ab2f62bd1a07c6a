"""Piccolo's configuration, inside the package so an installed Switchboard migrates from any
directory (app.cli points PICCOLO_CONF here); the top-level piccolo_conf.py re-exports it for
`piccolo migrations ...` in a checkout."""

import os

from piccolo.conf.apps import AppRegistry

from app.db.engine import engine_from_url
from app.db.urls import DEFAULT_DATABASE_URL

DB = engine_from_url(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))

APP_REGISTRY = AppRegistry(apps=["app.db.piccolo_app"])
