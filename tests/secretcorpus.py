"""The credential corpus (tests/fixtures/secrets/corpus.txt) as (name, form, secret parts)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from conftest import FIXTURES

SECRETS = FIXTURES / "secrets"
DECLARED = "Zq8#mW2!vR5tLp9xKd"  # the corpus runbook's api_token, given by environment
ENV_ONLY = "mR7!kQ2#zL9x"  # TRIAGEBOOK_SECRET_SMTP_RELAY: no runbook declares it
ENV = {"TRIAGEBOOK_SECRET_API_TOKEN": DECLARED, "TRIAGEBOOK_SECRET_SMTP_RELAY": ENV_ONLY}


@dataclass(frozen=True)
class Form:
    name: str
    text: str
    parts: tuple[str, ...]

    @property
    def value_based(self) -> bool:
        """Only the declared value makes it secret; its shape alone says nothing."""
        return self.name.startswith(("declared-", "env-only-"))


def corpus() -> list[Form]:
    out = []
    for line in (SECRETS / "corpus.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, _, marked = line.partition(" | ")
        parts = tuple(re.findall("⟦(.*?)⟧", marked))
        assert parts, name
        out.append(Form(name, marked.replace("⟦", "").replace("⟧", ""), parts))
    return out


def pem_body() -> list[str]:
    """The body lines of the multi-line private key fixture (each one secret)."""
    lines = (SECRETS / "id_ed25519").read_text().splitlines()
    return [ln for ln in lines if ln and not ln.startswith("-----")]


def benign() -> list[str]:
    return [ln for ln in (SECRETS / "benign.txt").read_text(encoding="utf-8").splitlines()
            if ln and not ln.startswith("#")]
