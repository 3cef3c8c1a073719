"""The reference pages, generated from the declarations so they never drift: the runbook
front-matter (runbook/schema.py) and the configuration (config.py, through options/)."""

from __future__ import annotations

from collections.abc import Iterable

from triagebook.config import SETTINGS
from triagebook.options.base import Option, Schema
from triagebook.runbook.model import BUILTINS
from triagebook.runbook.schema import CONTEXT, FRONT_MATTER
from triagebook.site.markup import Page, code, table


def _reference(items: Iterable[tuple[str, Option]], required: bool = False) -> list[list[str]]:
    # Docs are Markdown already; only a pipe would break the table.  A default given in
    # words (`shown`) is prose, any other is a value.
    rows = []
    for key, opt in items:
        d = opt.default_text()
        shown = d.replace("|", "\\|") if opt.shown else code(d) if d else ""
        rows.append([code(key), *(["yes" if opt.required else ""] if required else []),
                     opt.type_name.replace("|", "\\|"), shown, opt.doc.replace("|", "\\|")])
    return rows


def fields_page() -> Page:
    """The front-matter reference."""
    md = ("# Runbook front-matter\n\nGenerated from triagebook's schema "
          "(`inv runbook.schema` prints it as JSON Schema for your editor). Keys starting "
          "with `x-` are yours; any other unknown key is a lint error.\n\n"
          + table(["Field", "Required", "Type", "Default", "Meaning"],
                  _reference(FRONT_MATTER.options.items(), required=True))
          + "\n## Context variables\n\nEach entry under `context:` declares one "
          "placeholder (`name:` alone or `name: description` are short forms). Built-ins, "
          "always available: " + ", ".join(code(b) for b in BUILTINS) + ".\n\n"
          + table(["Setting", "Type", "Default", "Meaning"], _reference(CONTEXT.options.items())))
    return Page("reference/front-matter.md", "Runbook front-matter", md,
                {"title": "Runbook front-matter"})


def config_page(settings: Schema = SETTINGS) -> Page:
    """The configuration reference: every declared setting, generated like the fields."""
    md = ("# Configuration reference\n\nGenerated from triagebook's declarations. Every key "
          "sits under `triagebook:` in the project's `invoke.yaml` and is optional; `NAME` "
          "stands for a name you choose. A bad value stops every command with its file, "
          "line and key.\n\n"
          + table(["Key", "Type", "Default", "Meaning"], _reference(settings.walk())))
    return Page("reference/configuration.md", "Configuration reference", md,
                {"title": "Configuration reference"})
