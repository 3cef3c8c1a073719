"""A configured channel: the settings every kind shares, and its kind's own.

In invoke.yaml a channel is one flat mapping (`kind: smtp`, `host: …`, `to: […]`); the
`kind` chooses which keys besides the common ones are allowed, and a key that belongs to
another kind is named as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from triagebook.channels.kind import Kind
from triagebook.channels.registry import KINDS
from triagebook.options.base import MISSING, Invalid, Key, Option, Run, Schema
from triagebook.options.containers import SubConfig
from triagebook.options.declare import Context, build, plain, schema_of, setting
from triagebook.options.types import Bool, Choice, Int


@dataclass(frozen=True, slots=True)
class Common:
    kind: str = setting(Choice(tuple(KINDS), "How the channel delivers."), "stdout")
    sms: bool = setting(Bool("SMS-class: the body is cut to six lines."), False)
    shadow: bool = setting(Bool("Record what would be sent through this channel; deliver "
                                "nothing."), False)
    go_live_after: int = setting(Int(
        "Clean drills this channel must pass before live pages go out through it; until "
        "then it runs as shadow (drills deliver for real). 0: live at once.", low=0,
        high=1000, expected="a number of drills (0 or more)"), 0)


@dataclass(frozen=True, slots=True)
class ChannelConfig:
    """Where one escalation channel delivers. Credentials are named env variables only."""

    name: str
    kind: str = "stdout"
    sms: bool = False
    shadow: bool = False  # issue 14: record what would be sent, deliver nothing
    go_live_after: int = 0  # clean drills needed before live pages go out (0: live now)
    settings: Any = field(default=None)  # the kind's own Settings (None: its defaults)

    def __post_init__(self) -> None:
        if self.settings is None:
            object.__setattr__(self, "settings", self.of_kind.Settings())

    @property
    def of_kind(self) -> Kind:
        return KINDS[self.kind]

    def as_yaml(self) -> dict[str, Any]:
        common = {k: getattr(self, k) for k in ("kind", "sms", "shadow", "go_live_after")}
        return {**common, **plain(self.settings)}

    def addressed(self, address: str) -> ChannelConfig:
        """This channel delivering to one person's address instead of its configured
        recipients, when its kind has recipients (smtp: `to`); else unchanged."""
        name = self.of_kind.ADDRESS
        if not name:
            return self
        return replace(self, settings=replace(self.settings, **{name: (address,)}))

    def channel(self, root: Path) -> Any:
        return self.of_kind.channel(self.name, self.settings, root)


COMMON = schema_of(Common)
SCHEMAS = {name: schema_of(kind.Settings) for name, kind in KINDS.items()}


class ChannelOption(SubConfig):
    """One channel: the common keys, then the keys of its `kind`."""

    def __init__(self, doc: str) -> None:
        every: dict[str, Option] = dict(COMMON.options)
        for schema in SCHEMAS.values():
            every.update(schema.options)
        super().__init__(Schema(every), doc)
        self.default = MISSING

    def validate(self, value: Any, run: Run, key: Key) -> Any:
        if not isinstance(value, dict):
            run.invalid(key, value, Invalid(self.expected))
            return MISSING
        kind = value.get("kind", "stdout")
        if kind not in KINDS:
            return COMMON.validate({"kind": kind}, run, key)
        own = SCHEMAS[kind]
        others = {k: v for k, v in value.items() if k not in COMMON.options}
        for k in list(others):
            if k not in own.options:
                theirs = [n for n, s in SCHEMAS.items() if k in s.options]
                if theirs:
                    run.report(key + (k,), run.codes.unknown,
                               f"a setting of kind {' or '.join(theirs)}, not of kind {kind}")
                    del others[k]
        common = COMMON.validate({k: v for k, v in value.items() if k in COMMON.options},
                                 run, key)
        return {**common, **own.validate(others, run, key)}

    def build(self, value: dict[str, Any], ctx: Context, name: str) -> ChannelConfig:
        kind = KINDS[value.get("kind", "stdout")]
        common = build(Common, value, ctx)
        return ChannelConfig(name, common.kind, common.sms, common.shadow,
                             common.go_live_after, build(kind.Settings, value, ctx))


DEFAULT_CHANNELS = {
    "page": ChannelConfig("page", sms=True),
    "chat": ChannelConfig("chat"),
    "email": ChannelConfig("email"),
    "digest": ChannelConfig("digest"),  # issue 14: `inv incident.digest --send` (GREEN's)
}
