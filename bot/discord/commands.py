"""The slash commands, registered under the names the config gives them.

Each callback takes the interaction's values, calls the session logic (in a worker thread when it
searches or builds) and hands the result to a renderer. Failures go to `errors.report`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, cast

import discord
from discord import app_commands

from bot.discord.errors import NotAllowed
from bot.discord.rules import may_rebuild
from bot.discord.views import answer_message, send_followup, sources_message
from bot.render import discord as render

if TYPE_CHECKING:
    from bot.discord.client import CitebotBot


def _bot(interaction: discord.Interaction) -> CitebotBot:
    return cast("CitebotBot", interaction.client)


def _channel(interaction: discord.Interaction) -> int | None:
    return _bot(interaction).listed_channel(interaction.channel, interaction.channel_id)


@app_commands.describe(question="What you want to know; the answer quotes the sources")
async def ask(interaction: discord.Interaction, question: str) -> None:
    """Answer a question with quoted, cited passages."""
    bot = _bot(interaction)
    ephemeral = bot.desk.config.answers.ephemeral
    await interaction.response.defer(thinking=True, ephemeral=ephemeral)
    posted = await bot.answer(question, channel=_channel(interaction), user=interaction.user.id)
    await send_followup(interaction, answer_message(posted, bot), ephemeral=ephemeral)


@app_commands.describe(
    passage="A number of your last answer (1, 2, …) or a passage id like report#4"
)
async def source(interaction: discord.Interaction, passage: str) -> None:
    """Show a passage in full with its citation and the paragraphs around it."""
    bot, channel = _bot(interaction), _channel(interaction)
    view = await bot.blocking(bot.desk.source, passage, channel=channel, user=interaction.user.id)
    stale = await bot.blocking(bot.desk.changed, view, channel=channel)
    await interaction.response.send_message(
        embed=render.source_embed(view, stale=stale),
        ephemeral=bot.desk.config.commands.source.ephemeral,
    )


async def source_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Offer the caller's recent passages, then passage ids starting with what was typed."""
    bot = _bot(interaction)
    found = await bot.blocking(
        bot.desk.suggest, current, channel=_channel(interaction), user=interaction.user.id
    )
    return [app_commands.Choice(name=label, value=value) for label, value in found]


async def sources(interaction: discord.Interaction) -> None:
    """List the documents the bot answers from."""
    bot = _bot(interaction)
    message = sources_message(bot.desk.documents(channel=_channel(interaction)), 0)
    await interaction.response.send_message(
        **message, ephemeral=bot.desk.config.commands.sources.ephemeral
    )
    if isinstance(message["view"], discord.ui.View):
        message["view"].stop()  # the page buttons are routed without it (see views.py)


async def reindex(interaction: discord.Interaction) -> None:
    """Rebuild the index from the sources and report what changed."""
    bot = _bot(interaction)
    await interaction.response.defer(thinking=True, ephemeral=True)
    changes = await bot.rebuild()
    await interaction.followup.send(embed=render.reindex_embed(changes), ephemeral=True)


async def _may_rebuild(interaction: discord.Interaction) -> bool:
    roles = _bot(interaction).desk.config.commands.reindex.roles
    member = interaction.user
    member_roles = member.roles if isinstance(member, discord.Member) else []
    if may_rebuild(
        manage_guild=interaction.permissions.manage_guild,
        role_ids=[r.id for r in member_roles],
        role_names=[r.name for r in member_roles],
        allowed=roles,
    ):
        return True
    raise NotAllowed(roles)


async def _within_cooldown(interaction: discord.Interaction) -> bool:
    over = _bot(interaction).cooldowns.hit(interaction.user.id)
    if over is not None:
        raise app_commands.CommandOnCooldown(*over)
    return True


def build(bot: CitebotBot) -> list[app_commands.Command[None, ..., None]]:
    """Return the enabled commands, named and described as the config says."""
    config = bot.desk.config.commands
    made: list[app_commands.Command[None, ..., None]] = []

    def command(
        name: str, description: str, callback: Callable[..., Awaitable[None]]
    ) -> app_commands.Command[None, ..., None]:
        cmd = app_commands.Command(name=name, description=description, callback=callback)
        cmd.guild_only = True
        made.append(cmd)
        return cmd

    if config.ask.enabled:
        command(config.ask.name, config.ask.description, ask).add_check(_within_cooldown)
    if config.source.enabled:
        cmd = command(config.source.name, config.source.description, source)
        cmd.autocomplete("passage")(source_choices)
    if config.sources.enabled:
        command(config.sources.name, config.sources.description, sources)
    if config.reindex.enabled:
        cmd = command(config.reindex.name, config.reindex.description, reindex)
        cmd.add_check(_may_rebuild)
        if not config.reindex.roles:
            # Hidden from members without Manage Server unless an admin allows them in the
            # server's Integrations settings; the check above holds either way.
            cmd.default_permissions = discord.Permissions(manage_guild=True)
    return made
