"""Cross-runbook checks on top of what parsing found, and the report formats."""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from datetime import date

from triagebook.base.detectors import names_secret
from triagebook.base.errors import Problem, did_you_mean
from triagebook.base.mdtext import BRACKETS, over_bracket_budget
from triagebook.base.redaction import scan
from triagebook.runbook import asks
from triagebook.runbook.catalog import Catalog
from triagebook.runbook.model import RUNNABLE_LANGS, ContextVar, Runbook
from triagebook.runbook.normalise import key
from triagebook.runbook.patterns import browser_unsafe
from triagebook.runbook.quoting import secrets_in_single_quotes

FENCE_WORDS = ("norun", "destructive", "strict")  # what the runner reads after the language


def lint(cat: Catalog, today: date) -> list[Problem]:
    """Every problem in the catalog, sorted by file and line."""
    problems = list(cat.problems)
    window = cat.config.policy.review_window_days
    claims: dict[str, list[str]] = defaultdict(list)
    routes = cat.config.routes  # none configured: every route pages the global channels
    for rb in cat.runbooks.values():
        if routes and rb.route not in routes:
            problems.append(Problem(rb.path, rb.lines.get("route", 1), "unknown-route",
                                    f"route: {rb.route!r} is not in triagebook.routes "
                                    f"(invoke.yaml), so nobody on call is paged for it"
                                    + did_you_mean(rb.route, routes)))
        for rel in rb.related:
            if rel not in cat.runbooks and rel not in cat.broken:  # its own error says why
                extra = did_you_mean(rel, cat.runbooks)
                problems.append(Problem(rb.path, rb.lines.get(f"related:{rel}", 1),
                                        "unknown-related",
                                        f"related: no runbook with id '{rel}'{extra}"))
        for code in rb.failure_classes:  # one identity: the key match and the site use
            claims[code if "*" in code else key(code)].append(rb.id)
        problems.extend(_fence_words(rb))
        problems.extend(asks.problems(rb))
        problems.extend(_markdown_budget(rb))
        problems.extend(_context(rb))
        problems.extend(secrets_in_single_quotes(rb))
        problems.extend(_list_indent(rb))
        if rb.last_reviewed is not None:
            age = (today - rb.last_reviewed).days
            if age > window:
                problems.append(Problem(rb.path, rb.lines.get("last_reviewed", 1),
                                        "stale-review",
                                        f"last_reviewed: {rb.last_reviewed.isoformat()} is "
                                        f"{age} days ago (review window {window} days); "
                                        f"review the runbook and update the date",
                                        "warning"))
    for code, ids in claims.items():
        if len(ids) > 1:
            for rid in ids:
                rb = cat.runbooks[rid]
                orig = next(c for c in rb.failure_classes
                            if (c if "*" in c else key(c)) == code)
                others = ", ".join(i for i in ids if i != rid)
                problems.append(Problem(rb.path, rb.lines.get(f"failure_class:{orig}", 1),
                                        "class-overlap",
                                        f"failure_class: '{orig}' is also claimed by "
                                        f"{others} (spelling aside: classes compare by "
                                        f"letters and digits); routing becomes ambiguous",
                                        "warning"))
    problems.sort(key=lambda p: (p.path, p.line or 0, p.code))
    return problems


def _fence_words(rb: Runbook) -> list[Problem]:
    """The words after a code block's language: a typo silently turns a gate off."""
    out: list[Problem] = []
    for step in rb.steps:
        for block in step.code:
            if " " not in block.info.strip():  # a language alone: nothing to check
                continue
            words = block.info.split()[1:]
            where = f"step {step.number}: ```{block.info}"
            if block.destructive and block.lang not in RUNNABLE_LANGS:
                out.append(Problem(rb.path, block.line, "destructive-not-shell",
                                   f"{where}: only sh, bash and shell blocks are run, so "
                                   f"'destructive' gates nothing here; mark the shell "
                                   f"command that does the damage", "warning"))
            elif block.destructive and "norun" in words:
                out.append(Problem(rb.path, block.line, "destructive-norun",
                                   f"{where}: a norun block is never run, so 'destructive' "
                                   f"gates nothing; keep one of the two", "warning"))
            if block.lang not in RUNNABLE_LANGS:
                continue
            for word in words:
                if word in FENCE_WORDS or "=" in word or word.startswith(("{", ".", "#")):
                    continue
                extra = did_you_mean(word, FENCE_WORDS)
                out.append(Problem(rb.path, block.line, "unknown-fence-word",
                                   f"{where}: '{word}' means nothing to the runner (known: "
                                   f"{', '.join(FENCE_WORDS)}){extra}", "warning"))
    return out


def _list_indent(rb: Runbook) -> list[Problem]:
    """A list step whose code or paragraph is indented under 4 spaces: the runner reads it
    (CommonMark), the site does not keep it in the step."""
    return [Problem(rb.path, s.shallow, "list-step-indent",
                    f"step {s.number}: the runner keeps this line in the step, but the "
                    f"site's Markdown does not (it shows it outside the list, or as steps "
                    f"of its own): indent a step's blocks by 4 spaces (a nested list, and "
                    f"any block after a blank line), and open a fence on a line of its "
                    f"own", "warning")
            for s in rb.steps if s.shallow]


def _context(rb: Runbook) -> list[Problem]:
    """Each context value: a credential not marked secret, a pattern a browser could
    backtrack on, a value no step uses."""
    out: list[Problem] = []
    for var in rb.context:
        why = _credential(var)
        if why:
            out.append(Problem(rb.path, var.line, "credential-not-secret",
                               f"context.{var.name}: {why} but is not secret: true; "
                               f"mark it secret so it is asked hidden and never "
                               f"recorded (and never ask a customer for raw "
                               f"credentials)", "warning"))
        if var.pattern and browser_unsafe(var.pattern):
            out.append(Problem(rb.path, var.line, "browser-unsafe-pattern",
                               f"context.{var.name}.pattern: {var.pattern!r} "
                               f"nests repetition (or repeats an alternation): a "
                               f"browser could backtrack for minutes on a crafted "
                               f"link, so the site's form does not check it (the "
                               f"runner does, time-bounded); flatten it, e.g. "
                               f"[a-z0-9-]+ for ([a-z0-9]+-)*[a-z0-9]+", "warning"))
        if var.name not in rb.placeholders:
            out.append(Problem(rb.path, var.line, "unused-context",
                               f"context.{var.name}: declared but no step uses "
                               f"{{{{ {var.name} }}}}", "warning"))
    return out


def _markdown_budget(rb: Runbook) -> list[Problem]:
    """Thousands of `[` make the site's renderer quadratic (a 40 KB page: minutes)."""
    text = "\n".join([rb.intro, *(s.title + "\n" + s.body for s in rb.steps)])
    if not over_bracket_budget(text):
        return []
    return [Problem(rb.path, rb.lines.get("__body__", 1), "markdown-budget",
                    f"{text.count('[')} '[' in the page (budget {BRACKETS}): the site's "
                    f"Markdown renderer slows quadratically on them; split the runbook or "
                    f"move bulk text into a linked file", "warning")]


def _credential(var: ContextVar) -> str:
    """Why a non-secret context value looks like a credential ("" when it does not)."""
    if var.secret:
        return ""
    if names_secret(var.name):
        return "the name says credential"
    for field in ("example", "default"):
        value = getattr(var, field)
        kind = _credential_kind(value) if value else ""
        if kind:
            return f"its {field} looks like a credential ({kind})"
    return ""


@functools.lru_cache(maxsize=4096)
def _credential_kind(value: str) -> str:
    """The detector's verdict on one example or default; catalogs repeat them (`prod`,
    `30m`, a sample correlation id), so each distinct value is scanned once."""
    found = scan(value)
    return found[0].kind if found else ""


def summary(cat: Catalog, problems: list[Problem]) -> str:
    errors = sum(p.level == "error" for p in problems)
    warnings = len(problems) - errors
    files = len({p.path for p in problems})
    tail = f" in {files} file{'s' * (files != 1)}" if problems else ""
    return (f"lint: {cat.files} runbook file{'s' * (cat.files != 1)}, "
            f"{errors} error{'s' * (errors != 1)}, "
            f"{warnings} warning{'s' * (warnings != 1)}{tail}")


def as_json(cat: Catalog, problems: list[Problem]) -> str:
    return json.dumps({
        "files": cat.files,
        "errors": sum(p.level == "error" for p in problems),
        "warnings": sum(p.level == "warning" for p in problems),
        "problems": [p.as_dict() for p in problems],
    }, indent=2)
