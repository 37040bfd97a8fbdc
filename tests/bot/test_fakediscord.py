"""Self-test of the fake Discord server, driven by a bare discord.py ``commands.Bot``."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import discord
import discord.gateway
import discord.http
import pytest
import yarl
from discord import app_commands
from discord.ext import commands
from fakediscord import (
    ErrorLog,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    Intent,
    Perm,
    capture_errors,
    run_checked,
)

TOKEN = "selftest-bot-token-0123456789"
GUILD_ID = 1_300_000_000_000_000_001
CHANNEL_ID = 1_300_000_000_000_000_010
OTHER_CHANNEL_ID = 1_300_000_000_000_000_011
ALICE_ID = 1_300_000_000_000_000_100
BOT_ID = 1_300_000_000_000_000_200
MOD_ROLE_ID = 1_300_000_000_000_000_300
GUILD = discord.Object(GUILD_ID)


def make_fake(**kwargs: Any) -> FakeDiscord:
    """A fake with one guild, two text channels, a moderator role and one human member."""
    guild = FakeGuild(
        id=GUILD_ID,
        name="Docs",
        channels=[
            FakeChannel(CHANNEL_ID, "general"),
            FakeChannel(OTHER_CHANNEL_ID, "random", position=1),
        ],
        roles=[FakeRole(MOD_ROLE_ID, "mod", int(Perm.MANAGE_MESSAGES))],
        members=[FakeMember(FakeUser(ALICE_ID, "alice"), roles=[MOD_ROLE_ID])],
    )
    return FakeDiscord(token=TOKEN, bot_id=BOT_ID, bot_name="pingbot", guilds=[guild], **kwargs)


class PingBot(commands.Bot):
    """One slash command (/ping: defer, then followup) and an on_message that replies."""

    def __init__(self, *, message_content: bool = True) -> None:
        intents = discord.Intents.default()
        intents.message_content = message_content
        # guild_ready_timeout: discord.py waits this long after the last GUILD_CREATE before
        # on_ready (default 2 s).
        super().__init__(command_prefix="!", intents=intents, guild_ready_timeout=0.05)
        self.ready_event = asyncio.Event()
        self.followup_gate: asyncio.Event | None = None

        @app_commands.command(name="ping", description="Answer with pong.")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            if self.followup_gate is not None:
                await self.followup_gate.wait()
            await interaction.followup.send(f"pong for {interaction.user.name}")

        self.tree.add_command(ping, guild=GUILD)

    async def setup_hook(self) -> None:
        """Sync the guild's commands before connecting to the gateway."""
        await self.tree.sync(guild=GUILD)

    async def on_ready(self) -> None:
        """Signal readiness to the test."""
        self.ready_event.set()

    async def on_message(self, message: discord.Message) -> None:
        """Reply to every human message."""
        if message.author.bot:
            return
        if message.content == "boom":
            raise RuntimeError("handler exploded")
        await message.reply(f"echo: {message.content}")


class QuickReidentifyBot(PingBot):
    """discord.py sleeps 5 s before every non-initial IDENTIFY unless this hook is overridden."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Identify again without the default delay."""


class NoContentBot(PingBot):
    """A bot without the privileged message content intent that reports what it saw."""

    def __init__(self) -> None:
        super().__init__(message_content=False)

    async def on_message(self, message: discord.Message) -> None:
        """Reply with the content as received."""
        if not message.author.bot:
            await message.channel.send(f"seen [{message.content}]")


class MoreView(discord.ui.View):
    """A single button that rewrites its message."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="More", custom_id="more")
    async def more(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        """Edit the message in place and stop listening."""
        await interaction.response.edit_message(content="more!", view=None)
        self.stop()


class WidgetBot(PingBot):
    """PingBot plus a command with autocomplete and a button, to exercise those payloads."""

    def __init__(self) -> None:
        super().__init__()
        self.find_answered = asyncio.Event()

        @app_commands.command(name="find", description="Find a document.")
        @app_commands.describe(query="What to look for", limit="How many results")
        async def find(interaction: discord.Interaction, query: str, limit: int = 3) -> None:
            await interaction.response.send_message(f"{query}:{limit}", view=MoreView())
            self.find_answered.set()

        @find.autocomplete("query")
        async def find_query(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=f"{current}-doc", value=f"{current}-doc")]

        self.tree.add_command(find, guild=GUILD)


@contextlib.contextmanager
def discord_pointed_at(fake: FakeDiscord) -> Iterator[None]:
    """Set the two class attributes the bot sets from its config, and restore them after."""
    saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway)
    try:
        yield
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


@contextlib.asynccontextmanager
async def running(bot: PingBot, token: str = TOKEN) -> AsyncIterator[None]:
    """Run ``async with bot: await bot.start(token)`` in a task until the block ends."""

    async def main() -> None:
        async with bot:
            await bot.start(token)

    task = asyncio.create_task(main())
    ready = asyncio.create_task(bot.ready_event.wait())
    try:
        done, _ = await asyncio.wait({task, ready}, timeout=5, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()
            raise AssertionError("bot stopped before it was ready")
        if ready not in done:
            raise AssertionError("bot was not ready within 5 s")
        yield
    finally:
        ready.cancel()
        await asyncio.gather(ready, return_exceptions=True)
        await bot.close()
        await asyncio.wait_for(task, 5)


@contextlib.asynccontextmanager
async def session(
    bot_cls: type[PingBot] = PingBot, **fake_kwargs: Any
) -> AsyncIterator[tuple[FakeDiscord, PingBot, ErrorLog]]:
    """A fake server with a running bot; fails on logged errors and unknown routes."""
    with capture_errors() as errors:
        async with make_fake(**fake_kwargs) as fake:
            with discord_pointed_at(fake):
                bot = bot_cls()
                async with running(bot):
                    yield fake, bot, errors
            fake.assert_no_unknown_calls()
    errors.check()


def test_start_syncs_commands_quickly() -> None:
    async def scenario() -> None:
        started = time.perf_counter()
        async with session() as (fake, bot, _):
            elapsed = time.perf_counter() - started
            assert elapsed < 2.0, f"bot start took {elapsed:.2f}s"
            assert [(c.method, c.path) for c in fake.calls[:3]] == [
                ("GET", "/users/@me"),
                ("GET", "/oauth2/applications/@me"),
                ("PUT", f"/applications/{BOT_ID}/guilds/{GUILD_ID}/commands"),
            ]
            sync = fake.calls[2]
            assert [c["name"] for c in sync.json] == ["ping"]
            assert [c["name"] for c in fake.commands(GUILD_ID)] == ["ping"]
            assert fake.commands() == []
            assert bot.user is not None and bot.user.id == BOT_ID
            guild = bot.get_guild(GUILD_ID)
            assert guild is not None and guild.get_channel(OTHER_CHANNEL_ID) is not None
            assert guild.get_member(ALICE_ID) is None  # no members intent: only the bot
            assert guild.me is not None and guild.me.id == BOT_ID
            assert fake.identify_intents is not None
            assert fake.identify_intents & Intent.MESSAGE_CONTENT
            assert fake.gateway_connections[0].compressed  # discord.py asked for zlib-stream
            assert TOKEN not in repr(fake.calls) + repr(fake.gateway_received)

    run_checked(scenario())


def test_slash_command_defers_then_follows_up() -> None:
    async def scenario() -> None:
        async with session() as (fake, _, _):
            ix = await fake.dispatch_interaction("ping", user=ALICE_ID, channel_id=CHANNEL_ID)
            callback = await fake.wait_for_call("POST", re.escape(ix.callback_path))
            assert callback.json == {"type": 5}
            assert callback.query.get("with_response") == "1"
            followup = await fake.wait_for_call("POST", re.escape(ix.webhook_path), status=200)
            assert followup.json["content"] == "pong for alice"
            assert callback.index < followup.index
            original = fake.interaction_original(ix)
            assert original is not None and original["content"] == "pong for alice"

    run_checked(scenario())


def test_message_gets_a_reply() -> None:
    async def scenario() -> None:
        async with session() as (fake, _, _):
            sent = await fake.dispatch_message(CHANNEL_ID, "hello there", author=ALICE_ID)
            reply = await fake.wait_for_call("POST", f"/channels/{CHANNEL_ID}/messages")
            assert reply.json["content"] == "echo: hello there"
            assert int(reply.json["message_reference"]["message_id"]) == int(sent["id"])
            assert reply.response["referenced_message"]["id"] == sent["id"]
            await asyncio.sleep(0.1)  # the bot sees its own reply and must not answer it
            assert len(fake.calls_for("POST", r"/channels/\d+/messages")) == 1

    run_checked(scenario())


def test_rate_limited_followup_is_retried() -> None:
    async def scenario() -> None:
        async with session() as (fake, _, _):
            fake.fail_next("POST", r"/webhooks/\d+/[^/]+", status=429, retry_after=0.2)
            ix = await fake.dispatch_interaction("ping")
            path = re.escape(ix.webhook_path)
            delivered = await fake.wait_for_call("POST", path, status=200)
            attempts = fake.calls_for("POST", path)
            assert [c.status for c in attempts] == [429, 200]
            assert delivered.time - attempts[0].time >= 0.2
            assert delivered.json["content"] == "pong for alice"

    run_checked(scenario())


def test_rate_limited_channel_message_is_retried() -> None:
    async def scenario() -> None:
        async with session() as (fake, _, _):
            fake.fail_next("POST", rf"/channels/{CHANNEL_ID}/messages", retry_after=0.1)
            await fake.dispatch_message(CHANNEL_ID, "hi")
            await fake.wait_for_call("POST", rf"/channels/{CHANNEL_ID}/messages", status=200)
            statuses = [c.status for c in fake.calls_for("POST", r"/channels/\d+/messages")]
            assert statuses == [429, 200]

    run_checked(scenario())


def test_rate_limit_buckets_count_down_and_refuse_when_used_up() -> None:
    async def scenario() -> None:
        limits = {"POST /channels/{channel_id}/messages": (3, 0.5)}
        async with make_fake(rate_limits=limits) as fake, aiohttp.ClientSession() as http:
            headers = {"Authorization": f"Bot {TOKEN}"}
            url = f"{fake.api_base}/channels/{CHANNEL_ID}/messages"
            hello = {"content": "hello"}
            seen = []
            for _ in range(4):
                async with http.post(url, json=hello, headers=headers) as response:
                    seen.append((response.status, response.headers.get("X-RateLimit-Remaining")))
                    if response.status == 429:
                        body = await response.json()
                        assert 0 < body["retry_after"] <= 0.5 and response.headers["Via"]
            assert seen == [(200, "2"), (200, "1"), (200, "0"), (429, "0")]
            # Another channel has a bucket of its own; the first one refills after its window.
            async with http.post(
                f"{fake.api_base}/channels/{OTHER_CHANNEL_ID}/messages", json=hello, headers=headers
            ) as r:
                assert r.status == 200
            await asyncio.sleep(0.5)
            async with http.post(url, json=hello, headers=headers) as response:
                assert response.status == 200

    run_checked(scenario())


def test_discord_py_keeps_within_the_buckets() -> None:
    async def scenario() -> None:
        limits = {"POST /channels/{channel_id}/messages": (3, 0.3)}
        async with session(rate_limits=limits) as (fake, _, _):
            started = time.monotonic()
            for i in range(7):
                await fake.dispatch_message(CHANNEL_ID, f"message {i}")
            for _ in range(300):
                if (
                    len(fake.calls_for("POST", rf"/channels/{CHANNEL_ID}/messages", status=200))
                    == 7
                ):
                    break
                await asyncio.sleep(0.01)
            posts = fake.calls_for("POST", rf"/channels/{CHANNEL_ID}/messages")
            assert [c.status for c in posts] == [200] * 7  # throttled by the client, no 429
            assert time.monotonic() - started >= 0.6  # three windows of 0.3 s

    run_checked(scenario())


def test_gateway_drop_resumes_and_replays() -> None:
    async def scenario() -> None:
        async with session(heartbeat_interval_ms=50) as (fake, _, _):
            await fake.close_gateway(code=4000)
            # Dispatched while disconnected: queued and replayed after RESUME.
            await fake.dispatch_message(CHANNEL_ID, "are you back?")
            await fake.wait_until_connected()
            await fake.wait_for_call("POST", rf"/channels/{CHANNEL_ID}/messages")
            assert (fake.identify_count, fake.resume_count) == (1, 1)
            last = fake.gateway_connections[-1]
            assert (last.path, last.outcome) == ("/gateway/resume", "resumed")

            await fake.close_gateway(code=1001)
            await fake.wait_until_connected()
            mark = len(fake.calls)
            await fake.dispatch_message(OTHER_CHANNEL_ID, "still there?")
            reply = await fake.wait_for_call(
                "POST", rf"/channels/{OTHER_CHANNEL_ID}/messages", start=mark
            )
            assert reply.json["content"] == "echo: still there?"
            assert fake.resume_count == 2
            await asyncio.sleep(0.15)
            assert sum(1 for frame in fake.gateway_received if frame["op"] == 1) >= 3

    run_checked(scenario())


def test_invalidated_session_identifies_again() -> None:
    async def scenario() -> None:
        async with session(QuickReidentifyBot) as (fake, bot, _):
            bot.ready_event.clear()
            await fake.close_gateway(code=4000, invalidate=True)
            await fake.wait_until_connected()
            # A fresh READY restarts discord.py's ready delay; closing the bot before it ends
            # would leave that task pending.
            await asyncio.wait_for(bot.ready_event.wait(), 5)
            outcomes = [c.outcome for c in fake.gateway_connections]
            assert outcomes == ["ready", "invalid_session", "ready"]
            await fake.dispatch_message(CHANNEL_ID, "new session")
            reply = await fake.wait_for_call("POST", rf"/channels/{CHANNEL_ID}/messages")
            assert reply.json["content"] == "echo: new session"

    run_checked(scenario())


def test_expired_interaction_followup_is_404_and_logged() -> None:
    async def scenario() -> None:
        async with session() as (fake, bot, errors):
            bot.followup_gate = asyncio.Event()
            ix = await fake.dispatch_interaction("ping")
            await fake.wait_for_call("POST", re.escape(ix.callback_path), status=200)
            fake.expire_interaction(ix)
            bot.followup_gate.set()
            failed = await fake.wait_for_call("POST", re.escape(ix.webhook_path))
            assert failed.status == 404 and failed.response["code"] == 10015
            await asyncio.sleep(0.05)
            causes = [getattr(e, "original", e) for e in errors.exceptions()]
            codes = [getattr(e, "code", None) for e in causes]
            assert any(code == 10015 for code in codes), errors.records
            errors.clear()

    run_checked(scenario())


def test_handler_exception_is_captured() -> None:
    async def scenario() -> None:
        async with session() as (fake, _, errors):
            await fake.dispatch_message(CHANNEL_ID, "boom")
            for _ in range(50):
                if errors.records:
                    break
                await asyncio.sleep(0.01)
            assert [str(e) for e in errors.exceptions()] == ["handler exploded"]
            with pytest.raises(AssertionError, match="handler exploded"):
                errors.check()
            errors.clear()

    run_checked(scenario())


def test_wrong_token_is_rejected() -> None:
    async def scenario() -> None:
        async with make_fake() as fake:
            with discord_pointed_at(fake):
                bot = PingBot()
                with pytest.raises(discord.LoginFailure):
                    async with bot:
                        await bot.start("not-the-token")
            [call] = fake.calls
            assert (call.path, call.status) == ("/users/@me", 401)
            assert "not-the-token" not in repr(call)

    run_checked(scenario())


def test_autocomplete_and_button() -> None:
    async def scenario() -> None:
        async with session(WidgetBot) as (fake, bot, _):
            assert isinstance(bot, WidgetBot)
            assert sorted(c["name"] for c in fake.commands(GUILD_ID)) == ["find", "ping"]
            ac = await fake.dispatch_autocomplete("find", {"query": "rfc"}, focused="query")
            answer = await fake.wait_for_call("POST", re.escape(ac.callback_path))
            assert answer.json["type"] == 8
            assert fake.interaction_choices(ac) == [{"name": "rfc-doc", "value": "rfc-doc"}]

            ix = await fake.dispatch_interaction("find", {"query": "rfc-doc", "limit": 2})
            answer = await fake.wait_for_call("POST", re.escape(ix.callback_path), status=200)
            assert answer.json["type"] == 4
            assert answer.json["data"]["content"] == "rfc-doc:2"
            original = fake.interaction_original(ix)
            assert original is not None and original["components"]
            await bot.find_answered.wait()  # the view is registered once send_message returned

            click = await fake.dispatch_component("more", int(original["id"]))
            answer = await fake.wait_for_call("POST", re.escape(click.callback_path), status=200)
            assert answer.json["type"] == 7
            updated = fake.message(int(original["id"]))
            assert updated is not None and updated["content"] == "more!"
            assert updated["components"] == []

    run_checked(scenario())


def test_message_content_hidden_without_intent() -> None:
    async def scenario() -> None:
        async with session(NoContentBot) as (fake, _, _):
            assert fake.identify_intents is not None
            assert not fake.identify_intents & Intent.MESSAGE_CONTENT
            posts = rf"/channels/{CHANNEL_ID}/messages"
            await fake.dispatch_message(CHANNEL_ID, "secret")
            first = await fake.wait_for_call("POST", posts)
            assert first.json["content"] == "seen []"
            mark = len(fake.calls)
            await fake.dispatch_message(CHANNEL_ID, f"<@{BOT_ID}> hi", mentions=[BOT_ID])
            second = await fake.wait_for_call("POST", posts, start=mark)
            assert second.json["content"] == f"seen [<@{BOT_ID}> hi]"

    run_checked(scenario())
