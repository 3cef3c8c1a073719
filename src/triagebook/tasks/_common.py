"""What every task adapter shares: the project config and error → Exit mapping."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from invoke.exceptions import Exit

from triagebook.config import Config, load_config
from triagebook.errors import Problem, TriagebookError, UsageError

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


def warn(cfg: Config, problems: Iterable[Problem]) -> None:
    """Each ledger line that was skipped, on stderr (the output itself stays clean)."""
    for p in problems:
        print(replace(p, path=cfg.display(Path(p.path))), file=sys.stderr)


def warn_ledgers(cfg: Config, ledgers: Iterable[tuple[str, list[Problem]]]) -> None:
    """One line per ledger with skipped lines, for the commands that read them all."""
    for iid, problems in ledgers:
        if not problems:
            continue
        first = problems[0]
        path = cfg.display(Path(first.path))
        if first.line is None:
            print(f"warning: {path}: {first.code}: {first.message}", file=sys.stderr)
            continue
        n = len(problems)
        where = f"line {first.line}: {first.message.split(':', 1)[0]}"
        print(f"warning: {path}: {n} bad event{'s' * (n != 1)} skipped "
              f"({'first at ' if n > 1 else ''}{where}); inv incident.show {iid} for details",
              file=sys.stderr)
