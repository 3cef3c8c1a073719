"""`inv runbook.rules`: every Prometheus alerting rule points at a runbook that exists.

A rules file (or every `*.yml`/`*.yaml` under a folder) is read with the bounded YAML
loader; each alerting rule (`alert:`) needs an annotation `runbook` (an id) or
`runbook_url` (a link whose path ends in `/runbooks/ID/`, `ID.html` or `ID.md`) naming a
runbook of the catalog.  Recording rules are not alerts and are passed over.
"""

from __future__ import annotations

from pathlib import Path

from triagebook.alerts.choose import runbook_from_url
from triagebook.base import yamlsrc
from triagebook.base.errors import did_you_mean
from triagebook.base.files import read_bytes
from triagebook.runbook.catalog import Catalog

MAX_FILES = 1000


def rule_files(paths: list[Path]) -> tuple[list[Path], list[str]]:
    files: list[Path] = []
    problems: list[str] = []
    for p in paths:
        if p.is_dir():
            found = sorted(x for x in p.rglob("*") if x.suffix in (".yml", ".yaml")
                           and x.is_file())
            if not found:
                problems.append(f"{p}: no .yml or .yaml rules files in this folder")
            files += found
        elif p.exists():
            files.append(p)
        else:
            problems.append(f"{p}: no such file or folder")
    return files[:MAX_FILES], problems


def check_file(path: Path, shown: str, cat: Catalog) -> tuple[int, list[str]]:
    """(alerting rules seen, one line per problem)."""
    try:
        text = read_bytes(path).decode("utf-8")
        doc = yamlsrc.load(text)
    except OSError as exc:
        return 0, [f"{shown}: cannot read: {exc.strerror or exc}"]
    except UnicodeDecodeError:
        return 0, [f"{shown}: not UTF-8 text"]
    except yamlsrc.YamlSyntaxError as exc:
        return 0, [f"{shown}:{exc.line or 1}: not a rules file: {exc.message}"]
    groups = doc.data.get("groups") if isinstance(doc.data, dict) else None
    if not isinstance(groups, list):
        return 0, [f"{shown}:1: not a Prometheus rules file (expected 'groups:' with rules)"]
    seen, out = 0, []
    for g, group in enumerate(groups):
        rules = group.get("rules") if isinstance(group, dict) else None
        for r, rule in enumerate(rules if isinstance(rules, list) else []):
            if not isinstance(rule, dict) or "alert" not in rule:
                continue
            seen += 1
            line = doc.line("groups", g, "rules", r, "alert", default=1)
            name = str(rule.get("alert"))
            raw = rule.get("annotations")
            notes: dict[str, object] = raw if isinstance(raw, dict) else {}
            named = str(notes.get("runbook") or "").strip()
            url = str(notes.get("runbook_url") or "").strip()
            rid = named or runbook_from_url(url)
            where = f"{shown}:{line}: rule {name}"
            if not named and not url:
                out.append(f"{where}: no runbook_url or runbook annotation")
            elif not rid:
                out.append(f"{where}: runbook_url {url[:120]!r} does not point at a runbook "
                           f"page (…/runbooks/ID/)")
            elif rid not in cat.runbooks:
                hint = did_you_mean(rid, list(cat.runbooks))
                out.append(f"{where}: runbook {rid!r} does not exist{hint}")
    return seen, out
