"""Reading the configuration: `invoke.yaml`'s `triagebook:` section, and overlays."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from triagebook.base import yamlsrc
from triagebook.base.errors import Problem, ProblemsError
from triagebook.config.model import Config
from triagebook.options.base import Codes, Run
from triagebook.options.containers import SubConfig
from triagebook.options.declare import Context, build, schema_of

CONFIG_FILE = "invoke.yaml"
SECTION = "triagebook"
CODES = Codes(type="bad-config", value="bad-config", unknown="unknown-config",
              missing="bad-config")
SETTINGS = schema_of(Config)  # validation, the reference page and the JSON Schema


def from_values(root: Path, values: dict[str, Any], source: Path | None = None) -> Config:
    """A `Config` from validated settings (paths relative to ``root``)."""
    return build(Config, values, Context(root), root=root, source=source)  # type: ignore[no-any-return]


def default_config(root: Path) -> Config:
    """The configuration of a project with no `triagebook:` section: every default."""
    return from_values(root, SETTINGS.defaults())


def find_root(start: Path | None = None) -> Path:
    """The project root: the nearest folder holding invoke.yaml, tasks.py or mkdocs.yml."""
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if any((d / n).is_file() for n in (CONFIG_FILE, "tasks.py", "mkdocs.yml")):
            return d
    return here


def load_config(root: Path | None = None, strict: bool = False) -> Config:
    """Read `invoke.yaml` at ``root``.

    A bad or unknown key never locks the runbooks: each problem becomes a warning in
    `Config.problems` and that setting's default is used (a file that is not YAML at all:
    every default).  `strict` (inv doctor) raises ProblemsError listing every problem."""
    root = (root or find_root()).resolve()
    path = root / CONFIG_FILE
    if not path.is_file():
        return default_config(root)
    try:
        return _load_file(root, path, CONFIG_FILE, required=False, lenient=not strict)
    except ProblemsError as exc:
        if strict:
            raise
        return replace(default_config(root), source=path,
                       problems=tuple(_warning(p) for p in exc.problems))


def _drop(values: dict[str, Any], key: tuple[object, ...]) -> None:
    """Remove the value at `key` (its default then applies when the config is built)."""
    at: Any = values
    for part in key[:-1]:
        at = at.get(part) if isinstance(at, dict) else None
        if at is None:
            return
    if isinstance(at, dict) and key:
        at.pop(key[-1], None)


def _warning(p: Problem) -> Problem:
    return replace(p, level="warning",
                   message=f"{p.message} (the default is used; inv doctor fails until fixed)")


def overlay(cfg: Config, path: Path) -> Config:
    """`cfg` with the `triagebook:` section of another file laid over it (a shadow policy:
    the changes to try); problems as for invoke.yaml, named in that file."""
    base: dict[str, Any] = {}
    if cfg.source is not None and cfg.source.is_file():
        data = _read(cfg.source, cfg.display(cfg.source)).data
        base = (data.get(SECTION) or {}) if isinstance(data, dict) else {}
    return _load_file(cfg.root, path, cfg.display(path), required=True,
                      base=base if isinstance(base, dict) else {})


def _read(path: Path, shown: str) -> yamlsrc.YamlDoc:
    try:
        return yamlsrc.load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ProblemsError([Problem(shown, None, "unreadable", f"cannot read: {exc}")]) from None
    except yamlsrc.YamlSyntaxError as exc:
        what = "not valid YAML" if exc.code == "yaml-syntax" else "refused"
        raise ProblemsError([Problem(shown, exc.line, exc.code,
                                     f"{what}: {exc.message}")]) from None


def _laid_over(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in top.items():
        out[k] = _laid_over(out[k], v) if isinstance(v, dict) and isinstance(
            out.get(k), dict) else v
    return out


def _load_file(root: Path, path: Path, shown: str, required: bool,
               base: dict[str, Any] | None = None, lenient: bool = False) -> Config:
    doc = _read(path, shown)
    data = doc.data if isinstance(doc.data, dict) else {}
    section = data.get(SECTION)
    if section is None:
        if required:
            raise ProblemsError([Problem(shown, 1, "bad-config", f"expected a '{SECTION}:' "
                                         f"section (the same shape as {CONFIG_FILE})")])
        return replace(default_config(root), source=path)
    run = Run(doc, shown, CODES)
    run.duplicates(under=(SECTION,))
    if base and isinstance(section, dict):
        section = _laid_over(base, section)
    values = SubConfig(SETTINGS).validate(section, run, (SECTION,))
    found = sorted(run.problems, key=lambda p: p.line or 0)
    if found and not lenient:
        raise ProblemsError(found)
    for key in run.bad:  # a refused value is never used, even one a cross-check refused
        _drop(values, key[1:])
    try:
        cfg = from_values(root, values, source=path)
    except (TypeError, ValueError):  # a section too broken to build: every default
        cfg = replace(default_config(root), source=path)
    return replace(cfg, problems=tuple(_warning(p) for p in found))
