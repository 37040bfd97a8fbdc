"""A local fake Discord server (REST API v10 + gateway) for end-to-end tests of discord.py bots.

The real discord.py client talks to it over loopback HTTP and websocket::

    async with FakeDiscord(guilds=[FakeGuild(id=1, channels=[FakeChannel(id=2)])]) as fake:
        discord.http.Route.BASE = fake.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway)
        ...  # start the bot with token fake.token, then dispatch events and inspect fake.calls

Every REST request is recorded as a :class:`Call`; gateway events are sent with
:meth:`FakeDiscord.dispatch_message`, :meth:`FakeDiscord.dispatch_interaction` and friends.
The bot token is never stored in recorded calls or gateway frames.

It implements what citebot's tests need and no more; a call to any other route is answered 404
and fails :meth:`FakeDiscord.assert_no_unknown_calls`. One module per concern:

- ``server``: :class:`FakeDiscord` — configuration, the aiohttp app, lookups, waiting for calls
- ``rest``: the REST routes (identity, command sync, interaction callbacks and followups,
  channel messages, threads started from a message)
- ``gateway``: the websocket — identify, resume, heartbeats, dispatch, dropped connections
- ``events``: what a test makes happen — user messages, slash commands, autocomplete, buttons
- ``messages``: the message store — building, validating, editing and echoing messages
- ``limits``: rate-limit buckets and injected faults
- ``validate``: the payload checks Discord applies (content, embeds, command schemas)
- ``model``: users, roles, channels, members, guilds, permissions and their payloads
- ``records``: what the fake records for tests (calls, dispatched interactions)
- ``protocol``: API version, JSON encoding and Discord's error replies
- ``runner``: a strict event loop for a test, and a collector of logged errors
"""

from .gateway import GatewayConnection
from .model import (
    ALL_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    Intent,
    Perm,
)
from .records import Call, DispatchedInteraction
from .runner import ErrorLog, capture_errors, run_checked
from .server import FakeDiscord

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
