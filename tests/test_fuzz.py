"""Property-based fuzzing (hypothesis): runbooks, ledgers, invoke.yaml and credentials.

Asserted for every case: no exception but the project's own (TriagebookError, or a
clean list of Problems), and bounded time (the deadline).  Kept small here (about
100 cases per property); `inv bench.fuzz` runs the same properties much longer.
"""

from __future__ import annotations

from datetime import timedelta

from fuzzing import (
    LEDGER_SEED,
    RUNBOOKS,
    SECRET_TEXTS,
    check_config,
    check_ledger,
    check_read,
    check_redaction,
    check_runbook,
    configs,
    damaged,
    ledgers,
    mutated,
)
from hypothesis import HealthCheck, given, settings

SMALL = settings(max_examples=100, deadline=timedelta(seconds=5), database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SMALL
@given(mutated(RUNBOOKS))
def test_any_runbook_parses_lints_and_previews(text):
    check_runbook(text)


@SMALL
@given(ledgers())
def test_any_ledger_as_written_folds_into_a_timeline(raw):
    check_ledger(raw)


@SMALL
@given(damaged(LEDGER_SEED))
def test_a_damaged_ledger_is_read_or_refused_as_corrupt(raw):
    check_read(raw)


@SMALL
@given(configs())
def test_any_invoke_yaml_loads_or_lists_its_problems(text):
    check_config(text)


@SMALL
@given(mutated(SECRET_TEXTS))
def test_redacted_text_scans_clean_and_stays_put(text):
    check_redaction(text)
