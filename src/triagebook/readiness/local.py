"""Readiness checks on this machine: Python, time zones, configuration, runbooks,
the incident folder, deliveries that failed for good, the offline site."""

from __future__ import annotations

import shutil
import sys
import tempfile
from datetime import datetime, timedelta
from importlib import metadata
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from triagebook.base.errors import ProblemsError, TriagebookError
from triagebook.base.timeutil import Clock, to_zone, utc, utc_now
from triagebook.config import Config, default_config, find_root, load_config
from triagebook.incident import events as E
from triagebook.incident import ledger as L
from triagebook.incident.state import fold
from triagebook.readiness.check import Check
from triagebook.runbook.catalog import load_catalog, runbook_files
from triagebook.runbook.lint import lint

MIN_PYTHON = (3, 11)
MIN_FREE = 1 << 30  # 1 GiB: below it, a long incident can fill the disk mid-ledger
RECENT_FAILURES = timedelta(days=7)  # failed deliveries of resolved incidents still shown


def python() -> Check:
    v = sys.version_info
    found = f"Python {v.major}.{v.minor}.{v.micro} ({sys.executable})"
    if v[:2] < MIN_PYTHON:
        return Check("python", "fail", f"{found}; triagebook needs "
                     f"{'.'.join(map(str, MIN_PYTHON))} or newer", "install a newer Python")
    return Check("python", "ok", found)


def tzdata(cfg: Config) -> Check:
    tz = cfg.policy.timezone
    try:
        source = f"tzdata {metadata.version('tzdata')}"
    except metadata.PackageNotFoundError:
        source = "the system's time zone database"
    try:
        now = to_zone(utc_now(), tz)
    except (ZoneInfoNotFoundError, ValueError):
        return Check("timezone", "fail", f"policy.timezone {tz}: no time zone data for it",
                     "pip install tzdata (quiet hours and local times need it)")
    return Check("timezone", "ok", f"{tz} loads from {source} (now {now:%H:%M %Z})")


def config(root: Path | None) -> tuple[Config, Check]:
    """The configuration and its check; with a bad file the other checks use defaults."""
    root = (root or find_root()).resolve()
    try:
        cfg = load_config(root, strict=True)
    except ProblemsError as exc:
        more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
        return default_config(root), Check(
            "config", "fail", f"{exc.problems[0]}{more}",
            "fix invoke.yaml at the line shown (the other checks used the defaults)")
    if cfg.source is None:
        return cfg, Check("config", "ok", "no invoke.yaml: the defaults apply")
    return cfg, Check("config", "ok", f"{cfg.display(cfg.source)} is valid")


def runbooks(cfg: Config) -> Check:
    try:
        cat = load_catalog(cfg)
    except TriagebookError as exc:
        return Check("runbooks", "fail", str(exc).splitlines()[0],
                     "inv runbook.new NAME creates the first one")
    problems = lint(cat, cfg.today())
    errors = [p for p in problems if p.level == "error"]
    warnings = [p for p in problems if p.level == "warning"]
    if errors:
        files = len({p.path for p in errors})
        return Check("runbooks", "fail", f"{len(errors)} error{'s' * (len(errors) != 1)} in "
                     f"{files} file{'s' * (files != 1)}; first: {errors[0]}",
                     "inv runbook.lint lists them all; a runbook with errors cannot be run")
    if warnings:
        return Check("runbooks", "warn", f"{len(cat.runbooks)} runbooks, {len(warnings)} "
                     f"warning{'s' * (len(warnings) != 1)}; first: {warnings[0]}",
                     "inv runbook.lint --strict lists them all")
    if not cat.runbooks:
        return Check("runbooks", "warn", f"no runbooks in {cfg.display(cfg.runbooks_dir)}",
                     "inv runbook.new NAME")
    return Check("runbooks", "ok", f"{len(cat.runbooks)} runbooks lint clean")


def incidents_folder(cfg: Config) -> Check:
    folder = cfg.incidents_dir
    shown = cfg.display(folder)
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        return Check("incidents", "fail", f"{cfg.display(probe)} is not a folder",
                     f"move it away or set triagebook.incidents_dir; ledgers go to {shown}")
    try:
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as exc:
        return Check("incidents", "fail", f"{cfg.display(probe)} is not writable "
                     f"({exc.strerror or exc})",
                     "fix its permissions: the runner writes every event there")
    free = shutil.disk_usage(probe).free
    later = "" if folder.exists() else " (created with the first incident)"
    if free < MIN_FREE:
        return Check("incidents", "warn", f"{shown}{later}: writable, only "
                     f"{free / 2**20:.0f} MiB free",
                     "free some space: a full disk stops the ledger mid-incident")
    return Check("incidents", "ok", f"{shown}{later}: writable, {free / 2**30:.1f} GiB free")


def deliveries(cfg: Config, clock: Clock = utc_now) -> Check:
    """Escalations that gave up: on an open incident nobody may have been told."""
    open_, recent, corrupt = [], [], []
    now = clock()
    for iid in L.incident_ids(cfg.incidents_dir):
        try:
            events = L.read_events(cfg.incidents_dir / iid / L.EVENTS)
        except TriagebookError as exc:
            corrupt.append(str(exc))
            continue
        delivered = {(p.id, p.channel) for p in (e.payload for e in events)
                     if isinstance(p, E.EscalationDelivered)}
        lost = sorted({p.channel for p in (e.payload for e in events)
                       if isinstance(p, E.EscalationFailed) and p.final
                       and (p.id, p.channel) not in delivered})
        if not lost:
            continue
        st = fold(iid, events)
        last = max(e.time for e in events)
        if st.status != "resolved":
            open_.append(f"{iid} ({', '.join(lost)})")
        elif now - last < RECENT_FAILURES:
            recent.append(f"{iid} ({', '.join(lost)})")
    if corrupt:
        return Check("deliveries", "fail", corrupt[0], "restore that ledger from backup")
    if open_:
        return Check("deliveries", "fail", f"escalations that gave up on open incidents: "
                     f"{', '.join(open_)}",
                     "page by hand now; inv incident.digest lists them; fix the channel")
    if recent:
        return Check("deliveries", "warn", f"escalations that gave up in the last "
                     f"{RECENT_FAILURES.days} days: {', '.join(recent)}",
                     "check those channels' settings and reachability above")
    return Check("deliveries", "ok", "no escalation gave up on an open incident")


def offline_site(cfg: Config) -> Check:
    index = cfg.root / "site-offline" / "index.html"
    shown = cfg.display(index)
    fix = "inv site.build --offline (the runbooks readable from file:// in an outage)"
    if not index.is_file():
        return Check("offline site", "warn", f"{shown} not built", fix)
    built = index.stat().st_mtime
    files = runbook_files(cfg.runbooks_dir) if cfg.runbooks_dir.is_dir() else []
    newer = [p for p in files if p.stat().st_mtime > built]
    when = utc(datetime.fromtimestamp(built, tz=ZoneInfo("UTC")))
    if newer:
        return Check("offline site", "warn", f"{shown} (built {when}) is older than "
                     f"{cfg.display(newer[0])}"
                     + (f" and {len(newer) - 1} more" if len(newer) > 1 else ""), fix)
    return Check("offline site", "ok", f"{shown} built {when}, newer than every runbook")


def clock(cfg: Config) -> list[Check]:
    """The team store (reachable, a schema this version knows) and this machine's clock
    against the store's: a skewed responder records times that put an ack before the
    detection (negative durations in the post-mortem)."""
    from triagebook.incident.store import configured, open_store
    from triagebook.incident.store.base import SKEW_S, StoreSchemaError, clock_skew

    if not configured(cfg):
        return []
    try:
        store = open_store(cfg)
        assert store is not None
        with store:
            skew = clock_skew(store, utc_now)
    except StoreSchemaError as exc:
        return [Check("store", "fail", str(exc), "run inv store.init (see the teams guide)")]
    except TriagebookError as exc:
        return [Check("store", "warn", f"{exc}: runners work locally and send their "
                      f"events when it is back", "see the teams guide"),
                Check("clock", "warn", "not compared with the store")]
    reached = Check("store", "ok", f"{store.where} reachable")
    if skew is None:
        return [reached]
    if abs(skew) > SKEW_S:
        return [reached, Check("clock", "fail", f"this machine's clock is {abs(skew):.0f} s "
                      f"{'ahead of' if skew > 0 else 'behind'} the team store's",
                      "sync the clock (NTP): times recorded here would disagree with the "
                      "team's, down to an ack before its detection")]
    return [reached, Check("clock", "ok", f"within {abs(skew):.1f} s of the team store's")]
