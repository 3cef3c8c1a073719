"""Rank runbooks for an error code, a log line, a JSON error body or a symptom.

The text goes through the one normalisation the site's search also uses
(`triagebook.runbook.normalise`).  A failure class named by a code in the text wins
(whatever its spelling: `CrashLoopBackOff` finds `crashloop_backoff`), then a `*` glob,
then a broader class (`http_5xx` for `HTTP 502`), then a service, tag or route named
exactly, then relevance (IDF-weighted word overlap) over title, trigger, tags, services,
route and step text.  Every result says why it ranked.
"""

from __future__ import annotations

import fnmatch
import math
import re
from dataclasses import dataclass

from triagebook.runbook.catalog import Catalog
from triagebook.runbook.model import Runbook
from triagebook.runbook.normalise import STOP, Keys, Query, key, keys, normalise

WORD_RE = re.compile(r"[a-z0-9]+")
EXACT, GLOB, FAMILY, NAME = 1000.0, 500.0, 400.0, 40.0
FIELD_WEIGHTS = {"title": 3.0, "tags": 3.0, "services": 3.0, "classes": 2.5,
                 "trigger": 2.0, "route": 1.5, "steps": 0.5}
CUTOFF = 0.05  # results scoring under 5% of the best one are noise, not candidates


@dataclass(frozen=True, slots=True)
class Match:
    id: str
    score: float
    reason: str

    @property
    def confidence(self) -> str:
        """high: a failure class the paste names; low: shared words (or a service, tag or
        route named) only — a guess, said to be one."""
        return "high" if self.score >= FAMILY else "low"

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "score": round(self.score, 2), "reason": self.reason,
                "confidence": self.confidence}


def words(text: str) -> set[str]:
    return {w for w in WORD_RE.findall(text.lower()) if w not in STOP and len(w) > 1}


def runbook_keys(rb: Runbook) -> Keys:
    return keys(rb.failure_classes, (*rb.services, *rb.tags, rb.route))


def _fields(rb: Runbook) -> dict[str, set[str]]:
    return {
        "title": words(rb.title),
        "tags": words(" ".join(rb.tags)),
        "services": words(" ".join(rb.services)),
        "classes": words(" ".join(rb.failure_classes).replace("_", " ").replace("*", " ")),
        "trigger": words(rb.trigger),
        "route": words(rb.route),
        # the page's prose, as the site's index holds it: the intro and every step
        "steps": words(" ".join([rb.intro, *(s.title + " " + s.body for s in rb.steps)])),
    }


def _codes(q: Query, k: Keys) -> tuple[float, str]:
    """The best score the query's codes earn against one runbook's keys, and why."""
    for code in (*q.codes, *q.words):
        if key(code) in k.exact:
            return EXACT, f"exact failure class '{k.exact[key(code)]}'"
    for code in q.codes:
        for glob, written in k.globs.items():
            if fnmatch.fnmatchcase(code, glob):
                return GLOB, f"failure class '{written}' matches '{code}'"
    for code in q.family:
        if key(code) in k.exact:
            return FAMILY, f"failure class '{k.exact[key(code)]}' covers {', '.join(q.codes)}"
    for code in (*q.codes, *q.words):
        if key(code) in k.names:
            return NAME, f"named '{k.names[key(code)]}'"
    return 0.0, ""


def match(cat: Catalog, text: str, limit: int = 10) -> list[Match]:
    q = normalise(text)
    books = cat.sorted()
    fields = {rb.id: _fields(rb) for rb in books}
    return _rank(q, [(rb.id, runbook_keys(rb)) for rb in books], fields)[:limit]


def glob_source(glob: str) -> str:
    """A failure-class glob (`*` and `?` only: classes are snake words) as a regular
    expression both Python's `re` and JavaScript read alike."""
    return "^" + "".join(".*" if c == "*" else "." if c == "?" else
                         c if c.isalnum() or c == "_" else "\\" + c for c in glob) + "$"


def site_index(cat: Catalog) -> dict[str, object]:
    """What the site's search needs to rank runbooks exactly as `match` does (issue 19:
    the site and `runbook.match` agree on every paste): each runbook's keys and field
    words, over one shared vocabulary, with the weights and thresholds used here."""
    vocab: dict[str, int] = {}

    def ids(ws: set[str]) -> list[int]:
        return sorted(vocab.setdefault(w, len(vocab)) for w in ws)

    books = []
    for rb in cat.sorted():
        k = runbook_keys(rb)
        books.append({"id": rb.id, "title": rb.title, "trigger": rb.trigger,
                      "exact": k.exact, "names": k.names,
                      "globs": {glob_source(g): w for g, w in k.globs.items()},
                      "fields": {n: ids(ws) for n, ws in _fields(rb).items()}})
    return {"vocab": list(vocab), "books": books, "weights": list(FIELD_WEIGHTS.items()),
            "scores": {"exact": EXACT, "glob": GLOB, "family": FAMILY, "name": NAME},
            "cutoff": CUTOFF, "limit": 10}


def _rank(q: Query, books: list[tuple[str, Keys]],
          fields: dict[str, dict[str, set[str]]]) -> list[Match]:
    """Score and order the runbooks.  site/assets/triagebook.js `rank` is this function
    step for step (a browser test holds both to the same answers): keep them in step."""
    n = len(books) or 1
    df: dict[str, int] = {}
    for f in fields.values():
        for w in set().union(*f.values()):
            df[w] = df.get(w, 0) + 1
    results = []
    for rid, k in books:
        score, why = _codes(q, k)
        reasons = [why] if why else []
        hits: dict[str, list[str]] = {}
        for w in q.words:
            idf = math.log(1 + n / df.get(w, n))
            for name, weight in FIELD_WEIGHTS.items():
                if w in fields[rid][name]:
                    score += weight * idf
                    hits.setdefault(w, []).append(name)
        if hits:
            ranked = sorted(hits.items(), key=lambda kv: -len(kv[1]))[:4]
            reasons.append("words " + ", ".join(f"'{w}' ({'/'.join(f[:2])})"
                                                for w, f in ranked))
        if score > 0:
            results.append(Match(rid, score, "; ".join(reasons)))
    results.sort(key=lambda m: (-m.score, m.id))
    if results:
        floor = results[0].score * CUTOFF
        results = [m for m in results if m.score >= floor]
    return results
