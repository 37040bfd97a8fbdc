"""The one place where failures of commands and buttons become polite private replies.

Order: a command or button used where the bot does not answer, a member without the rights, a
user over the question limit, a passage reference that names nothing, a rebuild refused or
already running, a click on a button the bot never issued, a command the bot does not have or
options it does not take (logged in one line) — each gets its sentence. Discord failing to take
a reply is logged as a warning (it is not our bug); anything else is logged with its traceback
and the user is told it went wrong on our side.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord
from discord import app_commands

from bot.discord.rules import option_problem
from bot.discord.services import services_of
from bot.render import discord as render
from bot.session import ForgedClick, RebuildRefused, RebuildRunning
from index.errors import UnknownPassageError

log = logging.getLogger("citebot.discord")


class NotHere(app_commands.CheckFailure):
    """A command was used in a channel the config does not list."""

    def __init__(self, channel_ids: Sequence[int]) -> None:
        super().__init__("not a configured channel")
        self.channel_ids = list(channel_ids)


class BadOptions(app_commands.CheckFailure):
    """A command arrived with options it does not take, or of the wrong type."""


# Interactions no registered command takes: logged in one line each, never with a traceback.
MALFORMED = (app_commands.CommandNotFound, app_commands.CommandSignatureMismatch, BadOptions)


class NotAllowed(app_commands.CheckFailure):
    """A member without Manage Server or a configured role asked for an admin command."""

    def __init__(self, roles: Sequence[str | int]) -> None:
        super().__init__("missing Manage Server or a configured role")
        self.roles = list(roles)


def reply_for(error: BaseException) -> str | None:
    """Return the private reply for an expected failure, or None for a bug."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, NotHere):
        return render.refusal(error.channel_ids)
    if isinstance(error, NotAllowed):
        return render.not_allowed(error.roles)
    if isinstance(error, app_commands.CommandOnCooldown):
        return render.cooldown(error.retry_after)
    if isinstance(error, UnknownPassageError):
        return render.unknown_passage(str(error))
    if isinstance(error, RebuildRunning):
        return render.busy()
    if isinstance(error, RebuildRefused):
        return render.rebuild_refused(str(error))
    if isinstance(error, ForgedClick):
        return render.not_issued()
    if isinstance(error, app_commands.CommandNotFound):
        return render.unknown_command()
    if isinstance(
        error, (app_commands.TransformerError, BadOptions, app_commands.CommandSignatureMismatch)
    ):
        return render.notice("That value doesn't fit this option; please check it and try again.")
    return None


async def report(interaction: discord.Interaction, error: BaseException) -> None:
    """Log a failure as it deserves and tell the user privately, if Discord still lets us."""
    original = getattr(error, "original", error)
    text = reply_for(error)
    where = _describe(interaction)
    if isinstance(original, MALFORMED):
        # Discord (or someone posing as it) sent what no registered command takes: one line.
        log.warning("ignored %s: %s", where, " ".join(str(original).split())[:300])
    if text is None:
        if isinstance(original, discord.HTTPException):
            log.warning("Discord refused a reply to %s: %s", where, original)
            text = render.failure()
        else:
            log.error("%s failed", where, exc_info=original)
            text = render.failure()
    if interaction.type is discord.InteractionType.autocomplete:
        if not interaction.response.is_done():
            with contextlib.suppress(discord.HTTPException):
                await interaction.response.autocomplete([])
        return
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException as exc:
        log.warning("could not tell the user about a failure of %s: %s", where, exc)


async def guarded(
    interaction: discord.Interaction,
    action: Callable[[discord.Interaction], Awaitable[None]],
) -> None:
    """Run a button's action; route its failure to `report` like a command's."""
    try:
        await action(interaction)
    except Exception as exc:
        await report(interaction, exc)


def _describe(interaction: discord.Interaction) -> str:
    data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
    if interaction.type in (
        discord.InteractionType.application_command,
        discord.InteractionType.autocomplete,
    ):
        return f"/{str(data.get('name', '?'))[:40]}"
    return f"button {str(data.get('custom_id', '?'))[:100]}"


class CitebotTree(app_commands.CommandTree):
    """The command tree: refuses unlisted channels, sends every failure to `report`."""

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Let commands run only in configured channels, with the options they take."""
        services = services_of(interaction)
        autocomplete = interaction.type is discord.InteractionType.autocomplete
        if services.channel_of(interaction) is None:
            if autocomplete:
                await interaction.response.autocomplete([])
                return False
            raise NotHere(services.channels_in(interaction.guild))
        problem = self.option_problem(interaction)
        if problem is None:
            return True
        # Answered here rather than raised: discord.py's error path would parse the options.
        if autocomplete:
            log.warning("ignored %s: %s", _describe(interaction), problem)
            await interaction.response.autocomplete([])
        else:
            await report(interaction, BadOptions(problem))
        return False

    def option_problem(self, interaction: discord.Interaction) -> str | None:
        """Return what is wrong with a slash command's options, None when they fit (or it is
        not one of ours: discord.py then reports it as not found)."""
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        if data.get("type", 1) != 1:
            return None
        guild_id = data.get("guild_id")
        guild = discord.Object(int(guild_id)) if str(guild_id or "").isdigit() else None
        command = self.get_command(str(data.get("name", "")), guild=guild)
        if command is None and guild is not None and self.fallback_to_global:
            command = self.get_command(str(data.get("name", "")))
        if not isinstance(command, app_commands.Command):
            return None
        parameters = command.parameters
        return option_problem(
            data.get("options"),
            {p.display_name: p.type.value for p in parameters},
            [p.display_name for p in parameters if p.required],
            autocomplete=interaction.type is discord.InteractionType.autocomplete,
        )

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError, /
    ) -> None:
        """Reply to a failed command."""
        await report(interaction, error)
