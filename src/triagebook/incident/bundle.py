"""`inv incident.bundle`: one archive a responder can attach to a ticket or hand to a vendor.

Inside `ID/`: the ledger, the runbook snapshots, the timeline (Markdown, JSON, CSV), the
post-mortem if there is one, a context summary (recorded values; secrets by name only),
and `manifest.json` (tool version, SHA-256 and size of every file, the scan result).

Everything comes from sources that were redacted when written, and is scanned again
before anything is written: one credential-shaped line anywhere refuses the whole
bundle, naming the file and line.  The archive is deterministic (incident/archive.py),
so two bundles of the same incident compare equal by hash.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from triagebook.base.errors import BadArgument, TriagebookError, UsageError
from triagebook.base.redaction import Redactor
from triagebook.base.timeutil import iso
from triagebook.base.version import __version__
from triagebook.config import Config
from triagebook.incident import events as E
from triagebook.incident import ledger as L
from triagebook.incident.archive import bounds_problem, pack, write_atomic
from triagebook.incident.state import IncidentState, fold
from triagebook.incident.timeline import render_timeline, timeline

FORMAT = 1
MANIFEST = "manifest.json"
SCANNER = "triagebook redaction patterns"
_MARK = re.compile(r"\[REDACTED(?::([A-Za-z0-9_-]+))?\]")
_KEY_HEADER = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
# `secret: true` in a runbook's front-matter, `token=${TRIAGEBOOK_SECRET_X}` in a command,
# "the old secret: point them to…" in prose: the redactor's `key=value` shape fires on
# them, but the value is no credential (a lower-case word, a literal, a reference).
_BENIGN = re.compile(r"\b((?i:password|passwd|secret|api[_-]?key|token)\s*[=:]\s*)"
                     r"([a-z]+|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\{\{[^}]*\}\}"
                     r"|<[A-Za-z0-9_ -]*>)(?=[\s\"'`&,;.)]|$)")


def _credentials(text: str) -> list[tuple[int, str]]:
    """(line number, what) for every line holding credential-shaped text.

    LEAD: the one place to swap in `triagebook.base.redaction.scan(text)` (branch
    secrets) once it is merged; until then a line is a finding when the redactor would
    change it.  Redacted text is a fixed point (`[REDACTED…]` never matches again), so
    an already-redacted ledger scans clean.
    """
    red = Redactor()
    out: list[tuple[int, str]] = []
    for n, line in enumerate(text.splitlines(), 1):
        line = _BENIGN.sub(r"\1[REDACTED:benign]", line)
        cleaned = red.text(line)
        if cleaned != line:
            before = {m.group(1) or "credential" for m in _MARK.finditer(line)}
            after = {m.group(1) or "credential" for m in _MARK.finditer(cleaned)}
            out.append((n, ", ".join(sorted(after - before)) or "credential"))
        elif _KEY_HEADER.search(line):  # a key split over lines escapes the per-line test
            out.append((n, "private-key"))
    return out


@dataclass(frozen=True, slots=True)
class CredentialFinding:
    member: str  # path inside the archive
    line: int
    kind: str
    source: str = ""  # the project file it was copied from, when it was copied

    def __str__(self) -> str:
        where = self.source or self.member
        return f"{where}:{self.line}: credential-shaped text ({self.kind})"


def scan(files: dict[str, bytes]) -> list[CredentialFinding]:
    """Every credential-shaped line in every file (archive path → bytes)."""
    found: list[CredentialFinding] = []
    for name in sorted(files):
        text = files[name].decode("utf-8", "replace")
        found += [CredentialFinding(name, n, kind) for n, kind in _credentials(text)]
    return found


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BundleRefused(TriagebookError):
    def __init__(self, incident_id: str, findings: list[CredentialFinding]) -> None:
        self.incident_id, self.findings = incident_id, findings

    def __str__(self) -> str:
        return "\n".join(f"{f}: would go into the bundle of {self.incident_id} as "
                         f"{f.member}; bundle refused, nothing written — remove it from "
                         f"that file and bundle again, or if it is no credential: inv "
                         f"incident.bundle {self.incident_id} --allow "
                         f"{f.source or f.member}:{f.line} (recorded in the manifest)"
                         for f in self.findings)


@dataclass(frozen=True, slots=True)
class Bundle:
    path: Path
    sha256: str
    size: int
    files: int
    incident: str


def _context(st: IncidentState, snapshots: dict[str, str]) -> bytes:
    secret_names: dict[str, list[str]] = {}
    for ev in st.events:
        p = ev.payload
        if isinstance(p, E.RunbookAttached) and ev.runbook:
            secret_names[ev.runbook] = sorted(p.secret_context or [])
    doc = {
        "incident": st.id, "title": st.title, "severity": st.severity, "status": st.status,
        "detected_at": iso(st.detected_at) if st.detected_at else None,
        "milestones": {name: iso(when) for name, (when, _) in st.milestones.items()},
        "runbooks": [{
            "id": use.id, "title": use.title, "hash": use.hash,
            "snapshot": snapshots.get(Path(use.snapshot).name),
            "context": dict(sorted(use.context.items())),
            "secret_names": secret_names.get(use.id, []),
        } for use in st.runbooks.values()],
        "redaction": "values are never recorded; only the names of secret context values",
    }
    return _json(doc)


def _json(doc: Any) -> bytes:
    return (json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()


def collect(cfg: Config, incident_id: str) -> tuple[IncidentState, dict[str, bytes],
                                                    dict[str, str]]:
    """(state, archive path → bytes, archive path → the project file it was copied from)."""
    events = L.load(cfg.incidents_dir, incident_id)
    st = fold(incident_id, events)
    top = incident_id
    folder = cfg.incidents_dir / incident_id
    files: dict[str, bytes] = {}
    sources: dict[str, str] = {}

    def copy(member: str, path: Path) -> None:
        try:
            files[f"{top}/{member}"] = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"{cfg.display(path)}: cannot read: {exc.strerror or exc}; "
                             f"nothing written") from None
        sources[f"{top}/{member}"] = cfg.display(path)

    copy(L.EVENTS, folder / L.EVENTS)
    snapshots: dict[str, str] = {}
    snap_dir = folder / "runbooks"
    if snap_dir.is_dir():
        for path in sorted(snap_dir.glob("*.md")):
            copy(f"runbooks/{path.name}", path)
            snapshots[path.name] = f"runbooks/{path.name}"
    rows = timeline(st)
    for fmt in ("md", "json", "csv"):
        text = render_timeline(rows, fmt, cfg.policy.timezone)
        files[f"{top}/timeline.{fmt}"] = (text if text.endswith("\n") else text + "\n").encode()
    pm = cfg.postmortems_dir / f"{incident_id}.md"
    if pm.is_file():
        copy("postmortem.md", pm)
    files[f"{top}/context.json"] = _context(st, snapshots)
    return st, files, sources


def manifest(st: IncidentState, files: dict[str, bytes],
             allowed: list[CredentialFinding] | None = None) -> bytes:
    allowed = allowed or []
    return _json({
        "format": FORMAT,
        "incident": st.id,
        "tool": {"name": "triagebook", "version": __version__},
        "files": [{"path": name, "sha256": sha256(data), "size": len(data)}
                  for name, data in sorted(files.items())],
        "scan": {"scanner": SCANNER, "findings": len(allowed), "clean": not allowed,
                 # findings a person declared no credential (--allow), kept in the open
                 "allowed": [{"path": f.member, "line": f.line, "kind": f.kind}
                             for f in allowed]},
    })


def _allowed(findings: list[CredentialFinding],
             allow: tuple[str, ...]) -> tuple[list[CredentialFinding], list[CredentialFinding]]:
    """(allowed, still refused); an --allow that names no finding is an error (a typo
    must not pass for a decision)."""
    names = {a.strip() for a in allow if a.strip()}
    ok = [f for f in findings if {f"{f.member}:{f.line}", f"{f.source}:{f.line}"} & names]
    used = {n for f in ok for n in (f"{f.member}:{f.line}", f"{f.source}:{f.line}")}
    for name in sorted(names - used):
        raise BadArgument("allow", name, "names no finding of this bundle; the refusal "
                                          "names each as FILE:LINE")
    return ok, [f for f in findings if f not in ok]


def build(cfg: Config, incident_id: str, out: Path | None = None,
          allow: tuple[str, ...] = ()) -> Bundle:
    """Write the bundle (whole or not at all); raises BundleRefused naming each leak
    not `allow`ed (FILE:LINE, as the refusal names it; recorded in the manifest)."""
    st, files, sources = collect(cfg, incident_id)
    findings = [CredentialFinding(f.member, f.line, f.kind, sources.get(f.member, ""))
                for f in scan(files)]
    allowed, refused = _allowed(findings, allow)
    if refused:
        raise BundleRefused(incident_id, refused)
    files[f"{incident_id}/{MANIFEST}"] = manifest(st, files, allowed)
    too_big = bounds_problem(files, files[f"{incident_id}/{L.EVENTS}"].count(b"\n"))
    if too_big:
        raise UsageError(f"{incident_id}: {too_big}; no bundle written (share the "
                         f"incident through the team store, or its folder, instead)")
    when = st.last_event or st.detected_at
    data = pack(files, int(when.timestamp()) if when else 0)
    dest = out if out is not None else Path.cwd() / f"{incident_id}.tar.gz"
    if dest.is_dir():
        dest = dest / f"{incident_id}.tar.gz"
    try:
        write_atomic(dest, data)
    except OSError as exc:
        raise BadArgument("out", dest, f"cannot write: {exc.strerror or exc}") from None
    return Bundle(dest, sha256(data), len(data), len(files), incident_id)
