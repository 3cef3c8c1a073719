"""Placeholders rendered in Jinja's immutable sandbox.

Plain data only goes in; undefined names are errors; output and repetition are
bounded; attribute tricks (`''.__class__.__mro__`, `str.format` escapes, the
`attr` filter) are refused both statically (lint) and at render time (the
sandbox).  Jinja comments use `{## ##}` so shell's `${#array[@]}` stays shell.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_OUTPUT = 64 * 1024
MAX_REPEAT = 10_000
# Names the sandbox would refuse anyway; lint reports them before anyone runs them.
UNSAFE_ATTRS = frozenset({
    "format", "format_map", "mro", "func_globals", "func_code", "gi_frame", "gi_code",
    "cr_frame", "cr_code", "ag_frame", "ag_code", "f_globals", "f_locals", "f_builtins",
    "tb_frame", "im_func", "im_self", "im_class", "system", "popen",
})


class _Env(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int):
                    if len(seq) * n > MAX_OUTPUT or n > MAX_REPEAT:
                        raise SecurityError("repetition too large for a runbook template")
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > 64:
            raise SecurityError("exponent too large for a runbook template")
        return super().call_binop(context, operator, left, right)


@lru_cache(maxsize=1)
def environment() -> _Env:
    env = _Env(
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        comment_start_string="{##",
        comment_end_string="##}",
    )
    # Jinja's globals (range, dict, namespace, lipsum, ...) would silently satisfy a
    # placeholder such as {{ namespace }}; runbook templates see only incident values.
    env.globals.clear()
    return env


def has_template(text: str) -> bool:
    return "{{" in text or "{%" in text or "{##" in text


@dataclass(frozen=True, slots=True)
class TemplateIssue:
    code: str
    line: int  # 1-based, relative to the template
    message: str


@dataclass(frozen=True, slots=True)
class Analysis:
    names: tuple[tuple[str, int], ...]  # undeclared (free) names with their first line
    issues: tuple[TemplateIssue, ...]


def analyse(text: str) -> Analysis:
    """Free names and static problems of one template, without rendering it."""
    if not has_template(text):
        return Analysis((), ())
    if "{%" not in text and "{##" not in text:
        fast = _analyse_expressions(text)
        if fast is not None:
            return fast
    return _analyse_tree(text)


def _analyse_expressions(text: str) -> Analysis | None:
    """Templates holding only `{{ expr }}`: each distinct expression is parsed once.

    Returns None when anything looks off, so the full parse reports it exactly.
    """
    names: dict[str, int] = {}
    issues: list[TemplateIssue] = []
    pos, line, counted = 0, 1, 0
    while True:
        start = text.find("{{", pos)
        if start < 0:
            break
        end = text.find("}}", start + 2)
        if end < 0 or text.find("{{", start + 2, end) >= 0:
            return None
        line += text.count("\n", counted, start)
        counted = start
        one = _expression(text[start:end + 2])
        if one is None:
            return None
        for name, rel in one.names:
            names.setdefault(name, line + rel - 1)
        if one.issues:
            issues.extend(TemplateIssue(i.code, line + i.line - 1, i.message)
                          for i in one.issues)
        pos = end + 2
    return Analysis(tuple(names.items()), tuple(issues))


@lru_cache(maxsize=4096)
def _expression(src: str) -> Analysis | None:
    result = _analyse_tree(src)
    return None if any(i.code == "template-syntax" for i in result.issues) else result


def _analyse_tree(text: str) -> Analysis:
    env = environment()
    try:
        tree = env.parse(text)
    except TemplateSyntaxError as exc:
        return Analysis((), (TemplateIssue("template-syntax", exc.lineno or 1,
                                           f"template syntax error: {exc.message}"),))
    loads: dict[str, int] = {}
    stores: set[str] = set()
    issues: list[TemplateIssue] = []
    for node in tree.find_all((nodes.Name, nodes.Getattr, nodes.Getitem, nodes.Filter)):
        if isinstance(node, nodes.Name):
            if node.ctx == "load":
                loads.setdefault(node.name, node.lineno)
            else:
                stores.add(node.name)
        elif isinstance(node, nodes.Getattr):
            if node.attr.startswith("_") or node.attr in UNSAFE_ATTRS:
                issues.append(_forbidden(node.lineno, f"attribute '{node.attr}'"))
        elif isinstance(node, nodes.Getitem):
            arg = node.arg
            if isinstance(arg, nodes.Const) and isinstance(arg.value, str) and (
                    arg.value.startswith("_") or arg.value in UNSAFE_ATTRS):
                issues.append(_forbidden(node.lineno, f"item '{arg.value}'"))
        elif isinstance(node, nodes.Filter) and node.name == "attr":
            issues.append(_forbidden(node.lineno, "the 'attr' filter"))
    # `loop` exists inside for-loops; names set by {% set %} / {% for %} are not free.
    free = tuple((n, ln) for n, ln in loads.items() if n not in stores and n != "loop")
    return Analysis(free, tuple(issues))


def _forbidden(line: int, what: str) -> TemplateIssue:
    return TemplateIssue("sandbox-forbidden", line,
                         f"{what} is not allowed in runbook templates (sandboxed: use plain "
                         f"values and filters)")


class RenderFailure(Exception):
    """Rendering failed; ``name`` is the missing variable when that was the cause."""

    def __init__(self, message: str, line: int | None = None, name: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.name = name


def render(text: str, values: Mapping[str, Any]) -> str:
    """Render one template with plain values; raises RenderFailure."""
    if not has_template(text):
        return text
    env = environment()
    try:
        tmpl = env.from_string(text)
        out: list[str] = []
        size = 0
        for chunk in tmpl.generate(**values):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise RenderFailure(f"rendered output exceeds {MAX_OUTPUT} characters")
            out.append(chunk)
        return "".join(out)
    except TemplateSyntaxError as exc:
        raise RenderFailure(f"template syntax error: {exc.message}", exc.lineno) from None
    except UndefinedError as exc:
        name = _undefined_name(str(exc))
        raise RenderFailure(str(exc), None, name) from None
    except SecurityError as exc:
        raise RenderFailure(f"refused by the sandbox: {exc}") from None
    except RenderFailure:
        raise
    except Exception as exc:  # a template bug must never surface as a traceback
        raise RenderFailure(f"{type(exc).__name__}: {exc}") from None


def _undefined_name(message: str) -> str | None:
    # Jinja says "'name' is undefined"
    if message.startswith("'") and "' is undefined" in message:
        return message[1:message.index("' is undefined")]
    return None


def marked_values(names: Iterable[str], given: Mapping[str, Any]) -> dict[str, Any]:
    """Values for a preview: given ones, and a visible marker for the rest."""
    out: dict[str, Any] = {n: f"<{n}>" for n in names}
    out.update(given)
    return out
