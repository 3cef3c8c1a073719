"""Lint `secret-in-single-quotes`: a secret reaches a command as `${TRIAGEBOOK_SECRET_X}`
(its value travels in the environment, never in the command line), and the shell does
not expand that inside single quotes or a quoted here-document: the command would send
the variable's name instead of the secret — an auth failure at 03:00 that looks like a
wrong password.  A warning, not an error: `bash -c '… $TRIAGEBOOK_SECRET_X'` is expanded
by the inner shell, on purpose.

The block is read with the shell's quoting rules (single and double quotes, backslash,
comments, here-documents), not parsed as a whole shell program."""

from __future__ import annotations

import re

from triagebook.base.errors import Problem
from triagebook.base.redaction import secret_env
from triagebook.runbook.model import Runbook
from triagebook.runbook.template_check import analyse

CODE = "secret-in-single-quotes"
_HEREDOC = re.compile(r"<<-?[ \t]*(?:'(?P<sq>[^'\n]+)'|\"(?P<dq>[^\"\n]+)\"|"
                      r"(?P<bs>\\)?(?P<word>[A-Za-z_][\w.-]*))")


def literal_spans(src: str) -> list[tuple[int, int]]:
    """Where ``src`` is text the shell takes literally (no `$` expansion): inside single
    quotes (and `$'…'`), and the bodies of here-documents whose delimiter is quoted."""
    spans: list[tuple[int, int]] = []
    heredocs: list[tuple[str, bool, bool]] = []  # (delimiter, quoted, <<- strips tabs)
    i, n, state, start = 0, len(src), "", 0
    while i < n:
        c = src[i]
        if state == "'":
            if c == "'":
                spans.append((start, i))
                state = ""
        elif state == '"':
            if c == "\\":
                i += 1
            elif c == '"':
                state = ""
        elif c == "\\":
            i += 1
        elif c == "'":
            state, start = "'", i
        elif c == '"':
            state = '"'
        elif c == "#" and (i == 0 or src[i - 1] in " \t\n;|&()"):
            i = _line_end(src, i) - 1  # a comment: nothing in it runs
        elif c == "<" and (m := _HEREDOC.match(src, i)) and not src.startswith("<<<", i):
            word = m.group("sq") or m.group("dq") or m.group("word")
            quoted = m.group("word") is None or m.group("bs") is not None
            heredocs.append((word, quoted, src.startswith("<<-", i)))
            i = m.end() - 1
        elif c == "\n" and heredocs:
            i = _bodies(src, i + 1, heredocs, spans) - 1
            heredocs = []
        i += 1
    if state == "'":
        spans.append((start, n))
    return spans


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
            at = src.find("{{")
            while at >= 0:
                end = src.find("}}", at)
                if end < 0:
                    break
                names = {name for name, _ in analyse(src[at:end + 2]).names} & secrets
                if names and any(a <= at < b for a, b in spans):
                    name = sorted(names)[0]
                    out.append(Problem(
                        rb.path, block.line + src.count("\n", 0, at) + 1, CODE,
                        f"step {step.number}: {{{{ {name} }}}} is a secret, passed as "
                        f"${{{secret_env(name)}}}, which single quotes (or a quoted "
                        f"here-document) do not expand: the command gets the variable's "
                        f"name; use double quotes", "warning"))
                at = src.find("{{", end)
    return out
