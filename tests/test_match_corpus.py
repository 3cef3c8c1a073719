"""Match reads what people paste (issue 19 item 2): every form in tests/pastecorpus.py
finds its runbook first, with the confidence it deserves — a class named in the paste is
high, shared words are low (and say so), nothing is none; stop-words never earn a result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO, inv
from pastecorpus import PASTES

from triagebook.config import default_config
from triagebook.runbook.catalog import load_catalog
from triagebook.runbook.match import match

CATALOG = load_catalog(default_config(REPO), use_cache=False)


def test_the_corpus_holds_sixty_forms() -> None:
    assert len(PASTES) >= 60


@pytest.mark.parametrize("text, runbook, confidence", PASTES,
                         ids=[f"{i:02d}" for i in range(len(PASTES))])
def test_each_paste_finds_its_runbook_with_its_confidence(text: str, runbook: str | None,
                                                          confidence: str) -> None:
    found = match(CATALOG, text)
    top = found[0] if found else None
    assert (top.id if top else None) == runbook
    assert (top.confidence if top else "none") == confidence


def test_stop_words_never_earn_a_result() -> None:
    assert match(CATALOG, "the and of to with from error failed") == []


def test_a_low_confidence_match_says_so_instead_of_naming_a_runbook_as_sure(
        shipped: Path) -> None:
    res = inv(shipped, "runbook.match", "customers cannot open a terminal")
    lines = res.stdout.splitlines()
    assert lines[-2].startswith("confidence: low — no failure class in the paste matched")
    assert lines[-1] == "next (a guess): inv runbook.run terminal-gateway"


def test_a_high_confidence_match_carries_the_values_in_the_paste(shipped: Path) -> None:
    res = inv(shipped, "runbook.match",
              '{"error": {"code": "token_expired", "correlation_id": "7f3c2a10-5b8e"}}')
    lines = res.stdout.splitlines()
    assert lines[-2].startswith("confidence: high")
    assert lines[-1] == ("next: inv runbook.run token-failure --context "
                         "correlation_id=7f3c2a10-5b8e")


def test_json_results_carry_their_confidence(shipped: Path) -> None:
    res = inv(shipped, "runbook.match", "SkuUnavailable: no gpus", "--format", "json")
    assert json.loads(res.stdout)[0]["confidence"] == "high"


def test_two_spellings_of_one_class_are_a_class_overlap(project: Path) -> None:
    front = ("---\ntitle: {t}\nseverity: SEV3\nfailure_class: [{c}]\nroute: r\n"
             "trigger: t\n---\n# {t}\n\n## Steps\n\n### Look\n\nLook.\n")
    (project / "runbooks" / "a.md").write_text(front.format(t="A", c="crash_loop_backoff"))
    (project / "runbooks" / "b.md").write_text(front.format(t="B", c="CrashLoopBackOff"))
    res = inv(project, "runbook.lint")
    codes = [ln.split(": ")[1] for ln in res.stdout.splitlines() if ln.startswith("runbooks/")]
    assert codes == ["class-overlap", "class-overlap"]
