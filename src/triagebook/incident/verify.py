"""`inv incident.verify`: is this bundle what its manifest says, and still clean?

Every member is read into memory (incident/archive.py refuses links, devices, absolute
paths and `..`; nothing is extracted), re-hashed against `manifest.json` and scanned
again for credentials.  Each tampered, missing or extra file is one issue line.

The manifest guards against damage and careless edits, not against someone who rewrites
the manifest too: for that, compare the bundle's own SHA-256 with the one its sender
printed (`inv incident.bundle` prints it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from triagebook.base import jsonio
from triagebook.incident.archive import BadArchive, unpack
from triagebook.incident.bundle import FORMAT, MANIFEST, scan, sha256
from triagebook.incident.line import BadLedger, parse_ledger
from triagebook.incident.reading import EVENTS


@dataclass(frozen=True, slots=True)
class Issue:
    kind: str  # tampered | missing | extra | credential | mismatch | invalid
    path: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.path}: {self.detail}"

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "path": self.path, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Verdict:
    bundle: str
    sha256: str
    incident: str
    version: str
    files: int
    issues: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues

    def as_dict(self) -> dict[str, Any]:
        return {"bundle": self.bundle, "sha256": self.sha256, "incident": self.incident,
                "made_by": self.version, "files": self.files, "ok": self.ok,
                "issues": [i.as_dict() for i in self.issues]}


def _manifest(files: dict[str, bytes], shown: str) -> tuple[str, dict[str, Any]]:
    found = [n for n in files if PurePosixPath(n).name == MANIFEST
             and len(PurePosixPath(n).parts) == 2]
    if len(found) != 1:
        why = "no" if not found else "more than one"
        raise BadArchive(shown, f"{why} ID/{MANIFEST} in the archive; not a triagebook "
                                f"bundle (make one with inv incident.bundle ID)")
    name = found[0]
    try:
        doc = jsonio.loads(files[name].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadArchive(shown, f"{name} is not valid JSON ({exc}); the manifest was damaged "
                                f"or edited, so nothing in the bundle can be checked") from None
    entries = doc.get("files") if isinstance(doc, dict) else None
    if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get("path"), str)
            and isinstance(e.get("sha256"), str) and isinstance(e.get("size"), int)
            for e in entries):
        raise BadArchive(shown, f"{name}: expected 'files' as a list of {{path, sha256, size}}; "
                                f"the manifest was damaged or edited")
    assert isinstance(doc, dict)
    if isinstance(doc.get("format"), int) and doc["format"] > FORMAT:
        raise BadArchive(shown, f"{name}: bundle format {doc['format']} is newer than this "
                                f"triagebook reads ({FORMAT}); upgrade triagebook")
    return name, doc


def _allowed(doc: dict[str, Any]) -> set[tuple[str, int]]:
    """The findings the bundle's maker allowed (--allow), as the manifest records them."""
    scan_ = doc.get("scan")
    items = scan_.get("allowed") if isinstance(scan_, dict) else None
    return {(str(i["path"]), int(i["line"])) for i in items or []
            if isinstance(i, dict) and isinstance(i.get("path"), str)
            and isinstance(i.get("line"), int)}


def verify(path: Path, shown: str | None = None) -> Verdict:
    """Check a bundle; raises BadArchive when it cannot be read as one at all."""
    shown = shown or str(path)
    files = unpack(path, shown)
    name, doc = _manifest(files, shown)
    issues: list[Issue] = []
    listed: set[str] = set()
    for entry in doc["files"]:
        member = entry["path"]
        listed.add(member)
        data = files.get(member)
        if data is None:
            issues.append(Issue("missing", member, "listed in the manifest, not in the archive"))
        elif sha256(data) != entry["sha256"] or len(data) != entry["size"]:
            issues.append(Issue("tampered", member,
                                f"SHA-256 differs from the manifest (size {len(data)}, "
                                f"manifest {entry['size']})"))
    for member in sorted(files):
        if member != name and member not in listed:
            issues.append(Issue("extra", member, "in the archive, not in the manifest"))
    said, top = str(doc.get("incident", "")), PurePosixPath(name).parts[0]
    if said != top:  # a manifest edited to pass for another incident
        issues.append(Issue("mismatch", name, f"names incident {said!r}, but the bundle's "
                                              f"folder is {top!r}"))
    ledger = f"{top}/{EVENTS}"
    if ledger in files:  # what merge would refuse is not an intact bundle
        try:
            parse_ledger(files[ledger], top)
        except BadLedger as exc:
            issues.append(Issue("invalid", f"{ledger}:{exc.line}" if exc.line else ledger,
                                exc.why))
    allowed = _allowed(doc)
    for f in scan(files):
        if (f.member, f.line) not in allowed:  # not declared no-credential by its maker
            issues.append(Issue("credential", f"{f.member}:{f.line}",
                                f"credential-shaped text ({f.kind})"))
    tool = doc.get("tool")
    tool = tool if isinstance(tool, dict) else {}
    version = f"{tool.get('name', '?')} {tool.get('version', '?')}"
    return Verdict(shown, sha256(path.read_bytes()), str(doc.get("incident", "")), version,
                   len(files), issues)
