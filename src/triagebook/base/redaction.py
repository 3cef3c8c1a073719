"""Secret redaction, applied at every sink (ledger, terminal, post-mortem, messages).

Two nets.  Known values — context marked `secret: true`, and every
`TRIAGEBOOK_SECRET_<NAME>` in the environment — are replaced wherever they occur, also
URL-encoded and base64-encoded (padded or not, standard or URL alphabet), including
inside a Basic-auth blob `base64(user:secret)` whose user we do not know.  Then the
detectors (`detectors.py`) catch credentials nobody declared: vendor tokens, pairs
whose key names a secret, Authorization headers, URL passwords, private keys.

`scan(text)` answers "does any credential-shaped string survive?" for checks such as
bundles; a text that went through a Redactor scans clean.
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus

from triagebook.base.detectors import PEM_BEGIN, PEM_END, find

__all__ = ["ENV_PREFIX", "Finding", "Redactor", "environment_secrets", "scan", "secret_env"]

ENV_PREFIX = "TRIAGEBOOK_SECRET_"
_B64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-")
MIN_CORE = 8  # shorter base64 fragments would match random text


@dataclass(frozen=True, slots=True)
class Finding:
    """A credential-shaped string: its 1-based line and what it looks like."""

    line: int
    kind: str


def scan(text: str) -> list[Finding]:
    """Credential-shaped strings in ``text`` (no values declared), one per span."""
    return [Finding(text.count("\n", 0, start) + 1, kind) for start, _, kind in find(text)]


def secret_env(name: str) -> str:
    """The environment variable that carries context secret ``name``."""
    return ENV_PREFIX + name.upper()


def environment_secrets(environ: Mapping[str, str]) -> dict[str, str]:
    """`TRIAGEBOOK_SECRET_API_TOKEN=…` → {"api_token": …}."""
    return {k[len(ENV_PREFIX):].lower(): v for k, v in environ.items()
            if k.startswith(ENV_PREFIX) and len(k) > len(ENV_PREFIX) and v}


def _b64_forms(raw: bytes) -> set[str]:
    out = set()
    for enc in (base64.b64encode, base64.urlsafe_b64encode):
        full = enc(raw).decode()
        out |= {full, full.rstrip("=")}
    return out


def _b64_cores(raw: bytes) -> set[str]:
    """Base64 fragments that encode ``raw`` whatever precedes it (`user:` in Basic auth).

    Base64 works in 3-byte groups: with 0, 1 or 2 unknown bytes before the value, the
    groups made only of value bytes always encode the same way.
    """
    out = set()
    for shift in (0, 1, 2):
        for enc in (base64.b64encode, base64.urlsafe_b64encode):
            text = enc(b"\0" * shift + raw).decode()
            core = text[4 if shift else 0:4 * ((shift + len(raw)) // 3)]
            if len(core) >= MIN_CORE:
                out.add(core)
    return out


def _encodings(value: str) -> set[str]:
    """How a declared secret may appear once a program has encoded it: %-encoded (either
    case of hex), JSON-escaped (as encoders do: ASCII-only, HTML-safe, or every symbol as
    \\uXXXX), and hex."""
    raw = value.encode()
    pct = {quote(value, safe=""), quote_plus(value), quote(value)}
    pct |= {re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), p) for p in pct}
    js = {json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1],
          "".join(c if c.isalnum() else f"\\u{ord(c):04x}" for c in value),
          "".join(c if c.isalnum() else f"\\u{ord(c):04X}" for c in value),
          json.dumps(value)[1:-1].replace("<", "\\u003c").replace(">", "\\u003e")
          .replace("&", "\\u0026")}
    return {value, *pct, *js, raw.hex(), raw.hex().upper()}


class Redactor:
    """Replaces secrets in text and JSON-like data; one per session or command."""

    def __init__(self, secrets: Mapping[str, str] | None = None, *,
                 environ: Mapping[str, str] | None = os.environ) -> None:
        self.exact: dict[str, str] = {}  # form → marker
        self.cores: dict[str, str] = {}  # base64 form or fragment → marker
        self._rx: re.Pattern[str] | None = None
        for name, value in environment_secrets(environ or {}).items():
            self.add(name, value)
        for name, value in (secrets or {}).items():
            self.add(name, value)

    def add(self, name: str, value: str) -> None:
        if not value or len(value) < 3:
            return
        mark = f"[REDACTED:{name}]"
        raw = value.encode()
        for form in _encodings(value):
            if len(form) >= 3:
                self.exact.setdefault(form, mark)
        for blob in _b64_forms(raw) | _b64_cores(raw):  # withheld with the run around them
            if len(blob) >= 3:
                self.cores.setdefault(blob, mark)
        self._rx = None

    def _pattern(self) -> re.Pattern[str] | None:
        if self._rx is None and (self.exact or self.cores):
            # literals only (linear), longest first so a value holding another goes whole
            forms = sorted({*self.exact, *self.cores}, key=len, reverse=True)
            self._rx = re.compile("|".join(re.escape(f) for f in forms))
        return self._rx

    def _values(self, text: str) -> str:
        rx = self._pattern()
        if rx is None:
            return text
        out: list[str] = []
        pos = 0
        for m in rx.finditer(text):
            start, end = m.span()
            if start < pos:
                continue  # inside a blob already withheld
            mark = self.exact.get(m.group())
            if mark is None:  # a base64 fragment: withhold the whole blob around it
                mark = self.cores[m.group()]
                while start > pos and text[start - 1] in _B64:
                    start -= 1
                while end < len(text) and text[end] in _B64:
                    end += 1
                while end < len(text) and text[end] == "=":
                    end += 1
            out += [text[pos:start], mark]
            pos = end
        out.append(text[pos:])
        return "".join(out)

    def text(self, text: str) -> str:
        text = self._values(text)
        spans = find(text)
        if not spans:
            return text
        out, pos = [], 0
        for start, end, kind in spans:
            out += [text[pos:start], f"[REDACTED:{kind}]"]
            pos = end
        out.append(text[pos:])
        return "".join(out)

    def data(self, obj: Any) -> Any:
        """Redact every string inside JSON-like data."""
        if isinstance(obj, str):
            return self.text(obj)
        if isinstance(obj, dict):
            return {k: self.data(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [self.data(v) for v in obj]
        return obj

    def lines(self) -> Callable[[str], str]:
        """A redactor for a stream of lines (command output shown as it arrives).

        A private key spans lines: from its BEGIN line to its END line every line is
        withheld, which a line-by-line `text()` could not know.
        """
        inside = False

        def one(line: str) -> str:
            nonlocal inside
            if inside:
                if PEM_END.search(line):
                    inside = False
                return "[REDACTED:private-key]"
            begin = PEM_BEGIN.search(line)
            if begin and not PEM_END.search(line, begin.end()):
                inside = True
                return self.text(line[:begin.start()]) + "[REDACTED:private-key]"
            return self.text(line)

        return one
