"""A chat webhook: one JSON POST (Slack's `text` or Discord's `content` shape)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from triagebook.escalation.channels.base import TIMEOUT, Channel, DeliveryError


class WebhookChannel(Channel):
    kind = "webhook"

    def __init__(self, name: str, url_env: str, shape: str = "slack") -> None:
        super().__init__(name)
        self.url_env, self.shape = url_env, shape

    def deliver(self, subject: str, text: str) -> None:
        url = self.env(self.url_env, "webhook URL")  # the URL itself is a credential
        body = {"text": text} if self.shape == "slack" else {"content": text}
        req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:  # noqa: S310
                if resp.status >= 300:
                    raise DeliveryError(f"{self.name}: webhook answered HTTP {resp.status}")
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"{self.name}: webhook answered HTTP {exc.code}") from None
        except urllib.error.URLError as exc:
            raise DeliveryError(f"{self.name}: webhook unreachable: {exc.reason}") from None
