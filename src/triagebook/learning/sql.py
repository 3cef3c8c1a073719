"""The team store's side of the statistics: PostgreSQL folds every incident's events into
one row of facts (and one row per step) so only those rows cross the network — for
10 000 incidents that is ~10 000 rows instead of ~200 000 event bodies.

The rules are the fold's (incident/state.py): the first opening stands, a milestone's
first record counts (its `at` when given), a step's last done/skip decides its status,
time on a step runs from the previous finished step (or the runbook joining) to its own.
"""

from __future__ import annotations

from datetime import datetime

# Only the event types the facts need are cast to jsonb: notes and command output stay text.
INCIDENTS = """
WITH e AS (
    SELECT incident, ts, seq, id, type, runbook, body::jsonb -> 'data' AS d
    FROM {schema}.events
    WHERE type IN ('incident.opened', 'milestone', 'severity.changed', 'runbook.attached',
                   'escalation.sent', 'escalation.muted')
), opened AS (
    SELECT DISTINCT ON (incident) incident, ts AS opened, d
    FROM e WHERE type = 'incident.opened' ORDER BY incident, ts, seq, id
)
SELECT o.incident, o.opened,
       coalesce(nullif(o.d ->> 'detected_at', '')::timestamptz, o.opened) AS detected,
       coalesce(o.d ->> 'severity', '') AS opening_severity,
       coalesce(o.d ->> 'meta_for', '') AS meta_for,
       (SELECT coalesce(nullif(m.d ->> 'at', '')::timestamptz, m.ts) FROM e m
         WHERE m.incident = o.incident AND m.type = 'milestone'
           AND m.d ->> 'name' = 'acknowledged' ORDER BY m.ts, m.seq, m.id LIMIT 1),
       (SELECT coalesce(nullif(m.d ->> 'at', '')::timestamptz, m.ts) FROM e m
         WHERE m.incident = o.incident AND m.type = 'milestone'
           AND m.d ->> 'name' = 'mitigated' ORDER BY m.ts, m.seq, m.id LIMIT 1),
       (SELECT coalesce(nullif(m.d ->> 'at', '')::timestamptz, m.ts) FROM e m
         WHERE m.incident = o.incident AND m.type = 'milestone'
           AND m.d ->> 'name' = 'resolved' ORDER BY m.ts, m.seq, m.id LIMIT 1),
       (SELECT coalesce(array_agg(coalesce(nullif(s.d ->> 'at', ''), to_json(s.ts) #>> '{{}}')
                                  ORDER BY s.ts, s.seq, s.id), '{{}}')
          FROM e s WHERE s.incident = o.incident AND s.type = 'severity.changed'
           AND coalesce(s.d ->> 'to', '') <> ''),
       (SELECT coalesce(array_agg(s.d ->> 'to' ORDER BY s.ts, s.seq, s.id), '{{}}')
          FROM e s WHERE s.incident = o.incident AND s.type = 'severity.changed'
           AND coalesce(s.d ->> 'to', '') <> ''),
       (SELECT coalesce(array_agg(r.runbook ORDER BY r.first), '{{}}') FROM (
            SELECT a.runbook, min(a.ts) AS first FROM e a
             WHERE a.incident = o.incident AND a.type = 'runbook.attached'
               AND a.runbook IS NOT NULL GROUP BY a.runbook) r),
       (SELECT count(*) FROM e p WHERE p.incident = o.incident AND p.type = 'escalation.sent'),
       (SELECT count(*) FROM e p WHERE p.incident = o.incident AND p.type = 'escalation.muted'),
       (SELECT count(*) FROM e p WHERE p.incident = o.incident AND p.type = 'escalation.muted'
           AND coalesce(p.d ->> 'meta_incident', '') <> '')
FROM opened o
WHERE coalesce(nullif(o.d ->> 'detected_at', '')::timestamptz, o.opened) >= %(since)s
ORDER BY o.incident
"""

STEPS = """
WITH fin AS (
    SELECT DISTINCT ON (incident, runbook, step) incident, runbook, step, ts, type,
           body::jsonb -> 'data' AS d
    FROM {schema}.events
    WHERE type IN ('step.done', 'step.skipped') AND runbook IS NOT NULL AND step IS NOT NULL
    ORDER BY incident, runbook, step, ts DESC, seq DESC, id DESC
), attached AS (
    SELECT incident, runbook, min(ts) AS at FROM {schema}.events
    WHERE type = 'runbook.attached' AND runbook IS NOT NULL GROUP BY incident, runbook
), cmd AS (
    SELECT incident, runbook, step,
           count(*) FILTER (WHERE (d ->> 'timed_out')::boolean IS TRUE
                               OR (d ->> 'interrupted')::boolean IS TRUE
                               OR coalesce((d ->> 'exit_code')::int, 0) <> 0) AS failed,
           count(*) FILTER (WHERE (d ->> 'forced')::boolean IS TRUE) AS forced
    FROM (SELECT incident, runbook, step, body::jsonb -> 'data' AS d FROM {schema}.events
          WHERE type = 'command' AND runbook IS NOT NULL AND step IS NOT NULL) c
    GROUP BY incident, runbook, step
), steps AS (
    SELECT coalesce(f.incident, c.incident) AS incident, coalesce(f.runbook, c.runbook) AS runbook,
           coalesce(f.step, c.step) AS step, f.ts, f.type, f.d,
           coalesce(c.failed, 0) AS failed, coalesce(c.forced, 0) AS forced
    FROM fin f FULL JOIN cmd c USING (incident, runbook, step)
)
SELECT s.incident, s.runbook, s.step, coalesce(s.d ->> 'title', ''),
       CASE s.type WHEN 'step.done' THEN 'done' WHEN 'step.skipped' THEN 'skipped'
            ELSE 'pending' END,
       coalesce(s.d ->> 'reason', ''),
       extract(epoch FROM s.ts - coalesce(
           lag(s.ts) OVER (PARTITION BY s.incident, s.runbook, s.ts IS NULL ORDER BY s.step),
           a.at)),
       s.failed, s.forced
FROM steps s LEFT JOIN attached a USING (incident, runbook)
WHERE s.incident = ANY(%(incidents)s)
ORDER BY s.incident, s.runbook, s.step
"""


def severity_path(opening: str, times: list[str], values: list[str]
                  ) -> tuple[str, list[tuple[datetime, str]]]:
    """The severity in force at the end, and the changes as (time, severity) in time order
    — the fold's rule: an entry made later with --at may fall before others."""
    from triagebook.timeutil import parse_iso

    changes = sorted(((parse_iso(t), v) for t, v in zip(times, values, strict=False)),
                     key=lambda p: p[0])
    return (changes[-1][1] if changes else opening), changes
