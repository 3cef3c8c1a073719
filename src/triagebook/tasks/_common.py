"""What every task adapter shares: the project config and error → Exit mapping."""

from __future__ import annotations

import functools
import inspect
import math
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from invoke.exceptions import Exit
from invoke.parser.argument import Argument
from invoke.tasks import Task

from triagebook import Config, Problem, TriagebookError, load_config
from triagebook.base.errors import BadArgument, UsageError
from triagebook.base.safetext import neutralise

F = TypeVar("F", bound=Callable[..., Any])


def project(warned: set[str] | None = None) -> Config:
    """The project's configuration; what is wrong in invoke.yaml is one warning line each
    on stderr (the defaults are used), so a typo never locks the runbooks.  A loop that
    reloads it (`escalation.watch` each tick) passes the set of lines already said: each
    warning is said once, not once per reload."""
    cfg = load_config()
    for p in cfg.problems:
        line = neutralise(str(p))
        if warned is None or line not in warned:
            print(line, file=sys.stderr)
        if warned is not None:
            warned.add(line)
    return cfg


HELP_WORDS = ("--help", "-h")


class _Neutralised:
    """A text stream that spells out control characters (newlines and tabs kept)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(neutralise(text, newlines=True))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def terminal_safe(fn: F) -> F:
    """For tasks that print ledger or archive data (which a teammate or a handed-in
    bundle wrote): escape sequences in it are shown, never obeyed by the terminal."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        out, err = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = _Neutralised(out), _Neutralised(err)
        try:
            return fn(*args, **kwargs)
        finally:
            sys.stdout, sys.stderr = out, err

    return wrapper  # type: ignore[return-value]


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
        except BadArgument as exc:  # worded with the flag this adapter gives it
            flag = "--" + exc.param.replace("_", "-")
            raise Exit(neutralise(exc.worded(flag), newlines=True), code=exc.exit_code) from None
        except TriagebookError as exc:
            raise Exit(neutralise(str(exc), newlines=True), code=exc.exit_code) from None
        except KeyboardInterrupt:
            raise Exit("interrupted", code=130) from None
        except BrokenPipeError:
            # `inv runbook.list | head`: the reader left; that is not an error.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise Exit(code=0) from None

    return wrapper  # type: ignore[return-value]


# the collection tasks are reached through, set by `triagebook.tasks.namespace()` (this
# module is imported by the task modules and so cannot import the collection itself)
_NAMESPACE: dict[str, Any] = {}


def remember_namespace(ns: Any) -> None:
    _NAMESPACE["tasks"] = ns


def _print_help(body: Callable[..., Any]) -> None:
    """The help `inv --help TASK` prints, for the task whose body this is."""
    from invoke.program import Program

    ns = _NAMESPACE.get("tasks")
    if ns is None:
        raise Exit("no help found for this task; try inv --list", code=1)
    for name in ns.task_names:
        if ns[name].body is body:
            Program(namespace=ns, binary="inv").run(["inv", "--help", name], exit=False)
            return
    raise Exit("no help found for this task; try inv --list", code=1)


class _Flag(Argument):
    """An argument whose parse errors read as one line naming the flag the user typed."""

    def __repr__(self) -> str:  # Invoke's "Flag {!r} needed value and was not given one!"
        return "--" + self.names[0]

    decimal = False  # a float option: shown as a number in help, cast with float()

    def set_value(self, value: Any, cast: bool = True) -> None:
        from invoke.exceptions import ParseError

        try:
            if self.decimal and cast:  # checked here; the task reads it with number()
                float(value)
                super().set_value(value, cast=False)
            else:
                super().set_value(value, cast)
        except ValueError:
            what = "a number" if self.decimal else (
                "a whole number" if self.kind is int else f"a {self.kind.__name__}")
            raise ParseError(f"--{self.names[0]}: expected {what} but received "
                             f"{value!r}") from None


class _AfterHelp(_Flag):
    """A later positional that counts as given once an earlier one received --help."""

    earlier: list[Argument]

    @property
    def value(self) -> Any:
        value = self._value if self._value is not None else self.default
        if value is None and any(a.raw_value in HELP_WORDS for a in self.earlier):
            return ""
        return value

    @value.setter
    def value(self, arg: str) -> None:
        self.set_value(arg, cast=True)


INCIDENT_PARAMS = ("id_", "incident")  # one flag for the incident everywhere: --incident


class TbTask(Task):  # type: ignore[type-arg]
    """Every triagebook task: the incident is `--incident` (with `--id` kept as an alias);
    `-h` is help, never a short flag; a bad or missing value is one line naming the
    flag; and `--help` works with several positionals (`inv incident.note --help` gives
    '--help' as ID and nothing as TEXT: a positional after a --help counts as given)."""

    def arg_opts(self, name: str, default: str, taken_names: set[str]) -> dict[str, Any]:
        opts: dict[str, Any] = super().arg_opts(name, default, taken_names)
        names = [n for n in opts["names"] if n != "h"]
        if name in INCIDENT_PARAMS:
            short = [n for n in names if len(n) == 1]
            names = ["incident", "id", *short]
            if name != "incident":
                opts["attr_name"] = name
        opts["names"] = names
        return opts

    def get_arguments(self, ignore_unknown_help: bool | None = None) -> list[Argument]:
        args = super().get_arguments(ignore_unknown_help)
        for arg in args:
            arg.__class__ = _Flag
            if arg.kind is float:  # Invoke's help has no word for float: say INT, take 0.5
                arg.kind, arg.decimal = int, True  # type: ignore[attr-defined]
        positional = [a for a in args if a.positional]
        for i, arg in enumerate(positional[1:], start=1):
            arg.__class__ = _AfterHelp
            arg.earlier = positional[:i]  # type: ignore[attr-defined]
        return args


def task(*args: Any, **kwargs: Any) -> Any:
    """Invoke's `@task`, making a `TbTask`."""
    from invoke.tasks import task as invoke_task

    kwargs.setdefault("klass", TbTask)
    return invoke_task(*args, **kwargs)


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
