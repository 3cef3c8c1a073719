"""Real servers on 127.0.0.1 for channel tests: an HTTP webhook whose behaviour is chosen
by the URL path, an SMTP server (aiosmtpd), and an SMTP server that never answers."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class Webhook:
    """The first path segment picks the behaviour (the rest is a token, as in real
    webhook URLs): /ok → 200; /busy → 429 with Retry-After: 1 once, then 200; /flaky →
    500 once, then 200; /later → 503 with Retry-After: 3600; /fail → 500; /garbage → not
    HTTP; /hang → no answer; /trickle → a 200 status line, then a header byte by byte."""

    def __init__(self) -> None:
        self.bodies: dict[str, list[dict]] = {}
        self.hits: dict[str, int] = {}
        self.targets: list[str] = []
        self.stop = threading.Event()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                hook.targets.append(self.path)  # absolute when it came as a proxy
                path = "/" + urlsplit(self.path).path.split("/")[1]
                n = hook.hits[path] = hook.hits.get(path, 0) + 1
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if path == "/garbage":
                    self.wfile.write(b"garbage\r\n\r\n")
                    return
                if path == "/hang":
                    hook.stop.wait(30)
                    return
                if path == "/trickle":
                    self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                    for _ in range(300):
                        if hook.stop.wait(0.1):
                            return
                        self.wfile.write(b"x")
                        self.wfile.flush()
                    return
                status, headers = 200, {}
                if path == "/busy" and n == 1:
                    status, headers = 429, {"Retry-After": "1"}
                elif path == "/flaky" and n == 1:
                    status = 500
                elif path == "/later":
                    status, headers = 503, {"Retry-After": "3600"}
                elif path == "/fail":
                    status = 500
                if status == 200:
                    hook.bodies.setdefault(path, []).append(body)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


class Smtp:
    """aiosmtpd on a free port; `messages` are the raw messages received."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[str] = []
        box = self

        class Box:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                box.messages.append(envelope.content.decode("utf-8", "replace"))
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Box(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def close(self) -> None:
        self.controller.stop()


class Silent:
    """Accepts connections and never says a word (a hung mail server, a store that never
    answers); ``conns`` holds each one accepted."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        self.accepted = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            self.accepted.set()

    def close(self) -> None:
        for c in self.conns:
            c.close()
        self.sock.close()


def free_port() -> int:
    with socket.socket() as probe:  # aiosmtpd does not report a port chosen with 0
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(check, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.05)
    return False
