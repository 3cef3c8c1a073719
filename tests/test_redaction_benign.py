"""Redaction keeps evidence (issue 19 item 8): what a responder is asked to record about
a credential — its key id, why it failed, its type, scope, expiry, the request's
idempotency key — stays readable; the credential corpus still redacts (test_redaction,
test_secrets_sinks)."""

from __future__ import annotations

import pytest

from triagebook.base.redaction import Redactor

BENIGN = [
    "token_kid=2024-11-rotating-k7",
    "kid=9f86d081884c7d65",
    "auth_reason=expired_signature",
    "auth_failure_reason=clock_skew",
    "idempotency_key=7f3c2a10-5b8e-4c1d-9e8d-7c6b5a4f3e2d",
    "Idempotency-Key: 3b1f0c9e-aa11-4bd2-9c3e-0f1e2d3c4b5a",
    "token_type=Bearer expires_in=3600",
    "token_type=Bearer",
    "token_expires_at=2026-12-03T03:00:00Z",
    "token_scope=compute:read",
    "token_audience=https://api.example.com",
    "token_issuer=https://auth.example.com/",
    "public_key=ssh-ed25519",
    "partition_key=tenant-42",
    "password=$PGPASSWORD",
    "PGPASSWORD=${PGPASSWORD}",
    "export TOKEN=<your-token>",
    "runbook=leaked-credentials",
    "error_code=token_expired correlation_id=7f3c2a10-5b8e",
]


@pytest.mark.parametrize("line", BENIGN)
def test_evidence_stays_readable(line):
    assert Redactor({}).text(line) == line


@pytest.mark.parametrize("line,kept", [
    ("Authorization: Bearer abcdef1234567890", "Authorization: Bearer [REDACTED"),
    ("db_key=hunter2hunter2", "db_key=[REDACTED"),
    ("token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2ln", "token=[REDACTED"),
])
def test_credentials_beside_them_still_redact(line, kept):
    assert Redactor({}).text(line).startswith(kept)
