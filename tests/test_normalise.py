"""The one normalisation of pasted text, and the pre-filled runbook link."""

from __future__ import annotations

import pytest
from conftest import assert_no_traceback, inv

from triagebook.runbook.links import prefill, runbook_link
from triagebook.runbook.model import ContextVar, Runbook
from triagebook.runbook.normalise import keys, normalise


@pytest.mark.parametrize("text,codes", [
    ("CrashLoopBackOff", ["crash_loop_back_off"]),
    ("OOMKilled", ["oom_killed"]),
    ("HTTP 502", ["http_502"]),
    ("HTTP/1.1 503 Service Unavailable", ["http_503"]),
    ("502 Bad Gateway", ["http_502"]),
    ("upstream said: Gateway Timeout", ["http_504"]),
    ('{"status": 429, "code": "rate_limited"}', ["http_429", "rate_limited"]),
    ("error_code=token_expired correlation_id=7f3c2a10-5b8e", ["token_expired"]),
])
def test_codes_found_in_what_people_paste(text, codes):
    assert list(normalise(text).codes) == codes


def test_a_status_also_names_its_class():
    assert normalise("HTTP 502").family == ("http_5xx",)


def test_ids_and_timestamps_are_values_not_search_terms():
    q = normalise("2026-11-22T02:14:07Z level=error correlation_id=7f3c2a10-5b8e "
                  "trace_id=0af7651916cd43dd error_code=token_expired")
    assert q.values["correlation_id"] == "7f3c2a10-5b8e"
    assert q.values["error_code"] == "token_expired"
    assert q.words == ("token", "expired")  # no ids, no keys, no stop-words


def test_spelling_does_not_matter_for_a_failure_class():
    k = keys(("crashloop_backoff", "allocation_*"), ())
    assert "crashloopbackoff" in k.exact  # CrashLoopBackOff, CRASHLOOP_BACKOFF alike
    assert k.site_tags() == ["allocation_", "crashloopbackoff"]


def _rb(**extra) -> Runbook:
    return Runbook(id="token-failure", path="runbooks/token-failure.md", title="t",
                   severity="SEV3", failure_classes=("x",), route="r", trigger="t",
                   context=(ContextVar("correlation_id", pattern="^[a-f0-9-]{8,}$"),
                            ContextVar("api_token", secret=True), ContextVar("sku")), **extra)


def test_link_carries_declared_valid_values_and_never_a_secret():
    rb = _rb()
    values = prefill(rb, {"correlation_id": "7f3c2a10-5b8e", "api_token": "hunter2",
                          "sku": "h100 80g", "level": "error"})
    assert values == {"correlation_id": "7f3c2a10-5b8e", "sku": "h100 80g"}
    link = runbook_link("https://runbooks.example.com/", rb.id, {**values, "api_token": "x"},
                        rb.secret_names)
    assert link == ("https://runbooks.example.com/runbooks/token-failure/"
                    "?correlation_id=7f3c2a10-5b8e&sku=h100+80g")
    assert prefill(rb, {"correlation_id": "NOT VALID"}) == {}
    assert runbook_link("https://x", "a", {}) == "https://x/runbooks/a/"


def test_match_prints_the_prefilled_link_when_site_url_is_set(shipped):
    (shipped / "invoke.yaml").write_text(
        "triagebook:\n  site_url: https://runbooks.example.com\n", encoding="utf-8")
    res = inv(shipped, "runbook.match",
              "level=error error_code=sku_unavailable correlation_id=7f3c2a10-5b8e sku=h100")
    assert res.returncode == 0, res.stderr
    assert ("open: https://runbooks.example.com/runbooks/allocation-failure/"
            "?correlation_id=7f3c2a10-5b8e&sku=h100") in res.stdout


def test_match_prints_no_link_without_site_url(shipped):
    res = inv(shipped, "runbook.match", "sku_unavailable")
    assert res.returncode == 0 and "open:" not in res.stdout


def test_a_bad_site_url_is_one_line(shipped):
    (shipped / "invoke.yaml").write_text("triagebook:\n  site_url: runbooks\n", encoding="utf-8")
    res = inv(shipped, "runbook.match", "sku_unavailable")
    assert res.returncode == 0  # warned; matching goes on without links
    assert res.stderr.strip() == ("invoke.yaml:2: bad-config: warning: triagebook.site_url: "
                                  "expected the site's address (https://…) but received "
                                  "'runbooks' (the default is used; inv doctor fails until "
                                  "fixed)")
    assert "runbooks/" not in res.stdout.split("\n")[0]
    assert_no_traceback(res)
