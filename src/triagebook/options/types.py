"""Scalar option types, in the manner of mkdocs' `config/config_options.py`.

Each converts one value (`Str`, `Bool`, `Int`, `Choice`, `Date`, `Regex`,
`FilePath`, `TimeZone`, `TimeRange`) or raises `Invalid`; the containers that
hold them are in `containers`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from triagebook.options.base import Invalid, Option, show


class Str(Option):
    """A string; by default non-blank and stripped.  ``coerce`` accepts numbers too."""

    def __init__(self, doc: str = "", *, blank: bool = False, coerce: bool = False,
                 pattern: re.Pattern[str] | None = None, expected: str = "",
                 **kw: Any) -> None:
        super().__init__(doc, **kw)
        self.blank, self.coerce, self.pattern = blank, coerce, pattern
        self.expected = expected or ("a string" if blank else "a non-empty string")
        self.type_name = "string"

    def convert(self, value: Any) -> Any:
        if self.coerce and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise Invalid(self.expected)
        if self.blank:
            return value
        if not value.strip():
            raise Invalid(self.expected)
        if self.pattern is not None and not self.pattern.match(value):
            raise Invalid(self.expected, kind="value")
        return value.strip()

    def schema(self) -> dict[str, Any]:
        s: dict[str, Any] = {"type": "string"} if self.blank else {"type": "string",
                                                                   "minLength": 1}
        if self.pattern is not None:
            s["pattern"] = self.pattern.pattern
        return s


class Bool(Option):
    """true or false; ``words`` maps accepted strings to a value (required: true)."""

    type_name = "true/false"

    def __init__(self, doc: str = "", *, words: dict[str, bool] | None = None,
                 **kw: Any) -> None:
        super().__init__(doc, **kw)
        self.words = words or {}
        if self.words:
            self.type_name = " | ".join(self.words)

    def convert(self, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value in self.words:
            return self.words[value]
        raise Invalid(" or ".join(f"'{w}'" for w in self.words) if self.words
                      else "true or false")

    def schema(self) -> dict[str, Any]:
        return {"enum": [*self.words, True, False]} if self.words else {"type": "boolean"}

    def default_text(self) -> str:
        for word, value in self.words.items():
            if value is self.default and not self.shown:
                return word
        return super().default_text()


class Number(Option):
    """A number of seconds or the like (int or float, never a YAML `true`, never nan),
    more than ``low`` and at most ``high``."""

    type_name = "number"

    def __init__(self, doc: str = "", *, low: float, high: float, expected: str = "",
                 **kw: Any) -> None:
        super().__init__(doc, **kw)
        self.low, self.high = low, high
        self.expected = expected or f"a number more than {low:g} and at most {high:g}"
        self.type_name = f"number ({low:g}, {high:g}]"

    def convert(self, value: Any) -> Any:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise Invalid(self.expected)
        if not self.low < value <= self.high:  # also refuses nan
            raise Invalid(self.expected, kind="value")
        return float(value)

    def schema(self) -> dict[str, Any]:
        return {"type": "number", "exclusiveMinimum": self.low, "maximum": self.high}


class Int(Option):
    """A whole number (never a YAML `true`) within ``[low, high]``."""

    type_name = "whole number"

    def __init__(self, doc: str = "", *, low: int | None = None, high: int | None = None,
                 expected: str = "a whole number", **kw: Any) -> None:
        super().__init__(doc, **kw)
        self.low, self.high, self.expected = low, high, expected
        if low is not None and high is not None:
            self.type_name = f"whole number {low}–{high}"
        elif low is not None:
            self.type_name = "positive whole number" if low == 1 else f"whole number ≥ {low}"

    def convert(self, value: Any) -> Any:
        if not isinstance(value, int) or isinstance(value, bool):
            raise Invalid(self.expected)
        if (self.low is not None and value < self.low) or (self.high is not None
                                                            and value > self.high):
            raise Invalid(self.expected, kind="value")
        return value

    def schema(self) -> dict[str, Any]:
        s: dict[str, Any] = {"type": "integer"}
        if self.low is not None:
            s["minimum"] = self.low
        if self.high is not None:
            s["maximum"] = self.high
        return s


class Choice(Option):
    def __init__(self, choices: Sequence[str], doc: str = "", **kw: Any) -> None:
        super().__init__(doc, **kw)
        self.choices = tuple(choices)
        self.type_name = " | ".join(self.choices)

    def convert(self, value: Any) -> Any:
        if isinstance(value, str) and value in self.choices:
            return value
        raise Invalid(f"one of {', '.join(self.choices)}", kind="value")

    def schema(self) -> dict[str, Any]:
        return {"enum": list(self.choices)}


class Date(Option):
    type_name = "date"

    def convert(self, value: Any) -> Any:
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise Invalid("a date YYYY-MM-DD")

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date"}


class Regex(Str):
    """A regular expression (Python syntax), kept as its source text."""

    def convert(self, value: Any) -> Any:
        text = super().convert(value)
        try:
            re.compile(text)
        except re.error as exc:
            raise Invalid(code="bad-pattern", message=f"expected a valid regular expression "
                                                      f"but {show(text)} fails: {exc}") from None
        return text


class FilePath(Option):
    """A path, relative to the project root unless absolute."""

    type_name = "path"

    def __init__(self, doc: str = "", *, expected: str = "a folder path", **kw: Any) -> None:
        super().__init__(doc, **kw)
        self.expected = expected

    def convert(self, value: Any) -> Any:
        if isinstance(value, str) and value.strip():
            return Path(value)
        raise Invalid(self.expected)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "minLength": 1}


class TimeZone(Option):
    """An IANA time zone name, checked against the zone database."""

    type_name = "time zone"

    def convert(self, value: Any) -> Any:
        try:
            ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            raise Invalid("an IANA time zone such as Europe/Stockholm", kind="value") from None
        return str(value)

    def schema(self) -> dict[str, Any]:
        return {"type": "string"}


class TimeRange(Option):
    """'HH:MM-HH:MM', a daily window that may run past midnight; a (start, end) pair."""

    type_name = "HH:MM-HH:MM"

    def convert(self, value: Any) -> Any:
        parts = value.split("-") if isinstance(value, str) else []
        try:
            start, end = (time.fromisoformat(x.strip()) for x in parts)
        except ValueError:
            raise Invalid("'HH:MM-HH:MM' such as '22:00-07:00'") from None
        return start, end

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": r"^\d\d:\d\d-\d\d:\d\d$"}

    def default_text(self) -> str:
        start, end = self.default
        return f"{start:%H:%M}-{end:%H:%M}"
