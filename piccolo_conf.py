"""For `piccolo migrations ...` run in a checkout: the configuration lives in the package."""

from app.db.piccolo_conf import APP_REGISTRY, DB

__all__ = ["APP_REGISTRY", "DB"]
