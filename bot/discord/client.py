"""The bot: a discord.py client that receives its services when it is made.

The client is the connection only: intents, registering commands and buttons in `setup_hook`,
the log lines of `on_ready`, routing messages in `auto` and `mention` channels to an answer (a
reply to one of the bot's answers is answered in that answer's context; with `answers.threads`,
in a thread of its own, `threads.py`), and a private reply to clicks no button takes.
What commands, buttons and messages do is in `services.py` (made once, handed in) and the session.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import discord
from discord.ext import commands, tasks

from bot.config import ChannelMode, Config
from bot.discord import commands as slash
from bot.discord import memory as conversations
from bot.discord.errors import CitebotTree
from bot.discord.rules import question_of
from bot.discord.services import Services
from bot.discord.sync import sync_commands
from bot.discord.threads import own_thread
from bot.discord.views import BUTTONS, posted_message, refuse_unrouted
from bot.render import discord as render

log = logging.getLogger("citebot.discord")

# What the bot needs in a channel: see it, read the history it replies to, post embeds, and
# answer in the threads of its channels (they follow their parent channel).
PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    read_message_history=True,
)


def permissions_for(config: Config) -> discord.Permissions:
    """Return the permissions of the invite link: `PERMISSIONS`, and thread creation when
    questions are answered in threads of their own."""
    permissions = discord.Permissions(PERMISSIONS.value)
    if config.answers.threads:
        permissions.update(create_public_threads=True, send_messages_in_threads=True)
    return permissions


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
        self, services: Services, *, guild_ready_timeout: float = 2.0, **options: Any
    ) -> None:
        config = services.config
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
        self.services = services

    # -- Setup -------------------------------------------------------------------------------

    async def setup_hook(self) -> None:
        """Register the commands and buttons, and sync the commands when they changed."""
        config = self.services.config
        guilds = [discord.Object(g) for g in config.discord.guilds]
        for command in slash.build(self.services):
            if guilds:
                self.tree.add_command(command, guilds=guilds)
            else:
                self.tree.add_command(command)
        self.add_dynamic_items(*BUTTONS)
        await sync_commands(self.tree, guilds)
        self.keep_conversations.start()
        if not config.channels():
            log.warning("discord.channels lists no channel: the bot will answer nowhere")

    async def on_ready(self) -> None:
        """Log where the bot answers and warn about channels it cannot see."""
        channels = self.services.config.channels()
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
                permissions=permissions_for(self.services.config),
                scopes=("bot", "applications.commands"),
            )
            log.info("invite link: %s", url)

    @tasks.loop(seconds=conversations.KEEP_SECONDS)
    async def keep_conversations(self) -> None:
        """Write the conversations when they changed, so that a killed bot loses little."""
        await asyncio.to_thread(self.services.keep)

    async def close(self) -> None:
        """Give up answers still waiting, disconnect, let the worker threads finish."""
        self.keep_conversations.cancel()
        await self.services.deliveries.stop()
        await super().close()
        self.services.close()

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Answer a click that no button takes (see `views.refuse_unrouted`)."""
        await refuse_unrouted(interaction)

    # -- Messages ----------------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        """Answer a message in an `auto` channel, or one addressed to the bot in `mention`.

        In a thread the bot started for a question every message is a question, as in `auto`.
        """
        if message.author.bot or message.webhook_id is not None or self.user is None:
            return
        channel_id = self.services.listed_channel(message.channel, message.channel.id)
        if channel_id is None:
            return
        channel = self.services.config.channel(channel_id)
        if channel is None or message.type not in (
            discord.MessageType.default,
            discord.MessageType.reply,
        ):
            return
        me = self.user.id
        own_role = message.guild.self_role if message.guild else None
        thread = own_thread(message.channel, self.user)
        mode: ChannelMode = channel.mode
        if thread is not None and mode != "commands":
            mode = "auto"
        question = question_of(
            message.content,
            mode=mode,
            bot_id=me,
            mentioned=me in message.raw_mentions or any(u.id == me for u in message.mentions),
            replied_to_bot=_replies_to(message, me),
            bot_role_ids=[own_role.id] if own_role else [],
        )
        if question is None:
            return
        try:
            await self._reply(message, question, channel_id, thread)
        except discord.HTTPException as exc:
            log.warning("could not reply in channel %d: %s", channel_id, exc)
        except Exception:
            log.exception("answering a message in channel %d failed", channel_id)
            with contextlib.suppress(discord.HTTPException):
                await message.reply(render.failure(), mention_author=False)

    async def _reply(
        self, message: discord.Message, question: str, channel_id: int, thread: int | None
    ) -> None:
        services = self.services
        over = services.cooldowns.hit(message.author.id)
        if over is not None:
            _, retry_after = over
            if services.cooldowns.first_warning(message.author.id, retry_after):
                await message.reply(render.cooldown(retry_after), mention_author=False)
            return
        reference = message.reference
        replied = reference.message_id if reference is not None else None
        reply_to = services.desk.token_of(replied) if replied is not None else None
        # A new thread for a question asked in the channel; one asked in a thread stays there.
        started = None
        if services.threads_on and question and thread is None:
            started = await services.threads.start(message.channel, message.id, question)
        posted = await services.answer(
            question, channel=channel_id, user=message.author.id, reply_to=reply_to, thread=thread
        )
        if started is not None:
            services.desk.thread_started(started.id, posted.token)
        reply = posted_message(posted, services)

        async def send() -> discord.Message:
            sent = None
            if started is not None:
                try:
                    sent = await started.send(**reply)
                except discord.Forbidden as exc:
                    services.threads.cannot(channel_id, f"Discord says: {exc.text}")
            if sent is None:
                sent = await message.reply(**reply, mention_author=False)
            # A reply to this answer is read after its question (`Desk.ask`).
            services.desk.posted_as(sent.id, posted.token)
            return sent

        where = f"thread {started.id}" if started is not None else f"channel {channel_id}"
        await services.deliver(send, what=f"the reply to message {message.id} in {where}")


def _replies_to(message: discord.Message, user_id: int) -> bool:
    reference = message.reference
    if reference is None:
        return False
    replied = reference.resolved or reference.cached_message  # cached: the bot's own messages
    return isinstance(replied, discord.Message) and replied.author.id == user_id


class ShardedCitebotBot(CitebotBot, commands.AutoShardedBot):
    """The same bot run as several gateway shards in one process (`discord.shard_count`)."""


def create_bot(services: Services, *, guild_ready_timeout: float = 2.0) -> CitebotBot:
    """Return the bot for a config: sharded when `discord.shard_count` is set."""
    shards = services.config.discord
    if shards.shard_count is None:
        return CitebotBot(services, guild_ready_timeout=guild_ready_timeout)
    return ShardedCitebotBot(
        services,
        guild_ready_timeout=guild_ready_timeout,
        shard_count=shards.shard_count,
        shard_ids=shards.shard_ids,
    )
