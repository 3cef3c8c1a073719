"""A runbook rendered for reading: header facts, then each step with values filled."""

from __future__ import annotations

from collections.abc import Mapping

from triagebook.base.errors import UsageError
from triagebook.base.redaction import Redactor
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

    Values given (already checked, defaults applied: `values.check_values`) are filled
    in; every other placeholder shows as a visible `<name>` marker.  A secret is never
    printed, even when given.
    """
    values: dict[str, object] = marked_values([*BUILTINS, *(v.name for v in rb.context)],
                                              extra or {})
    values.update({k: v for k, v in (given or {}).items() if k not in rb.secret_names})
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
