"""`inv postmortem.check`: SEV1/SEV2 post-mortems missing a root cause or action items,
or left as drafts too long."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

from triagebook.base.errors import UsageError
from triagebook.base.files import read_bytes
from triagebook.config import Config
from triagebook.postmortem.actions import items, problems
from triagebook.postmortem.write import split
from triagebook.runbook.parse import markdown

PROMPT_PREFIX = "_"


def _section(body: str, title: str) -> str:
    """Text of a level-2 section, without its prompt line and generated blocks."""
    tokens = markdown().parse(body)
    lines = body.split("\n")
    start = end = None
    for i, t in enumerate(tokens):
        if t.type == "heading_open" and t.tag == "h2" and t.map:
            if start is not None:
                end = t.map[0]
                break
            if tokens[i + 1].content.strip().lower() == title.lower():
                start = t.map[1]
    if start is None:
        return ""
    text = "\n".join(lines[start:end])
    kept = [ln for ln in text.split("\n")
            if ln.strip() and not (ln.strip().startswith(PROMPT_PREFIX)
                                   and ln.strip().endswith(PROMPT_PREFIX))]
    return "\n".join(kept).strip()


@dataclass(frozen=True, slots=True)
class Gap:
    path: str
    problem: str

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


def check(cfg: Config, today: date, max_draft_days: int) -> list[Gap]:
    out: list[Gap] = []
    folder = cfg.postmortems_dir
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.md")):
        if path.name == "index.md":
            continue
        shown = cfg.display(path)
        try:
            text = read_bytes(path).decode("utf-8")  # regular files only, bounded
            meta, body = split(text)
        except (OSError, UnicodeDecodeError) as exc:
            out.append(Gap(shown, f"cannot read: {exc}"))
            continue
        except UsageError:
            out.append(Gap(shown, "front-matter is not valid YAML, or nests or expands past "
                                  "the limits; fix it (the other post-mortems are checked)"))
            continue
        sev = str(meta.get("severity", ""))
        try:
            required = cfg.policy.severity(sev).postmortem
        except KeyError:
            required = False
        if not required:
            continue
        if not _section(body, "Root cause"):
            out.append(Gap(shown, f"{sev}: root cause is missing"))
        offset = text.count("\n", 0, len(text) - len(body)) + 1
        found = items(str(meta.get("incident") or path.stem), shown, meta, body, offset)
        if not found:
            out.append(Gap(shown, f"{sev}: no action items (- [ ] what — owner — due)"))
        out.extend(Gap(f"{shown}:{a.line}", why) for a, why in problems(found, today))
        if meta.get("status") == "draft" and meta.get("created"):
            try:
                created = datetime.strptime(str(meta["created"]), "%Y-%m-%d %H:%M:%S UTC"
                                            ).replace(tzinfo=UTC)
                age = (today - created.date()).days
            except ValueError:
                age = 0
            if age > max_draft_days:
                out.append(Gap(shown, f"{sev}: still a draft after {age} days "
                                          f"(limit {max_draft_days})"))
    return out


def as_json(findings: list[Gap]) -> str:
    return json.dumps([{"path": f.path, "problem": f.problem} for f in findings], indent=2)

