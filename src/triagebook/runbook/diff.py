"""What changed in a runbook's steps between two versions (a snapshot and today's file).

Steps are paired by title first, then a retitled step by its unchanged body, then by
title and body mostly alike (an edited step); what is left is removed (only in the old
version) or added (only in the new one).  A reviewer reads the result next to what was
done, to see whether the runbook now leads elsewhere.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from triagebook.runbook.model import Runbook, Step

MAX_DIFF_LINES = 12
SIMILAR = 0.6  # title and body alike enough to be the same step, edited


@dataclass(frozen=True, slots=True)
class StepChange:
    kind: str  # same | edited | moved | removed | added
    old: int | None  # step number in the old version
    new: int | None  # step number in the new version
    title: str  # the new title when there is one
    detail: str = ""
    diff: tuple[str, ...] = ()  # a few `-old` / `+new` lines of the body

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "old": self.old, "new": self.new, "title": self.title,
                "detail": self.detail, "diff": list(self.diff)}


def _norm(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def _body_diff(old: str, new: str) -> tuple[str, ...]:
    lines = [d for d in difflib.unified_diff(_norm(old).splitlines(), _norm(new).splitlines(),
                                             lineterm="", n=0)
             if d[:1] in "+-" and not d.startswith(("+++", "---"))]
    if len(lines) > MAX_DIFF_LINES:
        lines = lines[:MAX_DIFF_LINES] + [f"… {len(lines) - MAX_DIFF_LINES} more changed lines"]
    return tuple(lines)


def _similar(a: Step, b: Step) -> float:
    return difflib.SequenceMatcher(None, f"{a.title}\n{_norm(a.body)}",
                                   f"{b.title}\n{_norm(b.body)}").ratio()


def _in_order(numbers: list[int]) -> set[int]:
    """The longest increasing run of ``numbers`` (kept in place; the rest moved)."""
    best: list[list[int]] = []  # best[i]: the longest increasing run ending at numbers[i]
    for x in numbers:
        prev: list[int] = []
        for seq in best:
            if seq[-1] < x and len(seq) > len(prev):
                prev = seq
        best.append([*prev, x])
    longest: list[int] = []
    for seq in best:
        if len(seq) > len(longest):
            longest = seq
    return set(longest)


def _compare(a: Step, b: Step, moved: bool) -> StepChange:
    parts = []
    if a.title.strip() != b.title.strip():
        parts.append(f"retitled to '{b.title}'")
    body_changed = _norm(a.body) != _norm(b.body)
    if body_changed:
        parts.append("text or commands changed")
    if moved:
        parts.append(f"moved to step {b.number} (was {a.number})")
    elif a.number != b.number:
        parts.append(f"now step {b.number}")
    kind = "edited" if body_changed or a.title.strip() != b.title.strip() else (
        "moved" if moved else "same")
    return StepChange(kind, a.number, b.number, b.title, "; ".join(parts),
                      _body_diff(a.body, b.body) if body_changed else ())


def diff_steps(old: Runbook, new: Runbook) -> list[StepChange]:
    """One change per old step (in old order), then the added steps (in new order)."""
    pairs: dict[int, Step] = {}
    free = list(new.steps)
    for a in old.steps:  # same title
        match = next((b for b in free if b.title.strip() == a.title.strip()), None)
        if match is not None:
            pairs[a.number] = match
            free.remove(match)
    for a in old.steps:  # retitled, body unchanged
        if a.number in pairs:
            continue
        match = next((b for b in free if _norm(b.body) == _norm(a.body) and a.body.strip()),
                     None)
        if match is not None:
            pairs[a.number] = match
            free.remove(match)
    for a in old.steps:  # retitled and edited: still mostly the same step
        if a.number in pairs:
            continue
        scored = [(_similar(a, b), b) for b in free]
        best = max(scored, key=lambda sb: sb[0], default=(0.0, None))
        if best[1] is not None and best[0] >= SIMILAR:
            pairs[a.number] = best[1]
            free.remove(best[1])
    kept = _in_order([pairs[a.number].number for a in old.steps if a.number in pairs])
    out: list[StepChange] = []
    for a in old.steps:
        b = pairs.get(a.number)
        if b is None:
            out.append(StepChange("removed", a.number, None, a.title,
                                  "no longer in the runbook"))
        else:
            out.append(_compare(a, b, b.number not in kept))
    for b in free:
        out.append(StepChange("added", None, b.number, b.title,
                              f"new since the incident: step {b.number} of {len(new.steps)}"))
    return out


def changed(changes: list[StepChange]) -> bool:
    return any(c.kind != "same" for c in changes)
