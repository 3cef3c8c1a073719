"""base/literals.py: one trie-shaped regex says which gate literals a text may hold; a
gate built on it may let a regex run for nothing, never skip one that would match."""

from __future__ import annotations

import random

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
