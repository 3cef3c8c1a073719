"""Which lines of a text are worth a credential rule's regex: those holding one of its
anchors.  Used by base/detectors.py."""

from __future__ import annotations

import re
from collections.abc import Iterator

# Lines worth a rule's regex: those holding one of its anchors (lower case).  Every rule
# but the private key's is line-local, so a line without its anchor cannot match: the
# regexes then run over a few lines instead of the whole text, and a text of ordinary
# lines costs a handful of substring searches (issue 20 item 8: lint reads every code
# block; issue 26: a bundle's every line).  Hostile text full of anchors costs what an
# ungated scan costs: linear either way.
PAIR_ANCHORS = ("pas", "pwd", "sec", "tok", "key", "cred", "auth", "sig", "pat", "word",
                "phrase")  # and the typos names_secret forgives (pasword, secrte)
PROMPT_ANCHORS = ("access key", "password", "passphrase")
SCHEME_ANCHORS = ("bearer", "basic")
PGPASS_GATE = re.compile(r":(?:\d{1,5}|\*):")


def lines_with(text: str, low: str, anchors: tuple[str, ...]) -> list[tuple[int, int]]:
    """The (start, end) spans of the lines of ``text`` that hold one of ``anchors`` in
    ``low`` (``text`` lower-cased, same length), adjacent lines merged, in order."""
    starts: set[int] = set()
    for anchor in anchors:
        at = low.find(anchor)
        while at >= 0:
            start = text.rfind("\n", 0, at) + 1
            starts.add(start)
            end = text.find("\n", at)
            if end < 0:
                break
            at = low.find(anchor, end)
    out: list[tuple[int, int]] = []
    for start in sorted(starts):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        if out and out[-1][1] == start:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def each(rx: re.Pattern[str], text: str,
          windows: list[tuple[int, int]] | None) -> Iterator[re.Match[str]]:
    if windows is None:
        yield from rx.finditer(text)
        return
    for start, end in windows:
        yield from rx.finditer(text, start, end)
