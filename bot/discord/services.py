"""What slash commands and buttons use, in one object made once and handed to them.

The client (`client.py`) is only the connection to Discord; everything a command or button needs
besides the interaction is here: the session's desk (its conversations kept across restarts,
`memory.py`), the question limits, the worker threads that keep searching off the event loop,
the sending of answers (tried again later when Discord does not take them, `delivery.py`),
answers in threads (`threads.py`), and the lookup of the configured channel an interaction
belongs to. Commands receive it when they are built; buttons, which discord.py rebuilds from a
custom id on each click, reach it through `services_of`, the one place that looks at
`interaction.client`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol, TypeVar

import discord
from discord import app_commands

from bot.config import Config
from bot.discord import memory as conversations
from bot.discord.delivery import Deliveries
from bot.discord.rules import Cooldowns
from bot.discord.threads import ThreadStarter
from bot.library import Changes
from bot.session import Desk, Posted, Voted

log = logging.getLogger("citebot.discord")
T = TypeVar("T")

# Searching is CPU-bound Python: more threads than this add no speed, and every busy thread
# takes the interpreter lock from the event loop, which must answer Discord within 3 s.
WORKER_THREADS = 2


class Services:
    """The desk, the question limits and the worker threads, for commands and buttons."""

    def __init__(
        self, desk: Desk, *, workers: int = WORKER_THREADS, memory: Path | None = None
    ) -> None:
        """`memory` is the file the conversations are kept in across restarts (`memory.py`)."""
        self.desk = desk
        self.memory = memory
        self._kept: str | None = None  # the conversations as last read or written
        if memory is not None:
            conversations.load(desk, memory)
            self._kept = conversations.dump(desk)
        cooldown = desk.config.answers.cooldown
        self.cooldowns = Cooldowns(cooldown.rate, cooldown.per)
        self._workers = ThreadPoolExecutor(workers, thread_name_prefix="citebot-worker")
        self.deliveries = Deliveries()
        self.threads = ThreadStarter()

    @property
    def config(self) -> Config:
        """Return the config in force."""
        return self.desk.config

    @property
    def source_command(self) -> str | None:
        """Return the name of the passage command, or None when it is disabled."""
        source = self.config.commands.of("source")
        return source.name if source.enabled else None

    @property
    def threads_on(self) -> bool:
        """Return whether questions are answered in threads of their own (`answers.threads`)."""
        return self.config.answers.threads

    @property
    def votes(self) -> bool:
        """Return whether answers get vote buttons (a feedback log is kept)."""
        return self.desk.feedback is not None

    def listed_channel(self, channel: Any, channel_id: int | None) -> int | None:
        """Return the configured channel a message or command belongs to (a thread's parent)."""
        config = self.config
        if channel_id is not None and config.channel(channel_id) is not None:
            return channel_id
        parent = (
            getattr(channel, "parent_id", None) if isinstance(channel, discord.Thread) else None
        )
        if parent is not None and config.channel(parent) is not None:
            return int(parent)
        return None

    def channel_of(self, interaction: discord.Interaction) -> int | None:
        """Return the configured channel an interaction happened in."""
        return self.listed_channel(interaction.channel, interaction.channel_id)

    def count_question(self, user_id: int) -> None:
        """Count a question (or a click that searches); raise CommandOnCooldown over the limit."""
        over = self.cooldowns.hit(user_id)
        if over is not None:
            raise app_commands.CommandOnCooldown(*over)

    def channels_in(self, guild: discord.Guild | None) -> list[int]:
        """Return the configured channels of a server, to point a user to them."""
        listed = [c.id for c in self.config.channels()]
        here = [c for c in listed if guild is not None and guild.get_channel(c) is not None]
        return here or listed

    async def blocking(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a short blocking function (search, index or file access) on a worker thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._workers, functools.partial(function, *args, **kwargs)
        )

    async def answer(
        self,
        question: str,
        *,
        channel: int | None,
        user: int,
        reply_to: str | None = None,
        thread: int | None = None,
    ) -> Posted:
        """Answer a question off the event loop (the desk logs it when unanswered).

        `reply_to` is the token of the bot's answer the question replies to, if any; `thread`
        the thread the bot started for a question, when it is asked in one.
        """
        return await self.blocking(
            self.desk.ask, question, channel=channel, user=user, reply_to=reply_to, thread=thread
        )

    async def deliver(self, send: Callable[[], Awaitable[object]], *, what: str) -> None:
        """Send an answer; when Discord does not take it for a passing reason, send it later."""
        await self.deliveries.send(send, what=what)

    async def vote(self, token: str, vote: str, *, user: int) -> Voted | None:
        """Log a vote on an answer; None when the answer is forgotten or no log is kept."""
        # Not a worker: a vote is a short file write that must not queue behind searches.
        return await asyncio.to_thread(self.desk.vote, token, vote, user=user)

    async def rebuild(self) -> Changes:
        """Rebuild the indexes in a thread of their own and swap them in; answering goes on."""
        # Not a worker: a rebuild takes long, and questions must not wait for it.
        changes = await asyncio.to_thread(self.desk.rebuild, notice=lambda m: log.info("%s", m))
        log.info(
            "rebuilt: %d added, %d removed, %d updated",
            len(changes.added),
            len(changes.removed),
            len(changes.updated),
        )
        return changes

    def keep(self) -> bool:
        """Write the conversations when they changed since last kept; return whether written."""
        if self.memory is None:
            return False
        text = conversations.dump(self.desk)
        if text == self._kept or not conversations.write(text, self.memory):
            return False
        self._kept = text
        return True

    def close(self) -> None:
        """Keep the conversations; let the worker threads finish what they hold, take no more."""
        self.keep()
        self._workers.shutdown(wait=False, cancel_futures=True)


class _HasServices(Protocol):
    services: Services


def services_of(interaction: discord.Interaction) -> Services:
    """Return the services of the bot an interaction reached (for buttons and the tree)."""
    client: _HasServices = interaction.client  # type: ignore[assignment]
    return client.services
