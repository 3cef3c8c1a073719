"""Strategies and checks of the fuzz suite, shared by tests/test_fuzz.py and bench_fuzz.py.

Inputs are real files mutated: the shipped runbooks and every fixture runbook, a real
ledger, the shipped invoke.yaml and the test configurations.  Each check drives one
part of the core (parse + lint + preview + the parse cache, the ledger reader + fold +
timeline, config loading) and lets only the project's own errors out.
"""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from hypothesis import strategies as st

from triagebook.base.errors import Problem, ProblemsError, TriagebookError
from triagebook.base.timeutil import iso
from triagebook.config import default_config, load_config
from triagebook.incident.ledger import Event, read_events
from triagebook.incident.state import fold
from triagebook.incident.timeline import render_timeline, timeline
from triagebook.runbook.cache import _rb_from, _rb_to
from triagebook.runbook.catalog import Catalog
from triagebook.runbook.lint import lint
from triagebook.runbook.parse import parse_text
from triagebook.runbook.preview import render_runbook

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TODAY = date(2026, 11, 22)
LEDGER_SEED = (HERE / "fixtures" / "fuzz" / "events.jsonl").read_bytes()  # a real session


def _texts(paths: list[Path]) -> list[str]:
    return [p.read_text(encoding="utf-8", errors="replace") for p in paths if p.is_file()]


RUNBOOKS = _texts(sorted((REPO / "runbooks").rglob("*.md"))
                  + sorted((HERE / "fixtures").rglob("*.md")))
RUNBOOKS = [t for t in RUNBOOKS if t.strip()]
CONFIGS = _texts([REPO / "invoke.yaml"]) + [
    "triagebook:\n  policy:\n    timezone: Europe/Stockholm\n    quiet_hours: '22:00-07:00'\n"
    "  escalation:\n    environment: prod\n    channels:\n"
    "      page: {kind: file, path: out/page.log, sms: true}\n"
    "      chat: {kind: webhook, url_env: TB_HOOK, shape: slack}\n"
    "      email: {kind: smtp, host: 127.0.0.1, port: 2525, to: [oncall@example.com]}\n",
    "triagebook:\n  runbooks_dir: books\n  ledger_url: https://x/{incident}\n"
    "  policy:\n    cap_per_24h: 5\n    followup_minutes: {RED: 30}\n",
]

# Fragments that reach the interesting corners of each parser.
TOKENS = [
    "---\n", "\n---\n", "{{", "}}", "{{ x }}", "{%", "%}", "{% for a in b %}", "{% endfor %}",
    "{% raw %}", "{##", "##}", "'%0300000000d' % 1", "|center(999999999)", "* 99999",
    "&a ", "*a", "<<: *a", "[", "]", "{", "}", ": ", "- ", "? ", "!!python/object ", "!!binary ",
    "\t", "\x00", "\ufeff", "\r\n", "é", "\U0001f525", "```sh\n", "```\n", "## Steps\n",
    "### ", "1. ", "severity: SEV9\n", "context:\n  x:\n    pattern: '(a|a)*$'\n",
    "    secret: true\n", "failure_class: []\n", "title: \n", "null", "~", "1e999", "-.inf",
    "2026-02-30", "'", '"', "\\", "#", "%", "@", "`",
]


@st.composite
def mutated(draw: st.DrawFn, seeds: list[str]) -> str:
    """A seed with a few random edits: insert, delete, duplicate, token, swap."""
    text = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["insert", "delete", "dup", "token", "token", "swap"]))
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 60)))
        if op == "insert":
            text = text[:i] + draw(st.text(max_size=16)) + text[i:]
        elif op == "delete":
            text = text[:i] + text[j:]
        elif op == "dup":
            text = text[:j] + text[i:j] * draw(st.integers(1, 4)) + text[j:]
        elif op == "token":
            text = text[:i] + draw(st.sampled_from(TOKENS)) + text[i:]
        else:
            text = text[:i] + text[j:j + (j - i)] + text[i:j] + text[j + (j - i):]
    return text


def check_runbook(text: str) -> None:
    """parse → cache round trip → lint → preview: Problems, or TriagebookError only."""
    cfg = default_config(Path("/nonexistent-fuzz-project"))
    parsed = parse_text(text, "runbooks/fuzz.md", "fuzz")
    assert all(isinstance(p, Problem) for p in parsed.problems)
    for p in parsed.problems:
        str(p)
    rb = parsed.runbook
    if rb is None:
        return
    again = _rb_from(json.loads(json.dumps(_rb_to(rb))))
    assert again == rb, "the parse cache does not round-trip this runbook"
    cat = Catalog(cfg, {rb.id: rb}, list(parsed.problems), 1)
    for p in lint(cat, TODAY):
        str(p)
    try:
        render_runbook(rb, None)
        plain = {v.name: "x" for v in rb.context if not v.secret}
        render_runbook(rb, plain or None)
    except TriagebookError:
        pass


# ---- ledgers -------------------------------------------------------------------------------

_T0 = datetime(2026, 11, 22, 2, 14, tzinfo=UTC)
_text = st.text(max_size=30)
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats(allow_nan=False)
    | _text, lambda c: st.lists(c, max_size=3) | st.dictionaries(_text, c, max_size=3),
    max_leaves=6)
_ts = st.integers(-10**6, 10**8).map(lambda s: iso(_T0 + timedelta(seconds=s)))
_names = st.sampled_from(["demo", "slow", "other"])
_steps = st.integers(1, 6)

# The data each known event type carries when the project writes it; free text and
# order are arbitrary.  (Ill-typed data is issue 12.2's: see bench_fuzz.py --wide.)
_DATA = {
    "incident.opened": st.fixed_dictionaries(
        {"severity": st.sampled_from(["SEV1", "SEV2", "SEV3", "SEV4"]), "title": _text},
        optional={"detected_at": _ts, "timezone": st.sampled_from(["UTC", "Europe/Stockholm"])}),
    "runbook.attached": st.fixed_dictionaries(
        {"title": _text, "hash": st.text("0123456789abcdef", min_size=32, max_size=32),
         "snapshot": _text, "steps": st.lists(_text, max_size=5),
         "context": st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True), _text,
                                    max_size=3)}),
    "runbook.forced": st.fixed_dictionaries({"new_hash": _text,
                                             "steps": st.lists(_text, max_size=5)}),
    "context.set": st.fixed_dictionaries({"values": st.dictionaries(_text, _text, max_size=3)}),
    "step.done": st.fixed_dictionaries({"title": _text}),
    "step.skipped": st.fixed_dictionaries({"title": _text, "reason": _text}),
    "note": st.fixed_dictionaries({"text": st.text(max_size=200)}),
    "command": st.fixed_dictionaries(
        {"block": st.integers(1, 3), "lang": st.sampled_from(["sh", "bash"]),
         "command": _text, "exit_code": st.none() | st.integers(-9, 255),
         "duration_s": st.floats(0, 1e6), "timed_out": st.booleans(), "output": _text,
         "truncated": st.booleans()}),
    "milestone": st.fixed_dictionaries(
        {"name": st.sampled_from(["acknowledged", "mitigated", "resolved", "other"])},
        optional={"via": _text, "text": _text}),
    "severity.changed": st.fixed_dictionaries(
        {"from": st.sampled_from(["SEV1", "SEV2", "SEV3", "SEV4"]),
         "to": st.sampled_from(["SEV1", "SEV2", "SEV3", "SEV4"])}),
    "session.started": st.fixed_dictionaries({"resume_at": st.integers(1, 9)}),
    "session.ended": st.fixed_dictionaries({"reason": _text}),
}
_event = st.one_of(
    *(st.tuples(st.just(t), data) for t, data in _DATA.items()),
    st.tuples(st.text(max_size=16), st.dictionaries(_text, _json, max_size=4)),
).flatmap(lambda td: st.fixed_dictionaries({
    "type": st.just(td[0]), "data": st.just(td[1]), "ts": _ts,
    "runbook": st.none() | _names, "step": st.none() | _steps, "actor": _text}))


@st.composite
def ledgers(draw: st.DrawFn) -> bytes:
    """events.jsonl as the project writes it: well-formed envelopes, any order and text."""
    events = draw(st.lists(_event, max_size=25))
    lines = [json.dumps({"seq": n, **e}, ensure_ascii=False) for n, e in enumerate(events, 1)]
    tail = draw(st.sampled_from(["", '{"seq": 99, "ts": "2026', "\n"]))  # a torn last line
    return ("".join(line + "\n" for line in lines) + tail).encode()


@st.composite
def damaged(draw: st.DrawFn, seed: bytes) -> bytes:
    """A real ledger with bytes changed: flipped, cut, duplicated lines."""
    raw = bytearray(seed)
    for _ in range(draw(st.integers(1, 5))):
        if not raw:
            break
        i = draw(st.integers(0, len(raw) - 1))
        op = draw(st.sampled_from(["flip", "cut", "insert"]))
        if op == "flip":
            raw[i] = draw(st.integers(0, 255))
        elif op == "cut":
            del raw[i:i + draw(st.integers(1, 40))]
        else:
            raw[i:i] = draw(st.sampled_from(TOKENS)).encode()
    return bytes(raw)


def check_read(raw: bytes) -> None:
    """Damaged bytes: the reader returns the valid events (bad lines become problems);
    it never raises for what a file holds."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.jsonl"
        path.write_bytes(raw)
        events = read_events(path)
    assert all(isinstance(e, Event) for e in events)


def check_ledger(raw: bytes, wide: bool = False) -> None:
    """read_events → fold → timeline in three formats; only the project's errors.

    The reader validates every line against the event vocabulary (issue 12.2), so
    whatever it returns must fold; ``wide`` is kept for the benchmark's interface.
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.jsonl"
        path.write_bytes(raw)
        events = read_events(path)
    assert all(isinstance(e, Event) for e in events)
    try:
        st = fold("INC-FUZZ", events)
        rows = timeline(st)
        for fmt in ("md", "json", "csv"):
            render_timeline(rows, fmt, "Europe/Stockholm")
    except TriagebookError:
        pass


def _well_formed(e: Event) -> bool:
    try:
        datetime.fromisoformat(str(e.ts).replace("Z", "+00:00"))
    except ValueError:
        return False
    return (isinstance(e.seq, int) and isinstance(e.data, dict) and isinstance(e.type, str)
            and isinstance(e.actor, str) and (e.step is None or isinstance(e.step, int))
            and (e.runbook is None or isinstance(e.runbook, str)))


# ---- invoke.yaml ---------------------------------------------------------------------------

_KEYS = ["runbooks_dir", "incidents_dir", "postmortems_dir", "policy", "timezone",
         "quiet_hours", "cap_per_24h", "severities", "escalation", "channels", "kind",
         "port", "to", "sms", "followup_minutes", "RED", "SEV1", "review_window_days"]
_yaml_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
    | st.sampled_from(["22:00-07:00", "25:00-07:00", "UTC", "Mars/Olympus", "file", "smtp"]),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.sampled_from(_KEYS) | _text, c,
                                                        max_size=4),
    max_leaves=10)


@st.composite
def configs(draw: st.DrawFn) -> str:
    """invoke.yaml: a mutated real one, or random values under the real keys."""
    if draw(st.booleans()):
        return draw(mutated(CONFIGS))
    return json.dumps({"triagebook": draw(st.dictionaries(st.sampled_from(_KEYS), _yaml_value,
                                                          max_size=5))})


def check_config(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "invoke.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            load_config(Path(tmp))
        except ProblemsError as exc:
            assert exc.problems and all(isinstance(p, Problem) for p in exc.problems)
            str(exc)


@st.composite
def wide_ledgers(draw: st.DrawFn) -> bytes:
    """Valid JSON lines with any field of any type (bad `ts`, list `data`, string `seq`)."""
    lines = []
    for n, e in enumerate(draw(st.lists(_event, max_size=12)), 1):
        e = {"seq": n, **e}
        for key in draw(st.lists(st.sampled_from(sorted(e)), max_size=2, unique=True)):
            e[key] = draw(_json | _text)
        if isinstance(e["type"], str) and e["type"] in _DATA and draw(st.booleans()) \
                and e.get("data"):
            field = draw(st.sampled_from(sorted(e["data"]) if isinstance(e["data"], dict)
                                         else ["x"]))
            if isinstance(e["data"], dict):
                e["data"][field] = draw(_json)
        lines.append(json.dumps(e, ensure_ascii=False))
    return "".join(line + "\n" for line in lines).encode()


# ---- redaction -------------------------------------------------------------------------

def _secret_texts() -> list[str]:
    from secretcorpus import benign, corpus

    return [f.text for f in corpus()] + benign()


SECRET_TEXTS = _secret_texts()


def check_redaction(text: str) -> None:
    """Redacted text scans clean, and redacting it again changes nothing."""
    from secretcorpus import DECLARED, ENV

    from triagebook.base.redaction import Redactor, scan

    red = Redactor({"api_token": DECLARED}, environ=ENV)
    once = red.text(text)
    assert scan(once) == [], (once, scan(once))
    assert red.text(once) == once, once
