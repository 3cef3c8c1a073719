"""The sandbox: published Jinja escape payloads (2016-2025) are refused."""

from __future__ import annotations

import pytest

from triagebook.runbook.template_check import analyse
from triagebook.runbook.templates import RenderFailure, render

PAYLOADS = [
    # CVE-2016-10745: str.format reaching attributes
    "{{ '{0.__class__.__mro__}'.format(x) }}",
    # CVE-2019-10906: str.format_map
    "{{ '{a.__class__}'.format_map({'a': x}) }}",
    # classic subclass walk
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ x.__init__.__globals__ }}",
    # CVE-2024-56326: format reached through a stored reference
    "{% set f = '{0.__class__}'.format %}{{ f(x) }}",
    # CVE-2025-27516: the |attr filter fetching format
    "{{ ('{0.__class__}' | attr('format'))(x) }}",
    # item access instead of attribute access
    "{{ x['__class__'] }}",
    # output bombs
    "{{ 'A' * 100000000 }}",
    "{{ [1] * 100000000 }}",
    "{% for i in range(100000000) %}x{% endfor %}",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_refused_at_render(payload):
    with pytest.raises(RenderFailure):
        render(payload, {"x": "plain"})


@pytest.mark.parametrize("payload", PAYLOADS[:7])
def test_payload_reported_by_lint(payload):
    codes = {i.code for i in analyse(payload).issues}
    assert "sandbox-forbidden" in codes


def test_undefined_name_is_named():
    with pytest.raises(RenderFailure) as exc:
        render("kubectl -n {{ namespace }} get pods", {})
    assert exc.value.name == "namespace"


def test_jinja_globals_are_not_placeholders():
    names = dict(analyse("{{ namespace }} {{ range }} {{ dict }}").names)
    assert set(names) == {"namespace", "range", "dict"}


def test_filters_and_shell_syntax_survive():
    tmpl = 'echo ${#arr[@]} {{ cid | upper }} {{ missing | default("none") }}'
    assert render(tmpl, {"cid": "ab12"}) == 'echo ${#arr[@]} AB12 none'


def test_raw_blocks_keep_go_templates():
    assert render("{% raw %}{{.tenant_id}}{% endraw %} {{ a }}", {"a": "1"}) == "{{.tenant_id}} 1"
