"""Values from the command line: context `k=v` pairs checked against the runbook, and
severities (any case: `sev2` is SEV2)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from triagebook.base.errors import UsageError, did_you_mean
from triagebook.base.redaction import secret_env
from triagebook.runbook.model import BUILTINS, SEVERITIES, UNIVERSAL, Runbook
from triagebook.runbook.patterns import TIMEOUT, SlowPattern, matches


def parse_severity(value: str, flag: str = "--severity") -> str:
    """SEV1..SEV4 in any case, returned upper-case; anything else is one clear error."""
    name = value.strip().upper()
    if name not in SEVERITIES:
        raise UsageError(f"{flag}: expected one of {', '.join(SEVERITIES)} but received "
                         f"{value!r}")
    return name


def parse_pairs(pairs: Iterable[str], flag: str = "--context") -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"{flag} {pair!r}: expected NAME=VALUE, e.g. "
                             f"{flag} correlation_id=7f3c2a10")
        out[name] = value
    return out


def refuse_secrets(rb: Runbook, names: Iterable[str], flag: str = "--context") -> None:
    """A secret on a command line is readable by anyone on the host (`ps`, history)."""
    for name in names:
        if name in rb.secret_names:
            raise UsageError(
                f"{flag} {name}=…: refused, '{name}' is secret and a command line is "
                f"visible to every user of this host (ps, shell history); give it at the "
                f"prompt (run in a terminal), in the environment as {secret_env(name)}, "
                f"or in a file with --context-file FILE")


def fits(rb: Runbook, name: str, pattern: str, value: str) -> bool:
    """Does ``value`` match; a pattern too slow to tell is the runbook's bug, said so."""
    try:
        return matches(pattern, value)
    except SlowPattern:
        raise UsageError(f"{rb.path}: context.{name}.pattern {pattern!r} takes more than "
                         f"{TIMEOUT:g} s on this value (it backtracks exponentially); fix "
                         f"the pattern (inv runbook.lint)") from None


def check_values(rb: Runbook, values: Mapping[str, str], require: bool) -> dict[str, str]:
    """Reject unknown names and values that miss their pattern; fill defaults.

    With ``require`` a missing required value is an error naming it.
    """
    known = {v.name for v in rb.context}
    out: dict[str, str] = {}
    for name, value in values.items():
        if name not in known and name not in BUILTINS and name not in UNIVERSAL:
            extra = did_you_mean(name, known) or (
                f" (declared: {', '.join(sorted(known))})" if known else
                " (this runbook declares no context)")
            raise UsageError(f"{rb.id}: context '{name}' is not declared by the runbook{extra}")
        var = rb.var(name)
        if var is not None and var.pattern and not fits(rb, name, var.pattern, value):
            shown = "the given value" if var.secret else repr(value)
            raise UsageError(f"{rb.id}: context {name}: expected a value matching "
                             f"{var.pattern!r} but received {shown}")
        out[name] = value
    missing = []
    for var in rb.context:
        if var.name not in out and var.default is not None:
            out[var.name] = var.default
        if require and var.required and var.name not in out:
            missing.append(var)
    if len(missing) == 1:
        var = missing[0]
        ex = f" (e.g. {var.example})" if var.example and not var.secret else ""
        raise UsageError(f"{rb.id}: required context '{var.name}' is missing: "
                         f"{var.description or 'no description'}; pass --context "
                         f"{var.name}=VALUE{ex}")
    if missing:
        what = "; ".join(
            f"'{v.name}' ({v.description or 'no description'}"
            + (f", e.g. {v.example}" if v.example and not v.secret else "") + ")"
            for v in missing)
        flags = " ".join(f"--context {v.name}=VALUE" for v in missing)
        raise UsageError(f"{rb.id}: {len(missing)} required context values are missing: "
                         f"{what}; pass {flags}")
    return out
