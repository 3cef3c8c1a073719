"""Lint `secret-in-single-quotes`: a secret reaches a command as `${TRIAGEBOOK_SECRET_X}`
(its value travels in the environment, never in the command line), and the shell does
not expand that inside single quotes or a quoted here-document: the command would send
the variable's name instead of the secret — an auth failure at 03:00 that looks like a
wrong password.  A warning, not an error: `bash -c '… $TRIAGEBOOK_SECRET_X'` is expanded
by the inner shell, on purpose.

The block is read with the shell's quoting rules (single and double quotes, backslash,
comments, here-documents), not parsed as a whole shell program."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from triagebook.base.errors import Problem
from triagebook.base.redaction import secret_env
from triagebook.runbook.model import Runbook
from triagebook.runbook.template_check import analyse

CODE = "secret-in-single-quotes"
_HEREDOC = re.compile(r"<<-?[ \t]*(?P<word>[A-Za-z_'\"\\][\w.'\"\\-]*)")
_RAW = re.compile(r"\{%-?\s*raw\s*-?%\}.*?(?:\{%-?\s*endraw\s*-?%\}|\Z)", re.S)
_WORD_START = " \t\n;|&()"
_PLACEHOLDER = re.compile(r"\{\{.*?\}\}", re.S)


@dataclass(slots=True)
class _Ctx:
    kind: str  # sh, cmd, bq, dq, sq, ansi, arith
    n: int  # where a quote began (sq, ansi); how deep the parentheses are (cmd, arith)


class _Scan:
    """One pass over a block with the shell's quoting: a stack of contexts — the shell
    itself, `$( … )` and backticks (the shell again, inside), double quotes, single
    quotes, `$'…'`, arithmetic `$(( … ))` — and the here-documents a line opened."""

    def __init__(self, src: str) -> None:
        self.src, self.i = src, 0
        self.stack: list[_Ctx] = [_Ctx("sh", 0)]
        self.spans: list[tuple[int, int]] = []
        self.heredocs: list[tuple[str, bool, bool]] = []  # delimiter, quoted, <<- tabs

    def run(self) -> list[tuple[int, int]]:
        src = self.src
        while self.i < len(src):
            top = self.stack[-1]
            kind = top.kind
            if kind in ("sq", "ansi"):
                self._quoted(top)
            elif kind == "dq":
                self._double()
            elif kind == "arith":
                self._arith(top)
            else:
                self._shell(top)
            self.i += 1
        if self.stack[-1].kind in ("sq", "ansi"):
            self.spans.append((self.stack[-1].n, len(src)))  # unterminated
        return self.spans

    def _quoted(self, top: _Ctx) -> None:
        c = self.src[self.i]
        if c == "\\" and top.kind == "ansi":
            self.i += 1
        elif c == "'":
            self.spans.append((top.n, self.i))
            self.stack.pop()

    def _double(self) -> None:
        c = self.src[self.i]
        if c == "\\":
            self.i += 1
        elif c == '"':
            self.stack.pop()
        else:
            self._substitution()

    def _substitution(self) -> bool:
        """`$((`, `$(` or a backtick at the cursor: a new context."""
        src, i = self.src, self.i
        if src.startswith("$((", i):
            self.stack.append(_Ctx("arith", 1))
            self.i += 2
        elif src.startswith("$(", i):
            self.stack.append(_Ctx("cmd", 1))
            self.i += 1
        elif src[i] == "`":
            self.stack.append(_Ctx("bq", 0))
        else:
            return False
        return True

    def _arith(self, top: _Ctx) -> None:
        c = self.src[self.i]
        if c == "(":
            top.n += 1
        elif c == ")":
            top.n -= 1
            if top.n == 0:  # the second `)` of `))`
                self.i += 1
                self.stack.pop()

    def _shell(self, top: _Ctx) -> None:
        src, i = self.src, self.i
        c = src[i]
        if c == "\\":
            self.i += 1
        elif c == "$" and src.startswith("$'", i):
            self.stack.append(_Ctx("ansi", i))
            self.i += 1
        elif c == "'":
            self.stack.append(_Ctx("sq", i))
        elif c == '"':
            self.stack.append(_Ctx("dq", 0))
        elif c == "`" and top.kind == "bq":
            self.stack.pop()
        elif self._substitution():
            pass
        elif src.startswith("((", i) and (i == 0 or src[i - 1] in _WORD_START):
            self.stack.append(_Ctx("arith", 1))  # `(( a << b ))`: arithmetic, no quotes
            self.i += 1
        elif top.kind == "cmd" and c in "()":
            top.n += 1 if c == "(" else -1
            if top.n == 0:
                self.stack.pop()
        elif c == "#" and (i == 0 or src[i - 1] in _WORD_START):
            self.i = _line_end(src, i) - 1  # a comment: nothing in it runs
        elif src.startswith("<<<", i):
            self.i += 2  # a here-string: the word after it is read as any word
        elif c == "<" and (m := _HEREDOC.match(src, i)):
            word = m.group("word")
            delimiter = word.replace("'", "").replace('"', "").replace("\\", "")
            self.heredocs.append((delimiter, delimiter != word, src.startswith("<<-", i)))
            self.i = m.end() - 1
        elif c == "\n" and self.heredocs:
            self.i = _bodies(src, i + 1, self.heredocs, self.spans) - 1
            self.heredocs = []


def literal_spans(src: str) -> list[tuple[int, int]]:
    """Where ``src`` is text the shell takes literally (no `$` expansion): inside single
    quotes (also within `"$( … )"`), and the bodies of here-documents whose delimiter is
    quoted.  Sorted by start.  A `{{ … }}` is read as the one word it renders to: quotes
    in a filter's arguments (`{{ t | replace('"', '') }}`) are the template's, not the
    shell's."""
    return sorted(_Scan(_PLACEHOLDER.sub(_blank, src)).run())


def _blank(m: re.Match[str]) -> str:
    return "{{" + "x" * (len(m.group()) - 4) + "}}"


def _line_end(src: str, i: int) -> int:
    end = src.find("\n", i)
    return len(src) if end < 0 else end


def _bodies(src: str, i: int, heredocs: list[tuple[str, bool, bool]],
            spans: list[tuple[int, int]]) -> int:
    """Skip the here-document bodies that start at ``i``; a quoted one is literal."""
    for word, quoted, tabs in heredocs:
        start = i
        while i < len(src):
            end = _line_end(src, i)
            line = src[i:end].lstrip("\t") if tabs else src[i:end]
            i = end + 1
            if line == word:
                break
        if quoted:
            spans.append((start, i))
    return i


def _inside(spans: list[tuple[int, int]], at: int) -> bool:
    """Is ``at`` inside one of ``spans`` (sorted by start, not overlapping)?"""
    k = bisect.bisect_right(spans, (at, 1 << 62)) - 1
    return k >= 0 and spans[k][0] <= at < spans[k][1]


def secrets_in_single_quotes(rb: Runbook) -> list[Problem]:
    secrets = rb.secret_names
    if not secrets:
        return []
    out: list[Problem] = []
    for step in rb.steps:
        for block in step.shell_blocks:
            src = block.source
            if "{{" not in src or "'" not in src and "<<" not in src:
                continue
            spans = literal_spans(src)
            raw = [m.span() for m in _RAW.finditer(src)] if "raw" in src else []
            at = src.find("{{")
            while at >= 0:
                end = src.find("}}", at)
                if end < 0:
                    break
                names = {name for name, _ in analyse(src[at:end + 2]).names} & secrets
                if names and _inside(spans, at) and not _inside(raw, at):
                    name = sorted(names)[0]
                    out.append(Problem(
                        rb.path, block.line + src.count("\n", 0, at) + 1, CODE,
                        f"step {step.number}: {{{{ {name} }}}} is a secret, passed as "
                        f"${{{secret_env(name)}}}, which single quotes (or a quoted "
                        f"here-document) do not expand: the command gets the variable's "
                        f"name; use double quotes", "warning"))
                at = src.find("{{", end)
    return out
