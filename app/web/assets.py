"""The admin console and GraphiQL, served by Switchboard itself (they work offline): pages with a
Content-Security-Policy that allows nothing from elsewhere and no framing, assets
gzip-compressed once (GraphiQL's 3.5 MB bundle travels as about 1 MB) and cached."""

from __future__ import annotations

import gzip
import mimetypes
from functools import cache
from pathlib import Path
from typing import Any

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

WEB = Path(__file__).resolve().parent
VENDOR = WEB / "vendor"
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


CONSOLE = WEB / "console"  # built from console/ by `make console`; shipped in the package
CONSOLE_ASSETS = CONSOLE / "assets"


@cache
def _asset(folder: Path, name: str) -> tuple[bytes, bytes, str] | None:
    """(plain, gzipped, media type) of a file, read and compressed once."""
    path = folder / name
    if path.parent != folder or not path.is_file() or path.suffix not in (".js", ".css"):
        return None
    plain = path.read_bytes()
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return plain, gzip.compress(plain, compresslevel=9, mtime=0), media


def _served(
    folder: Path, name: str, request: Request[Any, Any, Any], max_age: str
) -> Response[bytes]:
    found = _asset(folder, name)
    if found is None:
        raise NotFoundException()
    plain, packed, media = found
    headers = {
        "Cache-Control": max_age,
        "Vary": "Accept-Encoding",
        "X-Content-Type-Options": "nosniff",
    }
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(packed, media_type=media, headers=headers)
    return Response(plain, media_type=media, headers=headers)


@get("/static/graphiql/{name:str}", sync_to_thread=False)
def asset(name: FromPath[str], request: Request[Any, Any, Any]) -> Response[bytes]:
    return _served(VENDOR, name, request, "public, max-age=86400")


@get("/console/assets/{name:str}", sync_to_thread=False)
def console_asset(name: FromPath[str], request: Request[Any, Any, Any]) -> Response[bytes]:
    """The console's files carry a hash of their content in their names: cached for good."""
    return _served(CONSOLE_ASSETS, name, request, "public, max-age=31536000, immutable")


@cache
def _console_page() -> str:
    return (CONSOLE / "index.html").read_text()


@get("/", sync_to_thread=False, media_type="text/html")
def console_page() -> Response[str]:
    """The admin console: a page that loads its script and talks to /graphql."""
    headers = {**PAGE_HEADERS, "Cache-Control": "no-cache"}
    return Response(_console_page(), media_type="text/html", headers=headers)


WEB_ROUTES = [asset, console_asset, console_page]
