"""`inv incident.merge ID SOURCE…`: bring other responders' ledgers in, without a database.

A source is an `events.jsonl`, an incident folder holding one (directly or under
`ledger/`), or a bundle (`.tar.gz`, `inv incident.bundle`) holding `ledger/events.jsonl`
or `events.jsonl`.  A bundle is read in memory — nothing is ever extracted, so its
member paths cannot write anywhere.  Events merge by id: ones already in the local
ledger are skipped (merging twice adds nothing); the new ones keep their id, ts and
actor, get this ledger's next seq, and pass redaction again on the way in.  Every source
is read and checked before anything is written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path, PurePosixPath

from triagebook.base import jsonio
from triagebook.base.errors import PlaceError, UsageError
from triagebook.base.files import read_bytes
from triagebook.base.redaction import Redactor
from triagebook.base.timeutil import iso
from triagebook.config import Config
from triagebook.incident import actor as A
from triagebook.incident import events as E
from triagebook.incident import ledger as L
from triagebook.incident.archive import MAX_BYTES, unpack
from triagebook.incident.bundle import MANIFEST
from triagebook.incident.line import BadLedger, parse_ledger
from triagebook.incident.state import fold
from triagebook.incident.store.base import merge_events
from triagebook.incident.sync import Notify, attach, warn

MAX_MEMBER = MAX_BYTES  # a ledger file bigger than a bundle may be is not one incident's


class BadSource(PlaceError):
    """A ledger or bundle handed in that cannot be merged."""


@dataclass(frozen=True, slots=True)
class SourceReport:
    source: str
    events: int  # events in the source
    added: int  # of those, new to the ledger


def adopt(ledger: L.Ledger, events: list[L.Event]) -> list[L.Event]:
    """Append events written elsewhere, keeping their id, ts, actor and data; seq
    continues this ledger's.  Ids already here are skipped, so adopting twice adds
    nothing; an event that does not match its declaration is refused like one of ours.
    Returns the events written."""

    def make(have: L.Events) -> list[L.Event]:
        known = {e.id for e in have}
        out: list[L.Event] = []
        for ev in events:
            if ev.id in known:
                continue
            data = L.checked(ledger.id, ev.type, ledger.redactor.data(ev.data))
            known.add(ev.id)
            out.append(replace(ev, seq=have.next_seq + len(out), data=data))
        return out

    return ledger.write_events(make)


def parse(raw: bytes, shown: str, incident_id: str) -> list[L.Event]:
    """Ledger lines → events (incident/line.parse_ledger), refusals naming the line."""
    try:
        return parse_ledger(raw, incident_id)
    except BadLedger as exc:
        raise BadSource(f"{shown}:{exc.line}" if exc.line else shown, exc.why) from None


def _member(names: list[str], shown: str) -> str:
    """The bundle's ledger: `ledger/events.jsonl`, else `events.jsonl`, at the top or in
    one top folder (the archive reader already refused links, devices and `..`)."""
    ranked: dict[int, list[str]] = {}
    for name in names:
        parts = PurePosixPath(name).parts
        if not parts or parts[-1] != "events.jsonl":
            continue
        tail = parts[-2:] if len(parts) >= 2 else parts
        if tail == ("ledger", "events.jsonl") and len(parts) <= 3:
            ranked.setdefault(0, []).append(name)
        elif len(parts) <= 2:
            ranked.setdefault(1, []).append(name)
    if not ranked:
        raise BadSource(shown, "no ledger/events.jsonl or events.jsonl in this bundle")
    best = ranked[min(ranked)]
    if len(best) > 1:
        raise BadSource(shown, f"several ledgers in this bundle ({', '.join(best)}); merge "
                               f"one incident's bundle at a time")
    return best[0]


@dataclass(frozen=True, slots=True)
class Source:
    shown: str
    events: list[L.Event]
    incident: str  # the incident the source says it holds ("" when it does not say)
    sha256: str  # of the file read (a bundle, or the events.jsonl)


def read_source(source: str, incident_id: str) -> Source:
    path = Path(source)
    if path.is_dir():
        for cand in (path / L.EVENTS, path / "ledger" / L.EVENTS,
                     path / incident_id / L.EVENTS):
            if cand.is_file():
                path = cand
                break
        else:
            raise BadSource(source, f"no {L.EVENTS} in this folder (nor in ledger/ or "
                                    f"{incident_id}/)")
    if not path.is_file():
        raise BadSource(source, "no such file or folder")
    if path.name.endswith((".tar.gz", ".tgz")) or _gzipped(path):
        # the bounded archive reader: regular file, size, gzip integrity, members
        files = unpack(path, source)
        name = _member(sorted(files), source)
        held = _bundle_incident(files, name, source)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        return Source(source, parse(files[name], f"{source}:{name}", held or incident_id),
                      held, digest)
    try:
        raw = read_bytes(path, MAX_MEMBER)
    except OSError as exc:
        raise BadSource(source, f"cannot read: {exc.strerror}") from None
    folder = path.parent.name if path.parent.name != "ledger" else path.parent.parent.name
    held = folder if L.ID_RE.match(folder) and folder.startswith(_ID_START) else ""
    return Source(source, parse(raw, source, held or incident_id), held,
                  hashlib.sha256(raw).hexdigest())


_ID_START = ("INC-", "DRILL-")  # folders named like incidents; others say nothing


def _bundle_incident(files: dict[str, bytes], ledger: str, shown: str) -> str:
    """The incident a bundle holds: its top folder, which its manifest must agree with."""
    top = PurePosixPath(ledger).parts[0] if len(PurePosixPath(ledger).parts) > 1 else ""
    held = top if top != "ledger" and L.ID_RE.match(top) else ""
    manifest = files.get(f"{top}/{MANIFEST}") if top else files.get(MANIFEST)
    if manifest is not None:
        try:
            doc = jsonio.loads(manifest)
        except ValueError as exc:
            raise BadSource(shown, f"{MANIFEST} is not valid JSON ({exc})") from None
        said = doc.get("incident") if isinstance(doc, dict) else None
        if isinstance(said, str) and said:
            if held and said != held:
                raise BadSource(shown, f"its manifest names {said!r} but its folder is "
                                       f"{held!r}; refused (edited or damaged)")
            held = said
    return held


SAME_OUTAGE = timedelta(hours=1)  # two openings this close are one outage seen twice


def _same_opening(src: Source, target: L.Events, incident_id: str) -> None:
    """A source that opens an incident detected at another time than the target's
    opening is another incident (a bare events.jsonl names none): refused. Two
    responders who both opened it offline detect it within the hour — that merges."""
    mine = fold(incident_id, list(target)).detected_at
    theirs = fold(incident_id, src.events).detected_at
    if mine is not None and theirs is not None and abs(theirs - mine) > SAME_OUTAGE:
        raise BadSource(src.shown, f"opens an incident detected {iso(theirs)}, but "
                                   f"{incident_id} was detected {iso(mine)}; not the same "
                                   f"incident — nothing merged")


def _gzipped(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(2) == b"\x1f\x8b"
    except OSError:
        return False


def merge(cfg: Config, incident_id: str, sources: list[str], notify: Notify = warn,
          dry_run: bool = False) -> list[SourceReport]:
    """Merge every source into the local ledger of `incident_id` (created if needed).

    Every source is read and checked before anything is written; a source that holds
    another incident is refused (one line naming it). Each source that adds events is
    recorded as one `ledger.merged` event (its file's sha256); `dry_run` reports what
    would be added and writes nothing."""
    L.check_id(incident_id)
    if not sources:
        raise UsageError("incident.merge: give one or more ledgers or bundles to merge in")
    read = [read_source(s, incident_id) for s in sources]  # all checked first
    for src in read:
        if src.incident and src.incident != incident_id:
            raise BadSource(src.shown, f"holds incident {src.incident}, not {incident_id}; "
                                       f"nothing merged (merge it into {src.incident})")
    target = L.load(cfg.incidents_dir, incident_id) \
        if (cfg.incidents_dir / incident_id / L.EVENTS).is_file() else L.Events()
    for src in read:
        _same_opening(src, target, incident_id)
    if dry_run:
        known = {e.id for e in target}
        reports = []
        for src in read:
            new = [e for e in merge_events(src.events) if e.id not in known]
            known.update(e.id for e in new)
            reports.append(SourceReport(src.shown, len(src.events), len(new)))
        return reports
    ledger = L.Ledger(cfg.incidents_dir, incident_id, A.operator(), Redactor(),
                      session=False)
    reports = []
    with ledger:
        syncer = attach(cfg, ledger, notify, keep_open=False)
        try:
            for src in read:
                added = adopt(ledger, merge_events(src.events))
                if added:
                    ledger.append(E.LedgerMerged(source=src.shown, sha256=src.sha256,
                                                 events=len(src.events), added=len(added)))
                reports.append(SourceReport(src.shown, len(src.events), len(added)))
        finally:
            if syncer is not None:
                syncer.close()
    return reports
