"""Every credential form of the corpus through every sink, with real `inv` processes.

One incident is walked once (module fixture): each form is typed as a note and printed
by a command; the incident is escalated (dry run, and for real to file channels), its
post-mortem written and the site built.  Then each form is checked in each sink on its
own, so a failure names the form.  Forms carry a tag (Form07tb) that survives redaction and
escaping, to prove each one reached the sink it is checked in.
"""

from __future__ import annotations

import html
import json
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import inv
from secretcorpus import ENV, SECRETS, Form, corpus, pem_body

pytestmark = pytest.mark.xdist_group("secrets-sinks")  # one walk, not one per worker

FORMS = corpus()
IID = "INC-LEAKS"
INVOKE_YAML = """\
triagebook:
  policy:
    cap_per_24h: 1000
  escalation:
    environment: prod
    channels:
      page: {kind: file, path: out/page.log, sms: true}
      chat: {kind: file, path: out/chat.log}
      email: {kind: file, path: out/email.log}
"""


def tag(i: int) -> str:
    return f"Form{i:02d}tb"


def packed(forms: list[tuple[str, str]], width: int = 360) -> list[str]:
    """Tagged forms joined into escalation fields that no line limit shortens."""
    fields, cur = [], ""
    for t, text in forms:
        item = f"{t} {text}"
        if cur and len(cur) + 4 + len(item) > width:
            fields.append(cur)
            cur = ""
        cur = f"{cur} ;; {item}" if cur else item
    return [*fields, cur] if cur else fields


def _strings(obj: object) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in _strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in _strings(v)]
    return []


@pytest.fixture(scope="session")  # one setup per worker, even when tests interleave
def sinks(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("leaks")
    from conftest import REPO

    shutil.copy(REPO / "tasks.py", root / "tasks.py")
    (root / "runbooks").mkdir()
    shutil.copy(SECRETS / "runbook.md", root / "runbooks" / "leaks.md")
    shutil.copy(SECRETS / "id_ed25519", root / "id_ed25519")
    (root / "invoke.yaml").write_text(INVOKE_YAML, encoding="utf-8")
    tagged = [(tag(i), f.text) for i, f in enumerate(FORMS)]
    (root / "forms.txt").write_text("".join(f"{t} {text}\n" for t, text in tagged),
                                    encoding="utf-8")
    env = {**ENV, "TRIAGEBOOK_OPERATOR": "alice"}
    script = "".join(f"note {t} {text}\n" for t, text in tagged) + "run\ny\nquit\n"
    walk = inv(root, "runbook.run", "leaks", "--incident", IID, "--context", "server=web-01",
               input=script, env=env, timeout=120)
    assert walk.returncode == 0, walk.stderr
    fields = packed(tagged)
    calls = []
    for i in range(0, len(fields), 3):
        three = (fields[i:i + 3] + ["", ""])[:3]
        args = ["incident.escalate", IID, "--class", "RED", "--diagnosis", three[0],
                "--action", three[1], "--suggested-fix", three[2]]
        calls += [[*args, "--dry-run"], args]
    with ThreadPoolExecutor(3) as pool:
        escalations = list(pool.map(lambda a: inv(root, *a, env=env, timeout=120), calls))
    for res in escalations:
        assert res.returncode == 0, res.stderr
    pm = inv(root, "postmortem.new", IID, env=env)
    assert pm.returncode == 0, pm.stderr
    site = inv(root, "site.build", env=env, timeout=300)
    assert site.returncode == 0, site.stderr + site.stdout
    ledger = (root / "incidents" / IID / "events.jsonl").read_text(encoding="utf-8")
    decoded = "\n".join(s for line in ledger.splitlines() for s in _strings(json.loads(line)))
    page = (root / "site" / "postmortems" / IID / "index.html").read_text(encoding="utf-8")
    return {
        "ledger": ledger + "\n" + decoded,
        "terminal": walk.stdout + walk.stderr,
        "escalation (terminal)": "".join(r.stdout + r.stderr for r in escalations),
        "escalation (file channels)": "".join(
            (root / "out" / f"{ch}.log").read_text(encoding="utf-8")
            for ch in ("chat", "email")),
        "escalation (SMS page)": (root / "out" / "page.log").read_text(encoding="utf-8"),
        "post-mortem": (root / "postmortems" / f"{IID}.md").read_text(encoding="utf-8"),
        "site page": html.unescape(page),
        "command output (ledger)": "\n".join(
            json.loads(line)["data"]["output"] for line in ledger.splitlines()
            if json.loads(line)["type"] == "command"),
    }


# Sinks each form reaches whole (the SMS page cuts lines to 100 characters by design, so
# it is checked for leaks but not for arrival).
ARRIVES = ("ledger", "terminal", "escalation (terminal)", "escalation (file channels)",
           "post-mortem", "site page", "command output (ledger)")


@pytest.mark.parametrize("i,form", list(enumerate(FORMS)), ids=[f.name for f in FORMS])
def test_no_secret_part_reaches_any_sink(sinks, i: int, form: Form):
    for sink, text in sinks.items():
        if sink in ARRIVES:
            assert tag(i) in text, f"{form.name} never reached the {sink}"
        leaked = [p for p in form.parts if p in text]
        assert not leaked, f"{form.name}: {leaked} reached the {sink}"


def test_multiline_private_key_from_a_command_reaches_no_sink(sinks):
    assert "[REDACTED:private-key]" in sinks["terminal"]
    for sink, text in sinks.items():
        leaked = [line for line in pem_body() if line in text]
        assert not leaked, f"private key lines reached the {sink}: {leaked[:1]}"


def test_the_declared_secret_from_the_environment_ran_but_stayed_hidden(sinks):
    # the command saw the value (its length), every sink saw only the marker
    assert "replay token [REDACTED:api_token] has 18 chars" in sinks["terminal"]
