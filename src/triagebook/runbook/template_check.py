"""What lint knows about a template without running it: its free names, and the
problems the sandbox would refuse at render time (unsafe attributes, unbounded
repetition, syntax), each with its line."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import TemplateSyntaxError, nodes

from triagebook.runbook import budget as B
from triagebook.runbook.budget import BudgetExceeded
from triagebook.runbook.templates import (
    UNSAFE_ATTRS,
    RenderFailure,
    environment,
    has_template,
    marked_values,
    render,
)


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
    issues.extend(_costly(tree))
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
    if "{%" in text and not issues:
        issues.extend(_trial(text, [n for n, _ in free]))
    return Analysis(free, tuple(issues))


_BINOPS = {nodes.Mul: "*", nodes.Pow: "**", nodes.Mod: "%", nodes.Add: "+"}
_NEUTRAL = {"*": ("x", 1), "**": (2, 1), "%": ("", ())}


def _costly(tree: nodes.Template) -> list[TemplateIssue]:
    """Operations on constants that the budget refuses, found without rendering."""
    found: list[TemplateIssue] = []
    for node in tree.find_all((nodes.BinExpr, nodes.Filter, nodes.Call)):
        try:
            with B.budget():
                if type(node) in _BINOPS and not isinstance(node, nodes.Add):
                    # a value only known at run time is taken as the smallest one
                    assert isinstance(node, nodes.BinExpr)
                    op = _BINOPS[type(node)]
                    left, right = _const(node.left), _const(node.right)
                    if left or right:
                        B.BINOPS[op](left[0] if left else _NEUTRAL[op][0],
                                   right[0] if right else _NEUTRAL[op][1])
                elif isinstance(node, nodes.Filter) and node.name in B.FILTERS and node.node:
                    value, args = _const(node.node), [_const(a) for a in node.args]
                    if all(args) and not node.kwargs:
                        B.FILTERS[node.name](*_filter_args(node.name, value[0] if value else "",
                                                           [a[0] for a in args if a]))
                elif isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr):
                    owner, args = _const(node.node.node), [_const(a) for a in node.args]
                    if owner and all(args):
                        method = getattr(owner[0], node.node.attr, None)
                        if callable(method):
                            B.check_method(method, tuple(a[0] for a in args if a))
        except BudgetExceeded as exc:
            found.append(_over(node.lineno, str(exc)))
        except Exception:  # noqa: BLE001 - a type error is not ours to report here
            continue
    return found


def _const(node: nodes.Node) -> tuple[Any] | None:
    """(value,) when ``node`` folds to a constant (through the budget's checks)."""
    if isinstance(node, nodes.Const):
        return (node.value,)
    if not isinstance(node, nodes.Expr):
        return None
    try:
        return (node.as_const(nodes.EvalContext(environment())),)
    except nodes.Impossible:
        return None


def _filter_args(name: str, value: Any, args: list[Any]) -> list[Any]:
    env = environment()
    if name in ("join", "replace"):
        return [nodes.EvalContext(env), value, *args]
    if name == "wordwrap":
        return [env, value, *args]
    return [value, *args]


def _trial(text: str, names: Iterable[str]) -> list[TemplateIssue]:
    """Loops and macros: render once with placeholder markers, within a short budget."""
    try:
        render(text, marked_values(names, {}), seconds=0.5)
    except RenderFailure as exc:
        if exc.budget:
            line = exc.line or text.count("\n", 0, text.find("{%")) + 1
            return [_over(line, exc.message.split(": ", 1)[-1])]
    return []


def _over(line: int, why: str) -> TemplateIssue:
    return TemplateIssue("template-budget", line,
                         f"this template would cost too much to render ({why}); runbook "
                         f"templates fill in values, they do not compute")


def _forbidden(line: int, what: str) -> TemplateIssue:
    return TemplateIssue("sandbox-forbidden", line,
                         f"{what} is not allowed in runbook templates (sandboxed: use plain "
                         f"values and filters)")
