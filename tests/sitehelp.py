"""Helpers for site tests: a built copy of the shipped project, and a loopback server."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import REPO

CHROMIUM = "/usr/bin/chromium"


def copy_project(dest: Path) -> Path:
    for name in ("tasks.py", "mkdocs.yml"):
        shutil.copy(REPO / name, dest / name)
    for name in ("runbooks", "docs", "site_overrides"):
        shutil.copytree(REPO / name, dest / name)
    return dest


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(folder))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A browser that closes a connection mid-answer (it navigated on) is no error."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def have_browser() -> bool:
    return os.path.exists(CHROMIUM)
