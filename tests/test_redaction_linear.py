"""Redaction stays linear whatever the text holds (issue 26): every detector's prefix,
repeated into one long line, costs in proportion to its length — measured as a ratio
(16× the text may cost at most 64× the time; linear is 16×, the old quadratic 256×)."""

from __future__ import annotations

import time

import pytest

from triagebook.base.redaction import Redactor

PREFIXES = [
    "AKIA", "ASIA", "ABIA", "ACCA", "A3T0", "ghp_", "gho_", "ghs_", "github_pat_", "glpat-",
    "xoxb-", "xoxp-", "xapp-1-", "xoxe-1-", "sk_live_", "rk_test_", "sk-", "sk-proj-",
    "sk-ant-api03-", "eyJ", "AIza", "ya29.", "GOCSPX-", "hvs.", "npm_", "_authToken=",
    "SG.", "pypi-AgEIcHlwaS5vcmc", "AC", "SK", "sq0csp-", "EAAA", "-us12", "M", "xxx.",
    "-----BEGIN PRIVATE KEY-----", "password=", "--password ", "https://u:", "-u u:",
    "Bearer ", "Basic ", '"secret":"', "api_key: ", "Authorization: ", "a1",
    # the forms of issue 26 item 2: bare base64, bundled curl flags, .pgpass, prompts
    "QUFBQUFB", "QUFB_", " -fsSu a", " -ua", "db.x:5432:d:u:", "a.b.c.", "Password [x]: ",
    "Secret Access Key: ", "--pasword=",
]


def _cost(red: Redactor, text: str) -> float:
    """CPU seconds, best of five: what the redaction costs, whatever else the machine
    runs (wall-clock under a loaded suite swung the ratio past its bound)."""
    best = float("inf")
    for _ in range(5):
        t0 = time.process_time()
        red.text(text)
        best = min(best, time.process_time() - t0)
    return best


@pytest.mark.parametrize("prefix", PREFIXES)
def test_repeated_prefix_costs_linear_time(prefix: str) -> None:
    red = Redactor({})
    red.text(prefix)  # the vendor rules load on first need: not part of either cost
    small = prefix * (8_000 // len(prefix) + 1)
    large = prefix * (128_000 // len(prefix) + 1)
    ratio = _cost(red, large) / max(_cost(red, small), 1e-4)
    assert ratio < 64, f"{prefix!r}: 16× the text took {ratio:.0f}× the time"


def test_a_run_of_repeated_aws_prefixes_is_one_redacted_token() -> None:
    out = Redactor({}).text("key " + "AKIA" * 5000 + " end")
    assert out.startswith("key [REDACTED")
    assert out.endswith(" end")
    assert "AKIA" not in out
