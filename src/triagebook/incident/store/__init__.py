"""The shared ledger store: a port (base.py) and its PostgreSQL adapter (postgres.py).

`open_store(cfg)` gives the configured store, or None when the project works locally
only.  psycopg is imported only when a store is configured, so the runner's start-up
does not pay for it otherwise.
"""

from __future__ import annotations

import os

from triagebook.config import Config
from triagebook.incident.store.base import EventStore, StoreUnavailable


def configured(cfg: Config) -> bool:
    return bool(cfg.ledger.store or cfg.ledger.store_url_env)


def open_store(cfg: Config, timeout: float | None = None) -> EventStore | None:
    """The configured store (not yet connected), or None; StoreUnavailable when it is
    configured but cannot be used at all (no URL in the environment, no psycopg)."""
    if not configured(cfg):
        return None
    url = cfg.ledger.store
    if cfg.ledger.store_url_env:
        url = os.environ.get(cfg.ledger.store_url_env, "").strip()
        if not url:
            raise StoreUnavailable(f"${cfg.ledger.store_url_env}",
                                   f"environment variable {cfg.ledger.store_url_env} is "
                                   f"empty (ledger.store_url_env names it)")
    try:
        from triagebook.incident.store.postgres import PostgresStore
    except ImportError as exc:
        raise StoreUnavailable(url.split("@")[-1], f"psycopg cannot be imported ({exc}); "
                                                   f"pip install 'psycopg[binary]'") from None
    return PostgresStore(url, cfg.ledger.timeout if timeout is None else timeout)
