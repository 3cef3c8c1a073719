"""`POST /chat/slack` and `POST /chat/discord` on the intake server: verify the platform's
signature, run the command (escalation/chat.py), answer in the platform's shape."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from urllib.parse import parse_qs

from triagebook.base.safetext import neutralise
from triagebook.base.timeutil import Clock, utc_now
from triagebook.config import Config
from triagebook.escalation.chat import Refused, Replies, run, verify_discord, verify_slack
from triagebook.intake.server import Request, Response, Route

MAX_ACTOR = 64


def _actor(platform: str, name: object) -> str:
    return f"{platform}:{neutralise(str(name or 'unknown'))[:MAX_ACTOR]}"


def _obj(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def routes(cfg: Config, clock: Clock = utc_now,
           wall: Callable[[], float] = time.time) -> list[Route]:
    replies = Replies.new()

    def slack(req: Request) -> Response:
        try:
            verify_slack(cfg, req.headers, req.body, wall(), replies)
        except Refused as exc:
            return Response.text(401, f"refused: {exc}")
        form = parse_qs(req.body.decode("utf-8", "replace"), max_num_fields=50)
        text = (form.get("text") or [""])[0]
        name, uid = (form.get("user_name") or [""])[0], (form.get("user_id") or [""])[0]
        who = _actor("slack", name or uid)
        ids = (_actor("slack", uid),) if uid else ()  # the user id: a name can be changed
        return Response.json(200, {"response_type": "ephemeral",
                                   "text": run(cfg, text, who, clock(), ids)})

    def discord(req: Request) -> Response:
        try:
            verify_discord(cfg, req.headers, req.body, wall(), replies)
        except Refused as exc:
            return Response.text(401, f"refused: {exc}")
        try:
            payload = json.loads(req.body)
        except (ValueError, RecursionError):
            return Response.text(400, "body is not JSON")
        if not isinstance(payload, dict):
            return Response.text(400, "expected a JSON object")
        if payload.get("type") == 1:  # PING
            return Response.json(200, {"type": 1})
        data = _obj(payload.get("data"))
        options = data.get("options")
        text = " ".join(str(o.get("value", "")) for o in
                        (options if isinstance(options, list) else []) if isinstance(o, dict))
        user = _obj(_obj(payload.get("member")).get("user") or payload.get("user"))
        who = _actor("discord", user.get("username"))
        ids = (_actor("discord", user["id"]),) if user.get("id") else ()
        return Response.json(200, {"type": 4, "data": {
            "content": run(cfg, text, who, clock(), ids), "flags": 64}})

    return [Route("POST", "/chat/slack", slack, signed=True),
            Route("POST", "/chat/discord", discord, signed=True)]
