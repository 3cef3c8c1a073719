"""What every task adapter shares: the project config and error → Exit mapping."""

from __future__ import annotations

import functools
import inspect
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


HELP_WORDS = ("--help", "-h")


def user_errors(fn: F) -> F:
    """Turn a domain error into one line on stderr and exit 1 — never a traceback.

    Also: `inv runbook.run --help` reaches the task with '--help' as NAME (Invoke reads
    a word after a task as its positional argument); the task's help is printed instead.
    """
    params = list(inspect.signature(fn).parameters.values())[1:]  # after the Context
    positional = [p.name for p in params if p.default is inspect.Parameter.empty]

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        values = [*args[1:], *(kwargs.get(name) for name in positional)]
        try:
            if any(isinstance(v, str) and v in HELP_WORDS for v in values):
                return _print_help(wrapper)
            return fn(*args, **kwargs)
        except TriagebookError as exc:
            raise Exit(str(exc), code=exc.exit_code) from None
        except KeyboardInterrupt:
            raise Exit("interrupted", code=130) from None
        except BrokenPipeError:
            # `inv runbook.list | head`: the reader left; that is not an error.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise Exit(code=0) from None

    return wrapper  # type: ignore[return-value]


def _print_help(body: Callable[..., Any]) -> None:
    """The help `inv --help TASK` prints, for the task whose body this is."""
    from invoke.program import Program

    from triagebook.tasks import namespace

    ns = namespace()
    for name in ns.task_names:
        if ns[name].body is body:
            Program(namespace=ns, binary="inv").run(["inv", "--help", name], exit=False)
            return
    raise Exit("no help found for this task; try inv --list", code=1)


def choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise UsageError(f"--{name}: expected one of {', '.join(allowed)} but received "
                         f"{value!r}")
    return value
