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
# json_to_record reads each body once into the few typed fields a query needs (several
# `->>` on a jsonb value cost twice as much at 200 000 events).
INCIDENTS = """
WITH e AS (
    SELECT incident, ts, seq, id, type, runbook, x.*
    FROM {schema}.events,
         json_to_record(body::json -> 'data') AS x(severity text, detected_at text,
             meta_for text, name text, at text, "to" text, meta_incident text)
    WHERE type IN ('incident.opened', 'milestone', 'severity.changed', 'runbook.attached',
                   'escalation.sent', 'escalation.muted')
), agg AS (
    SELECT incident,
        (array_agg(ts ORDER BY ts, seq, id) FILTER (WHERE type = 'incident.opened'))[1]
            AS opened,
        (array_agg(array[severity, detected_at, meta_for] ORDER BY ts, seq, id)
            FILTER (WHERE type = 'incident.opened'))[1:1] AS od,
        (array_agg(coalesce(nullif(at, '')::timestamptz, ts) ORDER BY ts, seq, id)
            FILTER (WHERE type = 'milestone' AND name = 'acknowledged'))[1] AS ack,
        (array_agg(coalesce(nullif(at, '')::timestamptz, ts) ORDER BY ts, seq, id)
            FILTER (WHERE type = 'milestone' AND name = 'mitigated'))[1] AS mit,
        (array_agg(coalesce(nullif(at, '')::timestamptz, ts) ORDER BY ts, seq, id)
            FILTER (WHERE type = 'milestone' AND name = 'resolved'))[1] AS res,
        array_agg(coalesce(nullif(at, ''), to_json(ts) #>> '{{}}') ORDER BY ts, seq, id)
            FILTER (WHERE type = 'severity.changed' AND coalesce("to", '') <> '')
            AS sev_times,
        array_agg("to" ORDER BY ts, seq, id)
            FILTER (WHERE type = 'severity.changed' AND coalesce("to", '') <> '')
            AS sev_values,
        array_agg(runbook ORDER BY ts, seq, id)
            FILTER (WHERE type = 'runbook.attached' AND runbook IS NOT NULL) AS runbooks,
        count(*) FILTER (WHERE type = 'escalation.sent') AS sent,
        count(*) FILTER (WHERE type = 'escalation.muted') AS muted,
        count(*) FILTER (WHERE type = 'escalation.muted'
                         AND coalesce(meta_incident, '') <> '') AS capped
    FROM e GROUP BY incident
), facts AS (
    SELECT *, coalesce(nullif(od[1][2], '')::timestamptz, opened) AS detected
    FROM agg WHERE opened IS NOT NULL
)
SELECT incident, opened, detected, coalesce(od[1][1], ''), coalesce(od[1][3], ''), ack, mit,
       res, coalesce(sev_times, '{{}}'), coalesce(sev_values, '{{}}'),
       coalesce(runbooks, '{{}}'), sent, muted, capped
FROM facts
WHERE detected >= %(since)s
"""

STEPS = """
WITH opened AS (
    SELECT incident FROM {schema}.events, json_to_record(body::json -> 'data') AS x(
        detected_at text)
    WHERE type = 'incident.opened'
    GROUP BY incident
    HAVING min(coalesce(nullif(x.detected_at, '')::timestamptz, ts)) >= %(since)s
), fin AS (  -- the last done/skip of each step decides its status
    SELECT DISTINCT ON (incident, runbook, step) incident, runbook, step, type, ts, x.*
    FROM {schema}.events, json_to_record(body::json -> 'data') AS x(title text, reason text)
    WHERE type IN ('step.done', 'step.skipped') AND runbook IS NOT NULL AND step IS NOT NULL
    ORDER BY incident, runbook, step, ts DESC, seq DESC, id DESC
), cmd AS (
    SELECT incident, runbook, step,
        count(*) FILTER (WHERE x.timed_out OR x.interrupted
                         OR coalesce(x.exit_code, 0) <> 0) AS failed,
        count(*) FILTER (WHERE x.forced) AS forced
    FROM {schema}.events, json_to_record(body::json -> 'data') AS x(
        exit_code int, timed_out boolean, interrupted boolean, forced boolean)
    WHERE type = 'command' AND runbook IS NOT NULL AND step IS NOT NULL
    GROUP BY incident, runbook, step
), steps AS (
    SELECT incident, runbook, step, f.type AS kind, f.ts AS at, f.title, f.reason,
           coalesce(c.failed, 0) AS failed, coalesce(c.forced, 0) AS forced
    FROM fin f FULL JOIN cmd c USING (incident, runbook, step)
), attached AS (
    SELECT incident, runbook, min(ts) AS at FROM {schema}.events
    WHERE type = 'runbook.attached' AND runbook IS NOT NULL GROUP BY incident, runbook
)
SELECT s.incident, s.runbook, s.step, coalesce(s.title, ''),
       CASE s.kind WHEN 'step.done' THEN 'done' WHEN 'step.skipped' THEN 'skipped'
            ELSE 'pending' END,
       coalesce(s.reason, ''),
       extract(epoch FROM s.at - coalesce(
           lag(s.at) OVER (PARTITION BY s.incident, s.runbook, s.at IS NULL ORDER BY s.step),
           a.at))::float8,
       s.failed, s.forced
FROM steps s LEFT JOIN attached a USING (incident, runbook)
WHERE s.incident IN (SELECT incident FROM opened)
"""


def severity_path(opening: str, times: list[str], values: list[str]
                  ) -> tuple[str, list[tuple[datetime, str]]]:
    """The severity in force at the end, and the changes as (time, severity) in time order
    — the fold's rule: an entry made later with --at may fall before others."""
    from triagebook.base.timeutil import parse_iso

    changes = sorted(((parse_iso(t), v) for t, v in zip(times, values, strict=False)),
                     key=lambda p: p[0])
    return (changes[-1][1] if changes else opening), changes
