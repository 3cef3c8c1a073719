"""The domain's data: frozen, slotted dataclasses, no dicts inside the core."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")
ESCALATION_CLASSES = ("RED", "YELLOW", "GREEN")
RUNNABLE_LANGS = frozenset({"sh", "bash", "shell"})
BUILTINS = ("incident_id", "severity", "detected_at", "now", "operator", "runbook_id")
# Context every runbook takes without declaring it: the resource the incident is about
# (`projects/p1/instances/i-7`), carried into pages, the bundle and the post-mortem.
UNIVERSAL = ("resource_name",)


@dataclass(frozen=True, slots=True)
class CodeBlock:
    """A fenced (or indented) code block inside a step."""

    lang: str
    info: str
    source: str
    line: int

    @property
    def runnable(self) -> bool:
        return self.lang in RUNNABLE_LANGS and "norun" not in self.info.split()

    @property
    def destructive(self) -> bool:
        """Marked `destructive` (restart, rollback, purge, replay): evidence first."""
        return "destructive" in self.info.split()[1:]

    @property
    def strict(self) -> bool:
        """Stops at its first failing line (`destructive` or `strict`); a diagnostic block
        runs every line, so a stuck rollout still shows the pods."""
        words = self.info.split()[1:]
        return "destructive" in words or "strict" in words


@dataclass(frozen=True, slots=True)
class Step:
    """One step: a level-3 heading under `## Steps`, or one top-level list item there."""

    number: int
    title: str
    line: int
    body: str
    code: tuple[CodeBlock, ...] = ()
    body_line: int = 0  # file line of the body's first line (0: right after the title)
    shallow: int = 0  # a list step: file line of a block indented under 4 spaces (0: none)

    @property
    def template(self) -> str:
        """Title and body as one template whose line 1 is the step's title line."""
        gap = max(self.body_line - self.line, 1)
        return self.title + "\n" * gap + self.body

    @property
    def shell_blocks(self) -> tuple[CodeBlock, ...]:
        return tuple(c for c in self.code if c.runnable)


@dataclass(frozen=True, slots=True)
class ContextVar:
    """A value the incident provides to the templates (SPEC §2 `context`)."""

    name: str
    description: str = ""
    required: bool = False
    pattern: str | None = None
    example: str | None = None
    secret: bool = False
    default: str | None = None
    line: int = 0


@dataclass(frozen=True, slots=True)
class Runbook:
    """A parsed, validated runbook."""

    id: str
    path: str
    title: str
    severity: str
    failure_classes: tuple[str, ...]
    route: str
    trigger: str
    services: tuple[str, ...] = ()
    escalation: str | None = None
    customer_visible: bool = False
    tags: tuple[str, ...] = ()
    owner: str | None = None
    last_reviewed: date | None = None
    related: tuple[str, ...] = ()
    context: tuple[ContextVar, ...] = ()
    steps: tuple[Step, ...] = ()
    intro: str = ""
    placeholders: tuple[str, ...] = ()
    content_hash: str = ""
    lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)

    def var(self, name: str) -> ContextVar | None:
        for v in self.context:
            if v.name == name:
                return v
        return None

    @property
    def secret_names(self) -> frozenset[str]:
        return frozenset(v.name for v in self.context if v.secret)
