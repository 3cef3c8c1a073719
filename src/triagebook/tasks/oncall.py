"""`inv oncall.who`, `oncall.override`, `oncall.present`: on-call routing (issue 22)."""

from __future__ import annotations

from invoke.collection import Collection

from triagebook.tasks._common import project, task, user_errors


def _when(text: str, flag: str):
    from triagebook.base.timeutil import parse_time, utc_now

    return utc_now() if not text or text == "now" else parse_time(text, flag)


def _name(person: str) -> str:
    from triagebook.base.errors import BadArgument

    if not (0 < len(person) <= 64 and person.isprintable()):
        shown = person[:64].encode("unicode_escape").decode("ascii")  # one line, always
        raise BadArgument("person", shown, "a name: one line, at most 64 characters")
    return person


def _known_route(cfg, route: str) -> None:
    from triagebook.base.errors import UsageError, did_you_mean

    if route not in cfg.routes:
        known = ", ".join(sorted(cfg.routes)) or "none configured"
        raise UsageError(f"no route {route!r} in triagebook.routes (known: {known})"
                         + did_you_mean(route, cfg.routes))


@task(help={"route": "only this route (default: every configured route)",
            "at": "as at TIME ('2026-12-24 23:00 Europe/Stockholm' or ISO 8601; default now)"})
@user_errors
def who(c, route="", at=""):
    """Who is paged for each route and class, and why: schedule, override, their zone."""
    from triagebook.oncall.who import describe, route_view

    cfg = project()
    when = _when(at, "--at")
    if route:
        _known_route(cfg, route)
    names = [route] if route else sorted(cfg.routes)
    if not names:
        print("no routes configured (triagebook.routes in invoke.yaml): every runbook pages "
              "the global channels; see the on-call guide")
        return
    print(f"on call at {when:%Y-%m-%d %H:%M %Z}:")
    for name in names:
        print("\n".join(describe(cfg, route_view(cfg, name, when), when)))


@task(help={"route": "the route", "person": "who takes it (a name from triagebook.people)",
            "from_": "start (TIME; default now)", "until": "end (TIME)"})
@user_errors
def override(c, route, person, until, from_=""):
    """Put PERSON on call for ROUTE from --from until --until (recorded; beats the schedule)."""
    from triagebook.base.errors import BadArgument
    from triagebook.base.timeutil import utc_now
    from triagebook.oncall.records import record_override
    from triagebook.runner.context import operator_name

    cfg = project()
    _known_route(cfg, route)
    _name(person)
    start, end = _when(from_, "--from"), _when(until, "--until")
    if end <= start:
        raise BadArgument("until", until, "must be after --from")
    o = record_override(cfg, route, person, start, end, operator_name(), utc_now())
    print(f"{route}: {o.person} on call from {o.start:%Y-%m-%d %H:%M %Z} until "
          f"{o.end:%Y-%m-%d %H:%M %Z} (recorded by {o.by}"
          + ("" if person in cfg.people else f"; note: {person!r} is not in "
                                             f"triagebook.people") + ")")


@task(help={"person": "a name from triagebook.people", "until": "until TIME"})
@user_errors
def present(c, person, until):
    """Mark PERSON present until TIME: their deferred YELLOW pages go out at once."""
    from triagebook.base.errors import BadArgument
    from triagebook.base.timeutil import utc_now
    from triagebook.oncall.records import record_presence
    from triagebook.runner.context import operator_name

    cfg = project()
    _name(person)
    now, end = utc_now(), _when(until, "--until")
    if end <= now:
        raise BadArgument("until", until, "must be in the future")
    p = record_presence(cfg, person, end, operator_name(), now)
    print(f"{p.person} present until {p.until:%Y-%m-%d %H:%M %Z}: quiet hours no longer "
          f"defer their YELLOW pages (recorded by {p.by}"
          + ("" if person in cfg.people else f"; note: {person!r} is not in "
                                             f"triagebook.people") + ")")


ns = Collection("oncall")
for _t in (who, override, present):
    ns.add_task(_t)
