"""What one template render may cost, refused *before* the work or allocation happens.

A runbook template is untrusted text: nested loops, exponential macros, `'%0300000000d'
% 1`, `'x'|center(10**9)`, `'a'.ljust(10**9)` or doubling a string with `~` would hang
the runner or eat gigabytes.  Three bounds:

- steps: every loop iteration and every call (macros included) spends one step of
  MAX_STEPS, and a wall-clock deadline (MAX_SECONDS) is checked with each step;
- size: every operation that can grow a value (`*`, `%`, `+`, `~`, `**`, the padding
  and joining filters and str methods, list and dict literals) computes the size of its
  result first and is refused past MAX_OUTPUT characters (or MAX_ITEMS values);
- the rendered output itself stays under MAX_OUTPUT (templates.render).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from jinja2 import filters as jf
from jinja2.exceptions import SecurityError
from jinja2.utils import pass_environment, pass_eval_context

MAX_OUTPUT = 64 * 1024  # characters in any value or in the whole output
MAX_REPEAT = 10_000
MAX_ITEMS = 10_000  # values in a list or dict, nested ones counted
MAX_STEPS = 100_000  # loop iterations + calls in one render
MAX_SECONDS = 2.0  # wall clock for one render


class BudgetExceeded(SecurityError):
    """A template asked for more than a runbook template may have."""


@dataclass(slots=True)
class Budget:
    steps: int = MAX_STEPS
    deadline: float = 0.0

    def spend(self, n: int = 1) -> None:
        self.steps -= n
        if self.steps < 0:
            raise BudgetExceeded(f"more than {MAX_STEPS} loop iterations and calls")
        if time.monotonic() > self.deadline:
            raise BudgetExceeded(f"rendering took longer than {MAX_SECONDS:g} s")


_current: ContextVar[Budget | None] = ContextVar("triagebook_template_budget", default=None)


@contextmanager
def budget(seconds: float = MAX_SECONDS) -> Iterator[Budget]:
    b = Budget(MAX_STEPS, time.monotonic() + seconds)
    token = _current.set(b)
    try:
        yield b
    finally:
        _current.reset(token)


def spend(n: int = 1) -> None:
    b = _current.get()
    if b is None:  # rendered outside templates.render (analysis constant folding)
        raise BudgetExceeded("no budget: render through triagebook.runbook.templates")
    b.spend(n)


def need(size: int, what: str = "the result") -> None:
    if size > MAX_OUTPUT:
        raise BudgetExceeded(f"{what} would be {size} characters (limit {MAX_OUTPUT})")


def _len(x: Any) -> int:
    return len(x) if isinstance(x, (str, bytes)) else len(str(x))


def weight(obj: Any, cap: int = MAX_ITEMS) -> int:
    """Values in ``obj`` with shared parts counted each time (as `str()` would write them)."""
    count, todo = 0, [obj]
    while todo:
        x = todo.pop()
        count += 1
        if count > cap:
            break
        if isinstance(x, (list, tuple, set, frozenset)):
            todo.extend(x)
        elif isinstance(x, dict):
            todo.extend(x.keys())
            todo.extend(x.values())
    spend(count // 64)
    return count


def sized(obj: Any) -> Any:
    """A list / tuple / dict literal: refused once it holds more than MAX_ITEMS values."""
    if weight(obj) > MAX_ITEMS:
        raise BudgetExceeded(f"a list or dict of more than {MAX_ITEMS} values")
    return obj


def concat(parts: Iterable[Any]) -> str:
    items = [str(p) for p in parts]
    need(sum(len(p) for p in items), "the joined text")
    return "".join(items)


def steps(iterable: Any) -> Iterator[Any]:
    """A for-loop's iterable, one step per iteration."""
    for item in iterable:
        spend()
        yield item


# ---- formatting ------------------------------------------------------------------------

_PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?[a-zA-Z%]")
_SPEC = re.compile(r"(?:.?[<>=^])?[-+ ]?z?#?0?(\d*)[,_]?(?:\.(\d+))?[a-zA-Z%]?")


def percent(fmt: str, args: Any) -> None:
    """Refuse `fmt % args` whose result would exceed MAX_OUTPUT (before formatting)."""
    total = len(fmt)
    for m in _PERCENT.finditer(fmt):
        if "*" in (m.group(1), m.group(2)):
            raise BudgetExceeded("'*' widths in % formatting are not allowed")
        total += max(int(m.group(1) or 0), int(m.group(2) or 0))
        need(total, "the % formatted text")
    values = args.values() if isinstance(args, dict) else (
        args if isinstance(args, tuple) else (args,))
    need(total + sum(_len(v) for v in values), "the % formatted text")


MAX_BITS = 64 * 1024  # an integer result of ** stays below this many bits


def _repeat(left: Any, right: Any) -> None:
    for seq, n in ((left, right), (right, left)):
        if isinstance(seq, (str, list, tuple)) and isinstance(n, int):
            if n > MAX_REPEAT or len(seq) * n > MAX_OUTPUT or (
                    not isinstance(seq, str) and weight(seq) * n > MAX_ITEMS):
                raise BudgetExceeded("repetition too large for a runbook template")


def _power(left: Any, right: Any) -> None:
    if isinstance(right, (int, float)) and abs(right) > 64:
        raise BudgetExceeded("exponent too large for a runbook template")
    if isinstance(left, int) and isinstance(right, int) and right > 0 and \
            abs(left).bit_length() * right > MAX_BITS:
        raise BudgetExceeded("number too large for a runbook template")


def _add(left: Any, right: Any) -> None:
    if isinstance(left, str) and isinstance(right, str):
        need(len(left) + len(right), "the sum")
    elif isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
        sized([left, right])


def _percent(left: Any, right: Any) -> None:
    if isinstance(left, str):
        percent(left, right)


BINOPS: dict[str, Callable[[Any, Any], None]] = {
    "*": _repeat, "**": _power, "+": _add, "%": _percent}


# ---- filters ---------------------------------------------------------------------------

def _center(value: Any, width: int = 80) -> str:
    need(max(_len(value), int(width)))
    return jf.do_center(value, width)


def _indent(s: Any, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
    text = str(s)
    pad = len(width) if isinstance(width, str) else int(width)
    need(len(text) + (text.count("\n") + 1) * pad)
    return jf.do_indent(text, width, first, blank)


@pass_eval_context
def _join(eval_ctx: Any, value: Iterable[Any], d: str = "", attribute: Any = None) -> str:
    items = list(value)
    spend(len(items) // 64)
    need(sum(_len(i) for i in items) + _len(d) * max(len(items) - 1, 0))
    return jf.sync_do_join(eval_ctx, items, d, attribute)


@pass_eval_context
def _replace(eval_ctx: Any, s: Any, old: Any, new: Any, count: int | None = None) -> str:
    text, o, n = str(s), str(old), str(new)
    hits = text.count(o) if o else len(text) + 1
    if count is not None and count >= 0:
        hits = min(hits, int(count))
    need(len(text) + hits * max(len(n) - len(o), 0))
    return jf.do_replace(eval_ctx, s, old, new, count)


def _format(value: Any, *args: Any, **kwargs: Any) -> str:
    percent(str(value), kwargs or args)
    return jf.do_format(value, *args, **kwargs)


@pass_environment
def _wordwrap(env: Any, s: str, width: int = 79, break_long_words: bool = True,
              wrapstring: str | None = None, break_on_hyphens: bool = True) -> str:
    text = str(s)
    sep = len(wrapstring if wrapstring is not None else env.newline_sequence)
    need(len(text) + (len(text) // max(int(width), 1) + 1) * sep)
    return jf.do_wordwrap(env, text, width, break_long_words, wrapstring, break_on_hyphens)


def _batch(value: Any, linecount: int, fill_with: Any = None) -> Any:
    if fill_with is not None:
        need(int(linecount), "the batch padding")
    return jf.do_batch(value, linecount, fill_with)


def _slice(value: Any, slices: int, fill_with: Any = None) -> Any:
    need(int(slices), "the number of slices")
    return jf.sync_do_slice(value, slices, fill_with)


FILTERS: dict[str, Callable[..., Any]] = {
    "center": _center, "indent": _indent, "join": _join, "replace": _replace,
    "format": _format, "wordwrap": _wordwrap, "batch": _batch, "slice": _slice,
    "tb_steps": steps, "tb_sized": sized, "tb_concat": concat,
}

# ---- methods of plain values -----------------------------------------------------------

SAFE_METHODS = frozenset({
    "lower", "upper", "title", "capitalize", "casefold", "swapcase", "strip", "lstrip",
    "rstrip", "split", "rsplit", "splitlines", "startswith", "endswith", "find", "rfind",
    "index", "rindex", "count", "partition", "rpartition", "removeprefix", "removesuffix",
    "isdigit", "isalpha", "isalnum", "isspace", "islower", "isupper", "istitle",
    "isnumeric", "isdecimal", "isascii", "isidentifier", "isprintable", "keys", "values",
    "items", "get", "bit_length", "is_integer",
})
SIZED_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs", "replace",
                           "join"})
_PLAIN = (str, bytes, int, float, list, tuple, dict, set, frozenset)


def check_method(obj: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
    """Vet a call of a method of a plain value; returns the args to call it with."""
    owner = getattr(obj, "__self__", None)
    name = getattr(obj, "__name__", "")
    if not isinstance(owner, _PLAIN) or isinstance(owner, type):
        return args
    if name in SAFE_METHODS:
        return args
    if name not in SIZED_METHODS:
        raise BudgetExceeded(f"the method '{name}' is not allowed in runbook templates")
    size = _len(owner)
    if name == "join":
        items = list(args[0]) if args else []
        need(sum(_len(i) for i in items) + size * max(len(items) - 1, 0))
        return (items, *args[1:])
    if name == "expandtabs":
        tab = int(args[0]) if args else 8
        need(size + str(owner).count("\t") * max(tab, 0))
    elif name == "replace" and len(args) >= 2:
        old, new = str(args[0]), str(args[1])
        hits = str(owner).count(old) if old else size + 1
        if len(args) > 2 and int(args[2]) >= 0:
            hits = min(hits, int(args[2]))
        need(size + hits * max(len(new) - len(old), 0))
    elif args:
        need(max(size, int(args[0])))
    return args
