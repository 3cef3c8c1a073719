"""The store port's PostgreSQL adapter against a real server: idempotence, concurrency,
claims, notifications."""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from pgserver import PASSWORD

from triagebook.base.timeutil import iso
from triagebook.incident.ledger import Event
from triagebook.incident.store.base import ClaimHolder, merge_events
from triagebook.incident.store.postgres import PostgresStore

T0 = datetime(2026, 11, 22, 2, 14, tzinfo=UTC)


def ev(n: int, eid: str = "", ms: int | None = None, actor: str = "alice") -> Event:
    ts = iso(T0 + timedelta(milliseconds=n if ms is None else ms))
    return Event(n, ts, "note", None, None, actor, {"text": f"note {n}"}, eid or f"e{n:04d}")


@pytest.fixture
def store(store_url, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    s = PostgresStore(store_url)
    assert s.migrate() == (0, 2)
    yield s
    s.close()


def test_the_same_events_delivered_twice_are_stored_once(store):
    batch = [ev(n) for n in range(1, 2501)]  # more than one INSERT's worth
    assert store.put("INC-1", batch) == 2500
    assert store.put("INC-1", batch) == 0
    assert store.put("INC-1", batch[100:200] + [ev(9999)]) == 1
    got = store.events("INC-1")
    assert [e.id for e in got] == [e.id for e in batch] + ["e9999"]
    assert got[5] == batch[5]  # every field back as written


def test_fifty_connections_delivering_overlapping_batches_store_each_event_once(
        store_url, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    PostgresStore(store_url).migrate()
    shared = [ev(n, f"shared-{n}") for n in range(100)]  # every appender resends these
    counts: list[int] = []
    errors: list[BaseException] = []
    gate = threading.Barrier(50)

    def appender(k: int) -> None:
        s = PostgresStore(store_url)
        try:
            own = [ev(n, f"own-{k}-{n}", actor=f"writer{k}") for n in range(10)]
            gate.wait(timeout=60)
            new = 0
            for i in range(0, 100, 20):  # interleave small batches, like appends do
                new += s.put("INC-50", shared[i:i + 20] + own[i // 10:i // 10 + 2])
            counts.append(new)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            s.close()

    threads = [threading.Thread(target=appender, args=(k,)) for k in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sum(counts) == 100 + 50 * 10  # each event counted new by exactly one writer
    s = PostgresStore(store_url)
    ids = [e.id for e in s.events("INC-50")]
    s.close()
    assert len(ids) == len(set(ids)) == 600


def test_order_is_time_then_a_ledgers_own_seq_then_id(store):
    same_ms = [ev(1, "zz", ms=5), ev(2, "aa", ms=5), ev(3, "mm", ms=1)]
    store.put("INC-O", same_ms)
    assert [e.id for e in store.events("INC-O")] == ["mm", "zz", "aa"]
    assert [e.id for e in merge_events(same_ms)] == ["mm", "zz", "aa"]


def test_a_claim_is_refused_while_alive_and_taken_when_it_lapses_or_its_runner_died(store):
    alice = ClaimHolder("INC-C", "demo", "tok-a", "alice", "laptop-a", 111)
    bob = ClaimHolder("INC-C", "demo", "tok-b", "bob", "laptop-b", 222)
    assert store.claim(alice, 60).token == "tok-a"
    held = store.claim(bob, 60)
    assert (held.token, held.actor, held.host, held.pid) == ("tok-a", "alice", "laptop-a", 111)
    assert store.claim(alice, 60).token == "tok-a"  # renewing is fine
    assert store.claim(bob, 60, displace="tok-a").token == "tok-b"  # alice's runner died
    store.release(alice)  # not hers any more: nothing happens
    assert store.claim(alice, 60).token == "tok-b"
    store.release(bob)
    assert store.claim(alice, 0.2).token == "tok-a"
    time.sleep(0.4)
    assert store.claim(bob, 60).token == "tok-b"  # alice's claim lapsed


def test_a_listener_hears_of_its_incident_only(store, store_url):
    other = PostgresStore(store_url)
    try:
        assert store.wait("INC-N", 0) is False  # subscribes
        other.put("INC-ELSE", [ev(1, "x1")])
        assert store.wait("INC-N", 0.5) is False
        threading.Timer(0.3, lambda: other.put("INC-N", [ev(2, "x2")])).start()
        assert store.wait("INC-N", 10) is True  # False had it waited the 10 s out
    finally:
        time.sleep(0.4)
        other.close()


def test_unreachable_and_uninitialised_stores_say_so_without_the_password(pg, monkeypatch):
    from triagebook.incident.store.base import StoreSchemaError, StoreUnavailable

    monkeypatch.delenv("PGPASSWORD", raising=False)
    fresh = pg.new_database()
    url = pg.url(fresh).replace("triagebook@", f"triagebook:{PASSWORD}@")
    with pytest.raises(StoreSchemaError) as info:
        PostgresStore(url).events("INC-1")
    assert str(info.value) == (f"ledger store {pg.url(fresh)}: has no triagebook schema "
                               f"yet; run inv store.init")
    wrong = pg.url(fresh).replace("triagebook@", "triagebook:not-the-password@")
    with pytest.raises(StoreUnavailable) as info:
        PostgresStore(wrong).events("INC-1")
    assert "password authentication failed" in str(info.value)
    assert "not-the-password" not in str(info.value) and os.linesep not in str(info.value)


def test_a_skewed_clock_is_recorded_once_and_shown_in_timeline_and_postmortem(store, tmp_path):
    """Issue 26 item 6: a responder whose clock is 30 minutes ahead of the team store's
    syncs: the ledger records it once (`clock.skewed`), the timeline shows it and the
    post-mortem says whose clock was off and by how much."""
    from triagebook.base.redaction import Redactor
    from triagebook.incident import events as E
    from triagebook.incident.ledger import Ledger
    from triagebook.incident.state import fold
    from triagebook.incident.sync import Syncer
    from triagebook.incident.timeline import timeline
    from triagebook.postmortem.write import metrics

    said: list[str] = []
    ahead = lambda: datetime.now(UTC) + timedelta(minutes=30)  # noqa: E731
    led = Ledger(tmp_path, "INC-20261204-0500-skew", "bob", Redactor(environ={}),
                 clock=ahead, session=False).open()
    led.on_append = Syncer(store, led, said.append)
    led.append(E.IncidentOpened(title="Checkout down", severity="SEV2",
                                detected_at=iso(datetime.now(UTC))))
    led.append(E.Note(text="looking"))
    skews = [e for e in led.events if e.type == "clock.skewed"]
    assert len(skews) == 1
    assert 1790 < skews[0].data["seconds"] < 1810
    assert [s for s in said if "ahead of the team store's" in s] != []
    assert [e.id for e in store.events("INC-20261204-0500-skew")
            if e.type == "clock.skewed"] == [skews[0].id]  # synced like any event

    again = Syncer(store, led, said.append)  # a later session, same skew: not again
    led.on_append = again
    led.append(E.Note(text="still looking"))
    assert len([e for e in led.events if e.type == "clock.skewed"]) == 1

    st = fold(led.id, list(led.events))
    rows = [r for r in timeline(st) if "clock is 30 min" in r.detail]
    assert len(rows) == 1
    assert "ahead of the team store's" in rows[0].detail
    assert "**Clock skew**: bob's by 30 min" in metrics(st)
