"""`inv runbook.*` end to end: the real command line in a subprocess."""

from __future__ import annotations

import json
import shutil

from conftest import FIXTURES, assert_no_traceback, inv


def test_list_table_and_json(shipped):
    res = inv(shipped, "runbook.list")
    assert res.returncode == 0, res.stderr
    assert "token-failure" in res.stdout
    assert res.stdout.rstrip().endswith("23 runbooks")
    res = inv(shipped, "runbook.list", "--severity", "SEV2", "--format", "json")
    rows = json.loads(res.stdout)
    assert rows
    assert all(r["severity"] == "SEV2" for r in rows)
    assert "bad-deploy-rollback" in {r["id"] for r in rows}
    res = inv(shipped, "runbook.list", "--service", "billing-worker", "--format", "json")
    assert {r["id"] for r in json.loads(res.stdout)} == {"billing-worker-failure", "jobs-stuck"}


def test_list_rejects_bad_flag_values(shipped):
    res = inv(shipped, "runbook.list", "--severity", "SEV9")
    assert res.returncode == 1
    assert res.stderr.strip() == "--severity: expected one of SEV1, SEV2, SEV3, SEV4 but received 'SEV9'"
    assert_no_traceback(res)


def test_lint_clean_then_broken(shipped):
    res = inv(shipped, "runbook.lint", "--strict")
    assert res.returncode == 0, res.stdout
    assert res.stdout.strip() == "lint: 23 runbook files, 0 errors, 0 warnings"
    shutil.copy(FIXTURES / "lint" / "bad-severity.md", shipped / "runbooks" / "bad-severity.md")
    shutil.copy(FIXTURES / "lint" / "yaml-syntax.md", shipped / "runbooks" / "yaml-syntax.md")
    res = inv(shipped, "runbook.lint")
    assert res.returncode == 1
    lines = res.stdout.strip().splitlines()
    assert lines[0] == ("runbooks/bad-severity.md:3: bad-value: severity: expected one of "
                        "SEV1, SEV2, SEV3, SEV4 but received 'SEV9'")
    assert lines[1].startswith("runbooks/yaml-syntax.md:4: yaml-syntax: front-matter is not "
                               "valid YAML: while parsing a flow sequence")
    assert lines[-1] == "lint: 25 runbook files, 2 errors, 0 warnings in 2 files"
    assert_no_traceback(res)
    # the good runbooks are still listed, with a pointer to lint
    res = inv(shipped, "runbook.list")
    assert res.returncode == 0
    assert "token-failure" in res.stdout
    assert "2 runbook files with errors left out; see inv runbook.lint" in res.stderr


def test_lint_warnings_fail_only_with_strict_and_json(shipped):
    shutil.copy(FIXTURES / "lint" / "stale-review.md", shipped / "runbooks" / "stale-review.md")
    assert inv(shipped, "runbook.lint").returncode == 0
    res = inv(shipped, "runbook.lint", "--strict", "--format", "json")
    assert res.returncode == 1
    data = json.loads(res.stdout)
    assert data["errors"] == 0
    assert data["warnings"] == 1
    (p,) = data["problems"]
    assert (p["path"], p["line"], p["code"], p["level"]) == (
        "runbooks/stale-review.md", 7, "stale-review", "warning")


def test_show_marks_fills_and_names_what_is_missing(shipped):
    res = inv(shipped, "runbook.show", "bad-deploy-rollback")
    assert res.returncode == 0
    assert "helm -n <namespace> history <release> --max 5" in res.stdout
    res = inv(shipped, "runbook.show", "bad-deploy-rollback", "--context", "namespace=api",
              "--context", "release=gpuaas-api")
    assert "helm -n api rollback gpuaas-api 0 --wait --timeout 5m" in res.stdout
    # partial context (issue 11): what is given is filled, the rest stays visibly marked
    res = inv(shipped, "runbook.show", "bad-deploy-rollback", "--context", "namespace=api")
    assert res.returncode == 0
    assert "helm -n api history <release> --max 5" in res.stdout
    assert res.stderr.strip() == "note: no value for release; shown as <release>"
    assert_no_traceback(res)


def test_show_bad_inputs_are_one_line(shipped):
    for args, expected in [
        (("token-failre",), "no runbook named 'token-failre'; did you mean 'token-failure'"),
        (("token-failure", "--context", "nonsense"), "--context 'nonsense': expected NAME=VALUE"),
        (("token-failure", "--context", "correlation_id=x"), "expected a value matching"),
        (("token-failure", "--context", "corelation_id=abcdefgh"), "did you mean 'correlation_id'"),
    ]:
        res = inv(shipped, "runbook.show", *args)
        assert res.returncode == 1, args
        assert len(res.stderr.strip().splitlines()) == 1, res.stderr
        assert expected in res.stderr, res.stderr
        assert_no_traceback(res)


def test_match_text_and_json(shipped):
    res = inv(shipped, "runbook.match", "ERROR sku_unavailable region=eu-north-1")
    assert res.returncode == 0
    assert res.stdout.splitlines()[0].split()[1] == "allocation-failure"
    # the next command carries what the paste said (issue 25): region=eu-north-1
    assert res.stdout.strip().endswith(
        "next: inv runbook.run allocation-failure --context region=eu-north-1")
    res = inv(shipped, "runbook.match", '{"error":"token_invalid"}', "--format", "json")
    data = json.loads(res.stdout)
    assert data[0]["id"] == "token-failure"
    assert set(data[0]) == {"id", "score", "reason", "confidence", "next"}


def test_new_scaffold_passes_lint(project):
    res = inv(project, "runbook.new", "queue-backlog")
    assert res.returncode == 0, res.stderr
    assert (project / "runbooks" / "queue-backlog.md").is_file()
    res = inv(project, "runbook.lint", "--strict")
    assert res.returncode == 0, res.stdout
    again = inv(project, "runbook.new", "queue-backlog")
    assert again.returncode == 1
    assert "already exists" in again.stderr
    bad = inv(project, "runbook.new", "../escape")
    assert bad.returncode == 1
    assert "expected letters, digits" in bad.stderr
    assert not (project.parent / "escape.md").exists()


def test_schema_prints_json_schema(project):
    res = inv(project, "runbook.schema")
    schema = json.loads(res.stdout)
    assert schema["$schema"].endswith("2020-12/schema")
    assert "failure_class" in schema["required"]


def test_missing_runbooks_folder_is_one_line(tmp_path):
    shutil.copy(FIXTURES.parent.parent / "tasks.py", tmp_path / "tasks.py")
    res = inv(tmp_path, "runbook.lint")
    assert res.returncode == 1
    assert res.stderr.strip().startswith("runbooks folder not found: runbooks;")
    assert_no_traceback(res)


def test_bad_config_is_reported_with_line(shipped):
    (shipped / "invoke.yaml").write_text(
        "triagebook:\n  runbooks_dir: runbooks\n  policy:\n    review_window_days: soon\n"
        "    timezone: Mars/Olympus\n    quite_hours: '22:00-07:00'\n", encoding="utf-8")
    res = inv(shipped, "runbook.lint")
    assert res.returncode == 0  # the runbooks are fine; the config is warned, not fatal
    tail = " (the default is used; inv doctor fails until fixed)"
    assert res.stderr.strip().splitlines() == [line + tail for line in [
        "invoke.yaml:4: bad-config: warning: triagebook.policy.review_window_days: expected "
        "a positive whole number but received 'soon'",
        "invoke.yaml:5: bad-config: warning: triagebook.policy.timezone: expected an IANA "
        "time zone such as Europe/Stockholm but received 'Mars/Olympus'",
        "invoke.yaml:6: unknown-config: warning: triagebook.policy.quite_hours: not a "
        "setting; did you mean 'quiet_hours'?",
    ]]
    assert inv(shipped, "runbook.lint", "--strict").returncode == 1
    assert_no_traceback(res)
