"""Action items of the post-mortems: `- [ ] what — owner: @name — due: YYYY-MM-DD`.

Read from the "Action items" section with markdown-it tokens (a list item whose text
starts with `[ ]` or `[x]`); a ticked box closes the item.  Each item has a stable id
(incident + a hash of what it says) so an export to a tracker is idempotent.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from triagebook.base.yamlsrc import split_front_matter
from triagebook.runbook.parse import markdown

BOX = re.compile(r"^\[([ xX])\]\s+")
# the separators people type between the parts: an em or en dash, or a spaced hyphen
PART = re.compile(r"\s+(?:—|–|-{1,2})\s+")
OWNER = re.compile(r"^owner:\s*@?(\S+)$", re.IGNORECASE)
DUE = re.compile(r"^due:\s*(\S+)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ActionItem:
    incident: str
    path: str  # as shown to the user
    line: int  # 1-based, in the post-mortem file
    what: str
    owner: str
    due: date | None
    due_text: str  # what was written, for the message when it is not a date
    done: bool
    final: bool  # the post-mortem's status is final

    @property
    def id(self) -> str:
        digest = hashlib.sha256(f"{self.incident}\n{self.what}".encode()).hexdigest()
        return f"{self.incident}#{digest[:10]}"

    def overdue(self, today: date) -> bool:
        return not self.done and self.due is not None and self.due < today

    def as_dict(self, today: date) -> dict[str, object]:
        return {"id": self.id, "incident": self.incident, "path": self.path,
                "line": self.line, "what": self.what, "owner": self.owner,
                "due": self.due.isoformat() if self.due else None, "done": self.done,
                "overdue": self.overdue(today)}


def _item(text: str) -> tuple[bool, str, str, str] | None:
    m = BOX.match(text)
    if m is None:
        return None
    done = m.group(1) != " "
    parts = PART.split(text[m.end():].strip())
    what, owner, due = parts[0].strip(), "", ""
    for part in parts[1:]:
        if (o := OWNER.match(part.strip())) is not None:
            owner = o.group(1)
        elif (d := DUE.match(part.strip())) is not None:
            due = d.group(1)
        else:
            what = f"{what} — {part.strip()}"
    return done, what, owner, due


def items(incident: str, shown: str, meta: dict[str, object], body: str,
          body_line: int) -> list[ActionItem]:
    """The items of one post-mortem; `body_line` is the file line the body starts on."""
    tokens = markdown().parse(body)
    out: list[ActionItem] = []
    inside = False
    final = str(meta.get("status", "")).lower() == "final"
    for i, t in enumerate(tokens):
        if t.type == "heading_open":
            title = tokens[i + 1].content.strip().lower()
            inside = t.tag == "h2" and title == "action items"
            continue
        if not inside or t.type != "inline" or i < 2 or tokens[i - 2].type != "list_item_open":
            continue
        parsed = _item(t.content.split("\n")[0])
        if parsed is None:
            continue
        done, what, owner, due_text = parsed
        try:
            due = date.fromisoformat(due_text) if due_text else None
        except ValueError:
            due = None
        line = body_line + (t.map[0] if t.map else 0)
        out.append(ActionItem(incident, shown, line, what, owner, due, due_text, done, final))
    return out


def problems(found: Iterable[ActionItem], today: date) -> Iterator[tuple[ActionItem, str]]:
    """(item, what is wrong) for an item without owner or due date, and for an overdue
    open item of a final post-mortem."""
    for a in found:
        if not a.owner:
            yield a, f"action item has no owner (— owner: @name): {a.what}"
        if a.due is None:
            got = f"'{a.due_text}'" if a.due_text else "nothing"
            yield a, f"action item needs a due date (— due: YYYY-MM-DD), got {got}: {a.what}"
        elif a.final and a.overdue(today):
            yield a, (f"action item overdue since {a.due.isoformat()} in a final "
                      f"post-mortem: {a.what}")


def read_all(folder: Path, display: object = str) -> list[ActionItem]:
    """Every post-mortem's items; an unreadable file or front-matter is passed over here
    (`inv postmortem.check` reports it)."""
    out: list[ActionItem] = []
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.md")):
        if path.name == "index.md":
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        meta, body = split_front_matter(text)
        meta = meta or {}
        offset = text.count("\n", 0, len(text) - len(body)) + 1 if body else 1
        incident = str(meta.get("incident") or path.stem)
        shown = display(path) if callable(display) else str(path)
        out.extend(items(incident, str(shown), dict(meta), body, offset))
    return out
