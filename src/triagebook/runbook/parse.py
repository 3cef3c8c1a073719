"""Runbook files → `Runbook`, through markdown-it-py tokens (never regular expressions).

Every problem found is returned with its line; parsing never raises for bad
input, so one bad file cannot hide the others.
"""

from __future__ import annotations

import hashlib
import textwrap
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
from triagebook.runbook.model import BUILTINS, CodeBlock, Runbook, Step
from triagebook.runbook.schema import ID_RE, REQUIRED, check
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

    intro, steps, has_h1 = _steps(tokens, lines)
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


def _heading_text(tokens: list[Token], i: int) -> str:
    inline = tokens[i + 1]
    return inline.content.strip() if inline.type == "inline" else ""


def _steps(tokens: list[Token], lines: list[str]) -> tuple[str, list[Step], bool]:
    """Find the `## Steps` section and cut it into steps; and is there a title (h1)?"""
    # One pass over the tokens for what the rest needs: the top-level headings.
    heads = [i for i, t in enumerate(tokens) if t.type == "heading_open" and t.level == 0]
    has_h1 = any(tokens[i].tag == "h1" for i in heads)
    start = end = None
    intro_start = 1
    for n, i in enumerate(heads):
        tag = tokens[i].tag
        if tag == "h1" and start is None and tokens[i].map:
            intro_start = tokens[i].map[1]  # type: ignore[index]
        if start is None and tag == "h2" and _heading_text(tokens, i).lower() == "steps":
            start = n
        elif start is not None and tag in ("h1", "h2"):
            end = n
            break
    if start is None:
        return "", [], has_h1
    first = heads[start]
    last = heads[end] if end is not None else len(tokens)
    fm_map, steps_map = tokens[0].map, tokens[first].map
    fm_end = fm_map[1] if fm_map else 0
    steps_line = steps_map[0] if steps_map else fm_end
    intro = "\n".join(lines[max(intro_start, fm_end):steps_line]).strip()
    end_map = tokens[last].map if last < len(tokens) else None
    stop_line = end_map[0] if end_map else len(lines)
    h3 = [i for i in heads[start + 1:end] if tokens[i].tag == "h3"]
    if h3:
        return intro, _heading_steps(tokens, h3, last, lines, stop_line), has_h1
    section = tokens[first + 3:last]  # skip heading_open, inline, heading_close
    for i, t in enumerate(section):
        if t.type == "ordered_list_open" and t.level == 0:
            return intro, _list_steps(section, i, lines), has_h1
    return intro, [], has_h1


def _heading_steps(tokens: list[Token], heads: list[int], last: int, lines: list[str],
                   stop_line: int) -> list[Step]:
    steps = []
    # the section's code blocks, found once; each step takes those before the next step
    code = [i for i in range(heads[0], last)
            if tokens[i].type == "fence" or tokens[i].type == "code_block"]
    at = 0
    for n, hi in enumerate(heads):
        nxt = heads[n + 1] if n + 1 < len(heads) else last
        head = tokens[hi]
        assert head.map is not None
        next_map = tokens[nxt].map if nxt < len(tokens) else None
        body_end = next_map[0] if next_map else stop_line
        body, body_line = _trim(lines[head.map[1]:body_end], head.map[1] + 1)
        mine = []
        while at < len(code) and code[at] < nxt:
            mine.append(tokens[code[at]])
            at += 1
        steps.append(Step(
            number=n + 1, title=_heading_text(tokens, hi), line=head.map[0] + 1,
            body=body, code=_code(mine, 0, len(mine)), body_line=body_line,
        ))
    return steps


def _list_steps(section: list[Token], start: int, lines: list[str]) -> list[Step]:
    steps: list[Step] = []
    item_start = None
    for i in range(start + 1, len(section)):
        tok = section[i]
        if tok.type == "ordered_list_close" and tok.level == 0:
            break
        if tok.type == "list_item_open" and tok.level == 1:
            item_start = i
        elif tok.type == "list_item_close" and tok.level == 1 and item_start is not None:
            steps.append(_item_step(section[item_start:i + 1], len(steps) + 1, lines))
            item_start = None
    return steps


def _item_step(item: list[Token], number: int, lines: list[str]) -> Step:
    head = item[0]
    assert head.map is not None
    first, last = head.map
    src = lines[first:last]
    marker = (head.info or "") + (head.markup or ".")
    first_line = src[0].lstrip()
    if first_line.startswith(marker):
        first_line = first_line[len(marker):].strip()
    rest, body_line = _trim(textwrap.dedent("\n".join(src[1:])).split("\n"), first + 2)
    return Step(number=number, title=first_line, line=first + 1, body=rest,
                code=_code(item, 1, len(item)), body_line=body_line)


def _trim(body: list[str], first_line: int) -> tuple[str, int]:
    """Drop blank lines around a body, keeping the file line of what remains."""
    start = 0
    while start < len(body) and not body[start].strip():
        start += 1
    end = len(body)
    while end > start and not body[end - 1].strip():
        end -= 1
    return "\n".join(body[start:end]), first_line + start


def _code(tokens: list[Token], start: int, stop: int) -> tuple[CodeBlock, ...]:
    out = []
    for i in range(start, stop):
        tok = tokens[i]
        if (tok.type == "fence" or tok.type == "code_block") and tok.map:
            info = tok.info.strip() if tok.type == "fence" else ""
            lang = info.split()[0].lower() if info else ""
            out.append(CodeBlock(lang=lang, info=info, source=tok.content, line=tok.map[0] + 1))
    return tuple(out)
