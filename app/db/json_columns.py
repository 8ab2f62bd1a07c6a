"""JSON columns come back as text on both backends; one place turns them into values."""

from __future__ import annotations

import json
from typing import Any


def load_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value
