"""The fake gateway: the websocket a discord.py client connects to, and the sessions on it.

HELLO, heartbeats, IDENTIFY (READY and one GUILD_CREATE per guild, members filtered by the
members intent) and RESUME (missed events replayed from the session's backlog). Events sent
while the bot is disconnected are queued; tests drop or redirect the connection with
:meth:`GatewayMixin.close_gateway` and :meth:`GatewayMixin.send_reconnect`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import zlib
from collections.abc import Mapping
from typing import Any

from aiohttp import WSMsgType, web

from .model import FakeGuild, Intent
from .protocol import API_VERSION, REDACTED, dumps

# Close codes after which Discord does not allow resuming the session.
_NON_RESUMABLE_CLOSE_CODES = frozenset({4004, 4007, 4009, 4010, 4011, 4012, 4013, 4014})

_log = logging.getLogger(__name__)


class Session:
    """A gateway session: its intents, sequence number and the events sent on it, for replay."""

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
        data = dumps(frame)
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


class GatewayMixin:
    """The gateway half of :class:`~fakediscord.FakeDiscord`."""

    def _init_gateway(self) -> None:
        self.gateway_connections: list[GatewayConnection] = []
        self.gateway_received: list[dict[str, Any]] = []
        self.identify_count = 0
        self.resume_count = 0
        self.identify_intents: int | None = None
        self._sessions: dict[str, Session] = {}
        self._session: Session | None = None
        self._live = asyncio.Event()

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

    async def _dispatch_to(self, session: Session, event: str, data: Mapping[str, Any]) -> int:
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
        if self.check_token and data.get("token") != self.gateway_token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        intents = int(data.get("intents", 0))
        self.identify_intents = intents
        session = Session(secrets.token_hex(16), intents, data.get("shard"))
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
        if self.check_token and data.get("token") != self.gateway_token:
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
            "channels": [c.payload(guild.id) for c in guild.channels if not c.is_thread],
            "threads": [c.payload(guild.id) for c in guild.channels if c.is_thread],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }
