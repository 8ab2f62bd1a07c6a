"""Checks shared by every domain: names, descriptions, what a token looks like (each returns
(normalised value, problem message or None)), and UNSET, a partial update's field not sent.
Imports nothing from the app."""

from __future__ import annotations

import re
from typing import Any, Final, TypeVar

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]*$")
NAME_MAX = 64
DESCRIPTION_MAX = 1000
TOKEN_PREFIX = "swb_"  # noqa: S105 (a prefix, not a secret)
MIN_TOKEN_LENGTH = 24

Checked = tuple[Any, str | None]


class Unset:
    """An input field that was not sent: keep what is stored."""

    _instance: Unset | None = None

    def __new__(cls) -> Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = Unset()
T = TypeVar("T")


def given(value: T | Unset, fallback: T) -> T:
    return fallback if isinstance(value, Unset) else value


def check_name(raw: str) -> Checked:
    name = raw.strip()
    if not name:
        return None, "name must not be empty"
    if len(name) > NAME_MAX:
        return None, f"name must be at most {NAME_MAX} characters"
    if not NAME_PATTERN.match(name):
        return (
            None,
            "name may contain letters, digits, spaces, '.', '_' and '-', "
            "starting with a letter or digit",
        )
    return name, None


def check_description(raw: str | None) -> Checked:
    if raw is None or not raw.strip():
        return None, None
    if len(raw) > DESCRIPTION_MAX:
        return None, f"description must be at most {DESCRIPTION_MAX} characters"
    return raw.strip(), None


LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate_at(value: Any, path: str = "") -> str | None:
    """Where in a decoded JSON value a string (or key) holds a lone surrogate, which no text
    encoding can store: JSON's \\ud800 escapes decode to one. None when every string is text."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if LONE_SURROGATE.search(item):
                return where or "the value"
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and LONE_SURROGATE.search(key):
                    return f"{where}.{key!a}" if where else repr(key)
                stack.append((child, f"{where}.{key}" if where else str(key)))
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{i}]") for i, child in enumerate(item))
    return None
