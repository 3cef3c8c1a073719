"""Content-hash cache of parse results, so a second lint skips unchanged files.

Keyed by the blake2b hash of each file's bytes (not its mtime: checkouts and
copies keep content but not times).  Stored as JSON — never pickle, a cache
file in a working tree must not be able to run code.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from triagebook.base.errors import Problem
from triagebook.base.version import __version__
from triagebook.runbook.model import CodeBlock, ContextVar, Runbook, Step
from triagebook.runbook.parse import Parsed

FORMAT = 2
# Anything that shapes a parse result invalidates the cache when it changes: the code of
# every package parsing imports (a test checks the list against what parse.py loads) and
# the libraries that read the files or find credentials in them.
SHAPERS = ("base", "options", "runbook")
LIBRARIES = ("markdown-it-py", "mdit-py-plugins", "PyYAML", "Jinja2", "detect-secrets",
             "regex")


@lru_cache(maxsize=1)
def _code_digest() -> str:
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.blake2b(digest_size=8)
    here = Path(__file__).resolve().parent.parent
    for package in SHAPERS:
        for path in sorted((here / package).rglob("*.py")):
            h.update(path.relative_to(here).as_posix().encode() + b"\0")
            h.update(path.read_bytes())
    for lib in LIBRARIES:
        try:
            h.update(f"{lib}=={version(lib)}".encode())
        except PackageNotFoundError:
            h.update(lib.encode())
    return h.hexdigest()


def _rb_to(rb: Runbook) -> dict[str, Any]:
    return {
        "id": rb.id, "path": rb.path, "title": rb.title, "severity": rb.severity,
        "failure_classes": rb.failure_classes, "route": rb.route, "trigger": rb.trigger,
        "services": rb.services, "escalation": rb.escalation,
        "customer_visible": rb.customer_visible, "tags": rb.tags, "owner": rb.owner,
        "last_reviewed": rb.last_reviewed.isoformat() if rb.last_reviewed else None,
        "related": rb.related,
        "context": [[v.name, v.description, v.required, v.pattern, v.example, v.secret,
                     v.default, v.line] for v in rb.context],
        "steps": [[s.number, s.title, s.line, s.body,
                   [[c.lang, c.info, c.source, c.line] for c in s.code], s.body_line,
                   s.shallow]
                  for s in rb.steps],
        "intro": rb.intro, "placeholders": rb.placeholders, "content_hash": rb.content_hash,
        "lines": rb.lines,
    }


def _rb_from(d: dict[str, Any]) -> Runbook:
    return Runbook(
        id=d["id"], path=d["path"], title=d["title"], severity=d["severity"],
        failure_classes=tuple(d["failure_classes"]), route=d["route"], trigger=d["trigger"],
        services=tuple(d["services"]), escalation=d["escalation"],
        customer_visible=d["customer_visible"], tags=tuple(d["tags"]), owner=d["owner"],
        last_reviewed=date.fromisoformat(d["last_reviewed"]) if d["last_reviewed"] else None,
        related=tuple(d["related"]),
        context=tuple(ContextVar(*v) for v in d["context"]),
        steps=tuple(Step(n, t, ln, b, tuple(CodeBlock(*c) for c in code), bl, sh)
                    for n, t, ln, b, code, bl, sh in d["steps"]),
        intro=d["intro"], placeholders=tuple(d["placeholders"]),
        content_hash=d["content_hash"], lines=dict(d["lines"]),
    )


def _pr_to(p: Problem) -> list[Any]:
    return [p.line, p.code, p.message, p.level]


class ParseCache:
    """path → (hash, Parsed); load() tolerates a missing or corrupt file."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.key = f"{FORMAT}:{__version__}:{_code_digest()}"
        self.entries: dict[str, tuple[str, Any]] = {}
        self.fresh: dict[str, tuple[str, Any]] = {}
        self.dirty = False

    def load(self) -> ParseCache:
        if self.path is None:
            return self
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("key") == self.key:
                self.entries = {k: (v[0], v[1]) for k, v in data["files"].items()}
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
            self.entries = {}
        return self

    def get(self, shown: str, digest: str) -> Parsed | None:
        hit = self.entries.get(shown)
        if hit is None or hit[0] != digest:
            self.dirty = True
            return None
        try:
            rb_data, problems = hit[1]
            parsed = Parsed(_rb_from(rb_data) if rb_data else None,
                            tuple(Problem(shown, *p) for p in problems))
        except (KeyError, TypeError, ValueError):
            self.dirty = True
            return None
        self.fresh[shown] = hit
        return parsed

    def put(self, shown: str, digest: str, parsed: Parsed) -> None:
        if self.path is None:
            return  # no cache file (--no-cache): nothing to serialise for
        rb = _rb_to(parsed.runbook) if parsed.runbook else None
        self.fresh[shown] = (digest, [rb, [_pr_to(p) for p in parsed.problems]])
        self.dirty = True

    def save(self) -> None:
        if self.path is None or (not self.dirty and len(self.fresh) == len(self.entries)):
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".cache-")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                # dumps, not dump: only the one-shot encoder is the C one (~5x faster)
                fh.write(json.dumps({"key": self.key, "files": {k: [v[0], v[1]]
                                                                for k, v in self.fresh.items()}},
                                    separators=(",", ":")))
            os.replace(tmp, self.path)
        except OSError:
            pass  # a cache that cannot be written only costs speed next time
