"""Ledger data printed by the incident commands is shown, never obeyed (issue 26): a
teammate's note or a handed-in bundle may hold an OSC title, a screen clear or a Trojan
Source override; every command that prints ledger data spells them out."""

from __future__ import annotations

import pytest
from conftest import inv
from eschelp import open_incident, setup

from triagebook import load_config
from triagebook.base.redaction import Redactor
from triagebook.incident import events as E
from triagebook.incident.ledger import Ledger

IID = "INC-20261203-0300-esc1"
HOSTILE = "\x1b]0;pwned\x07 \x1b[2J cleared \u202eevil\x9b"


@pytest.fixture
def proj(project):
    setup(project)
    open_incident(project, IID)
    cfg = load_config(project)
    with Ledger(cfg.incidents_dir, IID, "mallory", Redactor({})) as led:
        led.append(E.Note(text=HOSTILE))
    return project


COMMANDS = [
    ("incident.show", IID), ("incident.timeline", IID), ("incident.list",),
    ("incident.replay", IID), ("incident.escalate", IID, "--class", "RED", "--diagnosis",
                               HOSTILE, "--dry-run"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_no_control_character_reaches_the_terminal(proj, args):
    res = inv(proj, *args)
    assert res.returncode == 0, res.stderr
    shown = res.stdout + res.stderr
    assert [ch for ch in shown if ord(ch) < 0x20 and ch not in "\n\t"] == []
    assert "\u202e" not in shown
    assert "\x9b" not in shown


def test_the_note_is_spelled_out_in_show(proj):
    res = inv(proj, "incident.timeline", IID)
    assert "x1b]0;pwned" in res.stdout
