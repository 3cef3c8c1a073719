"""Sending through a channel: any error at all becomes one DeliveryError line."""

from __future__ import annotations

import sys

from triagebook.channels.base import Channel, Deadline, DeliveryError


def deliver(channel: Channel, subject: str, text: str, deadline: Deadline) -> None:
    try:
        channel.deliver(subject, text, deadline)
    except DeliveryError as exc:
        if deadline.aborted.is_set():
            raise deadline.timed_out(channel.name) from None
        if str(exc).startswith("no complete answer"):  # from Deadline.timeout()
            raise DeliveryError(f"{channel.name}: {exc}") from None
        raise
    except TimeoutError:
        raise deadline.timed_out(channel.name) from None
    except Exception as exc:
        smtp = sys.modules.get("smtplib")  # loaded only once an smtp channel has sent
        if isinstance(exc, OSError) or (smtp is not None
                                        and isinstance(exc, smtp.SMTPException)):
            # the adapters' own errors: server replies and errno texts, never a URL
            what = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            raise DeliveryError(f"{channel.name} ({channel.kind}): {type(exc).__name__}: "
                                f"{what}") from None
        # anything else: the type only — its text may hold a URL
        raise DeliveryError(f"{channel.name} ({channel.kind}): failed with "
                            f"{type(exc).__name__}") from None
