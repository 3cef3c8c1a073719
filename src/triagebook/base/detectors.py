"""Where a credential sits in a text, and what kind it is — nobody having declared it.

Vendor token formats come from base/vendor_tokens.py (detect-secrets' plugins, run
in-process).  Around them sit the rules no vendor list can hold: any pair whose key
names a secret (`KEY=VALUE`, `KEY: VALUE`, `--key=value`, JSON), Authorization headers,
user info in URLs, `curl -u user:password` and PEM private keys.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from functools import lru_cache

from triagebook.base.anchors import (
    PAIR_ANCHORS,
    PGPASS_GATE,
    PROMPT_ANCHORS,
    SCHEME_ANCHORS,
    each,
    lines_with,
)
from triagebook.base.vendor_tokens import Span, vendor_spans

# ---- structural rules -------------------------------------------------------------------

PEM = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
                 r"(?:.*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|.*\Z)", re.S)
PEM_BEGIN = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
PEM_END = re.compile(r"-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")

# A value: double- or single-quoted, an env reference or an earlier marker (both left
# alone), or a bare word up to whitespace, a quote or a separator.
# Bounded here (a hostile `password=password=…` line must not cost n²); a value longer
# than the bound is widened to its real end afterwards (_value).
_VALUE = (r"""(?:"(?P<dq>(?:[^"\\\n]|\\.){0,256})|'(?P<sq>[^'\n]{0,256})|"""
          r"""(?P<bare>\$\{\w+\}|\[REDACTED[^\]\s]*\]|<[\w.-]+>|[^\s"'&,;<>(){}\[\]|`]{1,256}))""")
_ENDS = {"dq": re.compile(r'(?:[^"\\\n]|\\.)*'), "sq": re.compile(r"[^'\n]*"),
         "bare": re.compile(r"[^\s\"'&,;<>(){}\[\]|`]*")}
# atomic: after `Bearer ` the value is what follows, never the word `Bearer` itself
_SCHEME = r"(?>(?P<scheme>(?:Basic|Bearer|Token|Digest|Bot|token|bearer|basic)[ \t]+)?)"
_KEY = r"-{0,2}[A-Za-z_][\w.-]{0,80}"
PAIR = re.compile(
    # a quoted key may follow anything (`…"x""api_key":…`); a bare one starts a word
    r"(?:(?P<kq>[\"'])(?P<qkey>" + _KEY + r")(?P=kq)|(?<![\w./-])(?P<key>" + _KEY + "))"
    # the value is a look-ahead: it may itself hold the next pair (`X-Debug: DB_PASS=…`)
    r"[ \t]*(?P<op>:=|=>|=|:)[ \t]*(?=" + _SCHEME + _VALUE + ")")
FLAG = re.compile(r"(?<!\S)(?P<key>--[A-Za-z][\w-]{0,80})[ \t]+" + _VALUE)
URL_USER = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]{0,30}://[^\s:/?#@\"'<>]*:"
                      r"(?P<bare>[^\s/?#\"'<>]+)@(?=[^\s@/?#\"'<>]*[A-Za-z0-9\]])")
# curl's user:password after -u, --user, -uUSER:… or bundled flags (-fsSu USER:…)
# (the `-` first, then the look-behind: `re` skips ahead to each `-`)
CURL_USER = re.compile(r"-(?<!\S-)(?:-user(?:[ \t]+|=)|[A-Za-z]{0,8}u[ \t]*)[\"']?"
                       r"[^\s:\"'/-][^\s:\"'/]*:(?P<bare>(?!//)[^\s\"']+)")
# a password prompt answered on its line: `AWS Secret Access Key [None]: wJal…`
PROMPT = re.compile(r"(?i)\b(?:secret access key[ \t]*(?:\[[^\]\n]{0,40}\])?|"
                    r"(?:password|passphrase)[ \t]*\[[^\]\n]{0,40}\])"
                    r"[ \t]*:[ \t]*(?P<bare>[^\s\[][^\s]{5,})")
# a .pgpass entry: host:port:database:user:password (the host a name with a dot,
# localhost or *, the port digits or *), on its own or quoted in a command
PGPASS = re.compile(r"(?<![\w:.@/-])(?:\*|localhost|[\w-]+(?:\.[\w-]+)+):(?:\d{1,5}|\*):"
                    r"[^\s:\"']+:[^\s:\"']+:(?P<bare>[^\s\"'`]+)")
# a bare base64 word of 8+ characters: a credential when it decodes to `user:password`
# Only words that can decode to printable ASCII (what `user:password` is): the first
# character of every 4-character group then encodes a byte's top six bits, 0x20-0x7e →
# I-Z or a-f, and the second one's low four bits 2-7 (C-H, S-X, i-n, y-z, 0-3).  A
# necessary condition, so no credential is lost, and most words ("incident") fail at
# their first letter instead of costing a decode.
_B64_Q = r"[I-Za-f][C-HS-Xi-ny-z0-3][A-Za-z0-9+/]{2}"
_B64_TAIL = r"(?:[I-Za-f](?:[AQgw]|[C-HS-Xi-ny-z0-3][A-Za-z0-9+/]))?"
# the first character before the look-behind: `re` then skips ahead by its class
B64_WORD = re.compile(r"(?P<bare>[I-Za-f](?<![\w+/=].)(?>[C-HS-Xi-ny-z0-3][A-Za-z0-9+/]{2}"
                      r"(?:" + _B64_Q + r")+" + _B64_TAIL + r")={0,2})(?![\w+/=])")
_USER_PASS = re.compile(rb"[\w.@+-]{1,64}:[\x21-\x7e]{4,}")
SCHEME_ALONE = re.compile(r"\b(?P<scheme>Bearer|bearer|Basic|basic)[ \t]+"
                          r"(?P<bare>[A-Za-z0-9._~+/-]{8,}=*)(?![\w=])")  # not `key=value`

STRONG = ("password", "passwd", "passphrase", "secret", "credential", "apikey", "pwd")
TOKENISH_NAMES = frozenset({"token", "tokens", "authorization", "creds", "cred"})
WEAK = frozenset({"key", "keys", "pass", "auth", "pat", "sig"})
NOT_SECRET = frozenset({
    "id", "ids", "name", "names", "file", "path", "dir", "type", "url", "uri", "endpoint",
    "host", "expiry", "expires", "expired", "expiration", "ttl", "age", "length", "len",
    "size", "count", "hint", "prompt", "field", "env", "header", "policy", "version",
    "format", "alg", "algorithm", "method", "mode", "scheme", "provider", "source", "kind",
    "missing", "invalid", "failure", "failed", "error", "errors", "required", "enabled",
    "disabled", "status", "valid", "rotation", "rotated", "reset", "changed", "updated",
    "created", "at", "time", "date", "label", "description", "user", "username", "login",
    "region", "arn", "fingerprint", "location", "class",
    # what an investigation records about a credential, never the credential (issue 19):
    # a JWT's key id, why auth failed, the token's scope, audience and issuer
    "kid", "reason", "scope", "scopes", "audience", "aud", "issuer", "iss", "realm",
    "result", "outcome",
})
# `…_key` names that are identifiers, not secrets: an idempotency key is logged on every
# request and is what a responder searches by
NOT_SECRET_KEYS = frozenset({"idempotency", "public", "partition", "sort", "primary",
                             "foreign", "routing", "dedup", "dedupe", "cache", "lookup",
                             "object", "row", "shard"})
_IDENT = re.compile(r"[_-]|[a-z][A-Z]")  # DB_PASS, X-Api-Key, apiKey: not an English word
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_PLACEHOLDER = re.compile(r"\$\{?\w+\}?|\$\(.*|<[\w.-]+>|\*{3,}|\[REDACTED.*|\{\{.*")


def key_parts(key: str) -> list[str]:
    """`DB_PASS` → [db, pass]; `AccountKey` → [account, key]; `x-api-key` → [x, api, key]."""
    out: list[str] = []
    for chunk in re.split(r"[_.\-\s]+", key.strip("-_. ")):
        out.extend(p.lower() for p in _CAMEL.findall(chunk))
    return out


@lru_cache(maxsize=4096)
def names_secret(key: str, strict: bool = True) -> bool:
    """Does this key name a credential?  ``strict`` (a bare `key:` in prose) wants more.

    Strong words (password, secret, token, ...) count anywhere; generic ones (key, pass,
    auth) need a prefix (`DB_PASS`, `api_key`) unless ``strict`` is false.  A name whose
    last part says it is about the secret (`_id`, `_file`, `_expired`) is not one.
    """
    parts = key_parts(key)
    if not parts or parts[-1] in NOT_SECRET:
        return False
    low = "".join(parts)
    if any(word in low for word in STRONG) or low.endswith("token"):
        return True
    if any(_typo_of_strong(p) for p in parts):  # `--pasword=…` in an error message
        return True
    if any(p in TOKENISH_NAMES for p in parts):
        return True
    if any(p in NOT_SECRET_KEYS for p in parts):
        return False
    return any(p in WEAK for p in parts) and (len(parts) > 1 or not strict)


@lru_cache(maxsize=4096)
def _typo_of_strong(part: str) -> bool:
    """A misspelt strong word (pasword, passwrod, secrte): one letter off, or two swapped."""
    if not 6 <= len(part) <= 12:
        return False
    return any(abs(len(part) - len(w)) <= 1 and _one_edit(part, w) for w in STRONG)


def _one_edit(a: str, b: str) -> bool:
    if a == b:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def _value(m: re.Match[str], widen: bool = True) -> tuple[int, int] | None:
    """The value's span (widened past PAIR's bound), or None for a placeholder/marker."""
    for group in ("dq", "sq", "bare"):
        if group in m.re.groupindex and m.group(group) is not None:
            start, end = m.span(group)
            value = m.group(group)
            if end == start or _PLACEHOLDER.fullmatch(value):
                return None
            rest = _ENDS[group].match(m.string, end) if widen else None
            return start, rest.end() if rest else end
    return None


def _label(text: str, start: int) -> bool:
    """Is the word at ``start`` a field label: first on its line, or after a separator?"""
    i = start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i < 0 or text[i] in "\n{[,;(|\"'-#:"


def _word(value: str) -> bool:
    """A short plain word ("point", "Found"): after `secret:` in prose, not a password."""
    return len(value) < 12 and value.isalpha() and value[1:].islower()


def _pairs(text: str, windows: list[tuple[int, int]] | None) -> Iterator[Span]:
    last = 0
    for m in each(PAIR, text, windows):
        if m.start() < last:
            continue  # a key inside a value already withheld
        key = m.group("qkey") or m.group("key")
        quoted = bool(m.group("kq")) or m.group("op") != ":" or key.startswith("-")
        if not names_secret(key, strict=not quoted):
            continue
        span = _value(m)
        if span is None:
            continue
        if not quoted and not _label(text, m.start()) and not _IDENT.search(key) \
                and key.lower() != "authorization" and _word(text[span[0]:span[1]]):
            continue  # prose or a logger: "verify with the old secret: point them to …"
        last = span[1]
        yield (*span, "secret")
    last = 0
    for m in each(FLAG, text, windows):
        if m.start() >= last and names_secret(m.group("key"), strict=False):
            span = _value(m)
            if span:
                last = span[1]
                yield (*span, "secret")


def _user_pass(value: str) -> bool:
    """A base64 word that decodes to printable `user:password` (Basic auth, pasted bare)."""
    if len(value) % 4 and "=" in value:
        return False
    try:
        raw = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return _USER_PASS.fullmatch(raw) is not None


def _basic_ok(value: str) -> bool:
    try:
        raw = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return b":" in raw


def _structural(text: str) -> Iterator[Span]:
    low = text.lower()
    gated = len(low) == len(text)  # else a character lower-cases to two: no gating

    def where(anchors: tuple[str, ...]) -> list[tuple[int, int]] | None:
        return lines_with(text, low, anchors) if gated else None

    if "PRIVATE KEY" in text:
        for m in PEM.finditer(text):
            yield m.start(), m.end(), "private-key"
        end = PEM_END.search(text)
        begin = PEM_BEGIN.search(text)
        if end is not None and (begin is None or begin.start() > end.start()):
            # the second half of a key split over two notes: all of it up to its END
            yield 0, end.end(), "private-key"
    if "://" in text:
        for m in each(URL_USER, text, where(("://",))):
            span = _value(m, widen=False)
            if span:
                yield (*span, "url-password")
    if "-" in text and "u" in text:
        for m in CURL_USER.finditer(text):
            span = _value(m, widen=False)
            if span:
                yield (*span, "password")
    if ":" in text:
        for m in each(PROMPT, text, where(PROMPT_ANCHORS)):
            span = _value(m, widen=False)
            if span:
                yield (*span, "password")
        if PGPASS_GATE.search(text):
            for m in PGPASS.finditer(text):
                span = _value(m, widen=False)
                if span:
                    yield (*span, "password")
    for m in B64_WORD.finditer(text):
        if _user_pass(m.group("bare")):
            yield (*m.span("bare"), "basic-auth")
    for m in each(SCHEME_ALONE, text, where(SCHEME_ANCHORS)):
        value = m.group("bare")
        if m.group("scheme").lower() == "basic":
            if _basic_ok(value):
                yield (*m.span("bare"), "basic-auth")
        elif any(c.isdigit() or c in "._~+/-" for c in value):
            yield (*m.span("bare"), "token")
    windows = where(PAIR_ANCHORS)
    if windows is None or windows:
        yield from _pairs(text, windows)


def find(text: str) -> list[Span]:
    """Every credential span in ``text``, merged where they overlap, in order."""
    spans = sorted([*_structural(text), *vendor_spans(text)])
    merged: list[Span] = []
    for start, end, kind in spans:
        if merged and start < merged[-1][1]:
            last = merged[-1]  # the vendor's name says more than a generic "secret"
            merged[-1] = (last[0], max(last[1], end), kind if last[2] == "secret" else last[2])
        else:
            merged.append((start, end, kind))
    return merged
