"""A command's output as the ledger keeps it: streamed line by line, neutralised and
redacted, bounded per line (a long line keeps its head and tail, the token at each cut
dropped whole) and in all (about KEEP characters at each end)."""

from __future__ import annotations

from collections.abc import Callable

from triagebook.base.redaction import Redactor
from triagebook.base.safetext import neutralise

KEEP = 8 * 1024  # characters of output kept at each end for the ledger
LINE_KEEP = 1024  # bytes kept at each end of one line longer than 2 × this
_SEPARATORS = b" \t,;|&()[]{}<>\"'`"


def _silent(line: str) -> None:
    pass


class Output:
    """The output kept for the ledger: head and tail, each about KEEP characters."""

    def __init__(self, redactor: Redactor, echo: Callable[[str], None]) -> None:
        self.redactor, self.echo = redactor, echo
        self.redact = redactor.lines()  # a private key spans lines: withheld whole
        self.head: list[str] = []
        self.tail: list[str] = []
        self.size_head = self.size_tail = 0
        self.truncated = False
        self.pending = b""
        self.size = 0  # bytes the command wrote in all
        self.long_head: bytes | None = None  # the head of a long line still streaming
        self.long_skipped = 0

    def feed(self, chunk: bytes, final: bool = False) -> None:
        """Lines as they complete. A line is bounded while it streams: past 2 × LINE_KEEP
        bytes only its head and a rolling tail are held (a 20 MB line costs 2 KB)."""
        self.size += len(chunk)
        self.pending += chunk
        *lines, self.pending = self.pending.split(b"\n")
        if final and self.pending:
            lines.append(self.pending)
            self.pending = b""
        for raw in lines:
            self._complete(raw)
        if len(self.pending) > 2 * LINE_KEEP:  # a long line still coming
            if self.long_head is None:
                self.long_head = self.pending[:LINE_KEEP]
                self.long_skipped = -LINE_KEEP
            self.long_skipped += len(self.pending) - LINE_KEEP
            self.pending = self.pending[-LINE_KEEP:]

    def _complete(self, raw: bytes) -> None:
        if self.long_head is not None:
            raw = _cut_line(self.long_head, self.long_skipped, raw)
            self.long_head, self.long_skipped = None, 0
            self.truncated = True
        elif len(raw) > 2 * LINE_KEEP:
            raw = _cut_line(raw[:LINE_KEEP], len(raw) - 2 * LINE_KEEP, raw[-LINE_KEEP:])
            self.truncated = True
        text = raw.decode("utf-8", "replace").removesuffix("\r")
        self.line(neutralise(self.redact(text)))

    def line(self, line: str) -> None:
        try:
            self.echo(line)
        except OSError:  # the terminal went away (SIGHUP follows): keep recording
            self.echo = _silent
        if self.size_head < KEEP:
            self.head.append(line)
            self.size_head += len(line) + 1
            return
        self.tail.append(line)
        self.size_tail += len(line) + 1
        while self.size_tail > KEEP and self.tail:
            self.size_tail -= len(self.tail.pop(0)) + 1
            self.truncated = True

    def text(self) -> str:
        cut = [f"[... output truncated: {self.size} bytes in all ...]"] if self.truncated \
            else []
        return "\n".join(self.head + cut + self.tail)


def _cut_line(head: bytes, skipped: int, tail: bytes) -> bytes:
    """One over-long line as its head and tail, with what was left out between. A token
    cut at either edge is dropped whole (a half secret is still a secret, and no
    detector would know it), unless no separator is near."""
    edge = max(head.rfind(bytes([c])) for c in _SEPARATORS)
    if edge >= LINE_KEEP // 2:
        skipped += len(head) - edge - 1
        head = head[:edge + 1]
    starts = [i for c in _SEPARATORS if (i := tail.find(bytes([c]))) >= 0]
    if starts and min(starts) < LINE_KEEP // 2:
        skipped += min(starts)
        tail = tail[min(starts):]
    elif not starts or min(starts) >= LINE_KEEP // 2:
        skipped += len(tail)  # one unbroken token: nothing of it is safe to keep
        tail = b""
    if edge < LINE_KEEP // 2:
        skipped += len(head)
        head = b""
    return head + f"[... {skipped} bytes of this line left out ...]".encode() + tail
