"""A runbook rendered for reading: header facts, then each step with values filled."""

from __future__ import annotations

from collections.abc import Mapping

from triagebook.errors import UsageError
from triagebook.incident.redaction import Redactor
from triagebook.runbook.model import BUILTINS, Runbook, Step
from triagebook.runbook.templates import RenderFailure, marked_values, render


def render_step(rb: Runbook, step: Step, values: Mapping[str, object]) -> tuple[str, str]:
    """(title, body) of one step with placeholders filled; UsageError names what is missing."""
    try:
        return render(step.title, values), render(step.body, values)
    except RenderFailure as exc:
        what = (f"no value for '{exc.name}'; pass --context {exc.name}=VALUE"
                if exc.name else exc.message)
        raise UsageError(f"{rb.path}:{step.line}: {rb.id}: step {step.number} "
                         f"'{step.title}': {what}") from None


def render_runbook(rb: Runbook, given: Mapping[str, str] | None,
                   extra: Mapping[str, object] | None = None) -> str:
    """Markdown for `inv runbook.show`.

    With no context given, placeholders show as visible `<name>` markers; once
    any value is given, rendering is strict and a missing one is an error.
    """
    if given:
        # Strict: a missing required value fails naming it and its step.  Optional and
        # secret values stay visibly marked; a secret is never printed, even when given.
        optional = [v.name for v in rb.context if not v.required or v.secret]
        values: dict[str, object] = marked_values([*BUILTINS, *optional], extra or {})
        values.update({k: v for k, v in given.items() if k not in rb.secret_names})
    else:
        names = [*BUILTINS, *(v.name for v in rb.context)]
        values = marked_values(names, extra or {})
    lines = [
        f"# {rb.title}",
        "",
        f"id: {rb.id}    severity: {rb.severity}    route: {rb.route}"
        + (f"    escalation: {rb.escalation}" if rb.escalation else ""),
        f"failure classes: {', '.join(rb.failure_classes)}",
        f"trigger: {rb.trigger}",
    ]
    if rb.services:
        lines.append(f"services: {', '.join(rb.services)}")
    if rb.context:
        lines.append("context: " + ", ".join(
            v.name + (" (required)" if v.required else "") + (" (secret)" if v.secret else "")
            for v in rb.context))
    lines += [f"run it: inv runbook.run {rb.id}", ""]
    if rb.intro:
        lines += [rb.intro, ""]
    for step in rb.steps:
        title, body = render_step(rb, step, values)
        lines += [f"## Step {step.number}/{len(rb.steps)}: {title}", "", body, ""]
    # Secrets render as markers; what is left (a credential pasted into the runbook, a
    # TRIAGEBOOK_SECRET_* value) is caught like at every other sink.
    return Redactor().text("\n".join(lines).rstrip() + "\n")
