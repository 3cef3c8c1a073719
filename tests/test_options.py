"""The options engine: typed declarations validate YAML, collect every problem with its
line, fill defaults and generate the reference pages; invoke.yaml through the real CLI."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, fields
from pathlib import Path
from typing import ClassVar

from conftest import FIXTURES, assert_no_traceback, inv

from triagebook.base import yamlsrc
from triagebook.base.errors import did_you_mean
from triagebook.config import (
    DEFAULT_CHANNELS,
    SETTINGS,
    Policy,
    default_config,
)
from triagebook.config.sections import LedgerConfig
from triagebook.options.base import Codes, Run, Schema
from triagebook.options.containers import DictOfItems, ListOfItems, Optional, SubConfig
from triagebook.options.declare import Context, build, schema_of, setting
from triagebook.options.types import Bool, Choice, Int, Str
from triagebook.runbook.model import ContextVar, Runbook
from triagebook.runbook.schema import CONTEXT, FRONT_MATTER
from triagebook.site.reference import config_page

CODES = Codes(type="wrong-type", value="bad-value", unknown="unknown", missing="missing")

DEMO = Schema({
    "name": Str("A name.", required=True),
    "retries": Int("Attempts.", low=1, expected="a positive whole number", default=3),
    "verbose": Bool("Talk more.", default=False),
    "mode": Choice(("fast", "safe"), "How.", default="safe"),
    "limit": Optional(Int(low=0, expected="0 or more"), "Cap.", default=None),
    "tags": ListOfItems(Str(), "Tags.", default=()),
    "db": SubConfig(Schema({"host": Str("Host.", default="localhost"),
                            "port": Int("Port.", low=1, high=65535, default=5432)}), "DB."),
    "users": DictOfItems(SubConfig(Schema({"role": Choice(("admin", "viewer"), "Role.",
                                                          default="viewer")})), "Users."),
})


def check(text: str, schema: Schema = DEMO) -> tuple[dict, list[str]]:
    doc = yamlsrc.load(text)
    run = Run(doc, "demo.yaml", CODES)
    values = schema.validate(doc.data or {}, run)
    return values, [str(p) for p in run.problems]


def test_absent_keys_get_their_declared_defaults():
    values, problems = check("name: x\n")
    assert problems == []
    assert values == {"name": "x", "retries": 3, "verbose": False, "mode": "safe", "limit": None,
                      "tags": (), "db": {"host": "localhost", "port": 5432}, "users": {}}


def test_given_values_come_back_typed():
    values, problems = check("name: ' x '\nretries: 5\nverbose: true\nlimit: null\n"
                             "tags: [a, b]\ndb: {port: 6543}\nusers: {ann: {role: admin}}\n")
    assert problems == []
    assert values["name"] == "x" and values["retries"] == 5 and values["verbose"] is True
    assert values["tags"] == ("a", "b") and values["limit"] is None
    assert values["db"] == {"host": "localhost", "port": 6543}
    assert values["users"] == {"ann": {"role": "admin"}}


def test_true_is_not_a_number():
    _, problems = check("name: x\nretries: true\n")
    assert problems == ["demo.yaml:2: wrong-type: retries: expected a positive whole number "
                        "but received bool True"]


def test_every_problem_is_collected_with_its_own_line():
    _, problems = check("retries: 0\n"
                        "mode: quick\n"
                        "db:\n"
                        "  port: 70000\n"
                        "  hots: h\n"
                        "users:\n"
                        "  bob: {role: root}\n"
                        "tags: [a, 5]\n"
                        "limit: -1\n")
    assert problems == [
        "demo.yaml:1: missing: name: required field is missing (A name.)",
        "demo.yaml:1: bad-value: retries: expected a positive whole number but received int 0",
        "demo.yaml:2: bad-value: mode: expected one of fast, safe but received 'quick'",
        "demo.yaml:9: bad-value: limit: expected 0 or more or null but received int -1",
        "demo.yaml:8: wrong-type: tags[1]: expected a non-empty string but received int 5",
        "demo.yaml:5: unknown: db.hots: not a setting; did you mean 'host'?",
        "demo.yaml:4: bad-value: db.port: expected a whole number but received int 70000",
        "demo.yaml:7: bad-value: users.bob.role: expected one of admin, viewer but received "
        "'root'",
    ]


def test_unknown_key_without_a_close_name_lists_the_known_ones():
    _, problems = check("name: x\nzzz: 1\n", Schema({"name": Str()}))
    assert problems == ["demo.yaml:2: unknown: zzz: not a setting (known: name)"]


def test_a_nested_mapping_of_the_wrong_shape_is_one_problem_at_its_key():
    _, problems = check("name: x\ndb: [1, 2]\nusers: nobody\n")
    assert problems == [
        "demo.yaml:2: wrong-type: db: expected a mapping but received list [1, 2]",
        "demo.yaml:3: wrong-type: users: expected a mapping of names to settings but "
        "received 'nobody'",
    ]


def test_did_you_mean_is_one_hint_or_nothing():
    assert did_you_mean("quite_hours", ["quiet_hours", "timezone"]) == \
        "; did you mean 'quiet_hours'?"
    assert did_you_mean("zzz", ["quiet_hours"]) == ""


def test_walk_lists_nested_and_named_settings_with_dotted_keys():
    keys = [k for k, _ in SETTINGS.walk()]
    for key in ("runbooks_dir", "policy.timezone", "policy.severities.SEV1.response_minutes",
                "policy.escalation_classes.RED.channels", "escalation.channels.NAME.kind"):
        assert key in keys
    assert len(keys) == len(set(keys))


def test_a_setting_is_declared_once_and_everything_derives_from_it():
    """The field is the declaration: the schema's default, the typed value and the
    reference page all come from it (options/declare.py), with nothing mapped by hand."""

    @dataclass(frozen=True, slots=True)
    class Toy:
        SECTIONS: ClassVar[dict[str, str]] = {"group": "A group."}
        name: str
        port: int = setting(Int("The port.", low=1, high=9), 5)
        tags: tuple[str, ...] = setting(ListOfItems(Str(), "Tags."), ("a",))
        late: str = setting(Str("Grouped.", blank=True), "", under=("group",), key="later")

    schema = schema_of(Toy)
    assert schema.defaults() == {"port": 5, "tags": ("a",), "group": {"later": ""}}
    assert [k for k, _ in schema.walk()] == ["port", "tags", "group", "group.later"]
    doc = yamlsrc.load("port: 7\ntags: [x, y]\ngroup: {later: z}\n")
    run = Run(doc, "toy.yaml", Codes("t", "v", "u", "m"))
    toy = build(Toy, schema.validate(doc.data, run), Context(), name="t")
    assert run.problems == []
    assert toy == Toy("t", 7, ("x", "y"), "z")
    assert build(Toy, schema.defaults(), Context(), name="t") == Toy("t")


def test_declared_defaults_are_the_dataclasses_defaults(tmp_path):
    cfg = default_config(tmp_path)
    assert cfg.policy == Policy()
    assert cfg.ledger == LedgerConfig()
    assert cfg.channels == DEFAULT_CHANNELS
    assert cfg.runbooks_dir == tmp_path / "runbooks"
    rb = {f.name: f.default for f in fields(Runbook)}
    assert all(rb[n if n != "failure_class" else "failure_classes"] == d
               for n, d in FRONT_MATTER.defaults().items())
    assert ContextVar("x", **CONTEXT.defaults()) == ContextVar("x")


def declared(schema: Schema, prefix: str = "") -> list[tuple[str, str]]:
    """(dotted key, doc) of every declaration, found by reading the schema objects."""
    out = []
    for name, opt in schema.options.items():
        out.append((prefix + name, opt.doc))
        if isinstance(opt, SubConfig):
            out += declared(opt.sub, f"{prefix}{name}.")
        elif isinstance(opt, DictOfItems):
            out.append((f"{prefix}{name}.{opt.placeholder}", opt.item.doc))
            if isinstance(opt.item, SubConfig):  # a mapping of plain values has no deeper keys
                out += declared(opt.item.sub, f"{prefix}{name}.{opt.placeholder}.")
    return out


def test_config_page_has_one_row_per_declared_setting():
    rows = [line for line in config_page().markdown.splitlines() if line.startswith("| `")]
    settings = declared(SETTINGS)
    assert len(settings) > 50
    assert len(rows) == len(settings)
    for (key, doc), row in zip(settings, rows, strict=True):
        assert row.startswith(f"| `{key}` |") and row.endswith(f"| {doc} |"), (key, row)


def test_a_new_declaration_appears_on_the_config_page():
    grown = Schema({**SETTINGS.options,
                    "pager_retries": Int("How often to retry the pager.", low=1, default=2)})
    md = config_page(grown).markdown
    assert "| `pager_retries` | positive whole number | `2` | How often to retry the pager. |" in md
    assert "pager_retries" not in config_page().markdown


def test_bad_invoke_yaml_is_one_line_per_problem_through_the_cli(project: Path):
    (project / "invoke.yaml").write_text(
        "triagebook:\n"
        "  policy:\n"
        "    cap_per_24h: true\n"
        "    severities:\n"
        "      SEV2: {response_minutes: soon, postmortem: maybe}\n"
        "  escalation:\n"
        "    chanels: {}\n"
        "    channels:\n"
        "      chat: {kind: webhook, port: 0}\n", encoding="utf-8")
    res = inv(project, "runbook.list")
    assert res.returncode == 0  # a typo never locks the runbooks: warned, defaults used
    assert res.stdout.startswith("ID  SEV  ROUTE")
    tail = " (the default is used; inv doctor fails until fixed)"
    assert res.stderr.strip().splitlines() == [line + tail for line in [
        "invoke.yaml:3: bad-config: warning: triagebook.policy.cap_per_24h: expected a "
        "positive whole number but received bool True",
        "invoke.yaml:5: bad-config: warning: triagebook.policy.severities.SEV2."
        "response_minutes: expected minutes (0 or more) or null but received 'soon'",
        "invoke.yaml:5: bad-config: warning: triagebook.policy.severities.SEV2.postmortem: "
        "expected 'required' or 'optional' but received 'maybe'",
        "invoke.yaml:7: unknown-config: warning: triagebook.escalation.chanels: not a "
        "setting; did you mean 'channels'?",
        "invoke.yaml:9: unknown-config: warning: triagebook.escalation.channels.chat.port: a "
        "setting of kind smtp, not of kind webhook",
        "invoke.yaml:9: bad-config: warning: triagebook.escalation.channels.chat.url_env: "
        "expected the name of an environment variable holding the webhook URL but "
        "received ''",
    ]]
    assert_no_traceback(res)
    doctor = inv(project, "doctor")
    assert doctor.returncode == 1
    assert any(ln.startswith("fail  config: invoke.yaml:3") for ln in doctor.stdout.splitlines())
    strict = inv(project, "runbook.lint", "--strict")
    assert strict.returncode == 1
    assert "invoke.yaml has 6 problems (above)" in strict.stderr


def test_good_invoke_yaml_settings_reach_the_commands(project: Path):
    (project / "invoke.yaml").write_text("triagebook:\n  runbooks_dir: books\n",
                                         encoding="utf-8")
    (project / "books").mkdir()
    shutil.copy(FIXTURES / "lint" / "bad-severity.md", project / "books" / "bad-severity.md")
    res = inv(project, "runbook.lint")
    assert res.returncode == 1
    assert res.stdout.startswith("books/bad-severity.md:3: bad-value: severity:"), res.stdout


def test_a_typo_in_invoke_yaml_never_locks_the_runbooks(project: Path):
    """Issue 19 item 6: `quite_hours` is one warning line with its did-you-mean; reading
    and running commands go on with the default."""
    (project / "invoke.yaml").write_text(
        "triagebook:\n  policy:\n    quite_hours: 23:00-06:00\n", encoding="utf-8")
    for task in ("runbook.list", "incident.list"):
        res = inv(project, task)
        assert res.returncode == 0, res.stderr
        assert res.stderr.splitlines() == [
            "invoke.yaml:3: unknown-config: warning: triagebook.policy.quite_hours: not a "
            "setting; did you mean 'quiet_hours'? (the default is used; inv doctor fails "
            "until fixed)"]
