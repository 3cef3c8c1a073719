"""Settings declared on the dataclass that holds them, mkdocs `config_options` style.

A field is its setting's whole declaration — type, default, doc and checks — written
once::

    @dataclass(frozen=True, slots=True)
    class LedgerConfig:
        timeout: float = setting(Number("Seconds the store may take.", low=0), 2.0)

`schema_of(cls)` derives the `Schema` (validation, the reference page, the JSON
Schema) from the fields, taking each default from the dataclass; `build(cls, values)`
derives the typed value from what the schema validated.  Nothing maps one to the other
by hand, so a default cannot drift.

A nested dataclass is a `Section`; fields sharing `under=("escalation",)` sit in one
YAML mapping but on the outer class; `Keyed` is a mapping of fixed names whose values
become a tuple (the severity scale); a class's `check_settings(values, run, key)`
checks what involves several keys.
"""

from __future__ import annotations

import copy
import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import MISSING as NO_DEFAULT
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from triagebook.options.base import MISSING, Option, Schema
from triagebook.options.containers import DictOfItems, ListOfItems, Optional, SubConfig
from triagebook.options.types import FilePath

Convert = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Context:
    """What building needs beyond the values: the root that relative paths are under."""

    root: Path = Path(".")


def setting(option: Option, default: Any = NO_DEFAULT, *, factory: Callable[[], Any] | None = None,
            convert: Convert | None = None, under: tuple[str, ...] = (), key: str = "") -> Any:
    """A dataclass field that declares one setting (`convert` shapes the typed value;
    `key`: its name in YAML when not the field's)."""
    meta = {"option": option, "convert": convert, "under": under, "key": key}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    if default is NO_DEFAULT:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


def _default(f: dataclasses.Field[Any], instance: object | None) -> Any:
    if instance is not None:
        return getattr(instance, f.name)
    if f.default is not NO_DEFAULT:
        return f.default
    if f.default_factory is not NO_DEFAULT:
        return f.default_factory()
    return MISSING


def plain(value: Any) -> Any:
    """A typed value back in the shape YAML gives (a default as the schema holds it)."""
    as_yaml = getattr(value, "as_yaml", None)  # a value that knows its own YAML shape
    if callable(as_yaml):
        return as_yaml()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.metadata["key"] or f.name: plain(getattr(value, f.name))
                for f in fields(value) if "option" in f.metadata}
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, tuple) and value and dataclasses.is_dataclass(value[0]):
        return {v.name: plain(v) for v in value}
    return value


class Section(SubConfig):
    """A nested mapping whose keys are the settings of a dataclass (`named`: the class's
    `name` field is filled from the mapping key it sits under)."""

    def __init__(self, cls: type, doc: str = "", *, defaults: object | None = None,
                 named: bool = False, **kw: Any) -> None:
        super().__init__(schema_of(cls, defaults), doc, **kw)
        self.cls, self.named = cls, named


class Keyed(SubConfig):
    """Fixed names, each a `Section` of `cls` with its own defaults; typed as a tuple."""

    def __init__(self, cls: type, items: tuple[Any, ...], doc: str,
                 item_doc: Callable[[Any], str]) -> None:
        super().__init__(Schema({i.name: Section(cls, item_doc(i), defaults=i, named=True)
                                 for i in items}), doc)


def schema_of(cls: type, defaults: object | None = None) -> Schema:
    """The schema a dataclass's `setting` fields declare (defaults from `defaults`, an
    instance, when given; else from the fields)."""
    top: dict[str, Option] = {}
    groups: dict[str, dict[str, Option]] = {}
    docs: Mapping[str, str] = getattr(cls, "SECTIONS", {})
    for f in fields(cls):
        opt = f.metadata.get("option")
        if opt is None:
            continue
        opt = copy.copy(opt)  # one declaration, many schemas (each severity its defaults)
        value = _default(f, defaults)
        if not isinstance(opt, SubConfig):
            opt.default = plain(value) if value is not MISSING else MISSING
        elif isinstance(opt, Section) and defaults is not None:
            opt.sub = schema_of(opt.cls, value)
            opt.default = opt.sub.defaults()
        under = f.metadata["under"]
        if under and under[0] not in groups:
            top[under[0]] = opt  # holds the group's place in the order; replaced below
        (groups.setdefault(under[0], {}) if under else top)[f.metadata["key"] or f.name] = opt
    for name, opts in groups.items():
        top[name] = SubConfig(Schema(opts), docs.get(name, ""))
    return Schema(top, check=getattr(cls, "check_settings", None))


def typed(opt: Option, value: Any, ctx: Context) -> Any:
    """A validated value as the dataclass field holds it."""
    if value is None:
        return None
    if isinstance(opt, Optional):
        return typed(opt.inner, value, ctx)
    if isinstance(opt, Section):
        return build(opt.cls, value, ctx, name=None)
    if isinstance(opt, Keyed):
        return tuple(build(o.cls, value[n], ctx, name=n) for n, o in opt.sub.options.items()
                     if isinstance(o, Section))
    if isinstance(opt, SubConfig):
        return {k: typed(opt.sub.options[k], v, ctx) for k, v in value.items()}
    if isinstance(opt, DictOfItems):
        item = opt.item
        made = getattr(item, "build", None)  # an item that builds itself, given its name
        if made is not None:
            return {str(k): made(v, ctx, str(k)) for k, v in value.items()}
        if isinstance(item, Section) and item.named:
            return {str(k): build(item.cls, v, ctx, name=str(k)) for k, v in value.items()}
        return {str(k): typed(item, v, ctx) for k, v in value.items()}
    if isinstance(opt, ListOfItems):
        return tuple(typed(opt.item, v, ctx) for v in value)
    if isinstance(opt, FilePath):
        # normpath, not resolve(): '..' is folded but a symlinked folder keeps its path
        return Path(os.path.normpath(ctx.root / Path(value)))
    return value


def build(cls: type, values: Mapping[str, Any], ctx: Context, name: str | None = None,
          **extra: Any) -> Any:
    """An instance of `cls` from the values its schema validated (`extra`: the fields
    that are not settings, such as the project root)."""
    kw: dict[str, Any] = dict(extra)
    if name is not None:
        kw["name"] = name
    for f in fields(cls):
        opt = f.metadata.get("option")
        if opt is None:
            continue
        at: Any = values
        for part in f.metadata["under"]:
            at = at.get(part, {})
        name_ = f.metadata["key"] or f.name
        if name_ not in at:
            continue
        got = typed(opt, at[name_], ctx)
        convert = f.metadata["convert"]
        kw[f.name] = convert(got) if convert is not None else got
    return cls(**kw)
