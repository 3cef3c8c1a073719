"""The step header: where you are, in what, how bad, for how long — fitted to a width.

`step 2/4 [done] · Look back 30m · demo · INC-20261122-0214-k3fz · SEV2 · +00:12:09
since detection`.  On a narrow terminal the words "since detection" go first, then the
runbook id, then the title is shortened at a word boundary (the screen then shows it
whole, wrapped, under the header), then the incident id goes (it is in the greeting and
the resume hint); the step number, severity and elapsed time always stay.
"""

from __future__ import annotations

from dataclasses import dataclass

from triagebook.base.safetext import clip

MIN_TITLE = 12  # a title shortened below this says nothing; drop other parts first
SEP = " · "


def shorten(title: str, room: int) -> str:
    """At most `room` characters, cut at a word boundary (never mid-word), with "…"."""
    return clip(title, room)


@dataclass(frozen=True, slots=True)
class Header:
    number: int
    total: int
    status: str  # "", "done" or "skipped"
    title: str
    runbook: str
    incident: str
    severity: str
    elapsed: str = ""  # "+00:12:09" since detection, or "" when unknown

    def text(self, width: int | None = None) -> str:
        """The header in at most `width` characters if it can be done without losing
        severity or elapsed time (else as short as it gets)."""
        head = f"step {self.number}/{self.total}" + (f" [{self.status}]" if self.status else "")
        time_long = [f"{self.elapsed} since detection"] if self.elapsed else []
        time_short = [self.elapsed] if self.elapsed else []
        tails = [
            [self.runbook, self.incident, self.severity, *time_long],
            [self.runbook, self.incident, self.severity, *time_short],
            [self.incident, self.severity, *time_short],
            [self.severity, *time_short],
        ]
        if width is None:
            return SEP.join([head, self.title, *tails[0]])
        limit = width

        def whole(tail: list[str]) -> str | None:
            line = SEP.join([head, self.title, *tail])
            return line if len(line) <= limit else None

        def short(tail: list[str]) -> str | None:
            room = limit - len(SEP.join([head, *tail])) - len(SEP)
            if room < MIN_TITLE:
                return None
            return SEP.join([head, shorten(self.title, room), *tail])

        # the title whole with less around it; then shortened, keeping the incident id;
        # then without the incident id, whole, then shortened
        order = [(whole, t) for t in tails[:3]] + [(short, tails[2]), (whole, tails[3]),
                                                   (short, tails[3])]
        for fit, tail in order:
            line = fit(tail)
            if line is not None:
                return line
        return SEP.join([head, *tails[3]])
