"""Event behaviour lives with the event (issue 20 item 3): every type says how it reads,
the timeline and the replay read it the same way, and one door turns stored data into an
event for every reader."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from triagebook.incident import events as E
from triagebook.incident import replay, timeline
from triagebook.incident.line import BadEvent, Event, from_data
from triagebook.incident.state import fold

DOCS = Path(__file__).resolve().parents[1] / "docs" / "guide" / "runner.md"
TS = "2026-11-22T02:20:00.000Z"


def _sample(cls: type[E.Payload]) -> E.Payload:
    """An instance with every text field filled, so a reading that drops a field shows."""
    kw: dict[str, object] = {}
    for f in fields(cls):
        if f.metadata.get("time"):
            kw[f.name] = TS
        elif f.type in ("str", "str | None"):
            kw[f.name] = f"{f.name}-value"
    return cls(**kw)


def _event(cls: type[E.Payload], seq: int = 2) -> Event:
    return Event(seq, TS, cls.TYPE, "wedged", 1, "alice", _sample(cls).to_data(), f"e{seq}")


@pytest.mark.parametrize("type_", sorted(E.EVENT_TYPES))
def test_every_event_type_says_how_it_reads(type_: str) -> None:
    cls = E.EVENT_TYPES[type_]
    assert cls.reads is not E.Payload.reads, f"{type_} has no reading of its own"
    found = _sample(cls).reads(E.Where(type_, "alice", "wedged", "step 1 Look"))
    assert found.label.strip()
    assert "\n" not in found.label


@pytest.mark.parametrize("type_", sorted(E.EVENT_TYPES))
def test_timeline_and_replay_read_an_event_alike(type_: str) -> None:
    cls = E.EVENT_TYPES[type_]
    opened = Event(1, TS, "incident.opened", None, None, "alice",
                   {"severity": "SEV2", "title": "t", "detected_at": TS}, "e1")
    ev = _event(cls)
    st = fold("INC-R", [opened, ev])
    row = timeline.reading(st, ev)
    action = replay._action(ev, ev.payload, None)
    if not cls.STORY:
        assert row is None
        assert action is None
        return
    assert row is not None
    assert action is not None
    assert action.kind == row.label


def test_story_rows_cover_what_the_timeline_used_to_skip() -> None:
    """context.set, session.ended, roles, updates, access and alerts all have rows."""
    for cls in (E.ContextSet, E.SessionEnded, E.RoleSet, E.StatusUpdate, E.AccessGranted,
                E.AccessRevoked, E.ReminderSent, E.AlertFired, E.AlertResolved):
        assert cls.STORY, cls.TYPE


def test_a_command_reads_with_its_code_apart() -> None:
    cmd = E.Command(block=2, command="kubectl get pods", exit_code=1, duration_s=1.25,
                    destructive=True)
    found = cmd.reads(E.Where("command"))
    assert found.label == "command failed"
    assert found.code == "kubectl get pods"
    assert found.plain == "block 2 (sh, destructive): kubectl get pods → exit 1 (1.2 s)"


def test_listing_types_come_from_the_vocabulary() -> None:
    declared = {t for t, c in E.EVENT_TYPES.items() if c.LISTING}
    assert set(E.LISTING_TYPES) == declared
    assert "incident.opened" in declared


def test_the_docs_name_every_event_type() -> None:
    text = DOCS.read_text(encoding="utf-8")
    para = text[text.index("Event types:"):]
    para = para[:para.index("\n\n")]
    named = set(re.findall(r"`([a-z]+\.[a-z.]+|[a-z]+)`", para))
    named |= {f"escalation.{n}" for n in re.findall(r"`([a-z]+)`", para)}
    missing = sorted(set(E.EVENT_TYPES) - named)
    assert missing == []


@pytest.mark.parametrize("line, field", [
    ({"seq": 1, "ts": TS, "type": "note", "data": {"text": 3}}, "data.text"),
    ({"seq": "1", "ts": TS, "type": "note"}, "seq"),
    ({"seq": 1, "ts": "yesterday", "type": "note"}, "ts"),
    ({"seq": 1, "ts": TS, "type": "command", "data": {"exit_code": "zero"}}, "data.exit_code"),
    ([1, 2], "line"),
])
def test_one_door_refuses_what_the_writer_would(line: object, field: str) -> None:
    with pytest.raises(BadEvent) as caught:
        from_data(line, "INC-X")
    assert caught.value.found[0][0] == field


def test_one_door_names_old_events_by_incident_and_seq() -> None:
    ev = from_data({"seq": 4, "ts": TS, "type": "note", "data": {"text": "hi"}}, "INC-X")
    assert ev.id == "INC-X:4"


@pytest.mark.parametrize("line, field", [
    ({"seq": 1, "ts": TS, "type": "note", "actor": "a\x00b"}, "actor"),
    ({"seq": 1, "ts": TS, "type": "note", "step": 2**31}, "step"),
    ({"seq": 2**40, "ts": TS, "type": "note"}, "seq"),
])
def test_what_the_store_cannot_hold_never_passes_the_door(line: object, field: str) -> None:
    """Issue 26 item 6: a NUL in a text field or a number past 32 bits made every sync
    fail; such an event is refused at the door (reader, merge, store) instead."""
    with pytest.raises(BadEvent) as caught:
        from_data(line, "INC-X")
    assert caught.value.found[0][0] == field
