"""The rules a connection's values follow, each in one place: names, base URLs and origins, config
values, header names and values, masked hints, and which connection may be the default."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any
from urllib.parse import urlsplit

from app.providers.catalog import ProviderSpec
from app.validation import Checked


def looks_masked(value: str) -> bool:
    """True for what an edit form shows instead of a key: "…WXYZ", "sk-…WXYZ", "****WXYZ"."""
    return "…" in value or "***" in value or "•" in value or value.startswith("...")


MAX_URL_LENGTH = 2048
DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_base_url(raw: str) -> tuple[str | None, str | None]:
    """Return (normalized URL, None) or (None, why it is refused)."""
    url = raw.strip()
    if not url:
        return None, "baseUrl must not be empty"
    if len(url) > MAX_URL_LENGTH:
        return None, f"baseUrl must be at most {MAX_URL_LENGTH} characters"
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return None, "baseUrl must not contain spaces or control characters"
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket: http://[::1/v1
        return None, "baseUrl is not a valid URL (check the brackets around an IPv6 address)"
    if parts.scheme.lower() not in DEFAULT_PORTS:
        return None, "baseUrl must start with http:// or https://"
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return None, "baseUrl must not contain user info (user:password@); use apiKey instead"
    if parts.fragment or url.endswith("#"):
        return None, "baseUrl must not contain a fragment (#...)"
    if parts.query or "?" in url:
        return None, "baseUrl must not contain a query string; put settings in config"
    try:
        port = parts.port
    except ValueError:
        return None, "baseUrl has an invalid port"
    host = parts.hostname
    if not host:
        return None, "baseUrl must name a host, e.g. https://api.example.com/v1"
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return f"{parts.scheme.lower()}://{netloc}{parts.path.rstrip('/')}", None


def origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port): a stored key may only travel to the origin it was entered for."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(scheme, 0)


PREFIX_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
TAG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,31}$")
TAGS_MAX = 20
MODEL_ID_MAX = 256
MODEL_IDS_MAX = 1000
SECRET_MAX = 4096
SERVICE_ACCOUNT_MAX = 16384
CONFIG_VALUE_MAX = 256
HEADER_NAME_PATTERN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$")  # RFC 9110 token
HEADERS_MAX = 20
HEADER_VALUE_MAX = 4096
RESERVED_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection"})
SERVICE_ACCOUNT_KEYS = ("client_email", "private_key", "token_uri")


def check_prefix_id(raw: str | None) -> Checked:
    if raw is None or raw == "":
        return None, None
    if not PREFIX_PATTERN.match(raw):
        return None, (
            "prefixId must be 1-32 letters, digits, '_' or '-', starting with a letter or digit "
            "(models are exposed as {prefixId}.{model})"
        )
    return raw, None


def check_model_ids(raw: list[str] | None) -> Checked:
    unique: dict[str, None] = {}
    for item in raw or []:
        model = item.strip()
        if not model or len(model) > MODEL_ID_MAX or any(c.isspace() for c in model):
            return None, f"each model id must be 1-{MODEL_ID_MAX} characters without spaces"
        unique.setdefault(model)
    if len(unique) > MODEL_IDS_MAX:
        return None, f"at most {MODEL_IDS_MAX} model ids"
    return list(unique), None


def check_tags(raw: list[str] | None) -> Checked:
    unique: dict[str, None] = {}
    for item in raw or []:
        tag = item.strip().lower()
        if not TAG_PATTERN.match(tag):
            return None, (
                f"tag {item!r} must be 1-32 lower-case letters, digits, '_', '.', ':' or '-'"
            )
        unique.setdefault(tag)
    if len(unique) > TAGS_MAX:
        return None, f"at most {TAGS_MAX} tags"
    return list(unique), None


def check_secret(raw: str, label: str, maximum: int = SECRET_MAX) -> Checked:
    value = raw.strip()
    if not value:
        return None, f"{label} must not be empty; send null to remove it"
    if len(value) > maximum:
        return None, f"{label} must be at most {maximum} characters"
    if looks_masked(value):
        return None, (
            f"{label} looks like a masked hint, not a real secret; leave {label} out to keep the "
            "stored one"
        )
    if any(c.isspace() or ord(c) < 32 for c in value):
        return None, f"{label} must not contain spaces or control characters"
    return value, None


def check_service_account(raw: str) -> Checked:
    if looks_masked(raw):
        return (
            None,
            "serviceAccountJson looks like a masked hint; leave it out to keep the stored one",
        )
    if len(raw) > SERVICE_ACCOUNT_MAX:
        return None, f"serviceAccountJson must be at most {SERVICE_ACCOUNT_MAX} characters"
    try:
        document = json.loads(raw)
    except ValueError:
        return None, "serviceAccountJson is not valid JSON (paste the whole key file)"
    if not isinstance(document, dict) or document.get("type") != "service_account":
        return (
            None,
            'serviceAccountJson must be a service-account key file ("type": "service_account")',
        )
    missing = [
        k for k in SERVICE_ACCOUNT_KEYS if not isinstance(document.get(k), str) or not document[k]
    ]
    if missing:
        return None, f"serviceAccountJson is missing {', '.join(missing)}"
    if not document["token_uri"].startswith(("https://", "http://")):
        return None, "serviceAccountJson token_uri must be an http(s) URL"
    return raw.strip(), None


def check_config(raw: Any, spec: ProviderSpec) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Return (config, [(key, message)]): known keys only, string values, required ones present."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        return {}, [("", "config must be a JSON object")]
    problems: list[tuple[str, str]] = []
    config: dict[str, str] = {}
    for key, value in raw.items():
        field = spec.config_field(key)
        if field is None:
            known = ", ".join(f.name for f in spec.config_fields) or "none"
            problems.append(
                (key, f"{spec.display_name} has no config field {key!r} (known: {known})")
            )
        elif (
            not isinstance(value, str)
            or len(value) > CONFIG_VALUE_MAX
            or not field.pattern.match(value)
        ):
            example = f", e.g. {field.example}" if field.example else ""
            problems.append((key, f"config.{key} is not a valid {field.label}{example}"))
        else:
            config[key] = value
    for field in spec.config_fields:
        if field.required and field.name not in raw:
            example = f", e.g. {field.example!r}" if field.example else ""
            problems.append((field.name, f"{spec.display_name} needs config.{field.name}{example}"))
    return config, problems


def check_header_name(name: str, credential_headers: frozenset[str]) -> str | None:
    if not HEADER_NAME_PATTERN.match(name):
        return f"header name {name!r} is not a valid HTTP header name"
    lowered = name.lower()
    if lowered in RESERVED_HEADERS:
        return f"header {name!r} is set by Switchboard and cannot be overridden"
    if lowered in credential_headers:
        return f"header {name!r} carries this provider's credential; use apiKey instead"
    return None


def check_header_value(value: str) -> str | None:
    if len(value) > HEADER_VALUE_MAX:
        return f"header values must be at most {HEADER_VALUE_MAX} characters"
    if any(c in value for c in "\r\n\0"):
        return "header values must not contain line breaks"
    if looks_masked(value):
        return "header value looks like a masked hint; leave value null to keep the stored one"
    return None


PERSONAL = "a personal connection cannot be the default"
DISABLED = "a disabled connection cannot be the default; enable it first"


def default_refusal(owner_id: uuid.UUID | None, enabled: bool) -> str | None:
    """Why a connection with this owner and state may not be the default, or None.
    The default serves the whole organisation, so it must be workspace-wide and enabled."""
    if owner_id is not None:
        return PERSONAL
    if not enabled:
        return DISABLED
    return None
