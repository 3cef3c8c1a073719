"""Runbook files → `Runbook`, through markdown-it-py tokens (never regular expressions).

Every problem found is returned with its line; parsing never raises for bad
input, so one bad file cannot hide the others.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.front_matter import front_matter_plugin

from triagebook.base import yamlsrc
from triagebook.base.errors import Problem
from triagebook.base.files import read_bytes
from triagebook.runbook.literal import literal_secrets
from triagebook.runbook.model import BUILTINS, Runbook, Step
from triagebook.runbook.schema import ID_RE, REQUIRED, check
from triagebook.runbook.steps import steps_of
from triagebook.runbook.template_check import analyse


@lru_cache(maxsize=1)
def markdown() -> MarkdownIt:
    # The core reads block structure only (headings, lists, fences and their line maps);
    # heading text comes from the inline token's `content`, which block parsing fills.
    # Tokenizing inline children (emphasis, links) would be ~45% of the parse, unused,
    # and text_join only joins inline children: with none, it is a pass for nothing.
    return MarkdownIt("commonmark").use(front_matter_plugin).disable(["inline", "text_join"])


@dataclass(frozen=True, slots=True)
class Parsed:
    runbook: Runbook | None
    problems: tuple[Problem, ...]


def runbook_id(path: Path) -> str:
    return path.stem


def parse_file(path: Path, display: str | None = None) -> Parsed:
    shown = display or str(path)
    try:
        raw = read_bytes(path)
    except OSError as exc:
        return Parsed(None, (Problem(shown, None, "unreadable",
                                     f"cannot read the file: {exc.strerror or exc}"),))
    return parse_bytes(raw, shown, runbook_id(path))


def content_hash(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def parse_bytes(raw: bytes, path: str, rid: str) -> Parsed:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return Parsed(None, (Problem(path, line, "not-utf8",
                                     f"expected UTF-8 text but byte 0x{raw[exc.start]:02x} "
                                     f"at offset {exc.start} is not; save the file as UTF-8"),))
    return parse_text(text, path, rid, content_hash(raw))


def parse_text(text: str, path: str, rid: str, digest: str = "") -> Parsed:
    problems: list[Problem] = []
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text or text.isspace():
        return Parsed(None, (Problem(path, 1, "empty-file",
                                     "the file is empty; start from `inv runbook.new NAME`"),))
    if not ID_RE.match(rid):
        problems.append(Problem(path, 1, "bad-id",
                                f"id '{rid}' (the file name): expected letters, digits, '-' "
                                f"and '_' only; rename the file"))
    tokens = markdown().parse(text)
    lines = text.split("\n")
    if not tokens or tokens[0].type != "front_matter":
        if lines[0].rstrip() == "---":
            problems.append(Problem(path, 1, "unclosed-front-matter",
                                    "front-matter opened with '---' is never closed; add a "
                                    "line '---' after the last field"))
        else:
            problems.append(Problem(path, 1, "no-front-matter",
                                    "expected YAML front-matter between '---' lines at the "
                                    "top of the file (title, severity, failure_class, route, "
                                    "trigger)"))
        return Parsed(None, tuple(problems))
    fm = tokens[0]
    try:
        doc = yamlsrc.load(fm.content, first_line=2)
    except yamlsrc.YamlSyntaxError as exc:
        what = "is not valid YAML" if exc.code == "yaml-syntax" else "is refused"
        problems.append(Problem(path, exc.line or 1, exc.code,
                                f"front-matter {what}: {exc.message}"))
        return Parsed(None, tuple(problems))
    if not isinstance(doc.data, dict):
        got = "nothing" if doc.data is None else type(doc.data).__name__
        problems.append(Problem(path, 2, "front-matter-not-mapping",
                                f"front-matter: expected a mapping of fields (title: ...) "
                                f"but received {got}"))
        return Parsed(None, tuple(problems))
    meta, fm_problems = check(doc, path)
    problems.extend(fm_problems)

    intro, steps, has_h1 = steps_of(tokens, lines)
    if not steps:
        problems.append(Problem(path, fm.map[1] + 1 if fm.map else 1, "no-steps",
                                "no steps: add a '## Steps' section with '### Step title' "
                                "headings or an ordered list"))
    declared = _BUILTINS.union(v.name for v in meta.get("context", ()))
    used = _placeholders(steps, declared, path, problems)
    if any(p.code == "bad-id" for p in problems) or not REQUIRED <= meta.keys():
        return Parsed(None, tuple(problems))
    rb = Runbook(
        id=rid, path=path, steps=tuple(steps), intro=intro, placeholders=tuple(used),
        content_hash=digest, lines=_key_lines(doc, meta, fm, has_h1), **_fields(meta),
    )
    problems.extend(literal_secrets(rb))  # an error: the runbook still loads, lint fails
    return Parsed(rb, tuple(problems))


def _key_lines(doc: yamlsrc.YamlDoc, meta: dict[str, Any], fm: Token,
               has_h1: bool) -> dict[str, int]:
    """The line of each front-matter key and list item lint may point at."""
    assert isinstance(doc.data, dict)
    key_lines = {k: doc.lines[(k,)] for k in doc.data if isinstance(k, str) and (k,) in doc.lines}
    key_lines["__body__"] = (fm.map[1] if fm.map else 0) + 1
    if has_h1:
        key_lines["__h1__"] = 1
    for i, code in enumerate(meta["failure_class"]):
        key_lines[f"failure_class:{code}"] = doc.line("failure_class", i) or 1
    for i, rel in enumerate(meta.get("related", ())):
        key_lines[f"related:{rel}"] = doc.line("related", i) or 1
    return key_lines


_BUILTINS = frozenset(BUILTINS)


def _placeholders(steps: list[Step], declared: frozenset[str], path: str,
                  problems: list[Problem]) -> dict[str, None]:
    """Names the steps use, in order; template problems and undeclared names reported."""
    # titles and bodies as written; how many newlines sit between them does not matter
    joined = "\n".join([part for s in steps for part in (s.title, s.body)])
    if "{%" not in joined and "{##" not in joined:
        # Only `{{ expr }}`: each expression stands alone, so one pass over all steps
        # finds the same names; per-step passes only when there is something to report.
        found = analyse(joined)
        if not found.issues and all(name in declared for name, _ in found.names):
            return dict.fromkeys(name for name, _ in found.names)
    used: dict[str, None] = {}
    for step in steps:
        found = analyse(step.template)
        for issue in found.issues:
            problems.append(Problem(path, step.line + issue.line - 1, issue.code,
                                    f"step {step.number} '{step.title}': {issue.message}"))
        for name, line in found.names:
            used[name] = None
            if name not in declared:
                problems.append(Problem(path, step.line + line - 1, "undeclared-placeholder",
                                        f"step {step.number}: placeholder '{name}' is not "
                                        f"declared under context: (built-ins: "
                                        f"{', '.join(BUILTINS)})"))
    return used


def _fields(meta: dict[str, Any]) -> dict[str, Any]:
    out = dict(meta)
    out["failure_classes"] = out.pop("failure_class")
    for key in ("services", "tags", "related"):
        if key in out:
            out[key] = tuple(out[key])
    return out
