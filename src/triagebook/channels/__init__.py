"""Escalation channels: one `Channel` port, one module per kind (its settings, its
readiness check, its delivery), registered in channels/registry.py.

`deliver` sends through a channel and turns any error at all into one DeliveryError
line — a channel can fail, it cannot take the others down with it.
"""

from __future__ import annotations

from triagebook.channels.base import Channel, Deadline, DeliveryError
from triagebook.channels.deliver import deliver
from triagebook.channels.kind import Endpoint, Kind
from triagebook.channels.registry import KINDS
from triagebook.channels.settings import DEFAULT_CHANNELS, ChannelConfig, ChannelOption

__all__ = ["DEFAULT_CHANNELS", "KINDS", "Channel", "ChannelConfig", "ChannelOption",
           "Deadline", "DeliveryError", "Endpoint", "Kind", "deliver"]
