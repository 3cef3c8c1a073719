"""Alert webhook payloads: Prometheus Alertmanager (webhook version 4) and Grafana alerting.

Both are untrusted JSON from the network: the shape is checked before anything is kept,
every string is bounded, and only the fields an incident needs are read.  Grafana's
unified alerting webhook extends Alertmanager's (it adds `orgId`, `state`, `title`,
`message`); its presence of `orgId`/`state` tells the two apart.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from triagebook.base.errors import UsageError

MAX_ALERTS = 500
MAX_LABELS = 64
MAX_VALUE = 4096
MAX_DEPTH = 16


class BadPayload(UsageError):
    """Not an alert payload we take (HTTP 400): one line saying what is wrong."""


@dataclass(frozen=True, slots=True)
class Alert:
    status: str  # firing | resolved
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: str
    ends_at: str
    generator_url: str
    fingerprint: str

    @property
    def key(self) -> str:
        """Identity of one firing: the same alert firing again later is a new one."""
        return f"{self.fingerprint or _digest(json.dumps(self.labels, sort_keys=True))}@" \
               f"{self.starts_at}"

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "labels": self.labels, "annotations": self.annotations,
                "startsAt": self.starts_at, "endsAt": self.ends_at,
                "generatorURL": self.generator_url, "fingerprint": self.fingerprint}


@dataclass(frozen=True, slots=True)
class Group:
    source: str  # alertmanager | grafana
    key: str  # the group key as sent
    status: str
    alerts: tuple[Alert, ...]
    common_labels: dict[str, str]
    common_annotations: dict[str, str]
    external_url: str

    @property
    def digest(self) -> str:
        return _digest(f"{self.source}\n{self.key}")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:32]


def _depth(value: object, level: int = 0) -> int:
    if level > MAX_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level)
    return level


def _str(value: object, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadPayload(f"{where}: expected a string but received {type(value).__name__}")
    if len(value) > MAX_VALUE:
        raise BadPayload(f"{where}: expected at most {MAX_VALUE} characters but received "
                         f"{len(value)}")
    return value


def _map(value: object, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadPayload(f"{where}: expected an object of strings but received "
                         f"{type(value).__name__}")
    if len(value) > MAX_LABELS:
        raise BadPayload(f"{where}: expected at most {MAX_LABELS} entries but received "
                         f"{len(value)}")
    return {_str(k, where): _str(v, f"{where}.{k}") for k, v in value.items()}


def _alert(d: object, i: int) -> Alert:
    where = f"alerts[{i}]"
    if not isinstance(d, dict):
        raise BadPayload(f"{where}: expected an object")
    status = _str(d.get("status"), f"{where}.status")
    if status not in ("firing", "resolved"):
        raise BadPayload(f"{where}.status: expected firing or resolved but received "
                         f"{status[:40]!r}")
    return Alert(status, _map(d.get("labels"), f"{where}.labels"),
                 _map(d.get("annotations"), f"{where}.annotations"),
                 _str(d.get("startsAt"), f"{where}.startsAt"),
                 _str(d.get("endsAt"), f"{where}.endsAt"),
                 _str(d.get("generatorURL"), f"{where}.generatorURL"),
                 _str(d.get("fingerprint"), f"{where}.fingerprint"))


def parse(body: bytes) -> Group:
    """The alert group in a webhook body, or BadPayload saying why not."""
    try:
        data = json.loads(body, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise BadPayload(f"body is not JSON ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise BadPayload("expected a JSON object (an Alertmanager or Grafana webhook)")
    if _depth(data) > MAX_DEPTH:
        raise BadPayload(f"JSON nested deeper than {MAX_DEPTH} levels")
    if "orgId" in data or "state" in data:
        source = "grafana"
    elif str(data.get("version")) == "4":
        source = "alertmanager"
    else:
        raise BadPayload("not an Alertmanager webhook (version 4) nor a Grafana alerting "
                         "webhook (orgId/state)")
    alerts = data.get("alerts")
    if not isinstance(alerts, list) or not alerts:
        raise BadPayload("alerts: expected a non-empty list")
    if len(alerts) > MAX_ALERTS:
        raise BadPayload(f"alerts: expected at most {MAX_ALERTS} but received {len(alerts)}")
    parsed = tuple(_alert(a, i) for i, a in enumerate(alerts))
    key = _str(data.get("groupKey"), "groupKey")
    common = _map(data.get("commonLabels"), "commonLabels")
    if not key:
        # Grafana without a group key: the alert rule's identity (fingerprint of the first)
        key = parsed[0].fingerprint or json.dumps(common or parsed[0].labels, sort_keys=True)
    status = _str(data.get("status"), "status") or parsed[0].status
    return Group(source, key, status, parsed, common,
                 _map(data.get("commonAnnotations"), "commonAnnotations"),
                 _str(data.get("externalURL"), "externalURL"))


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")
