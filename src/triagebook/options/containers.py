"""Container option types: nulls, lists and nested mappings of other options.

Each checks its parts with their own options and reports every problem at the
part's own line (`to[0]`, `channels.chat.port`), so nothing hides another.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from triagebook.options.base import MISSING, SLOW, Invalid, Key, Option, Run, Schema


class Optional(Option):
    """Another option, or null."""

    def __init__(self, inner: Option, doc: str = "", **kw: Any) -> None:
        super().__init__(doc or inner.doc, **kw)
        self.inner = inner
        self.type_name = f"{inner.type_name} or null"

    def quick(self, value: Any) -> Any:
        return None if value is None else self.inner.quick(value)

    def validate(self, value: Any, run: Run, key: Key) -> Any:
        if value is None:
            return None
        try:
            return self.inner.convert(value)
        except Invalid as exc:
            if exc.expected:
                exc.expected += " or null"
            run.invalid(key, value, exc)
            return MISSING

    def schema(self) -> dict[str, Any]:
        return {"oneOf": [self.inner.schema(), {"type": "null"}]}


class ListOfItems(Option):
    """A YAML list whose items are each checked by ``item``; a tuple, if all are good.

    ``single`` also accepts one bare item; fewer than ``min_items`` is a "missing" problem.
    """

    def __init__(self, item: Option, doc: str = "", *, single: bool = False,
                 min_items: int = 0, expected: str = "a list of strings", **kw: Any) -> None:
        super().__init__(doc, **kw)
        self.item, self.single, self.min_items, self.expected = item, single, min_items, expected
        self.type_name = f"list of {item.type_name}s" + (" (or one)" if single else "")

    def quick(self, value: Any) -> Any:
        if self.single and not isinstance(value, (list, dict)):
            got = self.item.quick(value)
            return SLOW if got is SLOW else (got,)
        if not isinstance(value, list) or len(value) < self.min_items:
            return SLOW
        out = []
        for v in value:
            got = self.item.quick(v)
            if got is SLOW:
                return SLOW
            out.append(got)
        return tuple(out)

    def validate(self, value: Any, run: Run, key: Key) -> Any:
        if self.single and not isinstance(value, (list, dict)):
            try:
                return (self.item.convert(value),)
            except Invalid as exc:
                run.invalid(key, value, Invalid(self.expected) if exc.kind == "type" else exc)
                return MISSING
        if not isinstance(value, list):
            run.invalid(key, value, Invalid(self.expected))
            return MISSING
        if len(value) < self.min_items:
            run.invalid(key, value, Invalid(self.expected, kind="missing"))
            return MISSING
        got = tuple(self.item.validate(v, run, key + (i,)) for i, v in enumerate(value))
        return MISSING if any(v is MISSING for v in got) else got

    def schema(self) -> dict[str, Any]:
        s: dict[str, Any] = {"type": "array", "items": self.item.schema()}
        if self.min_items:
            s["minItems"] = self.min_items
        return {"oneOf": [s, self.item.schema()]} if self.single else s


class SubConfig(Option):
    """A nested mapping with its own declared keys (a `Schema`)."""

    type_name = "mapping"

    def __init__(self, schema: Schema, doc: str = "", *, expected: str = "a mapping",
                 **kw: Any) -> None:
        super().__init__(doc, default=schema.defaults(), **kw)
        self.sub, self.expected = schema, expected

    def validate(self, value: Any, run: Run, key: Key) -> Any:
        if not isinstance(value, dict):
            run.invalid(key, value, Invalid(self.expected))
            return MISSING
        return self.sub.validate(value, run, key)

    def schema(self) -> dict[str, Any]:
        return self.sub.json_schema()

    def children(self) -> Iterator[tuple[str, Option]]:
        return iter(self.sub.options.items())

    def default_text(self) -> str:
        return self.shown  # each key inside shows its own


class DictOfItems(Option):
    """A mapping of free names (``placeholder`` in the reference) to ``item`` values.

    The names given are added to the default ones, replacing those of the same name.
    """

    type_name = "mapping"

    def __init__(self, item: Option, doc: str = "", *, placeholder: str = "NAME",
                 expected: str = "a mapping of names to settings", **kw: Any) -> None:
        kw.setdefault("default", {})
        super().__init__(doc, **kw)
        self.item, self.placeholder, self.expected = item, placeholder, expected

    def check_name(self, name: object, run: Run, key: Key) -> bool:
        """Whether ``name`` may be used (after reporting why not)."""
        return True

    def prepare(self, value: Any) -> Any:
        """Shorthand forms of an item, expanded before the item is checked."""
        return value

    def validate(self, value: Any, run: Run, key: Key) -> Any:
        if not isinstance(value, dict):
            run.invalid(key, value, Invalid(self.expected))
            return MISSING
        out = dict(self.default)
        for name, spec in value.items():
            if self.check_name(name, run, key + (name,)):
                got = self.item.validate(self.prepare(spec), run, key + (name,))
                if got is not MISSING:
                    out[name] = got
        return out

    def schema(self) -> dict[str, Any]:
        return {"type": "object", "additionalProperties": self.item.schema()}

    def children(self) -> Iterator[tuple[str, Option]]:
        yield self.placeholder, self.item


