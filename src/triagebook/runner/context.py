"""The incident's context for a run: who operates, values from a file, values asked for."""

from __future__ import annotations

from triagebook.base import yamlsrc
from triagebook.base.errors import BadArgument, UsageError
from triagebook.base.files import read_bytes
from triagebook.incident import actor
from triagebook.runbook.model import Runbook
from triagebook.runbook.schema import NAME_RE
from triagebook.runbook.values import fits
from triagebook.runner.session import UI


def operator_name() -> str:
    return actor.operator()


def read_context_file(path: str) -> dict[str, str]:
    """NAME: VALUE pairs from a YAML file.  Errors give a position, never the content:
    the file may hold credentials (or be the wrong file, such as /etc/shadow)."""
    try:
        text = read_bytes(path).decode("utf-8")
    except OSError as exc:
        raise BadArgument("context_file", path, f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise BadArgument("context_file", path, f"not UTF-8 text (byte {exc.start})") from None
    try:
        doc = yamlsrc.load(text)
    except yamlsrc.YamlSyntaxError as exc:
        where = f":{exc.line}" if exc.line else ""
        why = "not valid YAML" if exc.code == "yaml-syntax" else exc.message
        raise BadArgument("context_file", f"{path}{where}", f"{why}; expected NAME: VALUE "
                         f"lines") from None
    data = doc.data
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BadArgument("context_file", path, f"expected a mapping of NAME: VALUE but "
                         f"received {type(data).__name__}")
    for key in data:
        if not isinstance(key, str) or not NAME_RE.match(key):
            line = doc.line(key, default=1)
            raise BadArgument("context_file", f"{path}:{line}", "expected NAME: VALUE lines, "
                              "a NAME of letters, digits and _")
    return {k: "" if v is None else str(v) for k, v in data.items()}


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
            if var.pattern and not fits(rb, var.name, var.pattern, value):
                ui.say(f"{var.name}: expected a value matching {var.pattern!r}; try again")
                continue
            out[var.name] = value
            break
    return out
