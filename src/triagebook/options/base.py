"""The engine: `Option`, `Schema` and the `Run` that collects problems.

Like mkdocs' `config/base.py`: a `Schema` maps names to options, validates one
YAML mapping, fills in defaults, exports JSON Schema and lists every declared
option (with its dotted key) for the reference pages.  Validation never raises:
a `Run` collects every problem as a `Problem` carrying the file line of its key
(from `YamlDoc.line`), and the caller decides when to abort.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from triagebook.base.errors import Level, Problem, did_you_mean
from triagebook.base.yamlsrc import YamlDoc

Key = tuple[object, ...]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()  # "no default": the option is required or simply absent
SLOW: Any = _Missing()  # from `Option.quick`: not plainly valid, validate it and say why


class Invalid(Exception):
    """Raised by `Option.convert`: what was expected, or a whole message, and its kind.

    ``kind`` is "type", "value" or "missing"; the run's `Codes` turn it into a code
    unless ``code`` names one.
    """

    def __init__(self, expected: str = "", *, kind: str = "type", message: str = "",
                 code: str = "") -> None:
        super().__init__(expected or message)
        self.expected, self.kind, self.message, self.code = expected, kind, message, code


@dataclass(frozen=True, slots=True)
class Codes:
    """Problem codes a document reports, by kind."""

    type: str
    value: str
    unknown: str
    missing: str


def show(value: object) -> str:
    """A received value as a message shows it: strings quoted, others with their type."""
    if value is None:
        return "null"
    text = repr(value) if isinstance(value, str) else f"{type(value).__name__} {value!r}"
    return text if len(text) <= 60 else text[:57] + "..."


def dotted(key: Key) -> str:
    out = ""
    for k in key:
        out += f"[{k}]" if isinstance(k, int) else (f".{k}" if out else str(k))
    return out


class Run:
    """One validation pass over one YAML document: where its problems go."""

    def __init__(self, doc: YamlDoc, path: str, codes: Codes) -> None:
        self.doc, self.path, self.codes = doc, path, codes
        self.problems: list[Problem] = []
        self.bad: list[Key] = []  # the key of every value refused (its default applies)

    def line(self, key: Key) -> int:
        return self.doc.line(*key, default=1) or 1

    def report(self, key: Key, code: str, text: str, level: Level = "error",
               name: str | None = None) -> None:
        self.problems.append(Problem(self.path, self.line(key), code,
                                     f"{dotted(key) if name is None else name}: {text}", level))

    def invalid(self, key: Key, value: object, exc: Invalid, name: str | None = None) -> None:
        self.bad.append(key)
        code = exc.code or getattr(self.codes, exc.kind)
        text = exc.message or f"expected {exc.expected} but received {show(value)}"
        self.report(key, code, text, name=name)

    def duplicates(self, under: Key = ()) -> None:
        for key, line in self.doc.duplicates:
            if key[:len(under)] == under:
                self.problems.append(Problem(self.path, line, "duplicate-key",
                                             f"{dotted(key)}: given twice; YAML keeps only "
                                             f"the last"))


class Option:
    """One setting: how to check a value, its default and its one-line doc."""

    _plain = True  # validate() is convert() plus reporting (False: a subclass's own)

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        cls._plain = cls.validate is Option.validate

    type_name = "value"
    name = ""  # set by the Schema that holds the option

    def __init__(self, doc: str = "", *, default: Any = MISSING, required: bool = False,
                 example: Any = MISSING, shown: str = "") -> None:
        self.doc, self.default, self.required = doc, default, required
        self.example, self.shown = example, shown

    def convert(self, value: Any) -> Any:
        """The typed value, or raise `Invalid`."""
        return value

    def quick(self, value: Any) -> Any:
        """The typed value when ``value`` is plainly valid, else SLOW — then `validate`
        runs and reports why.  The all-valid fast path: no key paths, no problem
        bookkeeping (thousands of runbooks, nearly all valid)."""
        if not self._plain:
            return SLOW  # a subclass that validates its own way
        try:
            return self.convert(value)
        except Invalid:
            return SLOW

    def validate(self, value: Any, run: Run, key: Key) -> Any:
        """The typed value, or MISSING after reporting why not."""
        try:
            return self.convert(value)
        except Invalid as exc:
            run.invalid(key, value, exc)
            return MISSING

    def schema(self) -> dict[str, Any]:
        return {}

    def json_schema(self) -> dict[str, Any]:
        s = {**self.schema(), "description": self.doc}
        if self.example is not MISSING:
            s["examples"] = [self.example]
        return s

    def children(self) -> Iterator[tuple[str, Option]]:
        return iter(())

    def default_text(self) -> str:
        """The default as the reference page shows it (YAML words)."""
        if self.shown or self.default is MISSING:
            return self.shown
        return _yaml_text(self.default)


def _yaml_text(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value == "":
        return '""'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_yaml_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_yaml_text(v)}" for k, v in value.items()) + "}"
    return str(value)


Check = Callable[[dict[str, Any], Run, Key], None]


class Schema:
    """Named options: validates one mapping, fills defaults, lists and exports itself.

    ``noun`` names a key in unknown-key messages; keys starting with ``custom_prefix``
    are the user's own; with ``null_is_absent`` a null value counts as not given;
    ``check`` sees the typed result to report problems that involve several keys.
    """

    def __init__(self, options: Mapping[str, Option], *, noun: str = "setting",
                 custom_prefix: str = "", null_is_absent: bool = False,
                 check: Check | None = None) -> None:
        self.options = dict(options)
        for name, opt in self.options.items():
            opt.name = name
        self.noun, self.custom_prefix = noun, custom_prefix
        self.null_is_absent, self.check = null_is_absent, check

    def defaults(self) -> dict[str, Any]:
        return {n: o.default for n, o in self.options.items() if o.default is not MISSING}

    def validate(self, data: Mapping[Any, Any], run: Run, key: Key = ()) -> dict[str, Any]:
        """The typed values (defaults for what is absent or bad); problems go to ``run``."""
        for name in data:
            if name not in self.options and not (
                    self.custom_prefix and isinstance(name, str)
                    and name.startswith(self.custom_prefix)):
                self.unknown(name, run, key)
        out: dict[str, Any] = {}
        for name, opt in self.options.items():
            value = data.get(name, MISSING)
            if value is MISSING or (value is None and self.null_is_absent):
                if opt.required:
                    run.report(key, run.codes.missing, f"required field is missing ({opt.doc})",
                               name=dotted(key + (name,)))
                got = MISSING
            else:
                got = opt.quick(value)
                if got is SLOW:
                    got = opt.validate(value, run, key + (name,))
            if got is MISSING:
                got = opt.default
            if got is not MISSING:
                out[name] = got
        if self.check is not None:
            self.check(out, run, key)
        return out

    def unknown(self, name: object, run: Run, key: Key) -> None:
        hint = did_you_mean(str(name), self.options)
        if not hint:
            hint = (f" (prefix custom keys with '{self.custom_prefix}')" if self.custom_prefix
                    else f" (known: {', '.join(self.options)})")
        run.report(key + (name,), run.codes.unknown, f"not a {self.noun}{hint}")

    def walk(self, prefix: str = "") -> Iterator[tuple[str, Option]]:
        """Every declared option, depth first, with its dotted key."""
        for name, opt in self.options.items():
            yield from _walk(f"{prefix}.{name}" if prefix else name, opt)

    def json_schema(self) -> dict[str, Any]:
        s: dict[str, Any] = {
            "type": "object",
            "properties": {n: o.json_schema() for n, o in self.options.items()},
            "additionalProperties": False,
        }
        required = [n for n, o in self.options.items() if o.required]
        if required:
            s["required"] = required
        if self.custom_prefix:
            s["patternProperties"] = {f"^{self.custom_prefix}": {}}  # a plain prefix
        return s


def _walk(at: str, opt: Option) -> Iterator[tuple[str, Option]]:
    yield at, opt
    for name, child in opt.children():
        yield from _walk(f"{at}.{name}", child)
