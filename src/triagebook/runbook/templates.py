"""Placeholders rendered in Jinja's immutable sandbox.

Plain data only goes in; undefined names are errors; output and repetition are
bounded; attribute tricks (`''.__class__.__mro__`, `str.format` escapes, the
`attr` filter) are refused both statically (lint) and at render time (the
sandbox).  Jinja comments use `{## ##}` so shell's `${#array[@]}` stays shell.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from triagebook.runbook import budget as B
from triagebook.runbook.budget import MAX_OUTPUT, BudgetExceeded

# Names the sandbox would refuse anyway; lint reports them before anyone runs them.
UNSAFE_ATTRS = frozenset({
    "format", "format_map", "mro", "func_globals", "func_code", "gi_frame", "gi_code",
    "cr_frame", "cr_code", "ag_frame", "ag_code", "f_globals", "f_locals", "f_builtins",
    "tb_frame", "im_func", "im_self", "im_class", "system", "popen",
})
class _Bounded(NodeTransformer):
    """Route loops, `~` and list/dict literals through the budget (see budget.py)."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = nodes.Filter(node.iter, "tb_steps", [], [], None, None,
                                 lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return nodes.Filter(nodes.List(node.nodes, lineno=node.lineno), "tb_concat", [], [],
                            None, None, lineno=node.lineno)

    def _sized(self, node: nodes.Expr) -> nodes.Node:
        self.generic_visit(node)
        return nodes.Filter(node, "tb_sized", [], [], None, None, lineno=node.lineno)

    visit_List = visit_Tuple = visit_Dict = _sized


class _Env(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset(B.BINOPS)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        B.BINOPS[operator](left, right)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any,  # noqa: N805
             **kwargs: Any) -> Any:
        B.spend()
        args = B.check_method(__obj, args)
        return super().call(__context, __obj, *args, **kwargs)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        return attr not in UNSAFE_ATTRS and super().is_safe_attribute(obj, attr, value)

    def wrap_str_format(self, value: Any) -> Any:
        if super().wrap_str_format(value) is None:
            return None

        def refused(*args: Any, **kwargs: Any) -> str:  # '{:>999999999}'.format(1)
            raise SecurityError("str.format is not allowed in runbook templates")

        return refused

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        out = _Bounded().visit(tree)
        assert isinstance(out, nodes.Template)
        return out


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
    env.filters.update(B.FILTERS)
    return env


def has_template(text: str) -> bool:
    return "{{" in text or "{%" in text or "{##" in text


class RenderFailure(Exception):
    """Rendering failed; ``name`` is the missing variable when that was the cause."""

    def __init__(self, message: str, line: int | None = None, name: str | None = None,
                 budget: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.name = name
        self.budget = budget


def render(text: str, values: Mapping[str, Any], seconds: float = B.MAX_SECONDS) -> str:
    """Render one template with plain values, within its budget; raises RenderFailure."""
    if not has_template(text):
        return text
    env = environment()
    try:
        with B.budget(seconds) as budget:
            tmpl = env.from_string(text)
            out: list[str] = []
            size = 0
            for chunk in tmpl.generate(**values):
                size += len(chunk)
                if size > MAX_OUTPUT:
                    raise BudgetExceeded(f"the output exceeds {MAX_OUTPUT} characters")
                budget.spend(0)
                out.append(chunk)
            return "".join(out)
    except TemplateSyntaxError as exc:
        raise RenderFailure(f"template syntax error: {exc.message}", exc.lineno) from None
    except UndefinedError as exc:
        name = _undefined_name(str(exc))
        raise RenderFailure(str(exc), None, name) from None
    except BudgetExceeded as exc:
        raise RenderFailure(f"refused, over the template budget: {exc}", budget=True) from None
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
