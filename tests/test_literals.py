"""base/literals.py: one trie-shaped regex says which gate literals a text may hold; a
gate built on it may let a regex run for nothing, never skip one that would match."""

from __future__ import annotations

import random

import pytest

from triagebook.base.detectors import find
from triagebook.base.literals import LiteralSet


def test_every_literal_in_the_text_is_reported_even_when_matches_overlap():
    rng = random.Random(20)
    for _ in range(400):
        alphabet = "abc"  # few letters: literals overlap, nest and chain all the time
        lits = {"".join(rng.choices(alphabet, k=rng.randint(1, 4))) for _ in range(6)}
        text = "".join(rng.choices(alphabet + " ", k=rng.randint(0, 30)))
        there = {lit for lit in lits if lit in text}
        assert there <= LiteralSet(lits).present(text), (sorted(lits), text)


def test_the_named_overlaps():
    gate = LiteralSet(["AB", "BCD", "ACCA", "AC"])
    assert "BCD" in gate.present("xxABCDxx")  # starts inside the match of AB
    assert "AC" in gate.present("ACCA")  # the longer one matched first
    assert gate.present("nothing here") == frozenset()
    assert LiteralSet([]).present("AB") == frozenset()


def test_tokens_gated_by_a_run_of_token_characters_are_still_found():
    discord = "MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs"
    telegram = "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawq"
    assert [k for *_, k in find(f"bot token {discord} in the log")] == ["discord-token"]
    assert [k for *_, k in find(f"curl api/bot{telegram}/getMe")] == ["telegram-token"]
    assert find("bot token MTk4NjIyNDgzNDcx.Cl2FMQ.ZnCjm1XVW7vRze4b7C is short") == []


def test_every_run_gate_names_a_pattern_in_use():
    from triagebook.base.vendor_tokens import MIN_RUN, vendor_rules

    assert set(MIN_RUN) <= {rx.pattern for _, rx, _, _ in vendor_rules()}


def test_a_bare_npm_token_is_found_without_an_authtoken_line():
    token = "npm_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"
    assert [k for *_, k in find(f"token {token}")] == ["npm-token"]


@pytest.mark.parametrize("text, kind", [
    # discord's \d takes an Arabic-Indic digit: no ASCII run is that long
    ("log MTIzNDU2Nzg5M\u0661DEyMzQ1Njc4.AbCdEf.abcdefghijklm\u0661nopqrstuvwxyz",
     "discord-token"),
    # the long s folds to s under IGNORECASE, not under lower()
    ('aw\u017f pw is "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"', "aws-key"),
])
def test_text_beyond_ascii_runs_the_rules_its_gates_cannot_judge(text, kind):
    assert kind in [k for *_, k in find(text)]


def test_every_text_gate_names_a_pattern_in_use():
    from triagebook.base.vendor_tokens import GATES, vendor_rules

    assert set(GATES) <= {rx.pattern for _, rx, _, _ in vendor_rules()}
