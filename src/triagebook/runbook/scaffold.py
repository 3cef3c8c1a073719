"""`inv runbook.new NAME`: a runbook skeleton that passes lint as written."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from triagebook.base.errors import UsageError
from triagebook.runbook.schema import ID_RE

TEMPLATE = """\
---
title: {title}
severity: SEV3
failure_class: [{code}]
route: platform-oncall
trigger: Describe what the responder sees when this runbook applies
services: []
escalation: YELLOW
customer_visible: false
tags: []
owner: platform-team
last_reviewed: {today}
context:
  correlation_id:
    description: correlation_id printed with the error
    required: true
    pattern: '^[A-Za-z0-9-]{{8,64}}$'
    example: 7f3c2a10-5b8e-4d2f-9c1a-2e4b6d8f0a13
---

# {title}

What this failure looks like, who is affected, and what is known about it.

## Steps

### Find the failing request

```logql
{{service="my-service"}} | json | correlation_id="{{{{ correlation_id }}}}"
```

### Check the service health

```sh
curl -fsS https://my-service.internal/healthz
```

### Mitigate

Describe the safest mitigation first, and how to verify it worked.
"""


def new_runbook(folder: Path, name: str, today: date) -> Path:
    if not ID_RE.match(name):
        raise UsageError(f"runbook name {name!r}: expected letters, digits, '-' and '_' "
                         f"(it becomes the file name {name}.md)")
    folder.mkdir(parents=True, exist_ok=True)
    existing = [p for p in folder.rglob(f"{name}.md")]
    if existing:
        raise UsageError(f"runbook '{name}' already exists: {existing[0]}")
    path = folder / f"{name}.md"
    title = name.replace("-", " ").replace("_", " ").capitalize()
    code = name.replace("-", "_").lower()
    path.write_text(TEMPLATE.format(title=title, code=code, today=today.isoformat()),
                    encoding="utf-8")
    return path
