"""The ledger store on PostgreSQL (psycopg 3).

Every call is bounded: connecting by `connect_timeout`, every statement by
`statement_timeout`, a dead peer by `tcp_user_timeout` — so a responder is never kept
waiting on the network for more than a couple of seconds.  A broken connection is
replaced once per call (every call is idempotent: inserts are `ON CONFLICT (id) DO
NOTHING`), then the call fails with StoreUnavailable and the caller works locally.
Errors never show the password: messages name the store by its URL without it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql

from triagebook.base import jsonio
from triagebook.incident import events as E
from triagebook.incident.ledger import Event
from triagebook.incident.line import from_data
from triagebook.incident.store.base import (
    ClaimHolder,
    EventStore,
    StoredIncident,
    StoreSchemaError,
    StoreUnavailable,
)
from triagebook.incident.store.pg_link import describe as describe
from triagebook.incident.store.pg_link import version_problem
from triagebook.incident.store.pg_team import PgTeam
from triagebook.incident.store.schema import BOOTSTRAP, CHANNEL, LATEST, MIGRATIONS, SCHEMA

CHUNK = 1000  # events per INSERT: one round trip each


def _decoded(body: str, incident: str) -> Event | None:
    """A stored event through the same door as a ledger line; one that does not pass
    (written by hand, or by a broken client) is left out rather than failing every read."""
    try:
        return from_data(jsonio.loads(body), incident)
    except (ValueError, RecursionError):
        return None


class PostgresStore(PgTeam, EventStore):
    """The team's store: events, listings, claims and news (connections: PgLink)."""

    # ---- schema ------------------------------------------------------------------------
    def migrate(self) -> tuple[int, int]:
        with self._errors():
            with self._open() as conn, conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtext('triagebook.migrate'))")
                for stmt in BOOTSTRAP:
                    conn.execute(stmt)
                row = conn.execute(sql.SQL("SELECT max(version) FROM {}.schema_version")
                                   .format(sql.Identifier(SCHEMA))).fetchone()
                before = row[0] if row and row[0] is not None else 0
                if before > LATEST:
                    raise StoreSchemaError(self.where, version_problem(before))
                for version in range(before + 1, LATEST + 1):
                    for stmt in MIGRATIONS[version - 1]:
                        conn.execute(stmt)
                    conn.execute(sql.SQL("INSERT INTO {}.schema_version (version) VALUES (%s)")
                                 .format(sql.Identifier(SCHEMA)), (version,))
        return before, LATEST

    # ---- events ------------------------------------------------------------------------
    def put(self, incident: str, events: Iterable[Event]) -> int:
        batch = list(events)
        query = sql.SQL(
            "INSERT INTO {}.events (id, incident, ts, seq, type, runbook, step, actor, body) "
            "SELECT e.id, %s, e.ts, e.seq, e.type, e.runbook, e.step, e.actor, e.body "
            "FROM unnest(%s::text[], %s::timestamptz[], %s::int[], %s::text[], %s::text[], "
            "%s::int[], %s::text[], %s::text[]) "
            "AS e(id, ts, seq, type, runbook, step, actor, body) "
            "ON CONFLICT (id) DO NOTHING").format(sql.Identifier(SCHEMA))

        def run(conn: psycopg.Connection[Any]) -> int:
            new = 0
            for i in range(0, len(batch), CHUNK):
                part = batch[i:i + CHUNK]
                cur = conn.execute(query, (
                    incident, [e.id for e in part], [e.time for e in part],
                    [e.seq for e in part], [e.type for e in part], [e.runbook for e in part],
                    [e.step for e in part], [e.actor for e in part],
                    [json.dumps(e.as_dict(), ensure_ascii=False, separators=(",", ":"))
                     for e in part]))
                new += max(cur.rowcount, 0)
            return new

        return self._call(run) if batch else 0

    def events(self, incident: str) -> list[Event]:
        query = sql.SQL("SELECT body FROM {}.events WHERE incident = %s "
                        "ORDER BY ts, seq, id").format(sql.Identifier(SCHEMA))
        rows = self._call(lambda conn: conn.execute(query, (incident,)).fetchall())
        return [ev for r in rows if (ev := _decoded(r[0], incident)) is not None]

    def incidents(self) -> list[StoredIncident]:
        query = sql.SQL("SELECT incident, count(*), max(ts) FROM {}.events GROUP BY incident "
                        "ORDER BY incident").format(sql.Identifier(SCHEMA))
        rows = self._call(lambda conn: conn.execute(query).fetchall())
        return [StoredIncident(r[0], r[1], r[2]) for r in rows]

    def listing_events(self) -> dict[str, list[Event]]:
        query = sql.SQL("SELECT incident, body FROM {}.events WHERE type = ANY(%s) "
                        "ORDER BY incident, ts, seq, id").format(sql.Identifier(SCHEMA))
        rows = self._call(lambda conn: conn.execute(query, (list(E.LISTING_TYPES),)).fetchall())
        out: dict[str, list[Event]] = {}
        for incident, body in rows:
            ev = _decoded(body, incident)
            if ev is not None:
                out.setdefault(incident, []).append(ev)
        return out

    def now(self) -> datetime:
        """The store's clock (to compare responders' clocks with one reference)."""
        row = self._call(lambda conn: conn.execute("SELECT now()").fetchone())
        assert row is not None
        value: datetime = row[0]
        return value

    def query(self, text: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Rows of a read-only query written for this store (`{schema}` is filled in),
        e.g. the statistics' folds in learning/sql.py."""
        query = sql.SQL(text).format(schema=sql.Identifier(SCHEMA))
        return self._call(lambda conn: conn.execute(query, params).fetchall())

    # ---- claims ------------------------------------------------------------------------
    def claim(self, want: ClaimHolder, ttl_s: float, displace: str = "") -> ClaimHolder:
        take = sql.SQL(
            "INSERT INTO {s}.claims AS c (incident, runbook, token, actor, host, pid, "
            "expires_at) VALUES (%(i)s, %(r)s, %(t)s, %(a)s, %(h)s, %(p)s, "
            "now() + make_interval(secs => %(ttl)s)) "
            "ON CONFLICT (incident, runbook) DO UPDATE SET token = EXCLUDED.token, "
            "actor = EXCLUDED.actor, host = EXCLUDED.host, pid = EXCLUDED.pid, "
            "since = CASE WHEN c.token = EXCLUDED.token THEN c.since ELSE now() END, "
            "heartbeat = now(), expires_at = EXCLUDED.expires_at "
            "WHERE c.token = EXCLUDED.token OR c.token = %(d)s OR c.expires_at < now() "
            "RETURNING since, heartbeat").format(s=sql.Identifier(SCHEMA))
        held = sql.SQL("SELECT token, actor, host, pid, since, heartbeat FROM {}.claims "
                       "WHERE incident = %s AND runbook = %s").format(sql.Identifier(SCHEMA))
        args = {"i": want.incident, "r": want.runbook, "t": want.token, "a": want.actor,
                "h": want.host, "p": want.pid, "ttl": ttl_s, "d": displace or want.token}

        def run(conn: psycopg.Connection[Any]) -> ClaimHolder:
            for _ in range(3):  # the holder may let go between our two statements
                row = conn.execute(take, args).fetchone()
                if row is not None:
                    return ClaimHolder(want.incident, want.runbook, want.token, want.actor,
                                       want.host, want.pid, row[0], row[1])
                other = conn.execute(held, (want.incident, want.runbook)).fetchone()
                if other is not None:
                    return ClaimHolder(want.incident, want.runbook, *other)
            raise StoreUnavailable(self.where, "the claim kept changing hands; try again")

        return self._call(run)

    def release(self, held: ClaimHolder) -> None:
        query = sql.SQL("DELETE FROM {}.claims WHERE incident = %s AND runbook = %s "
                        "AND token = %s").format(sql.Identifier(SCHEMA))
        self._call(lambda conn: conn.execute(query, (held.incident, held.runbook, held.token)))

    # ---- news --------------------------------------------------------------------------
    def wait(self, incident: str, timeout_s: float) -> bool:
        with self._errors():
            if self._listen is None or self._listen.closed:
                self._listen = self._open()
                self._listen.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
            deadline = time.monotonic() + max(timeout_s, 0.0)
            while True:
                left = max(deadline - time.monotonic(), 0.0)
                for note in self._listen.notifies(timeout=left, stop_after=1):
                    if note.payload == incident:
                        return True
                if time.monotonic() >= deadline:
                    return False
