"""A local fake Discord server (REST API v10 + gateway) for end-to-end tests of discord.py bots.

The real discord.py client talks to it over loopback HTTP and websocket::

    async with FakeDiscord(guilds=[FakeGuild(id=1, channels=[FakeChannel(id=2)])]) as fake:
        discord.http.Route.BASE = fake.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway)
        ...  # start the bot with token fake.token, then dispatch events and inspect fake.calls

Every REST request is recorded as a :class:`Call`; gateway events are sent with
:meth:`FakeDiscord.dispatch_message`, :meth:`FakeDiscord.dispatch_interaction` and friends.
The bot token is never stored in recorded calls or gateway frames.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import gc
import json
import logging
import math
import re
import secrets
import socket
import time
import warnings
import zlib
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from aiohttp import WSMsgType, web

__all__ = [
    "ALL_PERMISSIONS",
    "DEFAULT_EVERYONE_PERMISSIONS",
    "Call",
    "DispatchedInteraction",
    "ErrorLog",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "GatewayConnection",
    "Intent",
    "Perm",
    "capture_errors",
    "run_checked",
]

T = TypeVar("T")

API_VERSION = 10
DISCORD_EPOCH_MS = 1_420_070_400_000
MAX_CONTENT_LENGTH = 2000
REDACTED = "[redacted]"

_log = logging.getLogger(__name__)


class Perm(enum.IntFlag):
    """Discord permission bits used by the fake (any other bit may be passed as a plain int)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    CHANGE_NICKNAME = 1 << 26
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    CREATE_PUBLIC_THREADS = 1 << 35
    SEND_MESSAGES_IN_THREADS = 1 << 38


class Intent(enum.IntFlag):
    """Gateway intent bits the fake pays attention to."""

    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_MESSAGES = 1 << 9
    MESSAGE_CONTENT = 1 << 15


ALL_PERMISSIONS = (1 << 51) - 1
DEFAULT_EVERYONE_PERMISSIONS = int(
    Perm.CREATE_INSTANT_INVITE
    | Perm.ADD_REACTIONS
    | Perm.VIEW_CHANNEL
    | Perm.SEND_MESSAGES
    | Perm.EMBED_LINKS
    | Perm.ATTACH_FILES
    | Perm.READ_MESSAGE_HISTORY
    | Perm.USE_EXTERNAL_EMOJIS
    | Perm.CHANGE_NICKNAME
    | Perm.USE_APPLICATION_COMMANDS
    | Perm.CREATE_PUBLIC_THREADS
    | Perm.SEND_MESSAGES_IN_THREADS
)

# Rate-limit buckets as Discord sets them: (requests, seconds) per route and major parameter.
# Posting in a channel is the tight one (5 per 5 s per channel); other routes get
# DEFAULT_RATE_LIMIT. Tests that measure the bot rather than Discord's limits pass bigger ones.
DISCORD_RATE_LIMITS: Mapping[str, tuple[int, float]] = {
    "POST /channels/{channel_id}/messages": (5, 5.0),
}
DEFAULT_RATE_LIMIT = (50, 1.0)
# The parameters that give a route its own bucket, as Discord documents them.
_MAJOR_PARAMETERS = ("channel_id", "guild_id", "token")

# Close codes after which Discord does not allow resuming the session.
_NON_RESUMABLE_CLOSE_CODES = frozenset({4004, 4007, 4009, 4010, 4011, 4012, 4013, 4014})

# Interaction types.
APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE = 2, 3, 4
# Interaction callback types.
CB_MESSAGE, CB_DEFERRED_MESSAGE, CB_UPDATE_MESSAGE, CB_AUTOCOMPLETE = 4, 5, 7, 8

_FLAG_EPHEMERAL = 1 << 6
_FLAG_LOADING = 1 << 7
_COMMAND_NAME_RE = re.compile(r"^[-_\w]{1,32}$")


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


# --------------------------------------------------------------------------------------------
# Configuration model
# --------------------------------------------------------------------------------------------


@dataclass
class FakeUser:
    """A Discord user known to the fake."""

    id: int
    name: str
    bot: bool = False
    global_name: str | None = None

    def payload(self) -> dict[str, Any]:
        """Return the user object as Discord sends it."""
        return {
            "id": str(self.id),
            "username": self.name,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "bot": self.bot,
            "system": False,
            "public_flags": 0,
        }


@dataclass
class FakeRole:
    """A guild role; ``permissions`` is the role's permission bit set."""

    id: int
    name: str
    permissions: int = 0
    position: int = 1
    managed: bool = False
    mentionable: bool = False

    def payload(self) -> dict[str, Any]:
        """Return the role object as Discord sends it."""
        return {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(int(self.permissions)),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }


@dataclass
class FakeChannel:
    """A guild channel (type 0 = text); overwrites are raw dicts: id, type, allow, deny."""

    id: int
    name: str = "general"
    type: int = 0
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    nsfw: bool = False
    permission_overwrites: list[dict[str, Any]] = field(default_factory=list)

    def payload(self, guild_id: int) -> dict[str, Any]:
        """Return the channel object as Discord sends it."""
        return {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(guild_id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [
                {
                    "id": str(o["id"]),
                    "type": int(o.get("type", 0)),
                    "allow": str(int(o.get("allow", 0))),
                    "deny": str(int(o.get("deny", 0))),
                }
                for o in self.permission_overwrites
            ],
            "topic": self.topic,
            "nsfw": self.nsfw,
            "parent_id": str(self.parent_id) if self.parent_id else None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }


@dataclass
class FakeMember:
    """A guild member: a user plus the ids of its roles (the @everyone role is implicit)."""

    user: FakeUser
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = "2024-01-01T00:00:00+00:00"

    @property
    def id(self) -> int:
        """The member's user id."""
        return self.user.id

    def payload(self, *, with_user: bool = True) -> dict[str, Any]:
        """Return the guild member object as Discord sends it."""
        data: dict[str, Any] = {
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "roles": [str(r) for r in self.roles],
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.payload()
        return data


@dataclass
class FakeGuild:
    """A guild; the @everyone role (id == guild id) is built from ``everyone_permissions``."""

    id: int
    name: str = "Test Guild"
    channels: list[FakeChannel] = field(default_factory=list)
    roles: list[FakeRole] = field(default_factory=list)
    members: list[FakeMember] = field(default_factory=list)
    owner_id: int | None = None
    everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS
    bot_roles: list[int] = field(default_factory=list)

    @property
    def everyone(self) -> FakeRole:
        """The @everyone role."""
        return FakeRole(self.id, "@everyone", self.everyone_permissions, position=0)

    def all_roles(self) -> list[FakeRole]:
        """The @everyone role followed by the configured roles."""
        return [self.everyone, *self.roles]

    def channel(self, channel_id: int) -> FakeChannel | None:
        """Return the channel with this id, if any."""
        return next((c for c in self.channels if c.id == channel_id), None)

    def member(self, user_id: int) -> FakeMember | None:
        """Return the member with this user id, if any."""
        return next((m for m in self.members if m.id == user_id), None)

    def role(self, role_id: int) -> FakeRole | None:
        """Return the role with this id, if any (including @everyone)."""
        return next((r for r in self.all_roles() if r.id == role_id), None)

    def base_permissions(self, user_id: int) -> int:
        """Guild-wide permissions of a member (owner and administrators get everything)."""
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        member = self.member(user_id)
        perms = self.everyone_permissions
        for role_id in member.roles if member else []:
            role = self.role(role_id)
            if role is not None:
                perms |= int(role.permissions)
        return ALL_PERMISSIONS if perms & Perm.ADMINISTRATOR else perms

    def channel_permissions(self, user_id: int, channel_id: int | None) -> int:
        """Permissions of a member in a channel, applying permission overwrites."""
        perms = self.base_permissions(user_id)
        channel = self.channel(channel_id) if channel_id is not None else None
        if perms & Perm.ADMINISTRATOR or channel is None:
            return perms
        member = self.member(user_id)
        role_ids = set(member.roles) if member else set()
        overwrites = channel.permission_overwrites
        for o in overwrites:
            if int(o["id"]) == self.id:
                perms = (perms & ~int(o.get("deny", 0))) | int(o.get("allow", 0))
        allow = deny = 0
        for o in overwrites:
            if int(o.get("type", 0)) == 0 and int(o["id"]) in role_ids:
                allow |= int(o.get("allow", 0))
                deny |= int(o.get("deny", 0))
        perms = (perms & ~deny) | allow
        for o in overwrites:
            if int(o.get("type", 0)) == 1 and int(o["id"]) == user_id:
                perms = (perms & ~int(o.get("deny", 0))) | int(o.get("allow", 0))
        return perms


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------


@dataclass
class Call:
    """One REST request received by the fake (path is relative to ``/api/v10``)."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    status: int = 0
    response: Any = None
    route: str | None = None
    index: int = 0
    time: float = 0.0
    delivered: bool = False


@dataclass
class DispatchedInteraction:
    """An interaction sent to the bot; use its paths to find the bot's REST answers."""

    id: int
    token: str
    type: int
    application_id: int
    channel_id: int | None
    guild_id: int | None
    user_id: int
    payload: dict[str, Any]

    @property
    def callback_path(self) -> str:
        """Path of the initial response (``POST``)."""
        return f"/interactions/{self.id}/{self.token}/callback"

    @property
    def webhook_path(self) -> str:
        """Path of the followup webhook (``POST`` creates followups)."""
        return f"/webhooks/{self.application_id}/{self.token}"


@dataclass
class _InteractionState:
    record: DispatchedInteraction
    response_type: int | None = None
    original_id: int | None = None
    expired: bool = False
    message_id: int | None = None
    choices: list[dict[str, Any]] | None = None


@dataclass
class _Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    retry_after: float
    times: int
    body: Any


@dataclass
class _Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class _HTTPError(Exception):
    def __init__(self, status: int, message: str, code: int, errors: Any = None) -> None:
        super().__init__(message)
        body: dict[str, Any] = {"message": message, "code": code}
        if errors is not None:
            body["errors"] = errors
        self.reply = _Reply(status, body)


def _not_found(message: str, code: int) -> _HTTPError:
    return _HTTPError(404, message, code)


def _form_error(errors: dict[str, Any]) -> _HTTPError:
    return _HTTPError(400, "Invalid Form Body", 50035, errors)


def _err(code: str, message: str) -> dict[str, Any]:
    return {"_errors": [{"code": code, "message": message}]}


@dataclass
class _Bucket:
    """One rate-limit bucket: ``limit`` requests per window of ``per`` seconds."""

    name: str
    limit: int
    per: float
    remaining: int = 0
    resets_at: float = 0.0  # time.monotonic() at which the window ends

    def take(self, now: float) -> bool:
        """Count a request; return False (and count nothing) when the window is used up."""
        if now >= self.resets_at:
            self.remaining = self.limit
            self.resets_at = now + self.per
        if self.remaining <= 0:
            return False
        self.remaining -= 1
        return True

    def headers(self, now: float) -> dict[str, str]:
        """Return the X-RateLimit headers Discord sends with a response from this bucket."""
        after = max(self.resets_at - now, 0.0)
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": f"{time.time() + after:.3f}",
            "X-RateLimit-Reset-After": f"{after:.3f}",
            "X-RateLimit-Bucket": self.name,
        }


@dataclass
class _Route:
    method: str
    pattern: re.Pattern[str]
    template: str
    handler: Callable[..., Awaitable[_Reply]]
    auth: bool


class _Session:
    def __init__(self, session_id: str, intents: int, shard: list[int] | None) -> None:
        self.id = session_id
        self.intents = intents
        self.shard = shard
        self.seq = 0
        self.backlog: list[dict[str, Any]] = []
        self.conn: GatewayConnection | None = None


class GatewayConnection:
    """One websocket connection made by the client to the fake gateway."""

    def __init__(
        self, ws: web.WebSocketResponse, path: str, query: dict[str, str], zlib_stream: bool
    ):
        self.ws = ws
        self.path = path
        self.query = query
        self.outcome: str | None = None  # "ready", "resumed", "invalid_session"
        self.close_code: int | None = None
        self.session_id: str | None = None
        self._zlib = zlib.compressobj() if zlib_stream else None
        self._lock = asyncio.Lock()

    @property
    def compressed(self) -> bool:
        """Whether frames are sent zlib-stream compressed."""
        return self._zlib is not None

    async def send(self, frame: Mapping[str, Any]) -> None:
        """Send one gateway frame; silently drops it if the socket is already closing."""
        data = _dumps(frame)
        async with self._lock:
            if self.ws.closed:
                return
            try:
                if self._zlib is not None:
                    chunk = self._zlib.compress(data.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                    await self.ws.send_bytes(chunk)
                else:
                    await self.ws.send_str(data)
            except (ConnectionResetError, RuntimeError):
                pass

    def __repr__(self) -> str:
        return (
            f"<GatewayConnection path={self.path} outcome={self.outcome} close={self.close_code}>"
        )


# --------------------------------------------------------------------------------------------
# The fake server
# --------------------------------------------------------------------------------------------


class FakeDiscord:
    """A fake Discord API and gateway on 127.0.0.1; use as ``async with FakeDiscord() as fake``."""

    DEFAULT_BOT_ID = 1_200_000_000_000_000_001
    DEFAULT_GUILD_ID = 1_200_000_000_000_000_100
    DEFAULT_CHANNEL_ID = 1_200_000_000_000_000_200
    DEFAULT_USER_ID = 1_200_000_000_000_000_300

    def __init__(
        self,
        *,
        token: str = "fake-bot-token",
        bot_id: int = DEFAULT_BOT_ID,
        bot_name: str = "testbot",
        application_id: int | None = None,
        application_flags: int = 0,
        guilds: Sequence[FakeGuild] | None = None,
        users: Sequence[FakeUser] = (),
        heartbeat_interval_ms: int = 45_000,
        zlib_stream: bool = True,
        check_token: bool = True,
        enforce_intents: bool = True,
        echo_own_messages: bool = True,
        ratelimit_headers: bool = True,
        rate_limits: Mapping[str, tuple[int, float]] | None = None,
    ) -> None:
        """Configure the fake; without ``guilds`` one guild with one text channel and one user.

        ``rate_limits`` maps "METHOD /route/{template}" to (requests, seconds) per bucket, over
        :data:`DISCORD_RATE_LIMITS`; ``"*"`` sets the default of every other route. Buckets count
        down in their headers and answer 429 when a client sends more than they allow.
        """
        self.token = token
        self.bot_user = FakeUser(bot_id, bot_name, bot=True)
        self.application_id = application_id if application_id is not None else bot_id
        self.application_flags = application_flags
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.zlib_stream = zlib_stream
        self.check_token = check_token
        self.enforce_intents = enforce_intents
        self.echo_own_messages = echo_own_messages
        self.ratelimit_headers = ratelimit_headers
        self.rate_limits = {**DISCORD_RATE_LIMITS, **(rate_limits or {})}
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        if guilds is None:
            alice = FakeMember(FakeUser(self.DEFAULT_USER_ID, "alice"))
            guilds = [
                FakeGuild(
                    id=self.DEFAULT_GUILD_ID,
                    channels=[FakeChannel(self.DEFAULT_CHANNEL_ID, "general")],
                    members=[alice],
                )
            ]
        self.guilds: list[FakeGuild] = list(guilds)
        for guild in self.guilds:
            if guild.owner_id is None:
                guild.owner_id = 1
            if guild.member(bot_id) is None:
                guild.members.append(FakeMember(self.bot_user, list(guild.bot_roles)))
        self._users: dict[int, FakeUser] = {u.id: u for u in users}
        self._users[bot_id] = self.bot_user

        self.calls: list[Call] = []
        self.gateway_connections: list[GatewayConnection] = []
        self.gateway_received: list[dict[str, Any]] = []
        self.identify_count = 0
        self.resume_count = 0
        self.identify_intents: int | None = None
        self.internal_errors: list[Exception] = []

        self._last_snowflake = 0
        self._commands: dict[int | None, list[dict[str, Any]]] = {}
        self._messages: dict[int, dict[str, Any]] = {}
        self._channel_messages: dict[int, list[int]] = {}
        self._interactions: dict[str, _InteractionState] = {}
        self._faults: list[_Fault] = []
        self._sessions: dict[str, _Session] = {}
        self._session: _Session | None = None
        self._live = asyncio.Event()
        self._changed = asyncio.Condition()
        self._routes = self._build_routes()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ---------------------------------------------------------------- lifecycle

    @property
    def url(self) -> str:
        """Base HTTP URL of the fake (``http://127.0.0.1:PORT``)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """Value for ``discord.http.Route.BASE``."""
        return f"{self.url}/api/v{API_VERSION}"

    @property
    def gateway(self) -> str:
        """Value (as ``yarl.URL``) for ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def resume_gateway(self) -> str:
        """The ``resume_gateway_url`` sent in READY (a distinct path, so resumes are visible)."""
        return f"ws://127.0.0.1:{self.port}/gateway/resume"

    async def start(self) -> None:
        """Start listening on a free loopback port."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._handle_gateway)
        app.router.add_get("/gateway/resume", self._handle_gateway)
        app.router.add_route("*", f"/api/v{API_VERSION}/{{tail:.*}}", self._handle_api)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        """Close gateway connections and stop the server."""
        for conn in list(self.gateway_connections):
            if not conn.ws.closed:
                with contextlib.suppress(Exception):
                    await conn.ws.close(code=1001, message=b"server shutting down")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---------------------------------------------------------------- ids and lookups

    def snowflake(self) -> int:
        """Return a fresh, increasing snowflake id."""
        value = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last_snowflake = max(value, self._last_snowflake + 1)
        return self._last_snowflake

    def user(self, user_id: int) -> FakeUser | None:
        """Return a known user (guild members, extra users and the bot)."""
        if user_id in self._users:
            return self._users[user_id]
        for guild in self.guilds:
            member = guild.member(user_id)
            if member is not None:
                return member.user
        return None

    def guild(self, guild_id: int) -> FakeGuild | None:
        """Return the configured guild with this id, if any."""
        return next((g for g in self.guilds if g.id == guild_id), None)

    def guild_of_channel(self, channel_id: int) -> FakeGuild | None:
        """Return the guild that contains this channel, if any."""
        return next((g for g in self.guilds if g.channel(channel_id) is not None), None)

    def commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        """Commands registered by the bot, globally (None) or for one guild."""
        return list(self._commands.get(guild_id, []))

    def command(self, name: str, guild_id: int | None = None, type: int = 1) -> dict[str, Any]:
        """Find a registered command by name: the guild's commands first, then global ones."""
        scopes = [guild_id, None] if guild_id is not None else [None]
        for scope in scopes:
            for cmd in self._commands.get(scope, []):
                if cmd["name"] == name and cmd.get("type", 1) == type:
                    return cmd
        known = {str(k): [c["name"] for c in v] for k, v in self._commands.items()}
        raise LookupError(f"command {name!r} is not registered (registered: {known})")

    def message(self, message_id: int) -> dict[str, Any] | None:
        """Return a stored message (sent by the bot or dispatched by the test)."""
        return self._messages.get(message_id)

    # ---------------------------------------------------------------- call inspection

    def _matches(
        self,
        call: Call,
        method_or_predicate: str | Callable[[Call], bool] | None,
        path: str | None,
        status: int | None,
    ) -> bool:
        if callable(method_or_predicate):
            if not method_or_predicate(call):
                return False
        elif method_or_predicate not in (None, "*") and call.method != method_or_predicate:
            return False
        if path is not None and not re.fullmatch(path, call.path):
            return False
        return status is None or call.status == status

    def calls_for(
        self,
        method_or_predicate: str | Callable[[Call], bool] | None = None,
        path: str | None = None,
        *,
        status: int | None = None,
        start: int = 0,
    ) -> list[Call]:
        """Recorded calls matching a method (or predicate), a path regex (fullmatch), a status."""
        return [
            c for c in self.calls[start:] if self._matches(c, method_or_predicate, path, status)
        ]

    async def wait_for_call(
        self,
        method_or_predicate: str | Callable[[Call], bool] | None = None,
        path: str | None = None,
        *,
        status: int | None = None,
        start: int = 0,
        timeout: float = 5.0,
    ) -> Call:
        """Return the first matching call from index ``start``, waiting until it was answered.

        The answer has been written to the client when this returns, but the client may not
        have processed it yet (e.g. registered a view): wait on the bot's own state for that.
        """

        def find() -> Call | None:
            found = self.calls_for(method_or_predicate, path, status=status, start=start)
            return next((c for c in found if c.delivered), None)

        try:
            async with asyncio.timeout(timeout):
                async with self._changed:
                    await self._changed.wait_for(lambda: find() is not None)
        except TimeoutError:
            recent = "\n".join(f"  {c.method} {c.path} -> {c.status}" for c in self.calls[-15:])
            what = method_or_predicate if not callable(method_or_predicate) else "predicate"
            raise AssertionError(
                f"no call matching {what} {path} (status={status}) within {timeout}s; "
                f"recent calls:\n{recent}"
            ) from None
        result = find()
        assert result is not None
        return result

    def unknown_calls(self) -> list[Call]:
        """Calls to routes the fake does not implement."""
        return [c for c in self.calls if c.route is None]

    def assert_no_unknown_calls(self) -> None:
        """Fail if the client called a route the fake does not implement, or the fake broke."""
        unknown = self.unknown_calls()
        if unknown:
            raise AssertionError(
                "unknown routes called: " + ", ".join(f"{c.method} {c.path}" for c in unknown)
            )
        if self.internal_errors:
            raise AssertionError(f"the fake itself failed: {self.internal_errors!r}")

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ---------------------------------------------------------------- fault injection

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int = 429,
        retry_after: float = 0.2,
        times: int = 1,
        *,
        body: Any = None,
    ) -> None:
        """Answer the next ``times`` matching requests with an error status (429: rate limited).

        ``method`` may be "*"; ``path_regex`` must match the whole path,
        e.g. r"/channels/\\d+/messages".
        A 500/502/503 makes discord.py sleep 1 s (then 3 s, ...) before retrying.
        """
        self._faults.append(
            _Fault(method.upper(), re.compile(path_regex), status, retry_after, times, body)
        )

    def _take_fault(self, method: str, path: str) -> _Reply | None:
        for fault in self._faults:
            if fault.method not in ("*", method) or not fault.pattern.fullmatch(path):
                continue
            fault.times -= 1
            if fault.times <= 0:
                self._faults.remove(fault)
            if fault.status == 429:
                body = fault.body or {
                    "message": "You are being rate limited.",
                    "retry_after": fault.retry_after,
                    "global": False,
                    "code": 0,
                }
                headers = {
                    "Retry-After": str(max(1, math.ceil(fault.retry_after))),
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": f"{time.time() + fault.retry_after:.3f}",
                    "X-RateLimit-Reset-After": f"{fault.retry_after:.3f}",
                    "X-RateLimit-Bucket": "fake" + secrets.token_hex(8),
                    "X-RateLimit-Scope": "shared",
                    # discord.py treats a 429 without "Via" as a Cloudflare ban and gives up.
                    "Via": "1.1 google",
                }
                return _Reply(429, body, headers)
            if fault.body is not None:
                return _Reply(fault.status, fault.body)
            reason = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
            text = reason.get(fault.status, "Error")
            return _Reply(fault.status, {"message": f"{fault.status}: {text}", "code": 0})
        return None

    def expire_interaction(self, interaction: DispatchedInteraction | str) -> None:
        """Make an interaction token expired: callbacks and followups then get 404."""
        token = interaction if isinstance(interaction, str) else interaction.token
        self._interactions[token].expired = True

    async def close_gateway(self, code: int = 4000, *, invalidate: bool = False) -> None:
        """Drop the bot's websocket with a close code; the session stays resumable unless told."""
        session = self._session
        conn = session.conn if session is not None else None
        if session is None or conn is None:
            raise RuntimeError("no connected gateway session")
        session.conn = None
        self._live.clear()
        if invalidate or code in _NON_RESUMABLE_CLOSE_CODES:
            self._sessions.pop(session.id, None)
        conn.close_code = code
        await conn.ws.close(code=code, message=b"closed by test")

    async def send_reconnect(self) -> None:
        """Send op 7 RECONNECT; the client closes and resumes."""
        conn = self._require_conn()
        self._live.clear()
        await conn.send({"op": 7, "d": None, "s": None, "t": None})

    def _require_conn(self) -> GatewayConnection:
        if self._session is None or self._session.conn is None:
            raise RuntimeError("no connected gateway session")
        return self._session.conn

    # ---------------------------------------------------------------- gateway

    async def wait_until_connected(self, timeout: float = 5.0) -> None:
        """Wait until the bot has a live gateway session (READY/GUILD_CREATEs or RESUMED sent)."""
        try:
            async with asyncio.timeout(timeout):
                await self._live.wait()
        except TimeoutError:
            raise AssertionError(
                f"bot did not connect to the fake gateway within {timeout}s; "
                f"connections: {self.gateway_connections}"
            ) from None

    async def dispatch(self, event: str, data: Mapping[str, Any]) -> int:
        """Send a DISPATCH event to the current session (queued for replay while disconnected)."""
        if self._session is None:
            raise RuntimeError("no gateway session: the bot has not identified yet")
        return await self._dispatch_to(self._session, event, data)

    async def _dispatch_to(self, session: _Session, event: str, data: Mapping[str, Any]) -> int:
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.backlog.append(frame)
        if session.conn is not None:
            await session.conn.send(frame)
        return session.seq

    async def _handle_gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True, compress=False, max_msg_size=0, timeout=2.0)
        await ws.prepare(request)
        query = dict(request.query)
        zlib_stream = self.zlib_stream and query.get("compress") == "zlib-stream"
        conn = GatewayConnection(ws, request.path, query, zlib_stream)
        self.gateway_connections.append(conn)
        await conn.send(
            {
                "op": 10,
                "d": {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ["fake-gateway"]},
                "s": None,
                "t": None,
            }
        )
        try:
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    try:
                        frame = json.loads(msg.data)
                    except ValueError:
                        await ws.close(code=4002, message=b"Error while decoding payload.")
                        break
                    try:
                        await self._on_gateway_frame(conn, frame)
                    except Exception as exc:
                        _log.exception("fake discord gateway failed on op %s", frame.get("op"))
                        self.internal_errors.append(exc)
                        await ws.close(code=4000, message=b"fake gateway error")
                        break
                elif msg.type is WSMsgType.BINARY:
                    await ws.close(code=4002, message=b"Error while decoding payload.")
                    break
        finally:
            if conn.close_code is None:
                conn.close_code = ws.close_code
            session = self._sessions.get(conn.session_id or "")
            if session is not None and session.conn is conn:
                session.conn = None
                if session is self._session:
                    self._live.clear()
            await self._notify()
        return ws

    async def _on_gateway_frame(self, conn: GatewayConnection, frame: dict[str, Any]) -> None:
        op = frame.get("op")
        data = frame.get("d")
        logged = dict(frame)
        if isinstance(data, dict) and "token" in data:
            logged["d"] = {**data, "token": REDACTED}
        self.gateway_received.append(logged)
        if op == 1:
            await conn.send({"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            await self._identify(conn, data or {})
        elif op == 6:
            await self._resume(conn, data or {})
        elif conn.session_id is None:
            await conn.ws.close(code=4003, message=b"Not authenticated.")
        await self._notify()

    async def _identify(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        if conn.session_id is not None:
            await conn.ws.close(code=4005, message=b"Already authenticated.")
            return
        if self.check_token and data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        intents = int(data.get("intents", 0))
        self.identify_intents = intents
        session = _Session(secrets.token_hex(16), intents, data.get("shard"))
        self._sessions[session.id] = session
        session.conn = conn
        conn.session_id = session.id
        self._session = session
        ready = {
            "v": API_VERSION,
            "user": {
                **self.bot_user.payload(),
                "verified": True,
                "mfa_enabled": False,
                "flags": 0,
                "email": None,
            },
            "guilds": [{"id": str(g.id), "unavailable": True} for g in self.guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_gateway,
            "shard": session.shard or [0, 1],
            "application": {"id": str(self.application_id), "flags": self.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "_trace": ["fake-gateway"],
        }
        await self._dispatch_to(session, "READY", ready)
        for guild in self.guilds:
            payload = self._guild_create_payload(guild)
            if self.enforce_intents and not intents & Intent.GUILD_MEMBERS:
                # Without the members intent Discord only sends the bot's own member.
                payload["members"] = [
                    m for m in payload["members"] if m["user"]["id"] == str(self.bot_user.id)
                ]
            await self._dispatch_to(session, "GUILD_CREATE", payload)
        conn.outcome = "ready"
        self.identify_count += 1
        self._live.set()

    async def _resume(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        if self.check_token and data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        session = self._sessions.get(str(data.get("session_id")))
        if session is None:
            conn.outcome = "invalid_session"
            await conn.send({"op": 9, "d": False, "s": None, "t": None})
            return
        old = session.conn
        if old is not None and old is not conn and not old.ws.closed:
            old.close_code = 4000
            await old.ws.close(code=4000, message=b"Session resumed elsewhere.")
        session.conn = conn
        conn.session_id = session.id
        self._session = session
        last_seq = int(data.get("seq") or 0)
        for frame in list(session.backlog):
            if frame["s"] > last_seq:
                await conn.send(frame)
        await self._dispatch_to(session, "RESUMED", {"_trace": ["fake-gateway"]})
        conn.outcome = "resumed"
        self.resume_count += 1
        self._live.set()

    def _guild_create_payload(self, guild: FakeGuild) -> dict[str, Any]:
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [r.payload() for r in guild.all_roles()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "large": False,
            "lazy": True,
            "unavailable": False,
            "member_count": len(guild.members),
            "max_members": 500000,
            "voice_states": [],
            "members": [m.payload() for m in guild.members],
            "channels": [c.payload(guild.id) for c in guild.channels],
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    # ---------------------------------------------------------------- test-driven events

    def _resolve_user(
        self, who: int | FakeUser | FakeMember | None, guild: FakeGuild | None
    ) -> FakeUser:
        if isinstance(who, FakeMember):
            return who.user
        if isinstance(who, FakeUser):
            self._users.setdefault(who.id, who)
            return who
        if who is None:
            if guild is not None:
                for member in guild.members:
                    if not member.user.bot:
                        return member.user
            raise ValueError("no default author: configure a non-bot member or pass one")
        user = self.user(who)
        if user is None:
            raise ValueError(f"unknown user id {who}")
        return user

    def _locate_channel(
        self, channel_id: int | None, guild_id: int | None
    ) -> tuple[int, FakeGuild]:
        if channel_id is None:
            guild = self.guild(guild_id) if guild_id is not None else self.guilds[0]
            if guild is None or not guild.channels:
                raise ValueError("no channel to use; pass channel_id")
            return guild.channels[0].id, guild
        guild = self.guild_of_channel(channel_id)
        if guild is None:
            raise ValueError(f"unknown channel id {channel_id} (not in any guild)")
        return channel_id, guild

    async def dispatch_message(
        self,
        channel_id: int,
        content: str,
        *,
        author: int | FakeUser | FakeMember | None = None,
        mentions: Sequence[int] = (),
        referenced_message: int | None = None,
    ) -> dict[str, Any]:
        """Send MESSAGE_CREATE for a user's message; returns the stored (unfiltered) message."""
        channel_id, guild = self._locate_channel(channel_id, None)
        user = self._resolve_user(author, guild)
        extra: dict[str, Any] = {}
        if referenced_message is not None:
            extra.update(self._reply_fields(channel_id, guild, referenced_message))
        message = self._build_message(channel_id, guild, user, content, extra)
        message["mentions"] = self._mentions_payload(mentions, guild)
        self._store_message(message)
        await self._deliver_message("MESSAGE_CREATE", message)
        return message

    def _reply_fields(
        self, channel_id: int, guild: FakeGuild | None, ref_id: int
    ) -> dict[str, Any]:
        referenced = self._messages.get(ref_id)
        reference: dict[str, Any] = {
            "type": 0,
            "message_id": str(ref_id),
            "channel_id": str(referenced["channel_id"] if referenced else channel_id),
        }
        if guild is not None:
            reference["guild_id"] = str(guild.id)
        return {"type": 19, "message_reference": reference, "referenced_message": referenced}

    def _mentions_payload(self, user_ids: Sequence[int], guild: FakeGuild | None) -> list[Any]:
        result = []
        for uid in user_ids:
            user = self.user(int(uid))
            if user is None:
                continue
            data = user.payload()
            member = guild.member(user.id) if guild is not None else None
            if member is not None:
                data["member"] = member.payload(with_user=False)
            result.append(data)
        return result

    async def _deliver_message(self, event: str, message: dict[str, Any]) -> None:
        session = self._session
        if session is None:
            return
        delivered = message
        if self.enforce_intents:
            if not session.intents & Intent.GUILD_MESSAGES:
                return
            mentioned = any(int(u["id"]) == self.bot_user.id for u in message.get("mentions", []))
            own = int(message["author"]["id"]) == self.bot_user.id
            if not (session.intents & Intent.MESSAGE_CONTENT or mentioned or own):
                delivered = {
                    **message,
                    "content": "",
                    "embeds": [],
                    "attachments": [],
                    "components": [],
                }
                delivered.pop("poll", None)
        await self._dispatch_to(session, event, delivered)

    async def dispatch_interaction(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        user: int | FakeUser | FakeMember | None = None,
        channel_id: int | None = None,
        guild_id: int | None = None,
        expired: bool = False,
    ) -> DispatchedInteraction:
        """Send an APPLICATION_COMMAND interaction for a registered slash command.

        ``options`` is {option name: value}, typed from the registered command.
        """
        return await self._command_interaction(
            APPLICATION_COMMAND, name, options, None, user, channel_id, guild_id, expired
        )

    async def dispatch_autocomplete(
        self,
        name: str,
        options: Mapping[str, Any],
        focused: str,
        *,
        user: int | FakeUser | FakeMember | None = None,
        channel_id: int | None = None,
        guild_id: int | None = None,
    ) -> DispatchedInteraction:
        """Send an APPLICATION_COMMAND_AUTOCOMPLETE interaction with ``focused`` being typed."""
        return await self._command_interaction(
            AUTOCOMPLETE, name, options, focused, user, channel_id, guild_id, False
        )

    async def _command_interaction(
        self,
        itype: int,
        name: str,
        options: Mapping[str, Any] | None,
        focused: str | None,
        user: int | FakeUser | FakeMember | None,
        channel_id: int | None,
        guild_id: int | None,
        expired: bool,
    ) -> DispatchedInteraction:
        channel_id, guild = self._locate_channel(channel_id, guild_id)
        command = self.command(name, guild.id)
        data: dict[str, Any] = {
            "id": command["id"],
            "name": command["name"],
            "type": command.get("type", 1),
            "options": _build_options(command, options or {}, focused),
        }
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        return await self._send_interaction(itype, data, user, channel_id, guild, expired=expired)

    async def dispatch_component(
        self,
        custom_id: str,
        message: int | Mapping[str, Any],
        *,
        user: int | FakeUser | FakeMember | None = None,
    ) -> DispatchedInteraction:
        """Send a MESSAGE_COMPONENT interaction (a button click) on a stored/bot message."""
        msg = self._messages.get(int(message)) if not isinstance(message, Mapping) else message
        if msg is None:
            raise LookupError(f"unknown message {message}")
        channel_id, guild = self._locate_channel(int(msg["channel_id"]), None)
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": 2}
        return await self._send_interaction(
            MESSAGE_COMPONENT, data, user, channel_id, guild, message=dict(msg)
        )

    async def _send_interaction(
        self,
        itype: int,
        data: dict[str, Any],
        who: int | FakeUser | FakeMember | None,
        channel_id: int,
        guild: FakeGuild,
        *,
        expired: bool = False,
        message: dict[str, Any] | None = None,
    ) -> DispatchedInteraction:
        user = self._resolve_user(who, guild)
        interaction_id = self.snowflake()
        token = "aW50ZXJhY3Rpb24" + secrets.token_hex(24)
        member = guild.member(user.id) or FakeMember(user)
        member_data = member.payload()
        member_data["permissions"] = str(guild.channel_permissions(user.id, channel_id))
        channel = guild.channel(channel_id)
        assert channel is not None
        channel_data = channel.payload(guild.id)
        channel_data["permissions"] = member_data["permissions"]
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "channel_id": str(channel_id),
            "token": token,
            "version": 1,
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 26_214_400,
            "context": 0,
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
            "guild_locale": "en-US",
            "member": member_data,
            "channel": channel_data,
            "app_permissions": str(guild.channel_permissions(self.bot_user.id, channel_id)),
            "authorizing_integration_owners": {"0": str(guild.id)},
        }
        if message is not None:
            payload["message"] = message
        record = DispatchedInteraction(
            interaction_id,
            token,
            itype,
            self.application_id,
            channel_id,
            guild.id,
            user.id,
            payload,
        )
        state = _InteractionState(record, expired=expired)
        if message is not None:
            state.message_id = int(message["id"])
        self._interactions[token] = state
        await self.dispatch("INTERACTION_CREATE", payload)
        return record

    def interaction_choices(
        self, interaction: DispatchedInteraction
    ) -> list[dict[str, Any]] | None:
        """Autocomplete choices the bot answered with (callback type 8), if any."""
        return self._interactions[interaction.token].choices

    def interaction_original(self, interaction: DispatchedInteraction) -> dict[str, Any] | None:
        """The interaction's original response message, if one exists."""
        state = self._interactions[interaction.token]
        return self._messages.get(state.original_id) if state.original_id else None

    # ---------------------------------------------------------------- messages

    def _build_message(
        self,
        channel_id: int,
        guild: FakeGuild | None,
        author: FakeUser,
        content: str,
        extra: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "id": str(self.snowflake()),
            "type": 0,
            "channel_id": str(channel_id),
            "author": author.payload(),
            "content": content,
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "components": [],
            "reactions": [],
            "pinned": False,
            "flags": 0,
        }
        if guild is not None:
            message["guild_id"] = str(guild.id)
            member = guild.member(author.id)
            if member is not None:
                message["member"] = member.payload(with_user=False)
        if extra:
            message.update(extra)
        return message

    def _store_message(self, message: dict[str, Any]) -> None:
        message_id = int(message["id"])
        self._messages[message_id] = message
        ids = self._channel_messages.setdefault(int(message["channel_id"]), [])
        if message_id not in ids:
            ids.append(message_id)

    def _message_fields(
        self,
        payload: Mapping[str, Any],
        existing: Mapping[str, Any] | None,
        *,
        creating: bool,
    ) -> dict[str, Any]:
        """Validate a create/edit payload and turn it into message fields."""
        errors: dict[str, Any] = {}
        content = payload.get("content")
        if content is not None and not isinstance(content, str):
            content = str(content)
        if content is not None and len(content) > MAX_CONTENT_LENGTH:
            errors["content"] = _err(
                "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_CONTENT_LENGTH} or fewer in length."
            )
        embeds = payload.get("embeds")
        if embeds is None and payload.get("embed") is not None:
            embeds = [payload["embed"]]
        if embeds is not None:
            embed_errors = _validate_embeds(embeds)
            if embed_errors:
                errors["embeds"] = embed_errors
        if errors:
            raise _form_error(errors)
        fields: dict[str, Any] = {}
        if content is not None:
            fields["content"] = content
        if embeds is not None:
            fields["embeds"] = [dict(e, type=e.get("type", "rich")) for e in embeds]
        if payload.get("components") is not None:
            fields["components"] = list(payload["components"])
        if payload.get("flags") is not None:
            keep = int(existing.get("flags", 0)) & _FLAG_EPHEMERAL if existing else 0
            fields["flags"] = (int(payload["flags"]) & ~_FLAG_LOADING) | keep
        if payload.get("tts") is not None:
            fields["tts"] = bool(payload["tts"])
        if payload.get("poll") is not None:
            fields["poll"] = payload["poll"]
        if creating:
            has_body = any(
                fields.get(k) for k in ("content", "embeds", "components", "poll")
            ) or bool(payload.get("sticker_ids"))
            if not has_body:
                raise _HTTPError(400, "Cannot send an empty message", 50006)
        return fields

    def _bot_message(
        self,
        channel_id: int,
        guild: FakeGuild | None,
        payload: Mapping[str, Any],
        extra: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        fields = self._message_fields(payload, None, creating=True)
        message = self._build_message(channel_id, guild, self.bot_user, "", fields)
        mentioned = [int(u) for u in re.findall(r"<@!?(\d+)>", message["content"])]
        message["mentions"] = self._mentions_payload(mentioned, guild)
        reference = payload.get("message_reference")
        if reference and reference.get("message_id"):
            message.update(self._reply_fields(channel_id, guild, int(reference["message_id"])))
            if message["referenced_message"] is None and reference.get("fail_if_not_exists", True):
                raise _form_error(
                    {"message_reference": _err("REPLIES_UNKNOWN_MESSAGE", "Unknown message")}
                )
        if extra:
            message.update(extra)
        return message

    async def _echo(self, event: str, message: dict[str, Any]) -> None:
        if self.echo_own_messages and not int(message.get("flags", 0)) & _FLAG_EPHEMERAL:
            await self._deliver_message(event, message)

    async def _edit_message(
        self, message: dict[str, Any], payload: Mapping[str, Any]
    ) -> dict[str, Any]:
        fields = self._message_fields(payload, message, creating=False)
        message.update(fields)
        message["flags"] = int(message.get("flags", 0)) & ~_FLAG_LOADING
        message["edited_timestamp"] = _now_iso()
        await self._echo("MESSAGE_UPDATE", message)
        return message

    # ---------------------------------------------------------------- HTTP plumbing

    def _build_routes(self) -> list[_Route]:
        table: list[tuple[str, str, Callable[..., Awaitable[_Reply]], bool]] = [
            ("GET", "/users/@me", self._get_me, True),
            ("GET", "/oauth2/applications/@me", self._get_application, True),
            ("GET", "/applications/{app_id}/commands", self._get_commands, True),
            ("PUT", "/applications/{app_id}/commands", self._put_commands, True),
            ("GET", "/applications/{app_id}/guilds/{guild_id}/commands", self._get_commands, True),
            ("PUT", "/applications/{app_id}/guilds/{guild_id}/commands", self._put_commands, True),
            ("POST", "/interactions/{interaction_id}/{token}/callback", self._callback, False),
            ("POST", "/webhooks/{app_id}/{token}", self._followup, False),
            ("POST", "/channels/{channel_id}/messages", self._create_message, True),
        ]
        routes = []
        for method, template, handler, auth in table:
            regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
            routes.append(_Route(method, re.compile(regex), template, handler, auth))
        return routes

    def _match_route(self, method: str, path: str) -> tuple[_Route | None, dict[str, str]]:
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
                reply = _Reply(404, {"message": "Unknown route", "code": 0})
            elif (
                route.auth
                and self.check_token
                and request.headers.get("Authorization") != f"Bot {self.token}"
            ):
                reply = _Reply(401, {"message": "401: Unauthorized", "code": 0})
            else:
                try:
                    reply = await route.handler(call, **params)
                except _HTTPError as exc:
                    reply = exc.reply
                except Exception as exc:
                    # A bug in the fake: answer 400 (a 5xx would make discord.py retry for
                    # ~20 s) and keep the error for assert_no_unknown_calls().
                    _log.exception("fake discord failed on %s %s", method, path)
                    self.internal_errors.append(exc)
                    reply = _Reply(400, {"message": f"fake discord bug: {exc!r}", "code": 0})
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

    def _bucket(self, route: _Route, params: Mapping[str, str]) -> _Bucket | None:
        """Return the rate-limit bucket of a request (per route and major parameter)."""
        if not self.ratelimit_headers:
            return None
        key = f"{route.method} {route.template}"
        major = next((params[p] for p in _MAJOR_PARAMETERS if p in params), "")
        bucket = self._buckets.get((key, major))
        if bucket is None:
            limit, per = self.rate_limits.get(key) or self.rate_limits.get("*", DEFAULT_RATE_LIMIT)
            name = f"{zlib.crc32(key.encode()):08x}"
            bucket = self._buckets[(key, major)] = _Bucket(name, limit, per)
        return bucket

    def _rate_limited(self, bucket: _Bucket) -> _Reply:
        """Answer a request over its bucket's limit as Discord does."""
        after = max(bucket.resets_at - time.monotonic(), 0.001)
        body = {"message": "You are being rate limited.", "retry_after": after, "global": False}
        headers = {
            **bucket.headers(time.monotonic()),
            "Retry-After": str(max(1, math.ceil(after))),
            "X-RateLimit-Scope": "user",
            "Via": "1.1 google",  # discord.py treats a 429 without it as a Cloudflare ban
        }
        return _Reply(429, body, headers)

    def _to_response(self, reply: _Reply, bucket: _Bucket | None) -> web.Response:
        headers = dict(reply.headers)
        if bucket is not None and reply.status != 429:
            headers.update(bucket.headers(time.monotonic()))
        if reply.body is None:
            return web.Response(status=reply.status, headers=headers)
        # discord.py only parses JSON when Content-Type is exactly "application/json".
        headers["Content-Type"] = "application/json"
        return web.Response(status=reply.status, body=_dumps(reply.body).encode(), headers=headers)

    # ---------------------------------------------------------------- REST handlers

    def _check_app(self, app_id: str) -> None:
        if app_id != str(self.application_id):
            raise _not_found("Unknown Application", 10002)

    def _require_guild(self, guild_id: str) -> FakeGuild:
        guild = self.guild(int(guild_id)) if guild_id.isdigit() else None
        if guild is None:
            raise _not_found("Unknown Guild", 10004)
        return guild

    def _require_channel(self, channel_id: str) -> tuple[int, FakeGuild]:
        cid = int(channel_id) if channel_id.isdigit() else -1
        guild = self.guild_of_channel(cid)
        if guild is None:
            raise _not_found("Unknown Channel", 10003)
        if not guild.channel_permissions(self.bot_user.id, cid) & Perm.VIEW_CHANNEL:
            raise _HTTPError(403, "Missing Access", 50001)
        return cid, guild

    def _require_perms(self, guild: FakeGuild, channel_id: int, perms: int) -> None:
        have = guild.channel_permissions(self.bot_user.id, channel_id)
        if have & perms != perms:
            raise _HTTPError(403, "Missing Permissions", 50013)

    async def _get_me(self, call: Call) -> _Reply:
        data = {**self.bot_user.payload(), "verified": True, "mfa_enabled": False, "flags": 0}
        return _Reply(200, {**data, "locale": "en-US", "email": None, "bio": ""})

    async def _get_application(self, call: Call) -> _Reply:
        return _Reply(
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

    async def _get_commands(self, call: Call, app_id: str, guild_id: str | None = None) -> _Reply:
        self._check_app(app_id)
        scope = self._require_guild(guild_id).id if guild_id is not None else None
        return _Reply(200, self.commands(scope))

    async def _put_commands(self, call: Call, app_id: str, guild_id: str | None = None) -> _Reply:
        self._check_app(app_id)
        scope = self._require_guild(guild_id).id if guild_id is not None else None
        if not isinstance(call.json, list):
            raise _form_error({"_errors": [{"code": "LIST_TYPE_CONVERT", "message": "Not a list"}]})
        errors = {str(i): e for i, c in enumerate(call.json) if (e := _validate_command(c))}
        if errors:
            raise _form_error(errors)
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
        return _Reply(200, stored)

    def _interaction_state(self, token: str, *, webhook: bool) -> _InteractionState:
        state = self._interactions.get(token)
        if state is None or state.expired:
            if webhook:
                raise _not_found("Unknown Webhook", 10015)
            raise _not_found("Unknown interaction", 10062)
        return state

    async def _callback(self, call: Call, interaction_id: str, token: str) -> _Reply:
        state = self._interaction_state(token, webhook=False)
        record = state.record
        if str(record.id) != interaction_id:
            raise _not_found("Unknown interaction", 10062)
        if state.response_type is not None:
            raise _HTTPError(400, "Interaction has already been acknowledged.", 40060)
        body = call.json if isinstance(call.json, dict) else {}
        cb_type = int(body.get("type", 0))
        data = body.get("data") or {}
        guild = self.guild(record.guild_id) if record.guild_id else None
        channel_id = record.channel_id or 0
        resource_message: dict[str, Any] | None = None
        if cb_type in (CB_MESSAGE, CB_DEFERRED_MESSAGE):
            if record.type == AUTOCOMPLETE:
                raise _HTTPError(400, "Invalid interaction application command", 50035)
            extra = self._interaction_message_extra(record)
            if cb_type == CB_MESSAGE:
                message = self._bot_message(channel_id, guild, data, extra)
            else:
                flags = (int(data.get("flags", 0)) & _FLAG_EPHEMERAL) | _FLAG_LOADING
                message = self._build_message(channel_id, guild, self.bot_user, "", extra)
                message["flags"] = flags
            self._store_message(message)
            state.original_id = int(message["id"])
            if cb_type == CB_MESSAGE:
                resource_message = message
            await self._echo("MESSAGE_CREATE", message)
        elif cb_type == CB_UPDATE_MESSAGE:
            if record.type != MESSAGE_COMPONENT or state.message_id is None:
                raise _HTTPError(400, "Interaction has no message to update", 50035)
            target = self._messages.get(state.message_id)
            if target is None:
                raise _not_found("Unknown Message", 10008)
            resource_message = await self._edit_message(target, data)
        elif cb_type == CB_AUTOCOMPLETE:
            if record.type != AUTOCOMPLETE:
                raise _HTTPError(400, "Invalid interaction response type", 50035)
            choices = list(data.get("choices") or [])
            if len(choices) > 25:
                raise _form_error({"data": {"choices": _err("BASE_TYPE_MAX_LENGTH", "Max 25")}})
            state.choices = choices
        else:
            raise _form_error({"type": _err("BASE_TYPE_CHOICES", "Value must be one of ...")})
        state.response_type = cb_type
        if call.query.get("with_response", "").lower() not in ("1", "true"):
            return _Reply(204)
        original = self._messages.get(state.original_id) if state.original_id else None
        interaction_info: dict[str, Any] = {"id": str(record.id), "type": record.type}
        if original is not None:
            interaction_info.update(
                response_message_id=original["id"],
                response_message_loading=bool(int(original["flags"]) & _FLAG_LOADING),
                response_message_ephemeral=bool(int(original["flags"]) & _FLAG_EPHEMERAL),
            )
        resource: dict[str, Any] = {"type": cb_type}
        if resource_message is not None:
            resource["message"] = resource_message
        return _Reply(200, {"interaction": interaction_info, "resource": resource})

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

    def _webhook_interaction(self, app_id: str, token: str) -> _InteractionState:
        state = self._interaction_state(token, webhook=True)
        if app_id != str(self.application_id) or state.response_type is None:
            raise _not_found("Unknown Webhook", 10015)
        return state

    async def _followup(self, call: Call, app_id: str, token: str) -> _Reply:
        state = self._webhook_interaction(app_id, token)
        record = state.record
        body = call.json if isinstance(call.json, dict) else {}
        guild = self.guild(record.guild_id) if record.guild_id else None
        original = self._messages.get(state.original_id) if state.original_id else None
        if original is not None and int(original["flags"]) & _FLAG_LOADING:
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
            return _Reply(200, message)
        return _Reply(204)

    async def _create_message(self, call: Call, channel_id: str) -> _Reply:
        cid, guild = self._require_channel(channel_id)
        body = call.json if isinstance(call.json, dict) else {}
        needed = int(Perm.SEND_MESSAGES)
        if body.get("message_reference"):
            needed |= Perm.READ_MESSAGE_HISTORY
        self._require_perms(guild, cid, needed)
        message = self._bot_message(cid, guild, body)
        self._store_message(message)
        await self._echo("MESSAGE_CREATE", message)
        return _Reply(200, message)


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def _build_options(
    command: Mapping[str, Any], values: Mapping[str, Any], focused: str | None
) -> list[dict[str, Any]]:
    """Option dicts for {option name: value}, typed from the registered command's options."""
    schema: list[dict[str, Any]] = list(command.get("options") or [])
    options = []
    for name, value in values.items():
        spec = next((o for o in schema if o["name"] == name), None)
        if spec is None:
            raise LookupError(f"command {command['name']!r} has no option {name!r}")
        otype = int(spec["type"])
        option: dict[str, Any] = {"name": name, "type": otype}
        if name == focused:
            option["value"] = str(value)
            option["focused"] = True
        else:
            convert = {3: str, 4: int, 5: bool, 10: float}.get(otype)
            option["value"] = convert(value) if convert else value
        options.append(option)
    return options


def _validate_embeds(embeds: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if len(embeds) > 10:
        return _err("BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = 0
    limits = {"title": 256, "description": 4096}
    for i, embed in enumerate(embeds):
        entry: dict[str, Any] = {}
        for key, limit in limits.items():
            text = embed.get(key) or ""
            total += len(text)
            if len(text) > limit:
                entry[key] = _err("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
        footer = (embed.get("footer") or {}).get("text") or ""
        author = (embed.get("author") or {}).get("name") or ""
        total += len(footer) + len(author)
        if len(footer) > 2048:
            entry["footer"] = {"text": _err("BASE_TYPE_MAX_LENGTH", "Must be 2048 or fewer.")}
        if len(author) > 256:
            entry["author"] = {"name": _err("BASE_TYPE_MAX_LENGTH", "Must be 256 or fewer.")}
        fields = embed.get("fields") or []
        if len(fields) > 25:
            entry["fields"] = _err("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        field_errors: dict[str, Any] = {}
        for j, f in enumerate(fields):
            name, value = str(f.get("name", "")), str(f.get("value", ""))
            total += len(name) + len(value)
            if not name or not value or len(name) > 256 or len(value) > 1024:
                field_errors[str(j)] = _err(
                    "BASE_TYPE_BAD_LENGTH", "Field name 1-256, value 1-1024."
                )
        if field_errors and "fields" not in entry:
            entry["fields"] = field_errors
        if entry:
            errors[str(i)] = entry
    if total > 6000 and not errors:
        errors["0"] = _err("BASE_TYPE_MAX_LENGTH", "Embed size exceeds maximum size of 6000")
    return errors


def _validate_command(cmd: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    ctype = int(cmd.get("type", 1))
    name = str(cmd.get("name", ""))
    if ctype == 1:
        if not _COMMAND_NAME_RE.fullmatch(name) or name != name.lower():
            errors["name"] = _err("APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        description = str(cmd.get("description", ""))
        if not 1 <= len(description) <= 100:
            errors["description"] = _err(
                "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
            )
        option_errors = _validate_options(cmd.get("options") or [])
        if option_errors:
            errors["options"] = option_errors
    elif not 1 <= len(name) <= 32:
        errors["name"] = _err("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
    return errors


def _validate_options(options: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    if len(options) > 25:
        return _err("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    errors: dict[str, Any] = {}
    seen_optional = False
    for i, opt in enumerate(options):
        entry: dict[str, Any] = {}
        name = str(opt.get("name", ""))
        if not _COMMAND_NAME_RE.fullmatch(name) or name != name.lower():
            entry["name"] = _err("APPLICATION_COMMAND_INVALID_NAME", "Option name is invalid")
        if not 1 <= len(str(opt.get("description", ""))) <= 100:
            entry["description"] = _err(
                "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
            )
        if len(opt.get("choices") or []) > 25:
            entry["choices"] = _err("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        if opt.get("type") in (1, 2):
            nested = _validate_options(opt.get("options") or [])
            if nested:
                entry["options"] = nested
        elif opt.get("required"):
            if seen_optional:
                entry["required"] = _err(
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            seen_optional = True
        if entry:
            errors[str(i)] = entry
    return errors


# --------------------------------------------------------------------------------------------
# Test helpers
# --------------------------------------------------------------------------------------------


class ErrorLog(logging.Handler):
    """Collects ERROR records (discord.py logs exceptions in handlers instead of raising them)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Store the record."""
        self.records.append(record)

    def exceptions(self) -> list[BaseException]:
        """The exceptions attached to the collected records."""
        return [r.exc_info[1] for r in self.records if r.exc_info and r.exc_info[1] is not None]

    def clear(self) -> None:
        """Forget collected records (after a test asserted on expected errors)."""
        self.records.clear()

    def check(self) -> None:
        """Raise AssertionError describing the collected records, if any."""
        if not self.records:
            return
        formatter = logging.Formatter("%(name)s: %(message)s")
        text = "\n".join(formatter.format(r) for r in self.records)
        raise AssertionError(f"errors were logged:\n{text}")


@contextlib.contextmanager
def capture_errors(*logger_names: str) -> Iterator[ErrorLog]:
    """Attach an :class:`ErrorLog` to the given loggers (default: ``discord``) while active."""
    names = logger_names or ("discord",)
    handler = ErrorLog()
    loggers = [logging.getLogger(n) for n in names]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


def run_checked(main: Coroutine[Any, Any, T], *, timeout: float = 30.0) -> T:
    """Run ``main`` in a fresh event loop and fail on leaked tasks or unclosed resources."""
    problems: list[str] = []

    def on_loop_error(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        problems.append(f"{context.get('message')}{f' ({exc!r})' if exc else ''}")

    async def wrapper() -> T:
        asyncio.get_running_loop().set_exception_handler(on_loop_error)
        result = await asyncio.wait_for(main, timeout)
        await asyncio.sleep(0)
        current = asyncio.current_task()
        pending = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
        if pending:
            problems.append(f"tasks still pending at the end: {pending!r}")
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        return result

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        with asyncio.Runner() as runner:
            result = runner.run(wrapper())
            gc.collect()
            runner.run(asyncio.sleep(0))
        gc.collect()
    problems.extend(str(w.message) for w in caught if issubclass(w.category, ResourceWarning))
    if problems:
        raise AssertionError("unclean asyncio shutdown:\n" + "\n".join(problems))
    return result
