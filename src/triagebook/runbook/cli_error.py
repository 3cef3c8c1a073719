"""A pasted CLI error (`runbook.run NAME --from-stderr FILE|-`): what it says, as context.

The paste is untrusted and may hold a credential (a token on the command line, a password
in a URL): it is bounded, every value found is checked like `--context`, and the command
line is kept only after redaction."""

from __future__ import annotations

import re
from dataclasses import dataclass

from triagebook.base.redaction import Redactor
from triagebook.base.safetext import neutralise
from triagebook.runbook.normalise import normalise

MAX_PASTE = 64 * 1024
EXIT = re.compile(r"\b(?:exit(?:ed)?(?: with)?(?: status| code)?|status|code)[ :=]+(\d{1,3})\b",
                  re.I)
ERROR_LINE = re.compile(r"^\s*(?:error|fatal|err)\b[:\s]", re.I)
PROMPT = re.compile(r"^\s*[$#>]\s+(\S.*)$")


@dataclass(frozen=True, slots=True)
class CliError:
    exit_code: str = ""
    error_code: str = ""
    error_message: str = ""
    correlation_id: str = ""
    request_id: str = ""
    resource_name: str = ""
    command: str = ""

    def as_context(self) -> dict[str, str]:
        return {k: v for k, v in (("exit_code", self.exit_code),
                                  ("error_code", self.error_code),
                                  ("error_message", self.error_message),
                                  ("correlation_id", self.correlation_id),
                                  ("request_id", self.request_id),
                                  ("resource_name", self.resource_name),
                                  ("command", self.command)) if v}

    def summary(self) -> str:
        return "pasted CLI error: " + "; ".join(f"{k}={v}" for k, v in
                                                self.as_context().items())


def parse(text: str, redactor: Redactor | None = None) -> CliError:
    red = redactor or Redactor()
    text = text[:MAX_PASTE]
    q = normalise(text)
    lines = [neutralise(ln) for ln in text.splitlines() if ln.strip()]
    command = next((m.group(1) for ln in lines if (m := PROMPT.match(ln))), "")
    message = next((ln.strip() for ln in lines if ERROR_LINE.match(ln)), "")
    exit_code = next((m.group(1) for ln in reversed(lines) if (m := EXIT.search(ln))), "")
    return CliError(
        exit_code=exit_code,
        error_code=q.codes[0] if q.codes else "",
        error_message=red.text(message)[:300],
        correlation_id=_value(q.values.get("correlation_id", "")),
        request_id=_value(q.values.get("request_id", "")),
        resource_name=_value(q.values.get("resource_name", "")),
        command=red.text(command)[:300])


def _value(text: str) -> str:
    """A value as pasted inside prose: `(correlation_id=abc)` gives `abc`."""
    return text.strip().strip("()[]{}<>'\".,;:")
