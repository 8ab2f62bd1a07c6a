"""A real HTTP server on 127.0.0.1 that pretends to be a provider, and can be told to misbehave."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

# What a fake can be told to do instead of answering properly.
FAILURES = {
    "400",
    "401",
    "403",
    "404",
    "429",
    "500",
    "503",
    "slow",
    "garbage",
    "not_http",
    "redirect_metadata",
    "redirect",
    "huge",
    "echo_key",
}


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class Answer:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    events: list[bytes] | None = None  # a stream: written and flushed one by one


@dataclass
class Concurrency:
    """How many requests a group of fakes holds at once, and the most ever: proof of
    concurrency that does not depend on timing."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: int = 0
    peak: int = 0


class _Listening(ThreadingHTTPServer):
    """A backlog for many clients at once: with the default of 5, concurrent connects overflow
    it and wait a second for the kernel's retry, longer than the suite's connect timeout."""

    request_queue_size = 128
    daemon_threads = True


class FakeServer:
    """Subclasses implement `route(seen) -> Answer` and `auth_error(seen) -> Answer | None`."""

    base_path = ""
    concurrency: Concurrency | None = None

    def __init__(
        self, key: str | None = None, models: list[str] | None = None, port: int = 0
    ) -> None:
        self.key = key
        self.also_accepted: tuple[str, ...] = ()  # keys accepted besides `key` (a rotation)
        self.models = list(models or ["model-a", "model-b", "model-c"])
        self.mode = "ok"
        # Answers inference calls (POSTs) with raw bytes written to the socket, when set.
        self.script: Callable[[Any], None] | None = None
        self.delay = 2.0
        self.event_delay = 0.0  # seconds between streamed events
        self.streams_cut = 0  # streams whose client went away before the last event
        self.requests: list[Seen] = []
        self.page_size = 2
        handler = _handler_for(self)
        self.httpd = _Listening(("127.0.0.1", port), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def accepts(self, presented: str | None) -> bool:
        return presented is not None and (presented == self.key or presented in self.also_accepted)

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return self.origin + self.base_path

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def error_body(self, status: int, message: str) -> Any:
        return {"error": {"message": message, "type": "fake_error", "code": status}}

    def answer(self, seen: Seen) -> Answer:
        tracker = self.concurrency
        if tracker is None:
            return self._answer(seen)
        with tracker.lock:
            tracker.in_flight += 1
            tracker.peak = max(tracker.peak, tracker.in_flight)
        try:
            return self._answer(seen)
        finally:
            with tracker.lock:
                tracker.in_flight -= 1

    def _answer(self, seen: Seen) -> Answer:
        failure = self._failure(seen)
        if failure is not None:
            return failure
        refused = self.auth_error(seen)
        return refused or self.route(seen)

    def _failure(self, seen: Seen) -> Answer | None:
        mode = self.mode
        if mode in ("400", "401", "403", "404", "429", "500", "503"):
            headers = {"retry-after": "7"} if mode == "429" else {}
            return Answer(int(mode), self.error_body(int(mode), f"fake failure {mode}"), headers)
        if mode == "slow":
            time.sleep(self.delay)
        elif mode == "garbage":
            return Answer(200, raw=b"<html>this is not JSON</html>")
        elif mode == "not_http":
            return Answer(0, raw=b"\x00\x01garbage that is not HTTP at all\r\n\r\n")
        elif mode == "redirect_metadata":
            return Answer(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
        elif mode == "redirect":
            return Answer(302, headers={"Location": f"{self.origin}/elsewhere"})
        elif mode == "huge":
            return Answer(200, raw=b'{"data": [' + b'{"id": "x"},' * 200_000 + b'{"id": "y"}]}')
        return None

    def route(self, seen: Seen) -> Answer:
        raise NotImplementedError

    def auth_error(self, seen: Seen) -> Answer | None:
        raise NotImplementedError

    def refuse(self, presented: str | None) -> Answer:
        """401 as OpenAI words it: echoing part of the key (or all of it, in echo_key mode)."""
        shown = presented or ""
        if self.mode != "echo_key" and len(shown) > 12:
            shown = shown[:8] + "*" * 10 + shown[-4:]
        return Answer(401, self.error_body(401, f"Incorrect API key provided: {shown}."))

    def page(self, items: list[Any], start: int) -> tuple[list[Any], int | None]:
        chunk = items[start : start + self.page_size]
        following = start + self.page_size
        return chunk, following if following < len(items) else None


def _handler_for(fake: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            seen = Seen(
                method=self.command,
                path=parts.path,
                query={k: v[0] for k, v in parse_qs(parts.query).items()},
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
            )
            fake.requests.append(seen)
            if fake.script is not None and self.command == "POST":
                self.close_connection = True
                fake.script(self.wfile)  # a hostile upstream writes whatever bytes it likes
                return
            answer = fake.answer(seen)
            if answer.events is not None:
                self._stream(answer)
                return
            if answer.status == 0:
                self.wfile.write(answer.raw or b"")
                return
            body = answer.raw if answer.raw is not None else json.dumps(answer.body).encode()
            self.send_response(answer.status)
            for name, value in {"Content-Type": "application/json", **answer.headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _stream(self, answer: Answer) -> None:
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.flush()
            try:
                for event in answer.events or []:
                    if fake.event_delay:
                        time.sleep(fake.event_delay)
                    self.wfile.write(event)
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                fake.streams_cut += 1
                raise
            self.close_connection = True

        def _serve_quietly(self) -> None:
            # The client may give up first: timeouts are part of what is tested.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._serve()

        do_GET = _serve_quietly
        do_POST = _serve_quietly

    return Handler
