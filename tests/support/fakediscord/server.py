"""The fake server itself: configuration, the aiohttp app on a loopback port, lookups and waits.

:class:`FakeDiscord` combines the gateway, REST, events, messages and limits halves of the
sibling modules over one shared state, and gives tests the calls it recorded
(:meth:`FakeDiscord.calls_for`, :meth:`FakeDiscord.wait_for_call`).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from aiohttp import web

from .events import EventsMixin
from .gateway import GatewayMixin
from .limits import LimitsMixin
from .messages import MessagesMixin
from .model import FakeChannel, FakeGuild, FakeMember, FakeUser
from .protocol import API_VERSION, DISCORD_EPOCH_MS
from .records import Call
from .rest import RestMixin


class FakeDiscord(GatewayMixin, RestMixin, EventsMixin, MessagesMixin, LimitsMixin):
    """A fake Discord API and gateway on 127.0.0.1; use as ``async with FakeDiscord() as fake``."""

    DEFAULT_BOT_ID = 1_200_000_000_000_000_001
    DEFAULT_GUILD_ID = 1_200_000_000_000_000_100
    DEFAULT_CHANNEL_ID = 1_200_000_000_000_000_200
    DEFAULT_USER_ID = 1_200_000_000_000_000_300

    def __init__(
        self,
        *,
        token: str = "fake-bot-token",
        gateway_token: str | None = None,
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
        :data:`~fakediscord.limits.DISCORD_RATE_LIMITS`; ``"*"`` sets the default of every other
        route. Buckets count down in their headers and answer 429 when a client sends more than
        they allow. ``gateway_token``, when set, is the only token IDENTIFY and RESUME accept
        (REST still takes ``token``): Discord closing the gateway with 4004 after a good login.
        """
        self.token = token
        self.gateway_token = gateway_token if gateway_token is not None else token
        self.bot_user = FakeUser(bot_id, bot_name, bot=True)
        self.application_id = application_id if application_id is not None else bot_id
        self.application_flags = application_flags
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.zlib_stream = zlib_stream
        self.check_token = check_token
        self.enforce_intents = enforce_intents
        self.echo_own_messages = echo_own_messages
        self.ratelimit_headers = ratelimit_headers
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
        self.internal_errors: list[Exception] = []
        self._last_snowflake = 0
        self._commands: dict[int | None, list[dict[str, Any]]] = {}
        self._changed = asyncio.Condition()
        self._init_limits(rate_limits)
        self._init_gateway()
        self._init_messages()
        self._init_events()
        self._routes = self._build_routes()
        self._runner: web.AppRunner | None = None
        self.port = 0

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
