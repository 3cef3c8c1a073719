"""The incident's context for a run: who operates, values from a file, values asked for."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from triagebook.errors import UsageError
from triagebook.incident import actor
from triagebook.runbook.model import Runbook
from triagebook.runner.session import UI


def operator_name() -> str:
    return actor.operator()


def read_context_file(path: str) -> dict[str, str]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"--context-file {path}: cannot read: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise UsageError(f"--context-file {path}: not valid YAML: "
                         f"{str(exc).splitlines()[0]}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError(f"--context-file {path}: expected a mapping of name: value but "
                         f"received {type(data).__name__}")
    return {str(k): "" if v is None else str(v) for k, v in data.items()}


def ask_context(rb: Runbook, have: dict[str, str], ui: UI) -> dict[str, str]:
    """Ask for each declared value not given (terminal only); pattern enforced."""
    out = dict(have)
    for var in rb.context:
        if var.name in out:
            continue
        ex = f" (e.g. {var.example})" if var.example and not var.secret else ""
        need = "required" if var.required else "optional, Enter to skip"
        ui.say(f"{var.name}: {var.description or ''}{ex} [{need}]")
        while True:
            if var.secret:
                value = ui.secret(f"{var.name} (hidden): ")
            else:
                default = f" [{var.default}]" if var.default else ""
                value = ui.ask(f"{var.name}{default}: ")
            if value is None:
                raise UsageError(f"{rb.id}: input ended while asking for '{var.name}'")
            value = value.strip()
            if not value:
                if var.default is not None:
                    value = var.default
                elif var.required:
                    ui.say(f"{var.name} is required")
                    continue
                else:
                    break
            if var.pattern and not re.search(var.pattern, value):
                ui.say(f"{var.name}: expected a value matching {var.pattern!r}; try again")
                continue
            out[var.name] = value
            break
    return out
