"""The bot: a discord.py client that receives its config and session logic when it is made."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import discord
from discord.ext import commands

from bot.config import Config
from bot.discord import commands as slash
from bot.discord.errors import CitebotTree
from bot.discord.rules import Cooldowns, question_of
from bot.discord.sync import sync_commands
from bot.discord.views import BUTTONS, answer_message
from bot.feedback import FeedbackLog
from bot.library import Changes
from bot.render import discord as render
from bot.session import Desk, Posted
from index.abstain import Reason

log = logging.getLogger("citebot.discord")
T = TypeVar("T")

# Searching is CPU-bound Python: more threads than this add no speed, and every busy thread
# takes the interpreter lock from the event loop, which must answer Discord within 3 s.
WORKER_THREADS = 2

# What the bot needs in a channel: see it, read the history it replies to, post embeds.
PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    read_message_history=True,
)


def intents_for(config: Config) -> discord.Intents:
    """Return the gateway intents the config needs: message content only for message channels."""
    intents = discord.Intents.none()
    intents.guilds = True
    reads_messages = any(c.mode != "commands" for c in config.channels())
    intents.guild_messages = reads_messages
    intents.message_content = reads_messages
    return intents


class CitebotBot(commands.Bot):
    """Answer questions in the configured channels with quoted, cited passages."""

    def __init__(
        self,
        desk: Desk,
        feedback: FeedbackLog | None = None,
        *,
        guild_ready_timeout: float = 2.0,
        **options: Any,
    ) -> None:
        config = desk.config
        # The bot never joins voice: silence discord.py's warnings about voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,  # unused: no prefix commands are processed
            help_command=None,
            intents=intents_for(config),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=CitebotTree,
            guild_ready_timeout=guild_ready_timeout,
            chunk_guilds_at_startup=False,
            **options,
        )
        self.desk = desk
        self.feedback = feedback
        self._workers = ThreadPoolExecutor(WORKER_THREADS, thread_name_prefix="citebot-worker")
        cooldown = config.answers.cooldown
        self.cooldowns = Cooldowns(cooldown.rate, cooldown.per)

    # -- Setup -------------------------------------------------------------------------------

    async def setup_hook(self) -> None:
        """Register the commands and buttons, and sync the commands when they changed."""
        guilds = [discord.Object(g) for g in self.desk.config.discord.guilds]
        for command in slash.build(self):
            if guilds:
                self.tree.add_command(command, guilds=guilds)
            else:
                self.tree.add_command(command)
        self.add_dynamic_items(*BUTTONS)
        await sync_commands(self.tree, guilds)
        if not self.desk.config.channels():
            log.warning("discord.channels lists no channel: the bot will answer nowhere")

    async def on_ready(self) -> None:
        """Log where the bot answers and warn about channels it cannot see."""
        config = self.desk.config
        channels = config.channels()
        log.info(
            "connected as %s; answering in %d channel%s",
            self.user,
            len(channels),
            "" if len(channels) == 1 else "s",
        )
        for channel in channels:
            if self.get_channel(channel.id) is None:
                log.warning(
                    "channel %d is not visible to the bot: check its id, and that the bot was "
                    "invited to that server and may view the channel",
                    channel.id,
                )
        if self.application_id:
            url = discord.utils.oauth_url(
                self.application_id,
                permissions=PERMISSIONS,
                scopes=("bot", "applications.commands"),
            )
            log.info("invite link: %s", url)

    # -- Helpers the commands and buttons use ------------------------------------------------

    @property
    def source_command(self) -> str | None:
        """Return the name of the passage command, or None when it is disabled."""
        source = self.desk.config.commands.source
        return source.name if source.enabled else None

    def listed_channel(self, channel: Any, channel_id: int | None) -> int | None:
        """Return the configured channel a message or command belongs to (a thread's parent)."""
        config = self.desk.config
        if channel_id is not None and config.channel(channel_id) is not None:
            return channel_id
        parent = (
            getattr(channel, "parent_id", None) if isinstance(channel, discord.Thread) else None
        )
        if parent is not None and config.channel(parent) is not None:
            return int(parent)
        return None

    def channels_in(self, guild: discord.Guild | None) -> list[int]:
        """Return the configured channels of a server, to point a user to them."""
        listed = [c.id for c in self.desk.config.channels()]
        here = [c for c in listed if guild is not None and guild.get_channel(c) is not None]
        return here or listed

    async def blocking(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a short blocking function (search, index or file access) on a worker thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._workers, functools.partial(function, *args, **kwargs)
        )

    async def close(self) -> None:
        """Disconnect from Discord and let the worker threads finish what they hold."""
        await super().close()
        self._workers.shutdown(wait=False, cancel_futures=True)

    async def answer(self, question: str, *, channel: int | None, user: int) -> Posted:
        """Answer a question off the event loop; log it to the feedback file when unanswered."""
        posted = await self.blocking(self.desk.ask, question, channel=channel, user=user)
        answer = posted.answer
        if not answer.answered and answer.reason != Reason.EMPTY and self.feedback is not None:
            try:
                await asyncio.to_thread(
                    self.feedback.unanswered,
                    question=answer.question,
                    reason=answer.reason,
                    passages=[hit.passage.id for hit in answer.hits],
                    user_id=user,
                    channel=channel,
                )
            except OSError as exc:
                log.warning("could not write the feedback log %s: %s", self.feedback.path, exc)
        return posted

    async def rebuild(self) -> Changes:
        """Rebuild the indexes in a worker thread and swap them in; answering goes on."""
        # A thread of its own: a rebuild takes long, and questions must not wait for it.
        changes = await asyncio.to_thread(self.desk.rebuild, notice=lambda m: log.info("%s", m))
        log.info(
            "rebuilt: %d added, %d removed, %d updated",
            len(changes.added),
            len(changes.removed),
            len(changes.updated),
        )
        return changes

    # -- Messages ----------------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        """Answer a message in an `auto` channel, or one addressed to the bot in `mention`."""
        if message.author.bot or message.webhook_id is not None or self.user is None:
            return
        channel_id = self.listed_channel(message.channel, message.channel.id)
        if channel_id is None:
            return
        channel = self.desk.config.channel(channel_id)
        if channel is None or message.type not in (
            discord.MessageType.default,
            discord.MessageType.reply,
        ):
            return
        me = self.user.id
        own_role = message.guild.self_role if message.guild else None
        question = question_of(
            message.content,
            mode=channel.mode,
            bot_id=me,
            mentioned=me in message.raw_mentions or any(u.id == me for u in message.mentions),
            replied_to_bot=_replies_to(message, me),
            bot_role_ids=[own_role.id] if own_role else [],
        )
        if question is None:
            return
        try:
            await self._reply(message, question, channel_id)
        except discord.HTTPException as exc:
            log.warning("could not reply in channel %d: %s", channel_id, exc)
        except Exception:
            log.exception("answering a message in channel %d failed", channel_id)
            with contextlib.suppress(discord.HTTPException):
                await message.reply(render.failure(), mention_author=False)

    async def _reply(self, message: discord.Message, question: str, channel_id: int) -> None:
        over = self.cooldowns.hit(message.author.id)
        if over is not None:
            _, retry_after = over
            if self.cooldowns.first_warning(message.author.id, retry_after):
                await message.reply(render.cooldown(retry_after), mention_author=False)
            return
        posted = await self.answer(question, channel=channel_id, user=message.author.id)
        await message.reply(**answer_message(posted, self), mention_author=False)


def _replies_to(message: discord.Message, user_id: int) -> bool:
    reference = message.reference
    if reference is None:
        return False
    replied = reference.resolved or reference.cached_message  # cached: the bot's own messages
    return isinstance(replied, discord.Message) and replied.author.id == user_id


class ShardedCitebotBot(CitebotBot, commands.AutoShardedBot):
    """The same bot run as several gateway shards in one process (`discord.shard_count`)."""


def create_bot(
    desk: Desk, feedback: FeedbackLog | None = None, *, guild_ready_timeout: float = 2.0
) -> CitebotBot:
    """Return the bot for a config: sharded when `discord.shard_count` is set."""
    shards = desk.config.discord
    if shards.shard_count is None:
        return CitebotBot(desk, feedback, guild_ready_timeout=guild_ready_timeout)
    return ShardedCitebotBot(
        desk,
        feedback,
        guild_ready_timeout=guild_ready_timeout,
        shard_count=shards.shard_count,
        shard_ids=shards.shard_ids,
    )
