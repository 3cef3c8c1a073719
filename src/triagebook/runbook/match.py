"""Rank runbooks for an error code, a log line, a JSON error body or a symptom.

An exact failure-class code found in the text wins, then a glob match, then
relevance (IDF-weighted word overlap) over title, trigger, tags, services,
route and step text.  Every result says why it ranked.
"""

from __future__ import annotations

import fnmatch
import math
import re
from dataclasses import dataclass

from triagebook.runbook.catalog import Catalog
from triagebook.runbook.model import Runbook

TOKEN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]*")
WORD_RE = re.compile(r"[a-z0-9]+")
EXACT, GLOB = 1000.0, 500.0
FIELD_WEIGHTS = {"title": 3.0, "tags": 3.0, "services": 3.0, "classes": 2.5,
                 "trigger": 2.0, "route": 1.5, "steps": 0.5}
STOP = frozenset("""a an and are as at be by for from has have in is it its of on or that the
this to was were will with when what not no cli error errors failed failure
correlation id request_id trace_id span_id level msg message ts timestamp time info warn
warning debug json""".split())
CUTOFF = 0.05  # results scoring under 5% of the best one are noise, not candidates


@dataclass(frozen=True, slots=True)
class Match:
    id: str
    score: float
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "score": round(self.score, 2), "reason": self.reason}


def codes_in(text: str) -> list[str]:
    """Candidate codes: identifier-like tokens, whole and split at ':' '=' '.'."""
    out: list[str] = []
    for tok in TOKEN_RE.findall(text):
        tok = tok.rstrip(".:-")
        for part in (tok, *re.split(r"[:.=]", tok)):
            if part and part.lower() not in out:
                out.append(part.lower())
    return out


def words(text: str) -> set[str]:
    return {w for w in WORD_RE.findall(text.lower()) if w not in STOP and len(w) > 1}


def _fields(rb: Runbook) -> dict[str, set[str]]:
    return {
        "title": words(rb.title),
        "tags": words(" ".join(rb.tags)),
        "services": words(" ".join(rb.services)),
        "classes": words(" ".join(rb.failure_classes).replace("_", " ").replace("*", " ")),
        "trigger": words(rb.trigger),
        "route": words(rb.route),
        "steps": words(" ".join(s.title + " " + s.body for s in rb.steps)),
    }


def match(cat: Catalog, text: str, limit: int = 10) -> list[Match]:
    codes = codes_in(text)
    query = words(text)
    books = cat.sorted()
    fields = {rb.id: _fields(rb) for rb in books}
    n = len(books) or 1
    df: dict[str, int] = {}
    for f in fields.values():
        for w in set().union(*f.values()):
            df[w] = df.get(w, 0) + 1
    results = []
    for rb in books:
        score, reasons = 0.0, []
        exact = [c for c in rb.failure_classes if "*" not in c and c.lower() in codes]
        globs = [(c, code) for c in rb.failure_classes if "*" in c
                 for code in codes if fnmatch.fnmatchcase(code, c.lower())]
        if exact:
            score += EXACT
            reasons.append(f"exact failure class '{exact[0]}'")
        elif globs:
            score += GLOB
            reasons.append(f"failure class '{globs[0][0]}' matches '{globs[0][1]}'")
        hits: dict[str, list[str]] = {}
        for w in query:
            idf = math.log(1 + n / df.get(w, n))
            for name, weight in FIELD_WEIGHTS.items():
                if w in fields[rb.id][name]:
                    score += weight * idf
                    hits.setdefault(w, []).append(name)
        if hits:
            ranked = sorted(hits.items(), key=lambda kv: -len(kv[1]))[:4]
            reasons.append("words " + ", ".join(f"'{w}' ({'/'.join(f[:2])})"
                                                for w, f in ranked))
        if score > 0:
            results.append(Match(rb.id, score, "; ".join(reasons)))
    results.sort(key=lambda m: (-m.score, m.id))
    if results:
        floor = results[0].score * CUTOFF
        results = [m for m in results if m.score >= floor]
    return results[:limit]
