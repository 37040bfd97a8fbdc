"""The slash commands: one callback per entry of the command registry (`bot/commands.py`).

`SlashCommands` holds the services, and its methods are the callbacks: discord.py calls a bound
method with the interaction and the options, so no callback needs to look at `interaction.client`.
Each callback takes the interaction's values, calls a service (in a worker thread when it
searches or builds) and hands the result to a renderer. Failures go to `errors.report`.

`build` registers the enabled commands of the registry under their configured names; what a
command needs besides its callback (a check, an autocomplete, who sees it) is in `_prepare`.
"""

from __future__ import annotations

from typing import cast

import discord
from discord import app_commands

from bot.commands import COMMANDS, PrivateReplyOptions, ReindexOptions
from bot.discord.errors import NotAllowed
from bot.discord.rules import may_rebuild
from bot.discord.services import Services
from bot.discord.threads import own_thread
from bot.discord.views import posted_message, send_followup, sources_message
from bot.render import discord as render

SlashCommand = app_commands.Command["SlashCommands", ..., None]


class SlashCommands:
    """The callbacks of the slash commands, named after their keys in the registry."""

    def __init__(self, services: Services) -> None:
        self.services = services

    # -- Callbacks ---------------------------------------------------------------------------

    @app_commands.describe(question="What you want to know; the answer quotes the sources")
    async def ask(self, interaction: discord.Interaction, question: str) -> None:
        """Answer a question with quoted, cited passages."""
        services = self.services
        ephemeral = services.config.answers.ephemeral
        await interaction.response.defer(thinking=True, ephemeral=ephemeral)
        channel = services.channel_of(interaction)
        thread = own_thread(interaction.channel, interaction.client.user)
        posted = await services.answer(
            question, channel=channel, user=interaction.user.id, thread=thread
        )
        message = posted_message(posted, services)

        async def send() -> None:
            sent = await send_followup(interaction, message, ephemeral=ephemeral)
            services.desk.posted_as(sent.id, posted.token)
            if ephemeral or thread is not None or not self._follow_ups_read(channel):
                return
            # The answer stays where /ask was used; its follow-ups go to a thread on it.
            if services.threads_on and question.strip():
                started = await services.threads.start(interaction.channel, sent.id, question)
                if started is not None:
                    services.desk.thread_started(started.id, posted.token)

        await services.deliver(send, what=f"the answer to a question in channel {channel}")

    @app_commands.describe(
        passage="A number of your last answer (1, 2, …) or a passage id like report#4"
    )
    async def source(self, interaction: discord.Interaction, passage: str) -> None:
        """Show a passage in full with its citation and the paragraphs around it."""
        services, desk = self.services, self.services.desk
        channel = services.channel_of(interaction)
        view = await services.blocking(
            desk.source, passage, channel=channel, user=interaction.user.id
        )
        stale = await services.blocking(desk.changed, view, channel=channel)
        await interaction.response.send_message(
            embed=render.source_embed(view, stale=stale), ephemeral=self._ephemeral("source")
        )

    async def source_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Offer the caller's recent passages, then passage ids starting with what was typed."""
        services = self.services
        found = await services.blocking(
            services.desk.suggest,
            current,
            channel=services.channel_of(interaction),
            user=interaction.user.id,
        )
        return [app_commands.Choice(name=label, value=value) for label, value in found]

    async def sources(self, interaction: discord.Interaction) -> None:
        """List the documents the bot answers from."""
        services = self.services
        documents = services.desk.documents(channel=services.channel_of(interaction))
        message = sources_message(documents, 0)
        await interaction.response.send_message(**message, ephemeral=self._ephemeral("sources"))
        if isinstance(message["view"], discord.ui.View):
            message["view"].stop()  # the page buttons are routed without it (see views.py)

    async def reindex(self, interaction: discord.Interaction) -> None:
        """Rebuild the index from the sources and report what changed."""
        await interaction.response.defer(thinking=True, ephemeral=True)
        changes = await self.services.rebuild()
        await interaction.followup.send(embed=render.reindex_embed(changes), ephemeral=True)

    def _follow_ups_read(self, channel: int | None) -> bool:
        """Return whether messages in `channel` are read, so a thread there gets answers."""
        listed = self.services.config.channel(channel)
        return listed is not None and listed.mode != "commands"

    # -- Checks ------------------------------------------------------------------------------

    async def within_cooldown(self, interaction: discord.Interaction) -> bool:
        """Count a question; refuse it when the user is over the question limit."""
        self.services.count_question(interaction.user.id)
        return True

    async def may_rebuild(self, interaction: discord.Interaction) -> bool:
        """Let members with Manage Server or a configured role rebuild the index."""
        roles = self._reindex_options().roles
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

    # -- Registration ------------------------------------------------------------------------

    def build(self) -> list[SlashCommand]:
        """Return the enabled commands of the registry, named and described as configured."""
        made: list[SlashCommand] = []
        for entry in COMMANDS:
            options = self.services.config.commands.of(entry.key)
            if not options.enabled:
                continue
            command: SlashCommand = app_commands.Command(
                name=options.name,
                description=options.description,
                callback=getattr(self, entry.key),
            )
            command.guild_only = True
            self._prepare(entry.key, command)
            made.append(command)
        return made

    def _prepare(self, key: str, command: SlashCommand) -> None:
        """Add what a command needs besides its callback."""
        if key == "ask":
            command.add_check(self.within_cooldown)
        elif key == "source":
            command.autocomplete("passage")(self.source_choices)
        elif key == "reindex":
            command.add_check(self.may_rebuild)
            if not self._reindex_options().roles:
                # Hidden from members without Manage Server unless an admin allows them in the
                # server's Integrations settings; the check above holds either way.
                command.default_permissions = discord.Permissions(manage_guild=True)

    def _ephemeral(self, key: str) -> bool:
        options = self.services.config.commands.of(key)
        return isinstance(options, PrivateReplyOptions) and options.ephemeral

    def _reindex_options(self) -> ReindexOptions:
        return cast("ReindexOptions", self.services.config.commands.of("reindex"))


def build(services: Services) -> list[SlashCommand]:
    """Return the enabled slash commands, their callbacks bound to `services`."""
    return SlashCommands(services).build()
