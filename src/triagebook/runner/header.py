"""The step header: where you are, in what, how bad, for how long — fitted to a width.

`step 2/4 [done] · Look back 30m · demo · INC-20261122-0214-k3fz · SEV2 · +00:12:09
since detection`.  On a narrow terminal the title gives way first, then the words
"since detection", then the runbook id; severity and elapsed time always stay.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_TITLE = 12  # a title shortened below this says nothing; drop other parts first
SEP = " · "


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
        ]
        full = SEP.join([head, self.title, *tails[0]])
        if width is None or len(full) <= width:
            return full
        for tail in tails:
            rest = SEP.join([head, *tail])
            room = width - len(rest) - len(SEP)
            if room >= len(self.title):
                return SEP.join([head, self.title, *tail])
            if room >= MIN_TITLE:
                return SEP.join([head, self.title[:room - 1].rstrip() + "…", *tail])
        return SEP.join([head, *tails[-1]])
