"""Learning across incidents: follow-ups to closure, runbook health, response metrics.

Everything here reads finished records (ledgers, post-mortems, the team store) and
derives figures; nothing here writes an incident.
"""
