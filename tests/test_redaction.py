"""The redactor on its own: every corpus form, lines that must survive, streams, scan()."""

from __future__ import annotations

import re

import pytest
from secretcorpus import DECLARED, ENV, SECRETS, Form, benign, corpus, pem_body

from triagebook.base.redaction import Redactor, scan

FORMS = corpus()


def redactor() -> Redactor:
    return Redactor({"api_token": DECLARED}, environ=ENV)


def test_corpus_is_large_and_names_are_unique():
    assert len(FORMS) >= 40
    assert len({f.name for f in FORMS}) == len(FORMS)


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.name)
def test_no_secret_part_survives(form: Form):
    out = redactor().text(form.text)
    assert [p for p in form.parts if p in out] == [], out
    assert "[REDACTED" in out


@pytest.mark.parametrize("form", [f for f in FORMS if not f.value_based], ids=lambda f: f.name)
def test_scan_finds_the_form_and_nothing_after_redaction(form: Form):
    assert scan(form.text), form.text
    assert scan(redactor().text(form.text)) == []


@pytest.mark.parametrize("line", benign())
def test_lines_without_credentials_stay_as_they_are(line: str):
    assert redactor().text(line) == line
    assert scan(line) == []


def test_scan_reports_line_and_kind():
    text = "all good\nGITHUB_TOKEN=ghp_R8kD2mQ7vX4nL9pT3wZ6yB1cF5hJ0sA2eG4i\nfine\n"
    (finding,) = scan(text)
    assert (finding.line, finding.kind) == (2, "github-token")


def test_a_private_key_streamed_line_by_line_is_withheld_whole():
    text = (SECRETS / "id_ed25519").read_text()
    one = redactor().lines()
    shown = [one(line) for line in ["before", *text.splitlines(), "after"]]
    assert shown[0] == "before" and shown[-1] == "after"
    assert not any(body in line for body in pem_body() for line in shown)
    assert set(shown[1:-1]) == {"[REDACTED:private-key]"}


def test_a_key_cut_off_before_its_end_is_withheld_to_the_end():
    text = (SECRETS / "id_ed25519").read_text()
    cut = "\n".join(text.splitlines()[:3])
    out = redactor().text("output:\n" + cut)
    assert out == "output:\n[REDACTED:private-key]"


def test_declared_value_in_base64_behind_any_user():
    import base64

    red = Redactor({"api_token": DECLARED}, environ={})
    for user in ("a", "ab", "abc", "svc-deploy", "x" * 17):
        blob = base64.b64encode(f"{user}:{DECLARED}".encode()).decode()
        assert red.text(f"auth {blob} ok") == "auth [REDACTED:api_token] ok", user


def test_environment_secrets_are_known_without_being_declared():
    red = Redactor(environ={"TRIAGEBOOK_SECRET_SMTP_RELAY": "mR7!kQ2#zL9x", "HOME": "/root"})
    assert red.text("relay pw mR7!kQ2#zL9x") == "relay pw [REDACTED:smtp_relay]"
    assert red.text("/root stays") == "/root stays"


def test_data_is_redacted_all_the_way_down():
    red = redactor()
    data = {"a": ["x", {"b": f"token {DECLARED}"}], "n": 3, "ok": True}
    assert red.data(data) == {"a": ["x", {"b": "token [REDACTED:api_token]"}], "n": 3,
                              "ok": True}


@pytest.mark.parametrize("form", FORMS[:10], ids=lambda f: f.name)
def test_redacting_twice_changes_nothing_more(form: Form):
    once = redactor().text(form.text)
    assert redactor().text(once) == once


HOSTILE_LINES = {  # command output an attacker can shape (log lines): no n² anywhere
    "jwt prefixes": "eyJ", "jwt after =": "=eyJ", "openai prefixes": "sk-", "npm": "//a/:_authToken=",
    "pairs": "password=", "colon pairs": "token: ", "flags": "--token ", "json pairs": '{"password":"',
    "url users": "https://u:", "declared value": "WnE4I21XMiF2", "one long token": "Ab1",
    "private key begins": "-----BEGIN PRIVATE KEY-----", "sas": "sig=a&",
}


@pytest.mark.parametrize("seed", HOSTILE_LINES.values(), ids=HOSTILE_LINES.keys())
def test_a_hostile_128k_line_is_redacted_in_linear_time(seed):
    import time

    line = (seed * (131072 // len(seed) + 1))[:131072]
    red = redactor()
    red.text("warm up AKIAABCDEFGHIJKLMNOP")
    t0 = time.perf_counter()
    red.text(line)
    red.lines()(line)
    assert time.perf_counter() - t0 < 5  # quadratic patterns took minutes at this size


KEPT = [  # what is not secret stays readable: host, user, key names, flags, the rest
    ("psql 'postgres://app_rw:Vq3xT9pLm2Rz@db-primary.internal:5432/orders'",
     "psql 'postgres://app_rw:[REDACTED:url-password]@db-primary.internal:5432/orders'"),
    ("git clone https://x-access-token:ghs_ErQHQwjyaxErPZDS3MoJaQNjCxkv5ndK0meG@github.com/a/b.git",
     "git clone https://x-access-token:[REDACTED:github-token]@github.com/a/b.git"),
    ("export DB_PASS='Tr0ub4dor&3xq'; make deploy", "export DB_PASS='[REDACTED:secret]'; make deploy"),
    ("curl -H 'Authorization: Bearer abc.def-123456' https://api/x",
     "curl -H 'Authorization: Bearer [REDACTED:token]' https://api/x"),
    ('{"username": "svc", "password": "kP9#vL2@qX7z", "port": 5432}',
     '{"username": "svc", "password": "[REDACTED:secret]", "port": 5432}'),
    ("mysql --user=root --password=R00tPa55-Prod -h db-1", "mysql --user=root --password=[REDACTED:secret] -h db-1"),
    ("curl -u admin:Adm1n-Pr0d-2026 https://grafana.internal/api",
     "curl -u admin:[REDACTED:password] https://grafana.internal/api"),
    ("the db password: Hunter2! (rotated)", "the db password: [REDACTED:secret] (rotated)"),
]


@pytest.mark.parametrize("line,shown", KEPT)
def test_redaction_withholds_the_secret_and_keeps_the_rest(line, shown):
    assert redactor().text(line) == shown


def test_every_vendor_gate_names_a_pattern_in_use():
    """A hand-written gate keyed by a pattern upstream no longer has would be dead (that
    pattern then runs with its derived gate, or none — safe, never blind)."""
    from triagebook.base.vendor_tokens import LITERALS, vendor_rules

    patterns = {rx.pattern for _, rx, _, _ in vendor_rules()}
    assert set(LITERALS) <= patterns


def test_a_derived_gate_is_what_every_match_starts_with():
    """`leading` reads a pattern's literal starts; each is checked against matches the
    pattern itself makes on strings built from the pattern's own starts."""
    import random
    import string

    from triagebook.base.detectors import find
    from triagebook.base.vendor_tokens import leading

    rng = random.Random(7)
    cases = {r"(?:A3T[A-Z0-9]|ABIA|ACCA|AKIA|ASIA)[0-9A-Z]{16}": {"A3T", "ABIA", "ACCA",
                                                                 "AKIA", "ASIA"},
             r"xapp-\d-[0-9A-Za-z-]{20,}|xoxe(?:\.xox[bp])?-\d-[0-9A-Za-z-]{20,}":
                 {"xapp-", "xoxe"},
             r"(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9_]{36}": {"gh"},
             r"[rs]k_live_": None, r"(?i)akia[0-9]{4}": None, r"(?<!x)eyJ": None}
    for pattern, want in cases.items():
        gate = leading(re.compile(pattern))
        assert (set(gate[0]) if gate else None) == want, pattern
    # a random token of every gated shape, found only when its start is there
    for head in ("AKIA", "A3TX", "ASIA"):
        token = head + "".join(rng.choices(string.ascii_uppercase + string.digits, k=16))
        assert any(kind == "aws-key" for _, _, kind in find(f"key {token} end"))


def test_the_base64_word_filter_keeps_every_user_password():
    """B64_WORD only takes words that can decode to printable ASCII: a necessary
    condition, checked on 3000 random `user:password` pairs of every length."""
    import base64
    import random
    import string

    from triagebook.base.detectors import find

    rng = random.Random(26)
    printable = string.ascii_letters + string.digits + "!#$%&()*+,-./:;<=>?@[]^_{|}~"
    missed = []
    for _ in range(3000):
        user = "".join(rng.choices(string.ascii_letters + string.digits + "._-@",
                                   k=rng.randint(1, 12)))
        password = "".join(rng.choices(printable, k=rng.randint(4, 24)))
        word = base64.b64encode(f"{user}:{password}".encode()).decode()
        if not any(kind == "basic-auth" for _, _, kind in find(f"sent {word} to the api")):
            missed.append(word)
    assert missed == []
