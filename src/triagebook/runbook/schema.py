"""Front-matter fields, each declared once with its documentation.

The same declarations validate runbooks (with file, line, key, expected and
received in every message) and export JSON Schema for editors
(`inv runbook.schema`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from triagebook.errors import Problem, suggest
from triagebook.runbook.frontmatter import YamlDoc
from triagebook.runbook.model import BUILTINS, ESCALATION_CLASSES, SEVERITIES, ContextVar
from triagebook.runbook.patterns import TIMEOUT, SlowPattern, matches

CODE_RE = re.compile(r"^[A-Za-z0-9_.:*-]+$")
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: str  # str | enum | list | bool | date | context
    doc: str
    required: bool = False
    choices: tuple[str, ...] = ()
    example: Any = None


FIELDS: tuple[Field, ...] = (
    Field("title", "str", "Human title of the runbook, shown everywhere.", True,
          example="CLI authentication failures"),
    Field("severity", "enum", "Default severity of incidents handled with this runbook.", True,
          SEVERITIES, "SEV3"),
    Field("failure_class", "list",
          "Error codes this runbook handles; '*' globs allowed (allocation_*). "
          "A single string is accepted too.", True, example=["token_expired"]),
    Field("route", "str", "Owning team / on-call route that is paged for this failure.", True,
          example="auth-session"),
    Field("trigger", "str", "When to use this runbook: what the responder sees.", True,
          example="A CLI command exits non-zero with an auth error code"),
    Field("services", "list", "Services involved.", example=["gpuaas-api"]),
    Field("escalation", "enum", "Escalation class: RED pages at any hour, YELLOW goes async "
          "first, GREEN only into the daily digest.", False, ESCALATION_CLASSES, "YELLOW"),
    Field("customer_visible", "bool", "Whether customers see the failure (default false).",
          example=True),
    Field("tags", "list", "Free keywords that help search and match.", example=["auth"]),
    Field("owner", "str", "Team that maintains the runbook.", example="identity-team"),
    Field("last_reviewed", "date", "Date of the last review (YYYY-MM-DD); stale after the "
          "policy's review window.", example="2026-10-01"),
    Field("related", "list", "Ids of other runbooks (checked by lint).",
          example=["api-degradation"]),
    Field("context", "context", "Incident values the steps use as {{ placeholders }}."),
)
FIELD_BY_NAME = {f.name: f for f in FIELDS}

CONTEXT_FIELDS: tuple[Field, ...] = (
    Field("description", "str", "What the value is and where the responder finds it."),
    Field("required", "bool", "The runner refuses to start without it."),
    Field("pattern", "str", "Regular expression the value must match (Python syntax)."),
    Field("example", "str", "An example value, shown when asking."),
    Field("secret", "bool", "Prompted hidden; never written to a ledger, post-mortem, "
          "bundle or message."),
    Field("default", "str", "Value used when none is given."),
)
CONTEXT_BY_NAME = {f.name: f for f in CONTEXT_FIELDS}


def json_schema() -> dict[str, Any]:
    """The front-matter as JSON Schema (draft 2020-12)."""

    def one(f: Field) -> dict[str, Any]:
        s: dict[str, Any]
        if f.kind == "enum":
            s = {"enum": list(f.choices)}
        elif f.kind == "list":
            s = {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]}
        elif f.kind == "bool":
            s = {"type": "boolean"}
        elif f.kind == "date":
            s = {"type": "string", "format": "date"}
        elif f.kind == "context":
            s = {
                "type": "object",
                "propertyNames": {"pattern": NAME_RE.pattern, "not": {"enum": list(BUILTINS)}},
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {c.name: {**_ctype(c), "description": c.doc}
                                   for c in CONTEXT_FIELDS},
                },
            }
        else:
            s = {"type": "string", "minLength": 1}
        s["description"] = f.doc
        if f.example is not None:
            s["examples"] = [f.example]
        return s

    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "triagebook runbook front-matter",
        "type": "object",
        "required": [f.name for f in FIELDS if f.required],
        "properties": {f.name: one(f) for f in FIELDS},
        "patternProperties": {"^x-": {}},
        "additionalProperties": False,
    }


def _ctype(f: Field) -> dict[str, Any]:
    return {"type": "boolean"} if f.kind == "bool" else {"type": "string"}


def _show(value: object) -> str:
    text = repr(value) if isinstance(value, str) else f"{type(value).__name__} {value!r}"
    return text if len(text) <= 60 else text[:57] + "..."


class Checker:
    """Validates one front-matter mapping, collecting problems with lines."""

    def __init__(self, doc: YamlDoc, path: str) -> None:
        self.doc = doc
        self.path = path
        self.problems: list[Problem] = []

    def add(self, key: tuple[object, ...], code: str, message: str) -> None:
        self.problems.append(Problem(self.path, self.doc.line(*key, default=1), code, message))

    def check(self, data: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, line in self.doc.duplicates:
            self.problems.append(Problem(self.path, line, "duplicate-key",
                                         f"{_dotted(key)}: given twice; YAML keeps only the last"))
        for name in data:
            if not isinstance(name, str) or (name not in FIELD_BY_NAME
                                             and not name.startswith("x-")):
                hint = suggest(str(name), FIELD_BY_NAME, 1)
                extra = (f"; did you mean '{hint[0]}'?" if hint
                         else " (prefix custom keys with 'x-')")
                self.add((name,), "unknown-field", f"{name}: not a runbook field{extra}")
        for f in FIELDS:
            if f.name not in data or data[f.name] is None:
                if f.required:
                    self.problems.append(Problem(self.path, self.doc.line(default=1) or 1,
                                                 "missing-field",
                                                 f"{f.name}: required field is missing "
                                                 f"({f.doc})"))
                continue
            value = self._field(f, data[f.name])
            if value is not None:
                out[f.name] = value
        return out

    def _field(self, f: Field, value: Any) -> Any:
        key = (f.name,)
        if f.kind == "str":
            return self._str(key, f.name, value)
        if f.kind == "enum":
            if value in f.choices:
                return value
            self.add(key, "bad-value", f"{f.name}: expected one of {', '.join(f.choices)} "
                                       f"but received {_show(value)}")
            return None
        if f.kind == "bool":
            return self._bool(key, f.name, value)
        if f.kind == "date":
            if isinstance(value, date):
                return value
            if isinstance(value, str):
                try:
                    return date.fromisoformat(value)
                except ValueError:
                    pass
            self.add(key, "wrong-type", f"{f.name}: expected a date YYYY-MM-DD "
                                        f"but received {_show(value)}")
            return None
        if f.kind == "list":
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or not all(isinstance(x, str) and x for x in items):
                self.add(key, "wrong-type", f"{f.name}: expected a list of strings "
                                            f"but received {_show(value)}")
                return None
            if f.name == "failure_class":
                for i, code in enumerate(items):
                    if not CODE_RE.match(code):
                        self.add(key + (i,), "bad-value",
                                 f"failure_class: expected a code of letters, digits, "
                                 f"'_.:-' and '*' but received {_show(code)}")
                if not items:
                    self.add(key, "missing-field", "failure_class: expected at least one code")
            return tuple(items)
        if f.kind == "context":
            return self._context(value)
        raise AssertionError(f.kind)  # pragma: no cover

    def _str(self, key: tuple[object, ...], name: str, value: Any) -> str | None:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and value.strip():
            return value.strip()
        self.add(key, "wrong-type", f"{name}: expected a non-empty string but received "
                                    f"{_show(value)}")
        return None

    def _bool(self, key: tuple[object, ...], name: str, value: Any) -> bool | None:
        if isinstance(value, bool):
            return value
        self.add(key, "wrong-type", f"{name}: expected true or false but received {_show(value)}")
        return None

    def _context(self, value: Any) -> tuple[ContextVar, ...] | None:
        if not isinstance(value, dict):
            self.add(("context",), "wrong-type",
                     f"context: expected a mapping of names to settings but received "
                     f"{_show(value)}")
            return None
        out = []
        for name, spec in value.items():
            key = ("context", name)
            if not isinstance(name, str) or not NAME_RE.match(name):
                self.add(key, "bad-value", f"context: expected an identifier name "
                                           f"(letters, digits, _) but received {_show(name)}")
                continue
            if name in BUILTINS:
                self.add(key, "bad-value", f"context.{name}: '{name}' is a built-in and "
                                           f"filled automatically; remove it or rename it")
                continue
            if spec is None:
                spec = {}
            if isinstance(spec, str):
                spec = {"description": spec}
            if not isinstance(spec, dict):
                self.add(key, "wrong-type", f"context.{name}: expected a mapping "
                                            f"(description, required, ...) but received "
                                            f"{_show(spec)}")
                continue
            kw: dict[str, Any] = {}
            for k, v in spec.items():
                sub = key + (k,)
                f = CONTEXT_BY_NAME.get(k) if isinstance(k, str) else None
                if f is None:
                    hint = suggest(str(k), CONTEXT_BY_NAME, 1)
                    extra = f"; did you mean '{hint[0]}'?" if hint else ""
                    self.add(sub, "unknown-field", f"context.{name}.{k}: not a context "
                                                   f"setting{extra}")
                    continue
                got = (self._bool(sub, f"context.{name}.{k}", v) if f.kind == "bool"
                       else self._str(sub, f"context.{name}.{k}", v))
                if got is not None:
                    kw[k] = got
            pattern = kw.get("pattern")
            if pattern is not None:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    self.add(key + ("pattern",), "bad-pattern",
                             f"context.{name}.pattern: expected a valid regular expression "
                             f"but {_show(pattern)} fails: {exc}")
                    kw.pop("pattern")
                else:
                    self._example(key, name, pattern, kw)
            out.append(ContextVar(name=name, line=self.doc.line(*key) or 1, **kw))
        return tuple(out)


    def _example(self, key: tuple[object, ...], name: str, pattern: str,
                 kw: dict[str, Any]) -> None:
        ex = kw.get("example")
        if ex is None:
            return
        try:
            ok = matches(pattern, ex)
        except SlowPattern:
            self.add(key + ("pattern",), "slow-pattern",
                     f"context.{name}.pattern: {pattern!r} took more than {TIMEOUT:g} s on "
                     f"the example (nested repetition such as (a|a)* backtracks "
                     f"exponentially); simplify it")
            kw.pop("pattern")
            return
        if not ok:
            self.problems.append(Problem(
                self.path, self.doc.line(*key, "example", default=1), "example-mismatch",
                f"context.{name}.example: {_show(ex)} does not match its own pattern "
                f"{pattern!r}", "warning"))


def _dotted(key: tuple[object, ...]) -> str:
    return ".".join(str(k) for k in key)
