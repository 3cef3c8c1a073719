"""Vendor token formats (AWS, GitHub, GitLab, Slack, Stripe, npm, SendGrid, OpenAI, JWT,
PyPI, Twilio, ...): detect-secrets' plugins, maintained upstream as vendors change their
formats, run in-process (no baseline file, no verification request), plus the few formats
detect-secrets 1.5 does not know yet.  Linear in the text whatever it holds (issue 26).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from triagebook.base.literals import LiteralSet

Span = tuple[int, int, str]  # start, end, kind

# detect-secrets plugins used, with the kind shown in the redaction marker.  Left out on
# purpose: the entropy detectors and IP addresses (they would eat correlation ids,
# hashes and hosts from the record), Artifactory (its bare `AP…` words hit prose), and
# the keyword plugin (PAIR below covers more key names, in every syntax).
PLUGINS = (
    ("aws", "AWSKeyDetector", "aws-key"),
    ("azure_storage_key", "AzureStorageKeyDetector", "azure-storage-key"),
    ("basic_auth", "BasicAuthDetector", "url-password"),
    ("discord", "DiscordBotTokenDetector", "discord-token"),
    ("github_token", "GitHubTokenDetector", "github-token"),
    ("gitlab_token", "GitLabTokenDetector", "gitlab-token"),
    ("jwt", "JwtTokenDetector", "jwt"),
    ("mailchimp", "MailchimpDetector", "mailchimp-key"),
    ("npm", "NpmDetector", "npm-token"),
    ("openai", "OpenAIDetector", "openai-key"),
    ("private_key", "PrivateKeyDetector", "private-key"),
    ("pypi_token", "PypiTokenDetector", "pypi-token"),
    ("sendgrid", "SendGridDetector", "sendgrid-key"),
    ("slack", "SlackDetector", "slack-token"),
    ("square_oauth", "SquareOAuthDetector", "square-secret"),
    ("stripe", "StripeDetector", "stripe-key"),
    ("telegram_token", "TelegramBotTokenDetector", "telegram-token"),
    ("twilio", "TwilioKeyDetector", "twilio-key"),
)

# Formats detect-secrets 1.5 lacks (checked against its plugins): keep this list short,
# and drop an entry once upstream covers it.  No leading \b: a literal start lets `re`
# skip ahead fast, and a match inside a longer token is widened to all of it anyway.
EXTRA = (
    ("google-api-key", r"AIza[0-9A-Za-z_-]{35}"),
    ("google-oauth", r"ya29\.[0-9A-Za-z_-]{20,}|GOCSPX-[0-9A-Za-z_-]{20,}"),
    ("github-token", r"github_pat_[0-9A-Za-z_]{40,}"),
    ("vault-token", r"hv[sbr]\.[0-9A-Za-z_-]{20,}"),
    ("openai-key", r"sk-(?:proj|svcacct|admin)-[0-9A-Za-z_-]{20,}"),
    ("anthropic-key", r"sk-ant-[a-z0-9]+-[0-9A-Za-z_-]{20,}"),
    ("stripe-key", r"[rs]k_(?:live|test)_[0-9A-Za-z]{16,}"),
    ("npm-token", r"npm_[0-9A-Za-z]{36}\b"),
    ("slack-token", r"xapp-\d-[0-9A-Za-z-]{20,}|xoxe(?:\.xox[bp])?-\d-[0-9A-Za-z-]{20,}"),
    # the plugin's JWT pattern, linear: segments without '=', so it may start after one
    # (`session=eyJ…`), which the token-start guard below forbids the original
    ("jwt", r"(?<![0-9A-Za-z_-])eyJ[0-9A-Za-z_-]{8,}\.[0-9A-Za-z_-]{8,}(?:\.[0-9A-Za-z_-]*)?"),
)

# Upstream patterns that fail only after scanning to the end of a run, from every
# occurrence of their prefix (`eyJeyJeyJ…`, `sk-sk-sk-…`): quadratic on hostile output, so
# they start only at a token boundary; npm's `//.+/:_authToken` runs only where its
# literal occurs.  (Found by timing every plugin on repeated prefixes, 16 KB each.)
AT_TOKEN_START = frozenset({"jwt", "openai-key"})
# keyed by the exact pattern (a kind may have several: npm's bare `npm_…` token is not
# gated by `_authToken`)
GATES = {r"\/\/.+\/:_authToken=\s*((npm_.+)|([A-Fa-f0-9-]{36})).*": "_authToken"}
# Literals a match must contain, for the patterns whose regex cannot skip ahead by itself
# (a class or a look-behind first): the pattern runs only when one is in the text.  Keyed
# by the exact pattern, so a pattern upstream changes runs ungated (slower, never blind).
# A `True` gate is looked for in the lower-cased text (the pattern ignores case).
LITERALS: dict[str, tuple[tuple[str, ...], bool]] = {
    r"""aws.{0,20}?(?:key|pwd|pw|password|pass|token).{0,20}?[\'\"]([0-9a-zA-Z/+]{40})"""
    r"""[\'\"]""": (("aws",), True),
    r"(?<![0-9A-Za-z_=-])(?:eyJ[A-Za-z0-9-_=]+\.[A-Za-z0-9-_=]+\.?[A-Za-z0-9-_.+/=]*?)":
        (("eyJ",), False),
    r"(?<![0-9A-Za-z_-])eyJ[0-9A-Za-z_-]{8,}\.[0-9A-Za-z_-]{8,}(?:\.[0-9A-Za-z_-]*)?":
        (("eyJ",), False),
    r"[0-9a-z]{32}-us[0-9]{1,2}": (("-us",), False),
    r"(?<![0-9A-Za-z_=-])(?:sk-[A-Za-z0-9-_]*[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})":
        (("T3BlbkFJ",), False),
    r"xox(?:a|b|p|o|s|r)-(?:\d+-)+[a-z0-9]+": (("xox",), True),
    r"https://hooks\.slack\.com/services/T[a-zA-Z0-9_]+/B[a-zA-Z0-9_]+/[a-zA-Z0-9_]+":
        (("hooks.slack.com",), True),
    r"(?:r|s)k_live_[0-9a-zA-Z]{24}": (("k_live_",), False),
    r"[rs]k_(?:live|test)_[0-9A-Za-z]{16,}": (("k_live_", "k_test_"), False),
}

# Patterns that start with a class (no literal to gate on) but hold a run of token
# characters this long: discord's first part (24-26 characters), telegram's secret (35).
# Keyed by the exact pattern, like LITERALS: a changed pattern runs ungated.
MIN_RUN: dict[str, int] = {
    r"[MNO][a-zA-Z\d_-]{23,25}\.[a-zA-Z\d_-]{6}\.[a-zA-Z\d_-]{27}": 24,
    r"\d{8,10}:[0-9A-Za-z_-]{35}": 35,
}

# Every vendor token holds a run of 16+ of these with a letter beyond hex in it; an ASCII
# text without one (prose, UUIDs, hashes, timestamps) skips the vendor pass — and the
# import.  (Identifiers made of hex alone, such as Twilio's AC… account SIDs, are left.)
_TOKENISH = re.compile(r"[0-9A-Za-z_+/=-]{16,}")
_NOT_HEX = re.compile(r"[g-zG-Z_+/=]")
_BLANK = re.compile(r"\s")
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")

Gate = tuple[tuple[str, ...], bool] | None
Rule = tuple[str, "re.Pattern[str]", Callable[[str], bool] | None, Gate]


def leading(rx: re.Pattern[str]) -> Gate:
    """The literal texts every match of ``rx`` starts with, read from the pattern itself
    (`AKIA…`, `(ghp|gho)_…`): a text holding none of them cannot match, and `in` tells
    that faster than the regex.  None when the pattern does not start with literals
    (a class, a look-behind, ignored case): it then runs ungated."""
    if rx.flags & re.IGNORECASE:
        return None
    sre: Any = importlib.import_module("re._parser")
    c: Any = importlib.import_module("re._constants")
    heads = _heads(list(sre.parse(rx.pattern)), c)
    return (tuple(sorted(heads)), False) if heads else None


def _heads(items: list[Any], c: Any) -> set[str] | None:
    """Literal starts of a sequence of parsed items (at least two characters each)."""
    word = ""
    for op, av in items:
        if op is c.LITERAL:
            word += chr(av)
            continue
        if op is c.SUBPATTERN:
            if av[1] & re.IGNORECASE:
                break
            inner = _heads(list(av[-1]), c)
            return _joined(word, [inner])
        if op is c.BRANCH:
            return _joined(word, [_heads(list(alt), c) for alt in av[1]])
        break
    return {word} if len(word) >= 2 else None


def _joined(word: str, alternatives: list[set[str] | None]) -> set[str] | None:
    """``word`` followed by one of the alternatives' starts (an alternative without
    literal starts contributes ``word`` alone)."""
    out = {word + h for alt in alternatives for h in (alt if alt is not None else {""})}
    return out if out and all(len(h) >= 2 for h in out) else None


@lru_cache(maxsize=1)
def vendor_rules() -> tuple[Rule, ...]:
    """The plugins' own compiled regexes (imported on first need: they pull in requests)."""
    import importlib

    rules: list[Rule] = []
    for module, cls_name, kind in PLUGINS:
        cls = getattr(importlib.import_module(f"detect_secrets.plugins.{module}"), cls_name)
        check = getattr(cls, "is_formally_valid", None)  # JWT: header and payload decode
        for rx in cls.denylist:
            if kind in AT_TOKEN_START:
                rx = re.compile(r"(?<![0-9A-Za-z_=-])(?:" + rx.pattern + ")", rx.flags)
            rules.append((kind, rx, check, LITERALS.get(rx.pattern) or leading(rx)))
    jwt_check = next(check for kind, _, check, _ in rules if kind == "jwt")
    for kind, src in EXTRA:
        rx = re.compile(src)
        rules.append((kind, rx, jwt_check if kind == "jwt" else None,
                      LITERALS.get(src) or leading(rx)))
    return tuple(rules)


@dataclass(frozen=True, slots=True)
class _Gates:
    """The rules indexed by what lets them run: a literal as written, a literal in the
    lower-cased text, a long run of token characters, or nothing (always run)."""

    exact: LiteralSet
    folded: LiteralSet
    by_exact: dict[str, tuple[int, ...]]
    by_folded: dict[str, tuple[int, ...]]
    by_run: tuple[tuple[int, int], ...]  # (rule, run length it needs)
    always: tuple[int, ...]
    cap: int  # the longest run any rule needs: a scan for runs stops there


@lru_cache(maxsize=1)
def _gates() -> _Gates:
    by: tuple[dict[str, list[int]], dict[str, list[int]]] = ({}, {})
    by_run, always = [], []
    for i, (_, rx, _, gate) in enumerate(vendor_rules()):
        if gate is not None:
            for lit in gate[0]:
                by[gate[1]].setdefault(lit, []).append(i)
        elif rx.pattern in MIN_RUN:
            by_run.append((i, MIN_RUN[rx.pattern]))
        else:
            always.append(i)
    exact, folded = ({k: tuple(v) for k, v in d.items()} for d in by)
    return _Gates(LiteralSet(exact), LiteralSet(folded), exact, folded, tuple(by_run),
                  tuple(always), max((n for _, n in by_run), default=0))


def _candidates(text: str) -> list[Rule]:
    """The rules that may match ``text``, in their order (empty: no token-like run)."""
    g = _gates()
    longest, tokenish = 0, False
    for m in _TOKENISH.finditer(text):
        tokenish = tokenish or _NOT_HEX.search(m.group()) is not None
        longest = max(longest, m.end() - m.start())
        if tokenish and longest >= g.cap:
            break
    # Beyond ASCII, `\d` and ignored case reach further than an ASCII run or `lower()`
    # (Arabic-Indic digits, the Kelvin sign, the long s): those rules then run ungated.
    wide = not text.isascii()
    if not tokenish and not wide:
        return []
    chosen = set(g.always)
    chosen.update(i for i, need in g.by_run if wide or longest >= need)
    for lit in g.exact.present(text):
        chosen.update(g.by_exact[lit])
    if wide:
        chosen.update(i for ids in g.by_folded.values() for i in ids)
    elif g.folded.literals:
        for lit in g.folded.present(text.lower()):
            chosen.update(g.by_folded[lit])
    rules = vendor_rules()
    return [rules[i] for i in sorted(chosen)
            if rules[i][1].pattern not in GATES or GATES[rules[i][1].pattern] in text]


def vendor_spans(text: str) -> Iterator[Span]:
    for kind, rx, check, _ in _candidates(text):
        # The next search starts where the last widened token ended: a run of repeated
        # prefixes (`AKIAAKIA…`) is one token, widened once — never once per prefix,
        # which made hostile output cost n² (issue 26).
        pos = 0
        while pos <= len(text) and (m := rx.search(text, pos)) is not None:
            pos = max(m.end(), m.start() + 1)
            if check is not None and not check(m.group(0)):
                continue
            # findall semantics (what the plugin reports): the non-empty groups, if any
            spans = [m.span(i) for i in range(1, (rx.groups or 0) + 1) if m.group(i)]
            for start, end in spans or [m.span()]:
                if kind != "private-key":  # a token has no blank (npm's `npm_.+` runs on)
                    cut = _BLANK.search(text, start, end)
                    end = cut.start() if cut else end
                span = _widen(text, start, end, kind)
                pos = max(pos, span[1])
                yield span


def _widen(text: str, start: int, end: int, kind: str) -> Span:
    """A match that stops inside a token (a newer, longer format) takes the whole token."""
    while end < len(text) and text[end] in _TOKEN_CHARS:
        end += 1
    while start > 0 and text[start - 1] in _TOKEN_CHARS and kind != "url-password":
        start -= 1
    return start, end, kind
