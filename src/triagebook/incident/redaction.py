"""Secret redaction, applied at every sink (ledger, terminal, post-mortem, messages).

Known secret values (context marked `secret: true`) are replaced wherever they occur,
also URL- and base64-encoded; common credential shapes (bearer tokens, private keys,
AWS keys, `password=`) are caught even when nobody declared them.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

PATTERNS = [
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----",
                re.S), "[REDACTED:private-key]"),
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 [REDACTED:token]"),
    (re.compile(r"\bAKIA[0-9A-Z]{16}\b"), "[REDACTED:aws-key]"),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}\b"), "[REDACTED:github-token]"),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}\b"), "[REDACTED:slack-token]"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b"),
     "[REDACTED:jwt]"),
    (re.compile(r"(?i)\b(password|passwd|secret|api[_-]?key|token)(\s*[=:]\s*)"
                r"(?!\[REDACTED)[^\s&\"']{4,}"), r"\1\2[REDACTED]"),
]


class Redactor:
    def __init__(self, secrets: Mapping[str, str] | None = None) -> None:
        self.values: list[tuple[str, str]] = []
        for name, value in (secrets or {}).items():
            self.add(name, value)

    def add(self, name: str, value: str) -> None:
        if not value:
            return
        forms = {value, quote(value, safe=""), base64.b64encode(value.encode()).decode()}
        for form in forms:
            if len(form) >= 3:
                self.values.append((form, f"[REDACTED:{name}]"))
        # longest first, so a value containing another is replaced whole
        self.values.sort(key=lambda kv: -len(kv[0]))

    def text(self, text: str) -> str:
        for value, mark in self.values:
            if value in text:
                text = text.replace(value, mark)
        for rx, repl in PATTERNS:
            text = rx.sub(repl, text)
        return text

    def data(self, obj: Any) -> Any:
        """Redact every string inside JSON-like data."""
        if isinstance(obj, str):
            return self.text(obj)
        if isinstance(obj, dict):
            return {k: self.data(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [self.data(v) for v in obj]
        return obj
