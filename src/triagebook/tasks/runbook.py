"""`inv runbook.*`: catalog, lint, show, match, new, schema."""

from __future__ import annotations

import json
import shlex
import sys

from invoke.collection import Collection
from invoke.exceptions import Exit

from triagebook import Catalog, load_catalog, load_one
from triagebook import lint as run_lint
from triagebook import match as run_match
from triagebook.base.errors import UsageError
from triagebook.incident.ledger import check_id
from triagebook.runbook.links import prefill, runbook_link
from triagebook.runbook.lint import as_json, summary
from triagebook.runbook.normalise import normalise
from triagebook.runbook.preview import render_runbook
from triagebook.runbook.scaffold import new_runbook
from triagebook.runbook.schema import json_schema
from triagebook.runbook.values import check_values, parse_pairs, parse_severity, refuse_secrets
from triagebook.tasks._common import choice, number, project, task, user_errors

FORMATS = ("table", "json")


def _warn_broken(cat: Catalog) -> None:
    errors = cat.errors
    if errors:
        files = len({p.path for p in errors})
        print(f"note: {files} runbook file{'s' * (files != 1)} with errors left out; "
              f"see inv runbook.lint", file=sys.stderr)


@task(help={
    "severity": "only this severity (SEV1..SEV4, any case)",
    "route": "only runbooks owned by this route",
    "service": "only runbooks touching this service",
    "format_": "table (default) or json",
    "stale": "only runbooks whose review is overdue, never-used ones first, with last use",
    "owner": "only runbooks with this owner",
})
@user_errors
def list_(c, severity="", route="", service="", format_="table", stale=False, owner=""):
    """List the runbook catalog, optionally filtered."""
    choice("format", format_, FORMATS)
    if severity:
        severity = parse_severity(severity)
    cat = load_catalog(project())
    books = [rb for rb in cat.sorted()
             if (not severity or rb.severity == severity)
             and (not route or rb.route == route)
             and (not service or service in rb.services)
             and (not owner or (rb.owner or "").lstrip("@").lower() == owner.lstrip("@").lower())]
    if stale:
        from triagebook.tasks.learning import stale_list  # reads the ledgers: only here

        return stale_list(cat, books, format_)
    if format_ == "json":
        print(json.dumps([{
            "id": rb.id, "title": rb.title, "severity": rb.severity,
            "failure_class": list(rb.failure_classes), "route": rb.route,
            "services": list(rb.services), "escalation": rb.escalation, "path": rb.path,
        } for rb in books], indent=2))
    else:
        rows = [(rb.id, rb.severity, rb.route, _classes(rb.failure_classes, 40), rb.title)
                for rb in books]
        head = ("ID", "SEV", "ROUTE", "FAILURE CLASSES", "TITLE")
        # ids and routes are copied from here: never cut; classes end with "+N more"
        widths = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
        for r in [head, *rows]:
            cells = [r[i].ljust(widths[i]) for i in range(4)]
            print("  ".join(cells) + "  " + r[4])
        print(f"{len(books)} runbook{'s' * (len(books) != 1)}")
    _warn_broken(cat)


def _classes(classes: tuple[str, ...], width: int) -> str:
    """Whole class names that fit in `width`, then "+N more" (never cut mid-word)."""
    shown: list[str] = []
    for i, code in enumerate(classes):
        rest = len(classes) - i - 1
        tail = f", +{rest} more" if rest else ""
        if shown and len(", ".join([*shown, code])) + len(tail) > width:
            return ", ".join(shown) + f", +{len(classes) - i} more"
        shown.append(code)
    return ", ".join(shown)


@task(help={
    "strict": "fail on warnings too (stale review, shared failure class, unused context)",
    "format_": "text (default) or json",
    "no_cache": "re-parse every file instead of reusing unchanged ones",
})
@user_errors
def lint(c, strict=False, format_="text", no_cache=False):
    """Validate every runbook; report each problem as path:line: code: message."""
    choice("format", format_, ("text", "json"))
    cat = load_catalog(project(), use_cache=not no_cache)
    problems = run_lint(cat, cat.config.today())
    if format_ == "json":
        print(as_json(cat, problems))
    else:
        for p in problems:
            print(p)
        print(summary(cat, problems))
    failing = [p for p in problems if p.level == "error" or strict]
    if strict and cat.config.problems:
        print(f"runbook.lint --strict: invoke.yaml has {len(cat.config.problems)} problem"
              f"{'s' * (len(cat.config.problems) != 1)} (above)", file=sys.stderr)
        failing += cat.config.problems
    if failing:
        raise Exit(code=1)


@task(iterable=["context"], help={
    "name": "runbook id (its file name without .md)",
    "context": "NAME=VALUE for a placeholder; repeat for several",
})
@user_errors
def show(c, name, context=None):
    """Print a runbook with its placeholders filled (or visibly marked)."""
    values = parse_pairs(context or [])
    rb = load_one(project(), name)
    refuse_secrets(rb, values)
    checked = check_values(rb, values, require=False)  # defaults applied
    print(render_runbook(rb, checked), end="")
    missing = [v.name for v in rb.context if v.required and v.name not in checked]
    if values and missing:
        print(f"note: no value for {', '.join(missing)}; shown as "
              f"{', '.join(f'<{n}>' for n in missing)}", file=sys.stderr)


@task(help={
    "text": "an error code, a whole log line, a JSON error body or a symptom; - reads stdin",
    "format_": "text (default) or json: [{id, score, reason}] (and link, with site_url)",
    "limit": "how many results at most (default 10)",
})
@user_errors
def match(c, text, format_="text", limit=10):
    """Rank the runbooks for an error code, log line or symptom, saying why."""
    choice("format", format_, ("text", "json"))
    if text == "-":
        text = sys.stdin.read()
    if not text.strip():
        raise UsageError("runbook.match: give an error code, log line or symptom to match "
                         "(or - to read it from stdin)")
    cat = load_catalog(project())
    found = run_match(cat, text, limit=int(number("limit", limit, whole=True, minimum=1)))
    site_url = cat.config.site_url
    pasted = normalise(text).values

    def link(rid: str) -> str:
        rb = cat.runbooks[rid]
        return runbook_link(site_url, rid, prefill(rb, pasted), rb.secret_names)

    def next_command(rid: str) -> str:
        """The runner's command with every value recognised in the paste."""
        values = prefill(cat.runbooks[rid], pasted)
        return f"inv runbook.run {rid}" + "".join(
            f" --context {shlex.quote(f'{k}={v}')}" for k, v in values.items())

    if format_ == "json":
        print(json.dumps([{**m.as_dict(), "next": next_command(m.id),
                           **({"link": link(m.id)} if site_url else {})}
                          for m in found], indent=2))
    elif not found:
        print("no runbook matches; try a symptom in words, or inv runbook.list")
    else:
        width = max(len(m.id) for m in found)
        for i, m in enumerate(found, 1):
            print(f"{i:>2}. {m.id.ljust(width)}  {m.score:7.1f}  {m.reason}")
        if found[0].confidence == "high":
            print("confidence: high — the paste names a failure class this runbook handles")
            print(f"next: {next_command(found[0].id)}")
        else:
            print("confidence: low — no failure class in the paste matched; these runbooks "
                  "only share words with it. Check the trigger before you start")
            print(f"next (a guess): {next_command(found[0].id)}")
        if site_url:
            print(f"open: {link(found[0].id)}")
    _warn_broken(cat)


@task(iterable=["context"], help={
    "name": "runbook id to walk",
    "incident": "incident id to open or resume (default: a new INC-YYYYMMDD-HHMM-xxxx)",
    "context": "NAME=VALUE for a placeholder; repeat for several",
    "context_file": "YAML file of NAME: VALUE pairs",
    "severity": "incident severity, any case (default: the runbook's)",
    "detected": "when it was detected: ISO 8601 with offset or 'YYYY-MM-DD HH:MM Zone/Name'",
    "force": "resume even though the runbook changed since the incident started (recorded)",
    "command_timeout": "seconds a 'run' command may take (default 300)",
    "from_stderr": "a pasted CLI error (a file, or - for stdin): its correlation_id, error "
                   "code, exit code, message and command (redacted) become context and a note",
})
@user_errors
def run(c, name, incident="", context=None, context_file="", severity="", detected="",
        force=False, command_timeout=300.0, from_stderr=""):
    """Walk a runbook step by step into a durable incident ledger."""
    from triagebook import RunRequest, hooks_for, start
    from triagebook.base.timeutil import check_past, parse_time, utc_now
    from triagebook.runner.signals import EXIT_CODES, Signals
    from triagebook.tasks.ui import PlainUI, RichUI

    cfg = project()
    if incident:
        check_id(incident)
    given = parse_pairs(context or [])
    pasted = ""
    if from_stderr:
        pasted_ctx, pasted = _from_stderr(cfg, name, from_stderr)
        given = {**pasted_ctx, **given}  # what was typed wins over what was pasted
    req = RunRequest(name=name, incident=incident, context=given, pasted=pasted,
                     context_file=context_file, severity=severity,
                     detected=check_past(parse_time(detected), utc_now(), "--detected",
                                         detected) if detected else None, force=force,
                     timeout=number("command-timeout", command_timeout, above=True),
                     context_on_command_line=True)
    ui = RichUI() if sys.stdin.isatty() and sys.stdout.isatty() else PlainUI()
    reason = start(cfg, req, ui, hooks=hooks_for(cfg), signals=Signals())
    if reason in EXIT_CODES:  # left by Ctrl-C or a signal: say so in the exit status
        raise Exit(code=EXIT_CODES[reason])


def _from_stderr(cfg, name: str, source: str) -> tuple[dict[str, str], str]:
    """The declared context values a pasted CLI error carries, and its summary."""
    from pathlib import Path

    from triagebook.base.files import read_bytes
    from triagebook.runbook.cli_error import MAX_PASTE, parse
    from triagebook.runbook.model import UNIVERSAL

    if source == "-":
        text = sys.stdin.read(MAX_PASTE)
        try:  # the walk still needs a keyboard: the terminal, not the pipe
            sys.stdin = open("/dev/tty", encoding="utf-8")  # noqa: SIM115
        except OSError:
            pass  # no terminal: the walk ends at the first prompt, which is recorded
    else:
        try:
            text = read_bytes(Path(source), MAX_PASTE).decode("utf-8", "replace")
        except OSError as exc:
            raise UsageError(f"--from-stderr {source}: {exc.strerror or exc}") from None
    err = parse(text)
    rb = load_one(cfg, name)
    declared = {v.name for v in rb.context if not v.secret} | set(UNIVERSAL)
    values = {k: v for k, v in err.as_context().items() if k in declared}
    return {k: v for k, v in values.items() if _fits_one(rb, k, v)}, err.summary()


def _fits_one(rb, key: str, value: str) -> bool:
    try:
        check_values(rb, {key: value}, require=False)
    except UsageError:
        return False
    return True


@task(help={"name": "the new runbook's id; becomes runbooks/NAME.md"})
@user_errors
def new(c, name):
    """Scaffold a runbook that passes lint, ready to edit."""
    cfg = project()
    path = new_runbook(cfg.runbooks_dir, name, cfg.today())
    print(f"created {cfg.display(path)}; edit it, then run inv runbook.lint")


@task
@user_errors
def schema(c):
    """Print the front-matter JSON Schema (for editor validation)."""
    print(json.dumps(json_schema(), indent=2))


ns = Collection("runbook")
ns.add_task(list_, name="list")
for t in (lint, show, match, run, new, schema):
    ns.add_task(t)
