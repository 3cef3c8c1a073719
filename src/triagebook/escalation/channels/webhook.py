"""A chat webhook: one JSON POST (Slack's `text` or Discord's `content` shape).

The URL is a credential (the token is in it), so no error ever shows it — only the name
of the variable that holds it.  HTTP 429/503 with `Retry-After` is retried after that
delay when it fits in the deadline (at most INLINE_RETRIES times); a longer delay is
handed back (`DeliveryError.retry_after`) for `escalation.tick` to honour.  A proxy comes
from the environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), as for urllib.
"""

from __future__ import annotations

import base64
import http.client
import json
import socket
import ssl
import urllib.request
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import SplitResult, unquote, urlsplit

from triagebook.escalation.channels.base import Channel, Deadline, DeliveryError, shut

INLINE_RETRIES = 2
INLINE_WAIT_MAX = 10.0  # seconds; a longer Retry-After is left to the tick


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
