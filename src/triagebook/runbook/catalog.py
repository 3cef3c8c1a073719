"""All runbooks of a project, indexed by id, failure class, service, route and tag."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from triagebook.base.errors import Problem, ProblemsError, UnknownRunbook, UsageError
from triagebook.base.files import folder_error, read_bytes
from triagebook.config import Config
from triagebook.runbook.cache import ParseCache
from triagebook.runbook.literal import CODE as LITERAL_CODE
from triagebook.runbook.model import Runbook
from triagebook.runbook.parse import Parsed, content_hash, parse_bytes, parse_file

SKIP_NAMES = frozenset({"README.md", "index.md"})


def runbook_files(folder: Path, errors: list[OSError] | None = None) -> list[Path]:
    """Every runbook file under ``folder``, sorted; hidden and `_`-prefixed names skipped.

    Sub-folders that cannot be read land in ``errors`` (never silently dropped).
    """
    return [Path(p) for p in _runbook_paths(folder, errors)]


def _runbook_paths(folder: Path, errors: list[OSError] | None = None) -> list[str]:
    out: list[str] = []
    report = errors.append if errors is not None else None
    for dirpath, dirnames, filenames in os.walk(folder, onerror=report):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")))
        for name in filenames:
            if name.endswith(".md") and name not in SKIP_NAMES and not name.startswith((".", "_")):
                out.append(os.path.join(dirpath, name))
    # sorted as paths (by component), as Path objects would sort
    out.sort(key=lambda p: p.split(os.sep))
    return out


def _require_folder(cfg: Config) -> None:
    why = folder_error(cfg.runbooks_dir)
    if why == "not found":
        raise UsageError(f"runbooks folder not found: {cfg.display(cfg.runbooks_dir)}; create "
                         f"it (inv runbook.new NAME) or set triagebook.runbooks_dir in "
                         f"invoke.yaml")
    if why:
        raise UsageError(f"runbooks folder {cfg.display(cfg.runbooks_dir)}: cannot open it: "
                         f"{why}")


@dataclass
class Catalog:
    config: Config
    runbooks: dict[str, Runbook] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    broken: set[str] = field(default_factory=set)  # ids of files that do not parse

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    def get(self, name: str) -> Runbook:
        rb = self.runbooks.get(name)
        if rb is None:
            raise UnknownRunbook(name, self.runbooks)
        return rb

    def sorted(self) -> list[Runbook]:
        order = {"SEV1": 0, "SEV2": 1, "SEV3": 2, "SEV4": 3}
        return sorted(self.runbooks.values(), key=lambda r: (order[r.severity], r.id))

    def classes(self) -> list[tuple[str, Runbook]]:
        return sorted(((c, rb) for rb in self.runbooks.values() for c in rb.failure_classes),
                      key=lambda x: (x[0].lower(), x[1].id))

    def index(self, attr: str) -> dict[str, list[Runbook]]:
        """services / route / owner / tags / severity → runbooks, keys sorted."""
        out: dict[str, list[Runbook]] = {}
        for rb in self.sorted():
            value = getattr(rb, attr)
            for key in (value if isinstance(value, tuple) else (value,)):
                if key:
                    out.setdefault(key, []).append(rb)
        return dict(sorted(out.items(), key=lambda kv: kv[0].lower()))


@contextmanager
def paused_gc() -> Iterator[None]:
    """Build thousands of retained, acyclic objects without the cyclic GC rescanning them
    again and again for nothing (~10% of a cold load)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            # They would all sit in the youngest generation, and the first allocation
            # after enable() would scan every one of them.  freeze + unfreeze moves
            # everything alive into the oldest generation without a collection.
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def load_catalog(cfg: Config, use_cache: bool = True) -> Catalog:
    """Parse every runbook (unchanged files from the cache); never raises for bad runbooks."""
    _require_folder(cfg)
    with paused_gc():
        return _load(cfg, use_cache)


def _load(cfg: Config, use_cache: bool) -> Catalog:
    cache = ParseCache(cfg.cache_dir / "parse.json" if use_cache else None).load()
    cat = Catalog(cfg)
    seen: dict[str, str] = {}
    errors: list[OSError] = []
    root = str(cfg.root) + os.sep
    for path in _runbook_paths(cfg.runbooks_dir, errors):
        # plain strings here: Path objects cost more than parsing for thousands of files
        shown = path[len(root):] if path.startswith(root) else path
        stem = os.path.splitext(os.path.basename(path))[0]
        cat.files += 1
        try:
            raw = read_bytes(path)  # regular files only: a FIFO or /dev/zero never hangs
        except OSError as exc:
            cat.problems.append(Problem(shown, None, "unreadable",
                                        f"cannot read the file: {exc.strerror or exc}"))
            continue
        digest = content_hash(raw)
        parsed = cache.get(shown, digest)
        if parsed is None:
            parsed = parse_bytes(raw, shown, stem)
            cache.put(shown, digest, parsed)
        _add(cat, parsed, stem, shown, seen)
    for err in errors:
        where = cfg.display(Path(err.filename)) if err.filename else cfg.display(cfg.runbooks_dir)
        cat.problems.append(Problem(where, None, "unreadable",
                                    f"cannot read the folder: {err.strerror or err}"))
    cache.save()
    return cat


def _add(cat: Catalog, parsed: Parsed, rid: str, shown: str, seen: dict[str, str]) -> None:
    cat.problems.extend(parsed.problems)
    if rid in seen:
        cat.problems.append(Problem(shown, 1, "duplicate-id",
                                    f"id '{rid}' is already used by {seen[rid]}; runbook ids "
                                    f"are file names and must be unique: rename one"))
        return
    seen[rid] = shown
    if parsed.runbook is not None:
        cat.runbooks[rid] = parsed.runbook
    else:
        cat.broken.add(rid)


def load_one(cfg: Config, name: str) -> Runbook:
    """One runbook by id without parsing the others (the runner's fast path)."""
    _require_folder(cfg)
    files = runbook_files(cfg.runbooks_dir)
    matches = [p for p in files if p.stem == name]
    if not matches:
        raise UnknownRunbook(name, (p.stem for p in files))
    if len(matches) > 1:
        raise UsageError(f"id '{name}' is used by {len(matches)} files ("
                         f"{', '.join(cfg.display(p) for p in matches)}); rename one")
    parsed = parse_file(matches[0], cfg.display(matches[0]))
    # a literal credential fails lint and the site, but never stops the runbook at 03:00
    # (the runner redacts it like any secret)
    errors = [p for p in parsed.problems if p.level == "error" and p.code != LITERAL_CODE]
    if parsed.runbook is None or errors:
        raise ProblemsError(errors or parsed.problems)
    return parsed.runbook
