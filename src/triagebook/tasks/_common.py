"""What every task adapter shares: the project config and error → Exit mapping."""

from __future__ import annotations

import functools
import math
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from invoke.exceptions import Exit

from triagebook.config import Config, load_config
from triagebook.errors import TriagebookError, UsageError

F = TypeVar("F", bound=Callable[..., Any])


def project() -> Config:
    return load_config()


def user_errors(fn: F) -> F:
    """Turn a domain error into one line on stderr and exit 1 — never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except TriagebookError as exc:
            raise Exit(str(exc), code=1) from None
        except KeyboardInterrupt:
            raise Exit("interrupted", code=130) from None
        except BrokenPipeError:
            # `inv runbook.list | head`: the reader left; that is not an error.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise Exit(code=0) from None

    return wrapper  # type: ignore[return-value]


def choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise UsageError(f"--{name}: expected one of {', '.join(allowed)} but received "
                         f"{value!r}")
    return value


def number(name: str, value: object, *, whole: bool = False, minimum: float = 0,
           above: bool = False) -> float:
    """A numeric flag, parsed here (not by Invoke, whose ValueError is a traceback).

    `nan` and `inf` are refused: a timeout of nan never expires.
    """
    text = str(value).strip()
    try:
        x = float(int(text)) if whole else float(text)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise UsageError(f"--{name}: expected {kind} but received {text!r}") from None
    if not math.isfinite(x) or x < minimum or (above and x == minimum):
        bound = f"greater than {minimum:g}" if above else f"at least {minimum:g}"
        raise UsageError(f"--{name}: expected a finite number {bound} but received {text!r}")
    return x
