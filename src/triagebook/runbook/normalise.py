"""One normalisation of what people paste, shared by `inv runbook.match` and the site.

Pasted text — a bare code, a stderr line (`error_code=token_expired correlation_id=…`),
a JSON error body, `CrashLoopBackOff`, `HTTP 502`, `502 Bad Gateway` — becomes a
`Query`: codes (identifier-like tokens in snake_case), family codes (`http_5xx` for a
502), prose words (stop-words and ids dropped) and the `key=value` pairs it carried.
Runbooks become search keys the same way (`keys()`), so a code matches a failure class
whatever its spelling: `CrashLoopBackOff`, `crashloop_backoff` and `CRASH_LOOP_BACKOFF`
share the key `crashloopbackoff`.

The site's search runs these rules in JavaScript (site/assets/triagebook.js) from the
tables `tables()` exports; a browser test checks both sides give the same `Query`.
Regular expressions here are ASCII-only so JavaScript's behave the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from http import HTTPStatus

# lunr's English stop-words (what the site's index drops) plus log-line noise.
STOP = frozenset("""a able about across after all almost also am among an and any are as at
be because been but by can cannot could dear did do does either else ever every for from
get got had has have he her hers him his how however i if in into is it its just least let
like likely may me might most must my neither no nor not of off often on only or other our
own rather said say says she should since so some than that the their them then there
these they this tis to too twas us wants was we were what when where which while who whom
why will with would yet you your
error errors failed failure cli code level msg message ts timestamp time info warn warning
debug json id correlation request trace span status""".split())
# Keys whose values identify one event, never a kind of failure: kept as values (a link
# can pre-fill them), left out of the terms.
ID_KEYS = frozenset({"id", "ts", "time", "timestamp", "date", "at"})
REASONS = {s.phrase.lower(): s.value for s in HTTPStatus if 400 <= s.value < 600}

FLAGS = re.ASCII


def _phrases(multiword: bool) -> str:
    found = sorted((r for r in REASONS if " " in r or not multiword), key=len, reverse=True)
    return "|".join(re.escape(r).replace("\\ ", "\\s+") for r in found)


# `HTTP 502`, `HTTP/1.1 502`, `http_502`, `status=502`, `"status": 502`, `502 Bad Gateway`,
# and a reason phrase of several words on its own (`Service Unavailable`).
STATUS_RE = re.compile(
    r"\bhttps?(?:/\d(?:\.\d)?)?[\s:=_-]*([45]\d\d)\b"
    r"|\bstatus(?:_?code)?[\"']?\s*[:=]\s*[\"']?([45]\d\d)\b"
    r"|\b([45]\d\d)\s+(?:" + _phrases(False) + r")\b"
    r"|\b(" + _phrases(True) + r")\b", FLAGS | re.IGNORECASE)
BARE_STATUS_RE = re.compile(r"\s*([45]\d\d)\s*", FLAGS)
# More places a status sits (group 1): curl's `returned error: 503`, and an access log's
# status field right after the quoted request (`"GET /x HTTP/1.1" 502 1234`: the status,
# never the byte count after it).
MORE_STATUS = (
    r"\breturned\s+error:?\s*([45]\d\d)\b",
    r"\bHTTP/[0-9.]+\"\s+([45]\d\d)\s+(?:\d+|-)",
)
# What people paste in words that names a failure class: (pattern, the class as a code).
# Kubernetes and kernel phrasings of the classes the catalog claims.
PHRASES = (
    (r"\bback-?off\s+restarting\s+failed\s+container\b", "crash_loop_back_off"),
    (r"\bexceeded\s+its\s+progress\s+deadline\b|\bProgressDeadlineExceeded\b",
     "rollout_stuck"),
    (r"\bwaiting\s+for\s+deployment\b.{0,80}\brollout\s+to\s+finish\b", "rollout_stuck"),
    (r"\bout\s+of\s+memory\b", "out_of_memory"),
    (r"\boom[-_ ]?kill(?:er|ed)?\b", "oom_killed"),
    (r"\bno\s+space\s+left\b|\[Errno\s+28\]|\bENOSPC\b", "no_space_left"),
    (r"\bError\s+from\s+server\s+\(Forbidden\)", "permission_denied"),
)
PAIR_RE = re.compile(r"(?:^|[^A-Za-z0-9_.-])[\"']?([A-Za-z_][A-Za-z0-9_.-]*)[\"']?\s*[:=]\s*"
                     r"(?:\"([^\"]*)\"|'([^']*)'|([^\s,;{}\[\]\"']+))", FLAGS)
TOKEN_RE = re.compile(r"[A-Za-z0-9]+(?:[_-][A-Za-z0-9]+)*", FLAGS)
CAMEL_RE = re.compile(r"[a-z][A-Z]|[A-Z]{2}[a-z]", FLAGS)
HEX_RE = re.compile(r"[0-9a-f]+(?:-[0-9a-f]+)*", FLAGS)
DIGIT_RE = re.compile(r"[0-9]", FLAGS)
LETTER_RE = re.compile(r"[A-Za-z]", FLAGS)
SPLIT_LOWER_RE = re.compile(r"([a-z0-9])([A-Z])", FLAGS)
SPLIT_UPPER_RE = re.compile(r"([A-Z]+)([A-Z][a-z])", FLAGS)


@dataclass(frozen=True, slots=True)
class Query:
    codes: tuple[str, ...] = ()  # snake_case, in order of appearance
    family: tuple[str, ...] = ()  # broader classes the codes belong to (http_5xx)
    words: tuple[str, ...] = ()
    values: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {"codes": list(self.codes), "family": list(self.family),
                "words": list(self.words), "values": dict(self.values)}


def snake(token: str) -> str:
    """`CrashLoopBackOff` → `crash_loop_back_off`; `billing-worker` → `billing_worker`."""
    s = SPLIT_UPPER_RE.sub(r"\1_\2", SPLIT_LOWER_RE.sub(r"\1_\2", token))
    return s.replace("-", "_").lower()


def key(code: str) -> str:
    """The spelling-free key of a code: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", code.lower())


def prefixes(code: str) -> list[str]:
    """Keys of the `prefix_*` globs a snake code falls under: `a_b_c` → `a_`, `ab_`."""
    parts = code.split("_")
    return [key("_".join(parts[:i])) + "_" for i in range(1, len(parts))]


def is_noise(token: str) -> bool:
    """Ids, hashes, timestamps and bare numbers: they identify one event, not a kind."""
    digits = len(DIGIT_RE.findall(token))
    if not digits:
        return False
    letters = len(LETTER_RE.findall(token))
    return letters < 2 or digits >= 4 or HEX_RE.fullmatch(token.lower()) is not None


def is_code(token: str) -> bool:
    return "_" in token or "-" in token or CAMEL_RE.search(token) is not None


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def normalise(text: str) -> Query:
    codes: list[str] = []
    family: list[str] = []
    words: list[str] = []
    values: dict[str, str] = {}

    def add(seq: list[str], item: str) -> None:
        if item and item not in seq:
            seq.append(item)

    for pattern, code in PHRASES:
        if re.search(pattern, text, FLAGS | re.IGNORECASE):
            add(codes, code)
    for pattern in MORE_STATUS:
        for m in re.finditer(pattern, text, FLAGS | re.IGNORECASE):
            status = int(m.group(1))
            add(codes, f"http_{status}")
            add(family, f"http_{str(status)[0]}xx")
            text = _blank(text, m.start(), m.end())
    for m in STATUS_RE.finditer(text):
        num = m.group(1) or m.group(2) or m.group(3)
        status = int(num) if num else REASONS[" ".join(m.group(4).lower().split())]
        add(codes, f"http_{status}")
        add(family, f"http_{str(status)[0]}xx")
        text = _blank(text, m.start(), m.end())
    if (bare := BARE_STATUS_RE.fullmatch(text)) is not None:
        status = int(bare.group(1))
        add(codes, f"http_{status}")
        add(family, f"http_{str(status)[0]}xx")
        text = ""
    for m in PAIR_RE.finditer(text):
        name = snake(m.group(1).replace(".", "_"))
        value = next(v for v in (m.group(2), m.group(3), m.group(4)) if v is not None)
        values.setdefault(name, value)
        vstart = next(m.start(i) for i in (2, 3, 4) if m.group(i) is not None)
        colon = ":" in m.string[m.end(1):vstart]
        if colon and is_code(m.group(1)) and name not in ID_KEYS and not name.endswith("_id"):
            add(codes, name)  # `SkuUnavailable: no gpus`: the key is the error's code
        text = _blank(text, m.start(1), m.end(1))
        if name in ID_KEYS or name.endswith("_id"):
            text = _blank(text, m.start(), m.end())
    for token in TOKEN_RE.findall(text):
        if is_noise(token):
            continue
        if is_code(token):
            code = snake(token)
            add(codes, code)
            parts = code.split("_")
        else:
            parts = [token.lower()]
        for w in parts:
            if len(w) > 1 and w not in STOP and not is_noise(w):
                add(words, w)
    return Query(tuple(codes), tuple(family), tuple(words), values)


@dataclass(frozen=True, slots=True)
class Keys:
    """A runbook's search keys: failure classes (exact and `prefix_*` globs), then the
    services, tags and route, each by its spelling-free key."""

    exact: dict[str, str]  # key → failure class as written
    globs: dict[str, str]  # glob as snake pattern → failure class as written
    names: dict[str, str]  # key → service, tag or route as written

    def site_tags(self) -> list[str]:
        """What the site's index stores as the page's tags (boosted 10^6 by material)."""
        globs = {key(g.split("*")[0]) + "_" for g in self.globs
                 if g.endswith("_*") and g.count("*") == 1}
        return sorted({*self.exact, *globs, *self.names})


def keys(classes: tuple[str, ...], names: tuple[str, ...]) -> Keys:
    exact: dict[str, str] = {}
    globs: dict[str, str] = {}
    for c in classes:
        if "*" in c:
            globs.setdefault(snake(c), c)
        else:
            exact.setdefault(key(c), c)
    return Keys(exact, globs, {key(n): n for n in names if key(n)})


def tables() -> dict[str, object]:
    """The data the site's JavaScript normaliser needs, from the declarations above."""
    return {
        "stop": sorted(STOP), "idKeys": sorted(ID_KEYS), "reasons": REASONS,
        "status": STATUS_RE.pattern, "bare": BARE_STATUS_RE.pattern, "pair": PAIR_RE.pattern,
        "moreStatus": list(MORE_STATUS), "phrases": [list(p) for p in PHRASES],
        "token": TOKEN_RE.pattern, "camel": CAMEL_RE.pattern, "hex": HEX_RE.pattern,
    }
