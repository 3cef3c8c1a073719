"""The PostgreSQL schema of the ledger store, as numbered migrations.

`inv store.init` applies every migration newer than the store's `schema_version`, in one
transaction under an advisory lock (two responders running it at once is fine).  A store
newer than this triagebook is refused, never written.  Add a migration by appending to
MIGRATIONS; never edit one that has shipped.
"""

from __future__ import annotations

SCHEMA = "triagebook"
CHANNEL = "triagebook_events"  # NOTIFY channel; the payload is the incident id

BOOTSTRAP = (
    f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.schema_version (
        version integer PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT now())""",
)

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: events keyed by their global id; claims of (incident, runbook); NOTIFY on insert
    (
        f"""CREATE TABLE {SCHEMA}.events (
            id text PRIMARY KEY,
            incident text NOT NULL,
            ts timestamptz NOT NULL,
            seq integer NOT NULL,
            type text NOT NULL,
            runbook text,
            step integer,
            actor text NOT NULL,
            body text NOT NULL,
            stored_at timestamptz NOT NULL DEFAULT clock_timestamp())""",
        f"CREATE INDEX events_by_incident ON {SCHEMA}.events (incident, ts, seq, id)",
        f"""CREATE TABLE {SCHEMA}.claims (
            incident text NOT NULL,
            runbook text NOT NULL,
            token text NOT NULL,
            actor text NOT NULL,
            host text NOT NULL,
            pid integer NOT NULL,
            since timestamptz NOT NULL DEFAULT now(),
            heartbeat timestamptz NOT NULL DEFAULT now(),
            expires_at timestamptz NOT NULL,
            PRIMARY KEY (incident, runbook))""",
        f"""CREATE FUNCTION {SCHEMA}.notify_event() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('{CHANNEL}', NEW.incident);
                RETURN NULL;
            END $$""",
        f"""CREATE TRIGGER events_notify AFTER INSERT ON {SCHEMA}.events
            FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.notify_event()""",
    ),
    # 2: on-call overrides and presence marks, shared by the team (issue 22)
    (
        f"""CREATE TABLE {SCHEMA}.oncall (
            id text PRIMARY KEY,
            kind text NOT NULL,
            body text NOT NULL,
            stored_at timestamptz NOT NULL DEFAULT clock_timestamp())""",
    ),
)

LATEST = len(MIGRATIONS)
