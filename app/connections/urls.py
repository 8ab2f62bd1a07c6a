"""Base URL checks and origin comparison."""

from __future__ import annotations

from urllib.parse import urlsplit

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
