"""Lint `secret-in-runbook`: a literal credential in a runbook's code would be published
by the site (page and search index) and copied into every ledger that runs it.  Found
when the runbook is parsed, so the finding is cached with the parse (a warm lint or
site build does not scan again)."""

from __future__ import annotations

import bisect

from triagebook.base.errors import Problem
from triagebook.base.redaction import scan
from triagebook.runbook.model import CodeBlock, Runbook

CODE = "secret-in-runbook"


def literal_secrets(rb: Runbook) -> list[Problem]:
    """A literal credential in a runbook's code would be published by the site and its
    search index, and copied into every ledger that runs it: an error (the site is not
    built), pointing at the context value that should hold it.  The runbook's blocks are
    scanned as one text (one pass of every detector, not one per block)."""
    starts: list[int] = []  # the joined text's line where each block begins
    where: list[tuple[int, CodeBlock]] = []
    parts: list[str] = []
    line = 1
    for step in rb.steps:
        for block in step.code:
            starts.append(line)
            where.append((step.number, block))
            parts.append(block.source.rstrip("\n"))
            line += parts[-1].count("\n") + 2  # its lines, and the blank line after it
    out: list[Problem] = []
    for found in scan("\n\n".join(parts)) if parts else []:
        i = bisect.bisect_right(starts, found.line) - 1
        number, block = where[i]
        out.append(Problem(rb.path, block.line + found.line - starts[i] + 1,
                           CODE,
                           f"step {number}: credential-shaped text ({found.kind}) in a "
                           f"code block; put it in a context value marked secret: true "
                           f"and use {{{{ name }}}}"))
    return out
