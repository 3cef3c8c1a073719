"""Deliver one message to several channels, each on its own and each against a deadline.

Channels on this machine (stdout, file) run inline and in order; network channels run
at the same time in threads, so a hanging mail server neither delays the page nor stops
the chat message.  Every channel ends in exactly one `Result`, reported as it arrives
(the caller records it): delivered, failed (with the reason, never a credential),
shadowed (a shadow channel: nothing sent), or interrupted (Ctrl-C — recorded before the
interrupt goes on, so the tick retries it).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from triagebook.channels import Channel, Deadline, DeliveryError, deliver
from triagebook.config import Config


@dataclass(frozen=True, slots=True)
class Job:
    channel: str
    attempt: int = 1
    address: str = ""  # the paged person's address on this channel ("": the channel's own)


@dataclass(frozen=True, slots=True)
class Result:
    channel: str
    attempt: int
    ok: bool
    error: str = ""
    latency_s: float | None = None
    retry_after: float | None = None
    final: bool = False  # no point retrying (the channel does not exist)
    shadow: bool = False
    interrupted: bool = False


def _attempt(ch: Channel, subject: str, text: str, deadline: Deadline, job: Job) -> Result:
    t0 = time.monotonic()
    try:
        deliver(ch, subject, text, deadline)
    except DeliveryError as exc:
        return Result(job.channel, job.attempt, False, str(exc), time.monotonic() - t0,
                      exc.retry_after)
    return Result(job.channel, job.attempt, True, latency_s=time.monotonic() - t0)


def _ready(cfg: Config, jobs: list[Job], full: str, sms: str, drill: bool,
           finish: Callable[[Result], None]) -> list[tuple[Job, Channel, str]]:
    """The jobs to attempt, each with its channel and text; the others are finished here
    (no such channel, shadowed, or a channel that cannot be built)."""
    pending: dict[str, int] = {}
    if not drill and any(c.go_live_after for c in cfg.channels.values()):
        from triagebook.escalation.golive import remaining

        pending = remaining(cfg)
    ready: list[tuple[Job, Channel, str]] = []
    for job in jobs:
        conf = cfg.channels.get(job.channel)
        if conf is None:
            finish(Result(job.channel, job.attempt, False,
                          f"{job.channel}: no such channel (configure "
                          f"triagebook.escalation.channels.{job.channel})", final=True))
        elif conf.shadow or job.channel in pending:
            finish(Result(job.channel, job.attempt, True, shadow=True))
        else:
            try:
                if job.address:
                    conf = conf.addressed(job.address)
                ready.append((job, conf.channel(cfg.root), sms if conf.sms else full))
            except DeliveryError as exc:
                finish(Result(job.channel, job.attempt, False, str(exc), final=True))
    return ready


def send(cfg: Config, jobs: list[Job], subject: str, full: str, sms: str,
         record: Callable[[Result], None], drill: bool = False) -> list[Result]:
    """Try every job's channel; `record` is called once per channel, in this thread.

    A channel short of its `go_live_after` clean drills is shadowed, except for a drill
    (drills are how it proves itself)."""
    results: list[Result] = []
    outstanding = {j.channel: j for j in jobs}  # one attempt per channel

    def finish(r: Result) -> None:
        if outstanding.pop(r.channel, None) is not None:
            results.append(r)
            record(r)

    ready = _ready(cfg, list(outstanding.values()), full, sms, drill, finish)
    done: queue.Queue[Result] = queue.Queue()
    running: dict[str, Deadline] = {}
    try:
        for job, ch, text in ready:
            if not ch.local:
                deadline = running[job.channel] = Deadline(cfg.deadline_seconds)
                threading.Thread(target=lambda *a: done.put(_attempt(*a)), daemon=True,
                                 args=(ch, subject, text, deadline, job),
                                 name=f"deliver-{job.channel}").start()
        for job, ch, text in ready:
            if ch.local:
                finish(_attempt(ch, subject, text, Deadline(cfg.deadline_seconds), job))
        while running:
            wait = max(min(d.remaining() for d in running.values()), 0.0)
            try:
                r = done.get(timeout=wait + 0.05)
            except queue.Empty:
                # waited out the nearest deadline: those channels failed, whatever they
                # may still be trickling
                for name, d in list(running.items()):
                    if d.remaining() <= wait + 0.05:
                        d.abort()
                        del running[name]
                        job = outstanding[name]
                        finish(Result(name, job.attempt, False,
                                      f"{name}: no complete answer within {d.seconds:g} s "
                                      f"(the delivery deadline)", d.seconds))
                continue
            if running.pop(r.channel, None) is not None:
                finish(r)
    except KeyboardInterrupt:
        for d in running.values():
            d.abort()
        for job in list(outstanding.values()):
            finish(Result(job.channel, job.attempt, False,
                          f"{job.channel}: interrupted (Ctrl-C) before the channel answered",
                          interrupted=True))
        raise
    return results
