"""Where escalation history lives: incidents in their folder, drills apart (no cap, no
tick, no digest)."""

from __future__ import annotations

from pathlib import Path

from triagebook.config import Config

DRILLS = ".drills"  # a dot: never an incident id, so never listed as an incident


def drills_dir(cfg: Config) -> Path:
    return cfg.incidents_dir / DRILLS


def is_drill(incident_id: str) -> bool:
    return incident_id.startswith("DRILL-")


def folder_for(cfg: Config, incident_id: str) -> Path:
    """Drills keep their own history, apart from incidents (no cap, no tick, no digest)."""
    return drills_dir(cfg) if is_drill(incident_id) else cfg.incidents_dir
