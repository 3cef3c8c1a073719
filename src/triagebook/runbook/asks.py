"""Lint `asks-customer-credential`: a step must never ask a customer (or user) for a
token, password or key — zero trust: access goes through grants, evidence through
correlation ids.  Read from the step's prose (code blocks left out), sentence by sentence;
a sentence that says *never* / *do not* is a warning to responders, not a request."""

from __future__ import annotations

import re

from triagebook.base.errors import Problem
from triagebook.runbook.model import Runbook

WHO = re.compile(r"\b(customer|user|client|tenant)s?('s|s')?\b", re.I)
WHAT = re.compile(r"\b(token|password|passphrase|api[ -]?key|private key|secret key|"
                  r"credentials?|session cookie)s?\b", re.I)
ASK = re.compile(r"\b(ask|request|send|share|give|provided?|paste|hand(ed)? (it )?over|obtain|"
                 r"collect|get|replay|reuse|use)\b", re.I)
NOT = re.compile(r"\b(never|not|don't|do not|without|no)\b", re.I)
_WHO_WORDS = ("customer", "user", "client", "tenant")  # every WHO match holds one
_WHAT_WORDS = ("token", "password", "passphrase", "key", "credential", "cookie")  # and WHAT
SENTENCE = re.compile(r"(?<=[.!?])\s+|\n\s*\n")


def _prose(body: str) -> str:
    out, fenced = [], False
    for line in body.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if not fenced:
            out.append(line)
    return "\n".join(out)


def asks_for_credential(text: str) -> str:
    """The first sentence asking someone outside for a credential, or ""."""
    for sentence in SENTENCE.split(text):
        if WHO.search(sentence) and WHAT.search(sentence) and ASK.search(sentence) \
                and not NOT.search(sentence):
            return " ".join(sentence.split())[:120]
    return ""


def problems(rb: Runbook) -> list[Problem]:
    out: list[Problem] = []
    for step in rb.steps:
        # most steps name no outsider or no credential at all: plain substring tests
        # (C speed) before any regex, which would scan every body four times
        low = f"{step.title}\n{step.body}".lower()
        if not any(w in low for w in _WHO_WORDS) or not any(w in low for w in _WHAT_WORDS):
            continue
        found = asks_for_credential(f"{step.title}.\n\n{_prose(step.body)}")
        if found:
            out.append(Problem(rb.path, step.line, "asks-customer-credential",
                               f"step {step.number} asks for a credential: '{found}'; never "
                               f"ask a customer or user for a token, password or key — ask "
                               f"for a correlation_id, or record a support-access grant "
                               f"(inv access.grant)"))
    for var in rb.context:
        if var.secret and WHO.search(var.description or ""):
            out.append(Problem(rb.path, var.line, "asks-customer-credential",
                               f"context.{var.name}: a secret that belongs to a customer or "
                               f"user — never collect a customer's credential; drop the "
                               f"value and work from correlation ids or a support-access "
                               f"grant"))
    return out
