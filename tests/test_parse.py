from __future__ import annotations

import fnmatch
import json
from datetime import date
from pathlib import Path

from conftest import FIXTURES, REPO

from triagebook.config import default_config
from triagebook.runbook.catalog import load_catalog
from triagebook.runbook.parse import parse_file
from triagebook.runbook.schema import FIELDS, json_schema


def parsed(name: str):
    res = parse_file(FIXTURES / "parse" / name, name)
    assert [p for p in res.problems if p.level == "error"] == []
    assert res.runbook is not None
    return res.runbook


def test_heading_steps_keep_lines_and_code():
    rb = parsed("heading-steps.md")
    assert rb.id == "heading-steps"
    assert rb.failure_classes == ("alpha_failed", "beta_*")
    assert [(s.number, s.title, s.line) for s in rb.steps] == [
        (1, "First {{ correlation_id }}", 20), (2, "Second", 28)]
    first, second = rb.steps
    assert first.body.startswith("Look at this.")
    assert [(c.lang, c.line, c.runnable) for c in first.code] == [("logql", 24, False)]
    assert [(c.lang, c.runnable) for c in second.code] == [("sh", True), ("bash", False)]
    assert second.shell_blocks[0].source == "echo run me\n"
    assert "Not a step" not in second.body
    assert rb.intro == "Intro paragraph."
    assert rb.placeholders == ("correlation_id",)


def test_ordered_list_steps():
    rb = parsed("list-steps.md")
    assert [(s.title, s.line) for s in rb.steps] == [
        ("Check the pods:", 13), ("Roll back if needed.", 18), ("Tell people.", 20)]
    assert rb.steps[0].code[0].source == "kubectl get pods\n"
    assert rb.steps[1].body == ""  # the paragraph is one sentence: all of it is the title
    assert rb.failure_classes == ("gamma",)  # a single string is accepted


def test_intro_without_h1():
    rb = parsed("no-h1.md")
    assert rb.intro == "Some intro."
    assert rb.steps[0].title == "Only step"


def test_field_lines_for_lint_messages():
    rb = parsed("heading-steps.md")
    assert rb.lines["severity"] == 3
    assert rb.lines["failure_class:beta_*"] == 4


def test_every_field_is_documented_and_exported():
    schema = json_schema()
    assert set(schema["properties"]) == {f.name for f in FIELDS}
    assert schema["required"] == ["title", "severity", "failure_class", "route", "trigger"]
    assert schema["properties"]["severity"]["enum"] == ["SEV1", "SEV2", "SEV3", "SEV4"]
    assert all(f.doc for f in FIELDS)


def test_shipped_runbooks_validate_against_the_exported_schema():
    import jsonschema
    import yaml

    validator = jsonschema.Draft202012Validator(json.loads(json.dumps(json_schema())))
    paths = sorted((REPO / "runbooks").rglob("*.md"))
    assert len(paths) >= 12
    for path in paths:
        head = path.read_text(encoding="utf-8").split("---\n")[1]
        data = yaml.safe_load(head)
        data["last_reviewed"] = str(data["last_reviewed"])
        errors = list(validator.iter_errors(data))
        assert errors == [], (path, errors[0].message if errors else "")
    bad = {"title": "t", "severity": "SEV9", "failure_class": ["x"], "route": "r",
           "trigger": "t", "severty": 1}
    assert len(list(validator.iter_errors(bad))) == 2


def test_shipped_catalog_is_clean_and_covers_the_failure_classes():
    cfg = default_config(REPO)
    from triagebook.runbook.lint import lint

    cat = load_catalog(cfg, use_cache=False)
    assert lint(cat, date(2026, 11, 22)) == []
    for code in ("token_missing", "token_invalid", "token_expired", "invalid_project_context",
                 "insufficient_permissions", "admin_required", "allocation_timeout",
                 "sku_unavailable", "node_unhealthy", "service_unavailable", "upstream_error",
                 "internal_error", "rate_limited", "dead_letter", "disk_full",
                 "llm_provider_unavailable", "webhook_delivery_failed", "heartbeat_missing"):
        assert any(fnmatch.fnmatchcase(code, pat.lower()) for rb in cat.runbooks.values()
                   for pat in rb.failure_classes), code
    assert all(len(rb.steps) >= 3 for rb in cat.runbooks.values())


def test_show_never_prints_secret(tmp_path: Path):
    from triagebook.runbook.catalog import load_one
    from triagebook.runbook.preview import render_runbook

    rb = load_one(default_config(REPO), "token-failure")
    out = render_runbook(rb, {"correlation_id": "abcdefgh-1234", "admin_token": "s3cr3t-VALUE"})
    assert "s3cr3t-VALUE" not in out
    assert "Bearer <admin_token>" in out
    assert 'correlation_id="abcdefgh-1234"' in out
