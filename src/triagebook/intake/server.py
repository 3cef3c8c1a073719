"""A small, bounded HTTP server for the intake endpoints.

- routes are registered per module (`Route`: method, path, handler);
- a body over `MAX_BODY` (1 MiB) is refused with 413 before it is read; a client that
  sends too slowly is cut off (`timeout` per socket operation, `READ_BUDGET` in all);
- at most `max_concurrent` requests are handled at once (503 beyond that);
- a non-loopback listen address needs a bearer token from the environment for every route
  that does not carry its own signature (`TRIAGEBOOK_SECRET_ALERT_TOKEN`, constant-time);
- SIGTERM stops accepting, lets the requests in flight finish, and returns (exit 0).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram

MAX_BODY = 1024 * 1024
READ_BUDGET = 30.0  # seconds for a whole request body
TOKEN_ENV = "TRIAGEBOOK_SECRET_ALERT_TOKEN"


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"

    @classmethod
    def text(cls, status: int, line: str) -> Response:
        return cls(status, (line.rstrip("\n") + "\n").encode())

    @classmethod
    def json(cls, status: int, value: Any) -> Response:
        return cls(status, json.dumps(value).encode(), "application/json")


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str
    handler: Callable[[Request], Response]
    signed: bool = False  # carries its own signature: no bearer token asked


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.requests = Counter("triagebook_intake_requests", "HTTP requests by route and "
                                "status", ["route", "status"], registry=r)
        self.latency = Histogram("triagebook_intake_request_seconds", "Request latency",
                                 ["route"], registry=r)


def loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class IntakeServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], routes: list[Route], metrics: Metrics,
                 max_concurrent: int = 16, token: str | None = None) -> None:
        self.routes = {(r.method, r.path): r for r in routes}
        self.metrics = metrics
        self.slots = threading.BoundedSemaphore(max_concurrent)
        # open connections (a thread each), idle or slow ones included: bounded too
        self.connections = threading.BoundedSemaphore(4 * max_concurrent)
        self.token = token
        self.inflight = 0
        self.inflight_lock = threading.Condition()
        super().__init__(address, Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.connections.acquire(blocking=False):
            self.shutdown_request(request)  # too many open connections: closed at once
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.connections.release()

    def drain(self, timeout: float = 30.0) -> None:
        """Wait for the requests in flight to finish."""
        end = time.monotonic() + timeout
        with self.inflight_lock:
            while self.inflight and time.monotonic() < end:
                self.inflight_lock.wait(0.1)


class Handler(BaseHTTPRequestHandler):
    server: IntakeServer
    timeout = 10.0  # per socket operation: a stalled client is cut off
    disable_nagle_algorithm = True  # headers and body leave at once (no 40 ms ACK wait)
    protocol_version = "HTTP/1.1"
    server_version = "triagebook-intake"

    def log_message(self, *args: object) -> None:  # the access log is the metrics
        pass

    def handle_one_request(self) -> None:
        # a client that drips its request line and headers is cut off after READ_BUDGET,
        # whatever each single read's timeout allows
        deadline = threading.Timer(READ_BUDGET, self._too_slow)
        deadline.daemon = True
        self._deadline = deadline
        deadline.start()
        try:
            super().handle_one_request()
        finally:
            deadline.cancel()

    def parse_request(self) -> bool:
        ok = super().parse_request()
        self._deadline.cancel()  # the headers are in; the body has its own budget
        return ok

    def _too_slow(self) -> None:
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        path = self.path.split("?", 1)[0]
        route = self.server.routes.get((method, path))
        name = path if route else "unknown"
        t0 = time.monotonic()
        if not self.server.slots.acquire(blocking=False):
            self._send(Response.text(503, "busy: too many requests at once; retry"), name)
            return
        with self.server.inflight_lock:
            self.server.inflight += 1
        try:
            self._send(self._answer(method, path, route), name)
        finally:
            self.server.slots.release()
            with self.server.inflight_lock:
                self.server.inflight -= 1
                self.server.inflight_lock.notify_all()
            self.server.metrics.latency.labels(name).observe(time.monotonic() - t0)

    def _answer(self, method: str, path: str, route: Route | None) -> Response:
        if route is None:
            known = any(p == path for _, p in self.server.routes)
            return Response.text(405 if known else 404,
                                 f"{method} {path}: not here" if not known else
                                 f"{method} not allowed on {path}")
        if self.server.token is not None and not route.signed:
            given = self.headers.get("Authorization", "")
            want = f"Bearer {self.server.token}"
            if not hmac.compare_digest(given.encode(), want.encode()):
                return Response.text(401, "missing or wrong bearer token")
        body: bytes | None = b""
        if method == "POST":
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                return Response.text(411, "a Content-Length header is required")
            if length < 0 or length > MAX_BODY:
                self.close_connection = True
                return Response.text(413, f"body of {length} bytes is over the limit of "
                                          f"{MAX_BODY} bytes")
            body = self._read(length)
            if body is None:
                self.close_connection = True
                return Response.text(408, "the body did not arrive in time")
        headers = {k.lower(): v for k, v in self.headers.items()}
        return route.handler(Request(method, path, headers, body or b""))

    def _read(self, length: int) -> bytes | None:
        end = time.monotonic() + READ_BUDGET
        parts, got = [], 0
        while got < length:
            if time.monotonic() > end:
                return None
            try:
                chunk = self.rfile.read1(min(65536, length - got))
            except TimeoutError:
                return None
            if not chunk:
                return None
            parts.append(chunk)
            got += len(chunk)
        return b"".join(parts)

    def _send(self, r: Response, name: str) -> None:
        self.server.metrics.requests.labels(name, str(r.status)).inc()
        try:
            self.send_response(r.status)
            self.send_header("Content-Type", r.content_type)
            self.send_header("Content-Length", str(len(r.body)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(r.body)
        except OSError:
            self.close_connection = True  # the client left; nothing to tell it


def parse_listen(text: str, param: str = "listen",
                 example: str = "127.0.0.1:9095") -> tuple[str, int]:
    """HOST:PORT (a bracketed IPv6 host allowed); `BadArgument` naming `param` if not."""
    host, sep, port = text.rpartition(":")
    try:
        value = int(port)
    except ValueError:
        value = -1
    if not sep or not host or not 0 <= value <= 65535:
        from triagebook.base.errors import BadArgument

        raise BadArgument(param, f"{text!r}", f"expected HOST:PORT, e.g. {example}")
    return host.strip("[]"), value


def token_for(host: str) -> str | None:
    """The bearer token a non-loopback listener needs; None on loopback."""
    if loopback(host):
        return None
    token = os.environ.get(TOKEN_ENV, "")
    if len(token) < 16:
        from triagebook.base.errors import UsageError

        raise UsageError(f"alert.serve: listening on {host} (not loopback) needs a bearer "
                         f"token of 16+ characters in ${TOKEN_ENV}")
    return token


def run(server: IntakeServer, ready: Callable[[str], None] = print) -> None:
    """Serve until SIGTERM/SIGINT; then finish the requests in flight and return."""
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    if threading.current_thread() is threading.main_thread():
        for s in (signal.SIGTERM, signal.SIGINT):
            signal.signal(s, on_signal)
    worker = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                              daemon=True)
    worker.start()
    host, port = server.server_address[:2]
    shown = host.decode() if isinstance(host, bytes) else host
    ready(f"listening on http://{shown}:{port}")
    try:
        while not stop.wait(0.2):
            pass
    finally:
        server.shutdown()
        server.drain()
        server.server_close()
