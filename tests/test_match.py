from __future__ import annotations

from conftest import REPO

from triagebook.config import default_config
from triagebook.runbook.catalog import load_catalog
from triagebook.runbook.match import match

CAT = load_catalog(default_config(REPO), use_cache=False)


def top(text: str) -> str:
    return match(CAT, text)[0].id


def test_bare_code():
    assert top("sku_unavailable") == "allocation-failure"
    assert match(CAT, "sku_unavailable")[0].reason.startswith("exact failure class")


def test_glob_code():
    res = match(CAT, "allocation_timeout")
    assert res[0].id == "allocation-failure"
    assert "'allocation_*' matches 'allocation_timeout'" in res[0].reason


def test_whole_log_line():
    line = ('2026-11-22T02:14:07Z level=error msg="request failed" '
            'correlation_id=7f3c2a10-5b8e error_code=token_expired status=401')
    assert top(line) == "token-failure"


def test_json_error_body():
    body = '{"error": {"code": "dead_letter", "message": "job moved after 12 attempts"}}'
    assert top(body) == "jobs-stuck"


def test_exact_beats_glob_and_words():
    res = match(CAT, "node_unhealthy while the API returns internal_error")
    ids = [m.id for m in res[:2]]
    assert ids[0] == "api-degradation"  # exact beats the node_* glob
    assert ids[1] == "allocation-failure"


def test_symptom_in_words():
    assert top("the server disk is full") == "server-resource-exhaustion"
    assert top("HTTP 429 on uploads") == "rate-limiting"
    assert top("roll back the helm release") == "bad-deploy-rollback"


def test_no_match():
    assert match(CAT, "zzzz qqqq") == []


def test_noise_is_cut_below_an_exact_hit():
    res = match(CAT, "token_expired correlation_id=abc")
    assert [m.id for m in res] == ["token-failure"]


def test_what_people_paste_finds_the_owning_runbook():
    assert top("CrashLoopBackOff") == "bad-deploy-rollback"
    assert top("OOMKilled") == "server-resource-exhaustion"
    assert top("HTTP 502") == "api-degradation"
    assert top("502 Bad Gateway") == "api-degradation"
    assert top('{"error": {"code": "token_expired", "message": "The token has expired"}}') \
        == "token-failure"


def test_prose_words_never_beat_a_code():
    # "gateway" and "terminal" name the terminal-gateway runbook; the code names another
    res = match(CAT, "terminal gateway pod restarting: CrashLoopBackOff")
    assert res[0].id == "bad-deploy-rollback"
    assert res[0].reason.startswith("exact failure class 'crashloop_backoff'")
