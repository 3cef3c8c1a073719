"""Text from a runbook or a command, made safe to show: control characters shown, not obeyed.

Command output and runbook text are data.  A terminal obeys control sequences in what
it prints — an OSC title (`ESC ] 0 ; … BEL`), cursor moves, clear screen (`ESC [ 2 J`),
a carriage return that lets a line overwrite itself — so output could rewrite the
screen under a responder.  `neutralise` spells every such character out (`\\x1b`,
`\\r`, `\\u202e`), for the screen and the ledger alike.
"""

from __future__ import annotations

# Bidirectional overrides and isolates reorder what is shown ("Trojan Source").
_BIDI = frozenset(range(0x202A, 0x202F)) | frozenset(range(0x2066, 0x206A))


def _unsafe(cp: int) -> bool:
    return cp < 0x20 and cp != 0x09 or 0x7F <= cp <= 0x9F or cp in _BIDI


def neutralise(text: str, newlines: bool = False) -> str:
    """`text` with control characters written out; tabs kept, newlines kept if asked."""
    if not any(_unsafe(ord(ch)) for ch in text):
        return text
    out = []
    for ch in text:
        cp = ord(ch)
        if not _unsafe(cp) or newlines and ch == "\n":
            out.append(ch)
        elif ch == "\r":
            out.append("\\r")
        elif cp <= 0xFF:
            out.append(f"\\x{cp:02x}")
        else:
            out.append(f"\\u{cp:04x}")
    return "".join(out)


def clip(text: str, limit: int, mark: str = "…") -> str:
    """At most `limit` characters, cut at a word boundary when one is in the second half
    (never mid-word otherwise), ending in `mark`."""
    if len(text) <= limit:
        return text
    cut = text[:limit - len(mark)]
    space = cut.rfind(" ")
    return (cut[:space] if space >= limit // 2 else cut).rstrip(" ,;:·-") + mark
