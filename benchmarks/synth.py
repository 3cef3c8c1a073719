"""Realistic synthetic runbooks, for benchmarks and scale tests."""

from __future__ import annotations

import random
from pathlib import Path

SERVICES = ["gpuaas-api", "billing-worker", "webhook-worker", "terminal-gateway",
            "scheduler", "agent-gateway", "auth-service", "upload-service"]
VERBS = ["Check", "Inspect", "Verify", "Restart", "Drain", "Roll back", "Scale", "Compare"]
NOUNS = ["pods", "queue depth", "error rate", "token cache", "node pool", "helm release",
         "database connections", "upstream latency", "disk usage", "heartbeats"]


def runbook_text(i: int, rng: random.Random) -> str:
    svc = rng.choice(SERVICES)
    sev = rng.choice(["SEV1", "SEV2", "SEV3", "SEV4"])
    steps = []
    for s in range(rng.randint(4, 8)):
        title = f"{rng.choice(VERBS)} the {rng.choice(NOUNS)}"
        if s % 3 == 0:
            block = ("```logql\n{service=\"" + svc + "\"} | json | "
                     "correlation_id=\"{{ correlation_id }}\" | level=\"error\"\n```")
        elif s % 3 == 1:
            block = ("```sh\nkubectl -n {{ namespace }} get pods -l app=" + svc +
                     " -o wide\nkubectl -n {{ namespace }} logs deploy/" + svc +
                     " --since=30m | grep -i error | tail -n 50\n```")
        else:
            block = ("```promql\nsum(rate(http_requests_total{service=\"" + svc +
                     "\",code=~\"5..\"}[5m])) / sum(rate(http_requests_total{service=\"" +
                     svc + "\"}[5m]))\n```")
        steps.append(f"### {title}\n\nLook at the {rng.choice(NOUNS)} of `{svc}` and compare "
                     f"with the last good deploy. If it is above the alert threshold, note the "
                     f"time window and continue; otherwise skip with the reason.\n\n{block}\n")
    return f"""---
title: Synthetic failure {i} in {svc}
severity: {sev}
failure_class: [synthetic_{i}_failed, synthetic_{i}_timeout]
route: team-{i % 17}
trigger: {svc} reports synthetic failure {i} on the CLI with a correlation id
services: [{svc}]
escalation: {rng.choice(["RED", "YELLOW", "GREEN"])}
tags: [synthetic, {svc}]
owner: team-{i % 17}
last_reviewed: 2026-11-01
context:
  correlation_id:
    description: correlation id printed on stderr
    required: true
    pattern: '^[A-Za-z0-9-]{{8,64}}$'
    example: 7f3c2a10-5b8e-4d2f
  namespace:
    description: Kubernetes namespace
    default: prod
---

# Synthetic failure {i} in {svc}

This runbook was generated for benchmarks. It looks like a real one: a trigger,
some background about the service, and steps with queries and commands.

## Steps

{chr(10).join(steps)}
"""


def write_catalog(folder: Path, n: int, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        sub = folder / f"area-{i % 20:02d}"
        sub.mkdir(exist_ok=True)
        p = sub / f"synthetic-{i:05d}.md"
        p.write_text(runbook_text(i, rng), encoding="utf-8")
        paths.append(p)
    return paths
