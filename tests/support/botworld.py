"""A Discord server for the bot's end-to-end tests: the fake, the config that points at it, the bot
started as `citebot run` starts it (in this process or as a real `citebot run` process), and
helpers to read what the bot sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import sys
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord.gateway
import discord.http
from fakediscord import (
    Call,
    ErrorLog,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    Perm,
    capture_errors,
    run_checked,
)

from bot.config import load_config
from bot.discord.client import CitebotBot
from bot.discord.runner import prepare, serve

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "e2e-bot-token.SECRET.0123456789"
GUILD = 1_400_000_000_000_000_001
AUTO, MENTION, COMMANDS, UNLISTED = (1_400_000_000_000_000_000 + i for i in (10, 11, 12, 13))
ALICE, MOD, ADMIN = 1_400_000_000_000_000_100, 1_400_000_000_000_000_101, 1_400_000_000_000_000_102
BOT = 1_400_000_000_000_000_200
MAINTAINERS, MANAGERS = 1_400_000_000_000_000_300, 1_400_000_000_000_000_301
EPHEMERAL = 64

LANDMINES = "How many people were killed by the landmine blasts?"
LANDMINES_QUOTE = "two landmine blasts killed six people"
TOKYO = "What is the population of Tokyo?"

CONFIG = """\
corpus: corpus
index: state/index.cbi
discord:
  token_env: CITEBOT_E2E_TOKEN
  api_base: {api_base}
  gateway: {gateway}
  guilds: [{guild}]
  channels:
    - {{id: {auto}, mode: auto}}
    - {{id: {mention}, mode: mention}}
    - {{id: {commands}, mode: commands}}
{channels}commands:
  ask: {{name: frage, description: "Ask the sources"}}
  source: {{name: quelle}}
  reindex: {{roles: [Maintainers]}}
answers:
  cooldown: {{rate: {rate}, per: 60}}
  feedback: state/feedback.jsonl
{answers}"""


def build_world(root: Path) -> Path:
    """Copy the bundled corpus into `root` and build its index there; return `root`."""
    from bot.library import open_library

    shutil.copytree(ROOT / "corpus", root / "corpus")  # copy2 keeps mtimes: the index stays fresh
    (root / "citebot.yaml").write_text("corpus: corpus\nindex: state/index.cbi\n")
    open_library(load_config(root / "citebot.yaml"), notice=lambda m: None)
    return root


def make_fake(
    members: Sequence[FakeMember] = (), roles: Sequence[FakeRole] = (), **kwargs: Any
) -> FakeDiscord:
    """Return the fake server: one guild with an auto, a mention, a commands and an unlisted
    channel; alice (no role), mod (Maintainers) and admin (a role with Manage Server)."""
    guild = FakeGuild(
        id=GUILD,
        name="Docs",
        channels=[
            FakeChannel(AUTO, "ask-anything"),
            FakeChannel(MENTION, "general", position=1),
            FakeChannel(COMMANDS, "commands", position=2),
            FakeChannel(UNLISTED, "off-topic", position=3),
        ],
        roles=[
            FakeRole(MAINTAINERS, "Maintainers", 0),
            FakeRole(MANAGERS, "Managers", int(Perm.MANAGE_GUILD)),
            *roles,
        ],
        members=[
            FakeMember(FakeUser(ALICE, "alice")),
            FakeMember(FakeUser(MOD, "mod"), roles=[MAINTAINERS]),
            FakeMember(FakeUser(ADMIN, "admin"), roles=[MANAGERS]),
            *members,
        ],
    )
    return FakeDiscord(token=TOKEN, bot_id=BOT, bot_name="citebot", guilds=[guild], **kwargs)


def write_config(
    world: Path,
    fake: FakeDiscord,
    rate: int = 50,
    extra: str = "",
    channels: str = "",
    answers: str = "",
) -> Path:
    """Write the world's citebot.yaml pointing at the fake; `extra` is appended as it is,
    `channels` (lines like "    - {id: 5, corpus: other}") join the channel list, `answers`
    (lines like "  feedback_max_mb: 1") the answers section."""
    path = world / "citebot.yaml"
    path.write_text(
        CONFIG.format(
            api_base=fake.api_base,
            gateway=fake.gateway,
            guild=GUILD,
            auto=AUTO,
            mention=MENTION,
            commands=COMMANDS,
            rate=rate,
            channels=channels,
            answers=answers,
        )
        + extra,
        encoding="utf-8",
    )
    return path


@contextlib.contextmanager
def endpoints_restored() -> Iterator[None]:
    """Put discord.py's REST base and gateway back as they were after the block."""
    saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    try:
        yield
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


@dataclass
class Session:
    """A running bot and the fake it talks to."""

    fake: FakeDiscord
    bot: CitebotBot
    errors: ErrorLog
    world: Path


@contextlib.asynccontextmanager
async def started(
    world: Path,
    fake: FakeDiscord,
    rate: int = 50,
    extra: str = "",
    channels: str = "",
    answers: str = "",
) -> AsyncIterator[tuple[CitebotBot, asyncio.Event]]:
    """Start the bot exactly as `citebot run` does, with the config pointing at the fake."""
    config = load_config(write_config(world, fake, rate, extra, channels, answers))
    with endpoints_restored():
        bot, token = prepare(
            config,
            notice=lambda m: None,
            environ={"CITEBOT_E2E_TOKEN": TOKEN},
            guild_ready_timeout=0.05,
        )
        stop = asyncio.Event()
        task = asyncio.create_task(serve(bot, token, stop))
        ready = asyncio.create_task(bot.wait_until_ready())
        try:
            done, _ = await asyncio.wait({task, ready}, timeout=10, return_when="FIRST_COMPLETED")
            if task in done:
                task.result()
                raise AssertionError("the bot stopped before it was ready")
            assert ready in done, "the bot was not ready within 10 s"
            yield bot, stop
        finally:
            ready.cancel()
            stop.set()
            await asyncio.wait_for(task, 10)


@contextlib.asynccontextmanager
async def session(
    world: Path,
    rate: int = 50,
    extra: str = "",
    channels: str = "",
    answers: str = "",
    **fake_kwargs: Any,
) -> AsyncIterator[Session]:
    """A fake Discord with the bot running; fails on logged errors, unknown routes, mentions."""
    with capture_errors("discord", "citebot") as errors:
        async with (
            make_fake(**fake_kwargs) as fake,
            started(world, fake, rate, extra, channels, answers) as (bot, _),
        ):
            yield Session(fake, bot, errors, world)
        fake.assert_no_unknown_calls()
        assert_no_mentions_allowed(fake.calls)
        assert TOKEN not in repr(fake.calls)
    errors.check()


def message_payload(call: Call) -> dict[str, Any] | None:
    """The message a call posts or edits (channel message, followup, interaction reply)."""
    body = call.json if isinstance(call.json, dict) else None
    if body is None or call.method not in ("POST", "PATCH"):
        return None
    if call.path.endswith("/callback"):
        return body.get("data") if body.get("type") in (4, 7) else None
    return body if ("content" in body or "embeds" in body) else None


def assert_no_mentions_allowed(calls: list[Call]) -> None:
    """Every message the bot sent says: parse no mentions at all."""
    payloads = [p for c in calls if (p := message_payload(c)) is not None]
    assert payloads, "the bot sent no message"
    for payload in payloads:
        allowed = payload.get("allowed_mentions")
        assert allowed is not None and allowed.get("parse") == [], payload
        assert not allowed.get("users") and not allowed.get("roles"), payload
        assert not allowed.get("replied_user"), payload


# Discord's limits on what one message may carry, in characters.
LIMITS = {"content": 2000, "title": 256, "description": 4096, "footer": 2048, "total": 6000}
_PING = re.compile(r"@(everyone|here)\b|<@[!&]?\d{17,20}>")


def assert_within_limits(payload: dict[str, Any]) -> None:
    """The message fits Discord's limits: content, embed parts, 6000 in all, 10 embeds."""
    assert len(payload.get("content") or "") <= LIMITS["content"], payload
    embeds = payload.get("embeds") or []
    assert len(embeds) <= 10
    total = 0
    for embed in embeds:
        title = embed.get("title") or ""
        description = embed.get("description") or ""
        footer = (embed.get("footer") or {}).get("text") or ""
        assert len(title) <= LIMITS["title"] and len(description) <= LIMITS["description"]
        assert len(footer) <= LIMITS["footer"]
        fields = embed.get("fields") or []
        assert len(fields) <= 25
        for f in fields:
            assert 1 <= len(f["name"]) <= 256 and 1 <= len(f["value"]) <= 1024, f
        total += len(title) + len(description) + len(footer)
        total += sum(len(f["name"]) + len(f["value"]) for f in fields)
    assert total <= LIMITS["total"]


def assert_pings_no_one(payload: dict[str, Any]) -> None:
    """Nothing in the message is a mention Discord would parse, even if mentions were allowed."""
    allowed = payload.get("allowed_mentions")
    assert allowed is not None and allowed.get("parse") == [], payload
    assert not allowed.get("users") and not allowed.get("roles") and not allowed.get("replied_user")
    texts = [payload.get("content") or ""]
    for embed in payload.get("embeds") or []:
        texts += [embed.get("title") or "", embed.get("description") or ""]
        texts += [(embed.get("footer") or {}).get("text") or ""]
        texts += [f"{f['name']} {f['value']}" for f in embed.get("fields") or []]
    for text in texts:
        assert not _PING.search(text), text


def run(coro: Any) -> None:
    """Run a scenario in a fresh event loop; fail on leaked tasks and unclosed resources."""
    run_checked(coro, timeout=60)


def embed_of(payload: dict[str, Any]) -> dict[str, Any]:
    """The one embed of a message."""
    [embed] = payload["embeds"]
    return embed


def buttons(payload: dict[str, Any]) -> dict[str, str]:
    """Label (or emoji) → custom_id of the buttons of a message."""
    found = {}
    for row in payload.get("components", []):
        for item in row["components"]:
            label = item.get("label") or item.get("emoji", {}).get("name")
            found[label] = item["custom_id"]
    return found


async def nothing_sent(fake: FakeDiscord, start: int, wait: float = 0.3) -> None:
    """Wait a moment and check the bot sent no message since call `start`."""
    await asyncio.sleep(wait)
    sent = [c for c in fake.calls[start:] if message_payload(c) is not None]
    assert sent == [], [(c.method, c.path) for c in sent]


async def ask(s: Session, question: str, *, user: int = ALICE, channel: int = COMMANDS) -> Call:
    """Ask with the slash command; check it was deferred; return the followup call."""
    ix = await s.fake.dispatch_interaction(
        "frage", {"question": question}, user=user, channel_id=channel
    )
    callback = await s.fake.wait_for_call("POST", re.escape(ix.callback_path))
    assert callback.json == {"type": 5}  # deferred within the 3 s, visible to all
    return await s.fake.wait_for_call("POST", re.escape(ix.webhook_path), status=200)


# -- `citebot run` as a process ------------------------------------------------------------


class BotProcess:
    """A `citebot run` process against the fake; its stderr is read as it comes (no pipe stall)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.stderr = bytearray()
        self.stdout = bytearray()
        self._readers = [
            asyncio.create_task(self._drain(process.stderr, self.stderr)),
            asyncio.create_task(self._drain(process.stdout, self.stdout)),
        ]

    @staticmethod
    async def _drain(stream: asyncio.StreamReader | None, into: bytearray) -> None:
        if stream is None:
            return
        while chunk := await stream.read(65536):
            into.extend(chunk)

    @property
    def log(self) -> str:
        """Everything the process wrote to stderr so far."""
        return self.stderr.decode("utf-8", "replace")

    async def stop(self, timeout: float = 20) -> int:
        """Send SIGTERM, wait for the exit code and the rest of the output."""
        if self.process.returncode is None:
            self.process.terminate()
        try:
            code = await asyncio.wait_for(self.process.wait(), timeout)
        finally:
            if self.process.returncode is None:
                self.process.kill()
                await self.process.wait()
        await asyncio.gather(*self._readers)
        return code

    async def kill(self) -> None:
        """SIGKILL the process and collect what it wrote."""
        if self.process.returncode is None:
            self.process.kill()
        await self.process.wait()
        await asyncio.gather(*self._readers)


async def start_citebot_run(
    config: Path,
    *,
    token: str = TOKEN,
    env: Mapping[str, str] | None = None,
    level: str | None = "debug",
) -> asyncio.subprocess.Process:
    """Start `citebot run --config CONFIG` with the token in its variable, output piped."""
    environ = {**os.environ, "CITEBOT_E2E_TOKEN": token, "PYTHONUNBUFFERED": "1", **(env or {})}
    levels = ["--log-level", level] if level else []
    return await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bot", "run", "--config", str(config), *levels),
        env=environ,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def citebot_run_to_end(
    config: Path, *, token: str = TOKEN, level: str | None = "debug", timeout: float = 60
) -> tuple[int, str]:
    """Run `citebot run` until it exits; return its exit code and everything it printed."""
    process = await start_citebot_run(config, token=token, level=level)
    out, err = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode is not None
    return process.returncode, out.decode() + err.decode()


@contextlib.asynccontextmanager
async def bot_process(
    config: Path,
    fake: FakeDiscord,
    *,
    env: Mapping[str, str] | None = None,
    level: str = "info",
    timeout: float = 30,
) -> AsyncIterator[BotProcess]:
    """Start `citebot run --config CONFIG` and yield once it is connected to the fake."""
    process = await start_citebot_run(config, env=env, level=level)
    proc = BotProcess(process)
    try:
        deadline = time.monotonic() + timeout
        while "connected as" not in proc.log:
            if process.returncode is not None or time.monotonic() > deadline:
                await proc.kill()
                raise AssertionError(f"citebot run did not connect:\n{proc.log}")
            await asyncio.sleep(0.05)
        await fake.wait_until_connected(timeout=timeout)
        yield proc
    finally:
        if process.returncode is None:
            await proc.kill()
