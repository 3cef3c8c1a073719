"""A chat webhook: one JSON POST (Slack's `text` or Discord's `content` shape).

The URL is a credential (the token is in it), so no error ever shows it — only the name
of the variable that holds it.  HTTP 429/503 with `Retry-After` is retried after that
delay when it fits in the deadline (at most INLINE_RETRIES times); a longer delay is
handed back (`DeliveryError.retry_after`) for `escalation.tick` to honour.  A proxy comes
from the environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), as for urllib.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, unquote, urlsplit

from triagebook.base.checks import Check
from triagebook.channels.base import Channel, Deadline, DeliveryError, shut
from triagebook.channels.kind import Endpoint, Kind, missing_env
from triagebook.options.base import Invalid, Key, Run
from triagebook.options.declare import setting
from triagebook.options.types import Choice, Str

if TYPE_CHECKING:
    import http.client

INLINE_RETRIES = 2
INLINE_WAIT_MAX = 10.0  # seconds; a longer Retry-After is left to the tick


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    url_env: str = setting(Str("webhook: environment variable holding the URL (required).",
                               blank=True), "")
    shape: str = setting(Choice(("slack", "discord"), "webhook: the JSON body's shape."),
                         "slack")

    @staticmethod
    def check_settings(v: dict[str, Any], run: Run, key: Key) -> None:
        if not v.get("url_env"):
            run.invalid(key + ("url_env",), v.get("url_env"), Invalid(
                "the name of an environment variable holding the webhook URL"))


class WebhookChannel(Channel):
    kind = "webhook"

    def __init__(self, name: str, url_env: str, shape: str = "slack") -> None:
        super().__init__(name)
        self.url_env, self.shape = url_env, shape

    def deliver(self, subject: str, text: str, deadline: Deadline) -> None:
        url = self._url(self.env(self.url_env, "webhook URL"))
        body = json.dumps({"text": text} if self.shape == "slack" else {"content": text})
        for attempt in range(INLINE_RETRIES + 1):
            status, retry_after = self._post(url, body.encode(), deadline)
            if 200 <= status < 300:
                return
            said = f"{self.name}: webhook answered HTTP {status}"
            if status in (429, 503) and retry_after is not None:
                fits = retry_after <= min(INLINE_WAIT_MAX, deadline.remaining() - 1)
                if fits and attempt < INLINE_RETRIES:
                    deadline.sleep(retry_after)
                    continue
                raise DeliveryError(f"{said} (Retry-After {retry_after:g} s)", retry_after)
            raise DeliveryError(said)
        raise DeliveryError(f"{self.name}: webhook still busy after {INLINE_RETRIES} waits")

    def _url(self, raw: str) -> SplitResult:
        where = f"the webhook URL in ${self.url_env}"
        try:
            url = urlsplit(raw.strip())
            url.port  # noqa: B018 - raises on a bad port
        except ValueError:
            raise DeliveryError(f"{self.name}: {where} is malformed") from None
        if url.scheme not in ("http", "https"):
            raise DeliveryError(f"{self.name}: {where} must be http:// or https:// (it is "
                                f"{url.scheme + '://' if url.scheme else 'not a URL'})")
        if not url.hostname:
            raise DeliveryError(f"{self.name}: {where} has no host")
        return url

    def _post(self, url: SplitResult, body: bytes, deadline: Deadline) -> tuple[int, float | None]:
        import http.client
        import ssl

        conn, target, extra = _connection(url, deadline.timeout("connect"))
        deadline.on_abort(lambda: shut(conn.sock))
        try:
            conn.request("POST", target, body=body,
                         headers={"Content-Type": "application/json", **extra})
            if conn.sock is not None:
                conn.sock.settimeout(deadline.timeout("waiting for the answer"))
            resp = conn.getresponse()
            return resp.status, _retry_after(resp.getheader("Retry-After"))
        except DeliveryError:
            raise
        except TimeoutError:
            raise deadline.timed_out(self.name) from None
        except http.client.RemoteDisconnected:
            raise DeliveryError(f"{self.name}: webhook closed the connection without "
                                f"answering") from None
        except http.client.HTTPException as exc:
            raise DeliveryError(f"{self.name}: webhook answered something that is not HTTP "
                                f"({type(exc).__name__})") from None
        except ssl.SSLError as exc:
            raise DeliveryError(f"{self.name}: webhook TLS failed "
                                f"({exc.reason or type(exc).__name__})") from None
        except socket.gaierror:
            raise DeliveryError(f"{self.name}: the webhook's host name does not "
                                f"resolve") from None
        except OSError as exc:
            raise DeliveryError(f"{self.name}: webhook unreachable: "
                                f"{exc.strerror or type(exc).__name__}") from None
        finally:
            conn.close()


def _connection(url: SplitResult,
                timeout: float) -> tuple[http.client.HTTPConnection, str, dict[str, str]]:
    """A connection for `url`, the request target and extra headers, through the
    environment's proxy as urllib would use it (CONNECT for https)."""
    import base64
    import http.client
    import ssl
    import urllib.request

    host, port = url.hostname or "", url.port
    target = (url.path or "/") + (f"?{url.query}" if url.query else "")
    proxy = urllib.request.getproxies().get(url.scheme)
    via = urlsplit(proxy) if proxy and not urllib.request.proxy_bypass(host) else None
    if via is None:
        if url.scheme == "https":
            return http.client.HTTPSConnection(host, port, timeout=timeout,
                                               context=ssl.create_default_context()), target, {}
        return http.client.HTTPConnection(host, port, timeout=timeout), target, {}
    auth = {}
    if via.username:
        pair = f"{unquote(via.username)}:{unquote(via.password or '')}".encode()
        auth = {"Proxy-Authorization": "Basic " + base64.b64encode(pair).decode()}
    if url.scheme == "https":
        conn = http.client.HTTPSConnection(via.hostname or "", via.port, timeout=timeout,
                                           context=ssl.create_default_context())
        conn.set_tunnel(host, port, headers=auth)
        return conn, target, {}
    return http.client.HTTPConnection(via.hostname or "", via.port, timeout=timeout), \
        url.geturl(), auth


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date."""
    from email.utils import parsedate_to_datetime

    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _target(url_env: str) -> tuple[str, int] | None:
    url = os.environ.get(url_env, "")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


class WebhookKind(Kind):
    """A webhook URL is itself a credential: it is read from its environment variable to
    find host and port, and never printed."""

    name = "webhook"
    reaches_human = True
    Settings = WebhookSettings

    def channel(self, name: str, s: Any, root: Path) -> Channel:
        return WebhookChannel(name, s.url_env, s.shape)

    def ready(self, name: str, s: Any, root: Path) -> Check:
        label = f"channel {name}"
        if missing_env(s.url_env):
            return Check(label, "fail", f"webhook: environment variable {s.url_env} is not "
                         f"set (it holds the URL)", "export it in the on-call shell or service")
        if _target(s.url_env) is None:
            return Check(label, "fail", f"webhook: ${s.url_env} does not hold an http(s) URL "
                         f"(value not shown: it is a credential)", f"check ${s.url_env}")
        return Check(label, "ok", f"webhook ({s.shape}), URL from ${s.url_env}")

    def endpoint(self, s: Any) -> Endpoint | None:
        if missing_env(s.url_env):
            return None
        found = _target(s.url_env)
        return Endpoint(*found) if found is not None else None

    def secret_envs(self, s: Any) -> tuple[str, ...]:
        return (s.url_env,) if s.url_env else ()
