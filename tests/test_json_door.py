"""The JSON door for outside data (issue 26): bounded, no NaN/Infinity, one ValueError."""

from __future__ import annotations

import json

import pytest

from triagebook.base import jsonio


@pytest.mark.parametrize("text,why", [
    ("[" * 5000 + "]" * 5000, "nested deeper than 32 levels"),
    ('{"seq": Infinity}', "Infinity is not a JSON number"),
    ('{"seq": NaN}', "NaN is not a JSON number"),
    ('"' + "a" * (2 << 20) + '"', "bytes; at most"),
])
def test_hostile_json_is_one_value_error(text, why):
    with pytest.raises(json.JSONDecodeError, match=why):
        jsonio.loads(text)


def test_brackets_inside_strings_do_not_count():
    assert jsonio.loads('{"note": "' + "[" * 100 + '"}') == {"note": "[" * 100}


def test_an_event_reads_as_json_does():
    line = '{"seq": 1, "data": {"a": [1, {"b": 2}]}}'
    assert jsonio.loads(line) == json.loads(line)
