"""The team-wide parts of the PostgreSQL store (issues 22, 26): team records (on-call
overrides and presence, alert groups claimed by an incident), the decision lock on an
incident, and how many of a list of event ids it holds."""

from __future__ import annotations

import time

from psycopg import sql

from triagebook.incident.store.pg_link import PgLink
from triagebook.incident.store.schema import SCHEMA


class PgTeam(PgLink):
    """Mixed into PostgresStore: the same connection and error handling (PgLink)."""

    def put_record(self, rid: str, kind: str, body: str) -> None:
        query = sql.SQL("INSERT INTO {}.oncall (id, kind, body) VALUES (%s, %s, %s) "
                        "ON CONFLICT (id) DO NOTHING").format(sql.Identifier(SCHEMA))
        self._call(lambda conn: conn.execute(query, (rid, kind, body)))

    def records(self, kind: str) -> list[str]:
        query = sql.SQL("SELECT body FROM {}.oncall WHERE kind = %s ORDER BY stored_at, id"
                        ).format(sql.Identifier(SCHEMA))
        rows = self._call(lambda conn: conn.execute(query, (kind,)).fetchall())
        return [r[0] for r in rows]

    def set_record(self, rid: str, kind: str, body: str) -> None:
        query = sql.SQL("INSERT INTO {}.oncall (id, kind, body) VALUES (%s, %s, %s) "
                        "ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, "
                        "body = EXCLUDED.body").format(sql.Identifier(SCHEMA))
        self._call(lambda conn: conn.execute(query, (rid, kind, body)))

    def record(self, rid: str) -> str | None:
        query = sql.SQL("SELECT body FROM {}.oncall WHERE id = %s").format(
            sql.Identifier(SCHEMA))
        row = self._call(lambda conn: conn.execute(query, (rid,)).fetchone())
        return str(row[0]) if row else None

    def lock_incident(self, incident: str, wait_s: float) -> bool:
        """A session advisory lock keyed by the incident, polled (each try is one quick
        statement, so the statement timeout never cuts a wait short)."""
        key = f"triagebook.decide:{incident}"
        deadline = time.monotonic() + wait_s
        while True:
            row = self._call(lambda conn: conn.execute(
                "SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", (key,)).fetchone())
            if row and row[0]:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)

    def unlock_incident(self, incident: str) -> None:
        key = f"triagebook.decide:{incident}"
        self._call(lambda conn: conn.execute(
            "SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (key,)))

    def holds(self, ids: list[str]) -> int:
        query = sql.SQL("SELECT count(*) FROM {}.events WHERE id = ANY(%s)").format(
            sql.Identifier(SCHEMA))
        row = self._call(lambda conn: conn.execute(query, (ids,)).fetchone())
        return int(row[0]) if row else 0

