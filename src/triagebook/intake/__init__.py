"""The intake server: HTTP endpoints where the outside world reaches triagebook (alerts
in, chat commands in).  Adapters only: each route verifies and bounds what arrives, then
calls the core."""
