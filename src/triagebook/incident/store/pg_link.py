"""Connections to the PostgreSQL store, each bounded: connecting by `connect_timeout`,
every statement by `statement_timeout`, a dead peer by `tcp_user_timeout`.  A broken
connection is replaced once per call; errors never show the password.

A store that let a connection attempt run into its timeout (a network that drops
packets, a server that accepts and never answers) is not tried again by this process
for HOLD_S: one escalation opens the store several times (the team-wide lock, the
overrides, the presence marks, the push), and each would wait the whole timeout again
while a page is being decided.  A failure that came sooner — a refusal, a wrong
password, however far away the store — trips nothing: it cost no wait.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from triagebook.incident.store.base import StoreSchemaError, StoreUnavailable
from triagebook.incident.store.schema import LATEST, SCHEMA

T = TypeVar("T")

HOLD_S = 30.0  # after a connection attempt timed out, this process waits before another
RAN_OUT = 0.8  # an attempt that failed after this share of its timeout ran into it
_held: dict[str, tuple[float, str]] = {}  # url → (retry after, on the clock; why)
_clock = time.monotonic


def describe(url: str) -> str:
    """The URL as people may see it: no password, no query."""
    try:
        p = urlsplit(url)
        host = p.hostname or "localhost"
        netloc = (f"{p.username}@" if p.username else "") + host + (f":{p.port}" if p.port
                                                                      else "")
        return urlunsplit((p.scheme, netloc, p.path, "", ""))
    except ValueError:
        return "postgresql://(unparsable URL)"


class PgLink:
    """The store's connections: one for calls (checked against the schema version this
    triagebook knows), one for LISTEN."""

    def __init__(self, url: str, timeout: float = 2.0) -> None:
        self.url = url
        self.timeout = timeout
        self.where = describe(url)
        self._secret = urlsplit(url).password or ""
        self._conn: psycopg.Connection[Any] | None = None
        self._listen: psycopg.Connection[Any] | None = None

    # ---- connections -------------------------------------------------------------------
    def _open(self) -> psycopg.Connection[Any]:
        began = _clock()
        held = _held.get(self.url)
        if held is not None and began < held[0]:
            raise StoreUnavailable(self.where, f"{held[1]} (not tried again for "
                                               f"{held[0] - began:.0f} s)")
        ms = int(self.timeout * 1000)
        limit = max(1, math.ceil(self.timeout))
        try:
            conn = psycopg.connect(
                self.url, autocommit=True, connect_timeout=limit,
                tcp_user_timeout=ms, application_name="triagebook",
                options=f"-c statement_timeout={ms} -c lock_timeout={ms}")
        except psycopg.OperationalError as exc:
            if _clock() - began >= RAN_OUT * limit:
                _held[self.url] = (_clock() + HOLD_S, self._clean(exc))
            raise
        _held.pop(self.url, None)
        return conn

    def _checked(self) -> psycopg.Connection[Any]:
        """A connection to a store whose schema this version knows."""
        if self._conn is None or self._conn.closed:
            conn = self._open()
            try:
                row = conn.execute(sql.SQL("SELECT max(version) FROM {}.schema_version")
                                   .format(sql.Identifier(SCHEMA))).fetchone()
            except psycopg.errors.UndefinedTable:
                conn.close()
                raise StoreSchemaError(self.where, "has no triagebook schema yet; run "
                                                   "inv store.init") from None
            version = row[0] if row and row[0] is not None else 0
            if version != LATEST:
                conn.close()
                raise StoreSchemaError(self.where, version_problem(version))
            self._conn = conn
        return self._conn

    def _clean(self, exc: BaseException) -> str:
        lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
        text = lines[0] if lines else type(exc).__name__
        text = text.removeprefix("connection failed: ")
        return text.replace(self._secret, "***") if self._secret else text

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except (psycopg.errors.UndefinedTable, psycopg.errors.InvalidSchemaName):
            self.close()
            raise StoreSchemaError(self.where, "has no triagebook schema yet; run "
                                               "inv store.init") from None
        except psycopg.Error as exc:
            self.close()
            raise StoreUnavailable(self.where, self._clean(exc)) from None

    def _call(self, fn: Callable[[psycopg.Connection[Any]], T]) -> T:
        """fn on a live connection; a connection found dead is replaced once."""
        with self._errors():
            had = self._conn is not None and not self._conn.closed
            try:
                return fn(self._checked())
            except psycopg.OperationalError:
                if not had or (self._conn is not None and not self._conn.closed):
                    raise  # a fresh connection failed, or the server answered: no retry
                self._conn = None
                return fn(self._checked())

    def close(self) -> None:
        for conn in (self._conn, self._listen):
            if conn is not None:
                try:
                    conn.close()
                except psycopg.Error:
                    pass
        self._conn = self._listen = None


def version_problem(version: int) -> str:
    if version > LATEST:
        return (f"schema version {version} is newer than this triagebook knows ({LATEST}); "
                f"upgrade triagebook")
    return f"schema version {version}, this triagebook needs {LATEST}; run inv store.init"
