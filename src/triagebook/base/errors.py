"""One exception base and the problem record every check reports.

A user error is always one line: file, line, key, what was expected and what
arrived.  Problems are collected, never raised one at a time, so one bad runbook
never hides the others.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Level = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding about one place in one file."""

    path: str
    line: int | None
    code: str
    message: str
    level: Level = "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        prefix = "warning: " if self.level == "warning" else ""
        return f"{where}: {self.code}: {prefix}{self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "code": self.code,
            "level": self.level,
            "message": self.message,
        }


class TriagebookError(Exception):
    """Base of every error a user can act on; ``str()`` is the one-line message."""

    exit_code = 1  # the command's exit status when this ends it

    def __str__(self) -> str:  # pragma: no cover - subclasses override
        return self.__class__.__name__


class PlaceError(TriagebookError):
    """Something wrong with one file, archive or source, said as `where: why`."""

    def __init__(self, where: str, why: str) -> None:
        self.where, self.why = where, why

    def __str__(self) -> str:
        return f"{self.where}: {self.why}"


class UsageError(TriagebookError):
    """A bad argument or value given on the command line."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class BadArgument(UsageError):
    """A bad value for one named parameter, as data: the core names the parameter
    (`context_file`), the adapter words it for its users (`--context-file` on the command
    line; the parameter name itself for API callers, which is the default)."""

    def __init__(self, param: str, value: object, why: str) -> None:
        self.param, self.value, self.why = param, value, why
        super().__init__(self.worded(param))

    def worded(self, name: str) -> str:
        shown = "" if self.value in ("", None) else f" {self.value}"
        return f"{name}{shown}: {self.why}"

    def __str__(self) -> str:
        return self.message


class Interrupted(TriagebookError):
    """Stopped by a signal before anything was recorded (exit 128 + the signal)."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.message, self.exit_code = message, exit_code

    def __str__(self) -> str:
        return self.message


class ProblemsError(TriagebookError):
    """Several problems found while loading something (config, a runbook)."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(self.problems)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class UnknownRunbook(TriagebookError):
    """A runbook id that is not in the catalog, with the closest ids."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        self.name = name
        self.hint = did_you_mean(name, known, 3)
        super().__init__(name)

    def __str__(self) -> str:
        return f"no runbook named '{self.name}'{self.hint} (inv runbook.list shows them all)"


def suggest(name: str, known: Iterable[str], n: int = 3) -> list[str]:
    """The closest names to ``name``: prefix matches first, then fuzzy ones."""
    known = sorted(set(known))
    out = [k for k in known if k.startswith(name) or name in k][:n]
    for k in difflib.get_close_matches(name, known, n=n, cutoff=0.6):
        if k not in out:
            out.append(k)
    return out[:n]


def did_you_mean(name: str, known: Iterable[str], n: int = 1) -> str:
    """The hint every message ends with: "; did you mean 'x'?" (or 'x' or 'y'), else ""."""
    hint = suggest(name, known, n)
    return "; did you mean " + " or ".join(f"'{h}'" for h in hint) + "?" if hint else ""
