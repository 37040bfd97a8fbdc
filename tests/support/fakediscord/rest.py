"""The fake REST API: the routes citebot calls, each answering as Discord does.

Every request is recorded as a :class:`~fakediscord.Call` (the token redacted), checked
against injected faults and its rate-limit bucket, authorised, and handed to its route. The
routes: who the bot is (``/users/@me``, ``/oauth2/applications/@me``), command sync
(``GET``/``PUT`` global and guild commands), interaction callbacks and followups, posting
in a channel or thread, and starting a thread from a message. A request to any other route
is answered 404 and reported by :meth:`~fakediscord.FakeDiscord.assert_no_unknown_calls`.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .events import APPLICATION_COMMAND, AUTOCOMPLETE, MESSAGE_COMPONENT
from .limits import Bucket
from .messages import FLAG_EPHEMERAL, FLAG_HAS_THREAD, FLAG_LOADING
from .model import (
    ANNOUNCEMENT,
    ANNOUNCEMENT_THREAD,
    PUBLIC_THREAD,
    TEXT,
    FakeChannel,
    FakeGuild,
    FakeUser,
    Perm,
)
from .protocol import (
    REDACTED,
    HTTPError,
    Reply,
    dumps,
    field_error,
    form_error,
    not_found,
    now_iso,
)
from .records import Call, DispatchedInteraction, InteractionState
from .validate import validate_command

# Interaction callback types.
CB_MESSAGE, CB_DEFERRED_MESSAGE, CB_UPDATE_MESSAGE, CB_AUTOCOMPLETE = 4, 5, 7, 8

_log = logging.getLogger(__name__)


@dataclass
class Route:
    """One REST route: its method, path template (and the regex made from it) and handler."""

    method: str
    pattern: re.Pattern[str]
    template: str
    handler: Callable[..., Awaitable[Reply]]
    auth: bool


class RestMixin:
    """The REST half of :class:`~fakediscord.FakeDiscord`."""

    def _build_routes(self) -> list[Route]:
        table: list[tuple[str, str, Callable[..., Awaitable[Reply]], bool]] = [
            ("GET", "/users/@me", self._get_me, True),
            ("GET", "/oauth2/applications/@me", self._get_application, True),
            ("GET", "/applications/{app_id}/commands", self._get_commands, True),
            ("PUT", "/applications/{app_id}/commands", self._put_commands, True),
            ("GET", "/applications/{app_id}/guilds/{guild_id}/commands", self._get_commands, True),
            ("PUT", "/applications/{app_id}/guilds/{guild_id}/commands", self._put_commands, True),
            ("POST", "/interactions/{interaction_id}/{token}/callback", self._callback, False),
            ("POST", "/webhooks/{app_id}/{token}", self._followup, False),
            ("POST", "/channels/{channel_id}/messages", self._create_message, True),
            (
                "POST",
                "/channels/{channel_id}/messages/{message_id}/threads",
                self._start_thread,
                True,
            ),
        ]
        routes = []
        for method, template, handler, auth in table:
            regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
            routes.append(Route(method, re.compile(regex), template, handler, auth))
        return routes

    def _match_route(self, method: str, path: str) -> tuple[Route | None, dict[str, str]]:
        for route in self._routes:
            if route.method != method:
                continue
            m = route.pattern.fullmatch(path)
            if m is not None:
                return route, m.groupdict()
        return None, {}

    async def _read_body(self, request: web.Request) -> Any:
        if request.content_type.startswith("multipart/"):
            # discord.py sends multipart only with files, which citebot never uploads.
            raise NotImplementedError("the fake does not take file uploads")
        raw = await request.read()
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode("utf-8", "replace")

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        method = request.method
        headers = {
            k: (f"Bot {REDACTED}" if k.lower() == "authorization" else v)
            for k, v in request.headers.items()
        }
        try:
            body = await self._read_body(request)
        except NotImplementedError as exc:
            self.internal_errors.append(exc)
            body = None
        call = Call(method, path, dict(request.query), body, headers, time=time.monotonic())
        route, params = self._match_route(method, path)
        call.route = f"{route.method} {route.template}" if route else None
        reply = self._take_fault(method, path)
        bucket = self._bucket(route, params) if route is not None else None
        if reply is None and bucket is not None and not bucket.take(time.monotonic()):
            reply = self._rate_limited(bucket)
        if reply is None:
            if route is None:
                reply = Reply(404, {"message": "Unknown route", "code": 0})
            elif (
                route.auth
                and self.check_token
                and request.headers.get("Authorization") != f"Bot {self.token}"
            ):
                reply = Reply(401, {"message": "401: Unauthorized", "code": 0})
            else:
                try:
                    reply = await route.handler(call, **params)
                except HTTPError as exc:
                    reply = exc.reply
                except Exception as exc:
                    # A bug in the fake: answer 400 (a 5xx would make discord.py retry for
                    # ~20 s) and keep the error for assert_no_unknown_calls().
                    _log.exception("fake discord failed on %s %s", method, path)
                    self.internal_errors.append(exc)
                    reply = Reply(400, {"message": f"fake discord bug: {exc!r}", "code": 0})
        call.status = reply.status
        call.response = reply.body
        call.index = len(self.calls)
        self.calls.append(call)
        if route is None:
            _log.warning("fake discord: unknown route %s %s", method, path)
        response = self._to_response(reply, bucket)
        try:
            await response.prepare(request)
            await response.write_eof()
        finally:
            # Waiters see the call only once its response is on the wire.
            call.delivered = True
            await self._notify()
        return response

    def _to_response(self, reply: Reply, bucket: Bucket | None) -> web.Response:
        headers = dict(reply.headers)
        if bucket is not None and reply.status != 429:
            headers.update(bucket.headers(time.monotonic()))
        if reply.body is None:
            return web.Response(status=reply.status, headers=headers)
        # discord.py only parses JSON when Content-Type is exactly "application/json".
        headers["Content-Type"] = "application/json"
        return web.Response(status=reply.status, body=dumps(reply.body).encode(), headers=headers)

    def _check_app(self, app_id: str) -> None:
        if app_id != str(self.application_id):
            raise not_found("Unknown Application", 10002)

    def _require_guild(self, guild_id: str) -> FakeGuild:
        guild = self.guild(int(guild_id)) if guild_id.isdigit() else None
        if guild is None:
            raise not_found("Unknown Guild", 10004)
        return guild

    def _require_channel(self, channel_id: str) -> tuple[int, FakeGuild]:
        cid = int(channel_id) if channel_id.isdigit() else -1
        guild = self.guild_of_channel(cid)
        if guild is None:
            raise not_found("Unknown Channel", 10003)
        if not guild.channel_permissions(self.bot_user.id, cid) & Perm.VIEW_CHANNEL:
            raise HTTPError(403, "Missing Access", 50001)
        return cid, guild

    def _require_perms(self, guild: FakeGuild, channel_id: int, perms: int) -> None:
        have = guild.channel_permissions(self.bot_user.id, channel_id)
        if have & perms != perms:
            raise HTTPError(403, "Missing Permissions", 50013)

    async def _get_me(self, call: Call) -> Reply:
        data = {**self.bot_user.payload(), "verified": True, "mfa_enabled": False, "flags": 0}
        return Reply(200, {**data, "locale": "en-US", "email": None, "bio": ""})

    async def _get_application(self, call: Call) -> Reply:
        return Reply(
            200,
            {
                "id": str(self.application_id),
                "name": self.bot_user.name,
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": FakeUser(1, "owner").payload(),
                "team": None,
                "flags": self.application_flags,
                "bot": self.bot_user.payload(),
                "redirect_uris": [],
                "interactions_endpoint_url": None,
                "approximate_guild_count": len(self.guilds),
                "tags": [],
                "integration_types_config": {"0": {}},
            },
        )

    async def _get_commands(self, call: Call, app_id: str, guild_id: str | None = None) -> Reply:
        self._check_app(app_id)
        scope = self._require_guild(guild_id).id if guild_id is not None else None
        return Reply(200, self.commands(scope))

    async def _put_commands(self, call: Call, app_id: str, guild_id: str | None = None) -> Reply:
        self._check_app(app_id)
        scope = self._require_guild(guild_id).id if guild_id is not None else None
        if not isinstance(call.json, list):
            raise form_error({"_errors": [{"code": "LIST_TYPE_CONVERT", "message": "Not a list"}]})
        errors = {str(i): e for i, c in enumerate(call.json) if (e := validate_command(c))}
        if errors:
            raise form_error(errors)
        old = {(c["name"], c.get("type", 1)): c for c in self._commands.get(scope, [])}
        stored = []
        for cmd in call.json:
            ctype = int(cmd.get("type", 1))
            previous = old.get((cmd["name"], ctype))
            entry: dict[str, Any] = {
                "id": previous["id"] if previous else str(self.snowflake()),
                "application_id": str(self.application_id),
                "version": str(self.snowflake()),
                "type": ctype,
                "name": cmd["name"],
                "name_localizations": cmd.get("name_localizations"),
                "description": cmd.get("description", ""),
                "description_localizations": cmd.get("description_localizations"),
                "options": cmd.get("options") or [],
                "default_member_permissions": cmd.get("default_member_permissions"),
                "dm_permission": cmd.get("dm_permission", True),
                "nsfw": bool(cmd.get("nsfw", False)),
                "contexts": cmd.get("contexts"),
                "integration_types": cmd.get("integration_types") or [0],
            }
            if scope is not None:
                entry["guild_id"] = str(scope)
            stored.append(entry)
        self._commands[scope] = stored
        return Reply(200, stored)

    def _interaction_state(self, token: str, *, webhook: bool) -> InteractionState:
        state = self._interactions.get(token)
        if state is None or state.expired:
            if webhook:
                raise not_found("Unknown Webhook", 10015)
            raise not_found("Unknown interaction", 10062)
        return state

    async def _callback(self, call: Call, interaction_id: str, token: str) -> Reply:
        state = self._interaction_state(token, webhook=False)
        record = state.record
        if str(record.id) != interaction_id:
            raise not_found("Unknown interaction", 10062)
        if state.response_type is not None:
            raise HTTPError(400, "Interaction has already been acknowledged.", 40060)
        body = call.json if isinstance(call.json, dict) else {}
        cb_type = int(body.get("type", 0))
        data = body.get("data") or {}
        guild = self.guild(record.guild_id) if record.guild_id else None
        channel_id = record.channel_id or 0
        resource_message: dict[str, Any] | None = None
        if cb_type in (CB_MESSAGE, CB_DEFERRED_MESSAGE):
            if record.type == AUTOCOMPLETE:
                raise HTTPError(400, "Invalid interaction application command", 50035)
            extra = self._interaction_message_extra(record)
            if cb_type == CB_MESSAGE:
                message = self._bot_message(channel_id, guild, data, extra)
            else:
                flags = (int(data.get("flags", 0)) & FLAG_EPHEMERAL) | FLAG_LOADING
                message = self._build_message(channel_id, guild, self.bot_user, "", extra)
                message["flags"] = flags
            self._store_message(message)
            state.original_id = int(message["id"])
            if cb_type == CB_MESSAGE:
                resource_message = message
            await self._echo("MESSAGE_CREATE", message)
        elif cb_type == CB_UPDATE_MESSAGE:
            if record.type != MESSAGE_COMPONENT or state.message_id is None:
                raise HTTPError(400, "Interaction has no message to update", 50035)
            target = self._messages.get(state.message_id)
            if target is None:
                raise not_found("Unknown Message", 10008)
            resource_message = await self._edit_message(target, data)
        elif cb_type == CB_AUTOCOMPLETE:
            if record.type != AUTOCOMPLETE:
                raise HTTPError(400, "Invalid interaction response type", 50035)
            choices = list(data.get("choices") or [])
            if len(choices) > 25:
                raise form_error(
                    {"data": {"choices": field_error("BASE_TYPE_MAX_LENGTH", "Max 25")}}
                )
            state.choices = choices
        else:
            raise form_error({"type": field_error("BASE_TYPE_CHOICES", "Value must be one of ...")})
        state.response_type = cb_type
        if call.query.get("with_response", "").lower() not in ("1", "true"):
            return Reply(204)
        original = self._messages.get(state.original_id) if state.original_id else None
        interaction_info: dict[str, Any] = {"id": str(record.id), "type": record.type}
        if original is not None:
            interaction_info.update(
                response_message_id=original["id"],
                response_message_loading=bool(int(original["flags"]) & FLAG_LOADING),
                response_message_ephemeral=bool(int(original["flags"]) & FLAG_EPHEMERAL),
            )
        resource: dict[str, Any] = {"type": cb_type}
        if resource_message is not None:
            resource["message"] = resource_message
        return Reply(200, {"interaction": interaction_info, "resource": resource})

    def _interaction_message_extra(self, record: DispatchedInteraction) -> dict[str, Any]:
        user = self.user(record.user_id)
        metadata: dict[str, Any] = {
            "id": str(record.id),
            "type": record.type,
            "user": user.payload() if user else None,
            "authorizing_integration_owners": record.payload["authorizing_integration_owners"],
        }
        return {
            "type": 20 if record.type == APPLICATION_COMMAND else 0,
            "webhook_id": str(self.application_id),
            "application_id": str(self.application_id),
            "interaction_metadata": metadata,
        }

    def _webhook_interaction(self, app_id: str, token: str) -> InteractionState:
        state = self._interaction_state(token, webhook=True)
        if app_id != str(self.application_id) or state.response_type is None:
            raise not_found("Unknown Webhook", 10015)
        return state

    async def _followup(self, call: Call, app_id: str, token: str) -> Reply:
        state = self._webhook_interaction(app_id, token)
        record = state.record
        body = call.json if isinstance(call.json, dict) else {}
        guild = self.guild(record.guild_id) if record.guild_id else None
        original = self._messages.get(state.original_id) if state.original_id else None
        if original is not None and int(original["flags"]) & FLAG_LOADING:
            # Like Discord: the first followup after a deferred response replaces the
            # "thinking" message (it keeps that message's id and ephemerality).
            message = await self._edit_message(original, body)
        else:
            extra = self._interaction_message_extra(record)
            extra["type"] = 0 if original is None else 19
            message = self._bot_message(record.channel_id or 0, guild, body, extra)
            self._store_message(message)
            await self._echo("MESSAGE_CREATE", message)
        if call.query.get("wait", "").lower() in ("1", "true"):
            return Reply(200, message)
        return Reply(204)

    async def _create_message(self, call: Call, channel_id: str) -> Reply:
        cid, guild = self._require_channel(channel_id)
        body = call.json if isinstance(call.json, dict) else {}
        channel = guild.channel(cid)
        in_thread = channel is not None and channel.is_thread
        # In a thread Discord asks for Send Messages in Threads, not Send Messages.
        needed = int(Perm.SEND_MESSAGES_IN_THREADS if in_thread else Perm.SEND_MESSAGES)
        if body.get("message_reference"):
            needed |= Perm.READ_MESSAGE_HISTORY
        self._require_perms(guild, cid, needed)
        message = self._bot_message(cid, guild, body)
        self._store_message(message)
        await self._echo("MESSAGE_CREATE", message)
        return Reply(200, message)

    async def _start_thread(self, call: Call, channel_id: str, message_id: str) -> Reply:
        """Start a public thread from a message, as Discord does.

        The thread takes the message's id, the bot as its owner and the channel as its parent;
        the message gets the thread (MESSAGE_UPDATE) and the bot THREAD_CREATE. Refused: a
        channel that holds no threads started from a message (50024), a message not in the
        channel (10008), one that has a thread already (160004), no Create Public Threads
        (50013), a name outside 1–100 characters or an unknown archive duration (50035).
        """
        cid, guild = self._require_channel(channel_id)
        channel = guild.channel(cid)
        assert channel is not None
        if channel.type not in (TEXT, ANNOUNCEMENT):
            raise HTTPError(400, "Cannot execute action on this channel type", 50024)
        message = self._messages.get(int(message_id)) if message_id.isdigit() else None
        if message is None or int(message["channel_id"]) != cid:
            raise not_found("Unknown Message", 10008)
        self._require_perms(guild, cid, int(Perm.CREATE_PUBLIC_THREADS))
        if message.get("thread") is not None:
            raise HTTPError(400, "A thread has already been created for this message", 160004)
        body = call.json if isinstance(call.json, dict) else {}
        name = body.get("name")
        errors: dict[str, Any] = {}
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 100:
            errors["name"] = field_error(
                "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
            )
        duration = body.get("auto_archive_duration") or 1440  # a channel's default
        if duration not in (60, 1440, 4320, 10080):
            errors["auto_archive_duration"] = field_error(
                "BASE_TYPE_CHOICES", "Value must be one of {60, 1440, 4320, 10080}."
            )
        if errors:
            raise form_error(errors)
        thread = FakeChannel(
            int(message_id),
            str(name).strip(),
            type=PUBLIC_THREAD if channel.type == TEXT else ANNOUNCEMENT_THREAD,
            parent_id=cid,
            owner_id=self.bot_user.id,
            auto_archive_duration=int(duration),
            created=now_iso(),
        )
        guild.channels.append(thread)
        payload = thread.payload(guild.id)
        message["thread"] = payload
        message["flags"] = int(message.get("flags", 0)) | FLAG_HAS_THREAD
        await self.dispatch("THREAD_CREATE", {**payload, "newly_created": True})
        await self._deliver_message("MESSAGE_UPDATE", message)
        return Reply(201, payload)
