"""Front-matter fields, each declared once with its type, default and documentation.

The declarations (options engine, `triagebook.options`) validate runbooks with
file, line, key, expected and received in every message, export JSON Schema for
editors (`inv runbook.schema`) and generate the front-matter reference page.
"""

from __future__ import annotations

import re
from typing import Any

from triagebook.base.errors import Problem
from triagebook.base.yamlsrc import YamlDoc
from triagebook.options.base import MISSING, Codes, Invalid, Key, Run, Schema, show
from triagebook.options.containers import DictOfItems, ListOfItems, SubConfig
from triagebook.options.types import Bool, Choice, Date, Regex, Str
from triagebook.runbook.model import BUILTINS, ESCALATION_CLASSES, SEVERITIES, ContextVar
from triagebook.runbook.patterns import TIMEOUT, SlowPattern, matches

CODE_RE = re.compile(r"^[A-Za-z0-9_.:*-]+$")
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
CODES = Codes(type="wrong-type", value="bad-value", unknown="unknown-field",
              missing="missing-field")


def _check_example(v: dict[str, Any], run: Run, key: Key) -> None:
    pattern, example = v.get("pattern"), v.get("example")
    if pattern is None or example is None:
        return
    try:
        ok = matches(pattern, example)  # with a timeout: `re` would hang on (a+)+$
    except SlowPattern:
        run.report(key + ("pattern",), "slow-pattern",
                   f"{pattern!r} took more than {TIMEOUT:g} s on the example (nested "
                   f"repetition such as (a|a)* backtracks exponentially); simplify it")
        v.pop("pattern", None)
        return
    if not ok:
        run.report(key + ("example",), "example-mismatch",
                   f"{show(example)} does not match its own pattern {pattern!r}", "warning")


CONTEXT = Schema({
    "description": Str("What the value is and where the responder finds it.", coerce=True,
                       default=""),
    "required": Bool("The runner refuses to start without it.", default=False),
    "pattern": Regex("Regular expression the value must match (Python syntax).", coerce=True,
                     default=None),
    "example": Str("An example value, shown when asking.", coerce=True, default=None),
    "secret": Bool("Prompted hidden; never written to a ledger, post-mortem, bundle or "
                   "message.", default=False),
    "default": Str("Value used when none is given.", coerce=True, default=None),
}, noun="context setting", check=_check_example)


class ContextVars(DictOfItems):
    """`context:` — names (identifiers, not built-ins) to settings; a tuple of ContextVar."""

    def check_name(self, name: object, run: Run, key: Key) -> bool:
        if not isinstance(name, str) or not NAME_RE.match(name):
            run.invalid(key, name, Invalid("an identifier name (letters, digits, _)",
                                           kind="value"), name="context")
            return False
        if name in BUILTINS:
            run.report(key, run.codes.value, f"'{name}' is a built-in and filled "
                                             f"automatically; remove it or rename it")
            return False
        return True

    def prepare(self, value: Any) -> Any:
        # `name:` alone, or `name: what it is`, are shorthands for a description.
        return {} if value is None else {"description": value} if isinstance(value, str) \
            else value

    def validate(self, value: Any, run: Run, key: Key) -> Any:
        got = super().validate(value, run, key)
        if got is MISSING:
            return MISSING
        return tuple(ContextVar(name=n, line=run.line(key + (n,)), **v) for n, v in got.items())

    def schema(self) -> dict[str, Any]:
        return {**super().schema(),
                "propertyNames": {"pattern": NAME_RE.pattern, "not": {"enum": list(BUILTINS)}}}


def _list(doc: str, **kw: Any) -> ListOfItems:
    return ListOfItems(Str(), doc, single=True, default=(), **kw)


FRONT_MATTER = Schema({
    "title": Str("Human title of the runbook, shown everywhere.", coerce=True, required=True,
                 example="CLI authentication failures"),
    "severity": Choice(SEVERITIES, "Default severity of incidents handled with this runbook.",
                       required=True, example="SEV3"),
    "failure_class": ListOfItems(
        Str(pattern=CODE_RE, expected="a code of letters, digits, '_.:-' and '*'"),
        "Error codes this runbook handles; `*` globs allowed (`allocation_*`). A single "
        "string is accepted too.", single=True, min_items=1, required=True,
        expected="a list of codes (at least one)", example=["token_expired"]),
    "route": Str("Owning team / on-call route that is paged for this failure.", coerce=True,
                 required=True, example="auth-session"),
    "trigger": Str("When to use this runbook: what the responder sees.", coerce=True,
                   required=True, example="A CLI command exits non-zero with an auth error code"),
    "services": _list("Services involved.", example=["gpuaas-api"]),
    "escalation": Choice(ESCALATION_CLASSES, "Escalation class: RED pages at any hour, YELLOW "
                         "goes async first, GREEN only into the daily digest.", default=None,
                         shown="from severity and customer_visible", example="YELLOW"),
    "customer_visible": Bool("Whether customers see the failure.", default=False,
                             example=True),
    "tags": _list("Free keywords that help search and match.", example=["auth"]),
    "owner": Str("Team that maintains the runbook.", coerce=True, default=None,
                 example="identity-team"),
    "last_reviewed": Date("Date of the last review (YYYY-MM-DD); stale after the policy's "
                          "review window.", default=None, example="2026-10-01"),
    "related": _list("Ids of other runbooks (checked by lint).", example=["api-degradation"]),
    "context": ContextVars(SubConfig(CONTEXT, expected="a mapping (description, required, "
                                                       "...)"),
                           "Incident values the steps use as {{ placeholders }}.",
                           default=(), shown="none"),
}, noun="runbook field", custom_prefix="x-", null_is_absent=True)

FIELDS = tuple(FRONT_MATTER.options.values())
REQUIRED = frozenset(f.name for f in FIELDS if f.required)


def check(doc: YamlDoc, path: str) -> tuple[dict[str, Any], list[Problem]]:
    """The typed front-matter (defaults filled) and every problem found, with lines."""
    run = Run(doc, path, CODES)
    run.duplicates()
    data = doc.data if isinstance(doc.data, dict) else {}
    return FRONT_MATTER.validate(data, run), run.problems


def json_schema() -> dict[str, Any]:
    """The front-matter as JSON Schema (draft 2020-12)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "triagebook runbook front-matter",
        **FRONT_MATTER.json_schema(),
    }
