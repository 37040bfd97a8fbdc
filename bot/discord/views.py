"""Buttons under answers and document lists.

Each button is a `DynamicItem`: its custom_id carries what it needs (an answer's token, a count, a
page), so clicks are routed to it after a restart too. Answers live in the session's memory; a
button on an answer the bot no longer remembers gets a polite "please ask again".
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import discord
from discord import ui

from bot.discord.errors import guarded
from bot.render import discord as render
from bot.session import Posted
from index.abstain import Reason
from index.model import DocumentInfo

if TYPE_CHECKING:
    from bot.discord.client import CitebotBot

PREFIX = "citebot"


def _bot(interaction: discord.Interaction) -> CitebotBot:
    return cast("CitebotBot", interaction.client)


def answer_message(posted: Posted, bot: CitebotBot, *, first: bool = True) -> dict[str, Any]:
    """Return the embed and buttons of an answer, as keyword arguments for sending."""
    answer = posted.answer
    source = bot.source_command
    view = ui.View(timeout=None)
    if answer.answered:
        embed = render.answer_embed(answer, source_command=source, start=posted.start)
        if posted.more:
            view.add_item(MoreButton(posted.token, posted.start - 1 + len(answer.hits)))
        if first and bot.feedback is not None:
            view.add_item(VoteButton(posted.token, "up"))
            view.add_item(VoteButton(posted.token, "down"))
    elif first:
        embed = render.answer_embed(answer, source_command=source, start=posted.start)
        if answer.hits and answer.reason == Reason.WEAK_MATCH:
            view.add_item(ClosestButton(posted.token))
    else:
        embed = render.closest_embed(answer, source_command=source, start=posted.start)
    return {"embed": embed, "view": view if view.children else discord.utils.MISSING}


async def send_followup(
    interaction: discord.Interaction, message: dict[str, Any], *, ephemeral: bool
) -> None:
    """Send a followup; stop listening to its buttons' view (the buttons stay routed)."""
    await interaction.followup.send(**message, ephemeral=ephemeral)
    view = message.get("view")
    if isinstance(view, ui.View):
        # discord.py gives views on ephemeral messages a 15-minute timeout task; the dynamic
        # buttons do not need the view, so it is stopped rather than left pending.
        view.stop()


def sources_message(documents: Sequence[DocumentInfo], page: int) -> dict[str, Any]:
    """Return one page of the document list with Previous/Next buttons when there are more."""
    embed, pages = render.sources_embed(documents, page)
    page = min(max(page, 0), pages - 1)
    if pages == 1:
        return {"embed": embed, "view": discord.utils.MISSING}
    view = ui.View(timeout=None)
    view.add_item(PageButton(page - 1, "previous", disabled=page == 0))
    view.add_item(PageButton(page + 1, "next", disabled=page >= pages - 1))
    return {"embed": embed, "view": view}


class MoreButton(
    ui.DynamicItem[ui.Button[ui.View]],
    template=re.compile(rf"{PREFIX}:more:(?P<token>[0-9a-f]{{12}}):(?P<shown>[0-9]{{1,4}})"),
):
    """Show the passages after the ones an answer shows, to the one who clicks."""

    def __init__(self, token: str, shown: int) -> None:
        super().__init__(
            ui.Button(
                label="More",
                style=discord.ButtonStyle.secondary,
                custom_id=f"{PREFIX}:more:{token}:{shown}",
            )
        )
        self.token = token
        self.shown = shown

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str], /
    ) -> MoreButton:
        """Rebuild the button from a click."""
        return cls(match["token"], int(match["shown"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Reply, visible to the clicker only, with the next passages."""
        await guarded(interaction, self._more)

    async def _more(self, interaction: discord.Interaction) -> None:
        bot = _bot(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        posted = await bot.blocking(bot.desk.more, self.token, self.shown, user=interaction.user.id)
        if posted is None:
            await interaction.followup.send(render.expired(), ephemeral=True)
        elif not posted.answer.hits:
            await interaction.followup.send(render.no_more(), ephemeral=True)
        else:
            await send_followup(
                interaction, answer_message(posted, bot, first=False), ephemeral=True
            )


class ClosestButton(
    ui.DynamicItem[ui.Button[ui.View]],
    template=re.compile(rf"{PREFIX}:closest:(?P<token>[0-9a-f]{{12}})"),
):
    """Show the closest passages of a question the sources did not answer."""

    def __init__(self, token: str) -> None:
        super().__init__(
            ui.Button(
                label="Closest passages",
                style=discord.ButtonStyle.secondary,
                custom_id=f"{PREFIX}:closest:{token}",
            )
        )
        self.token = token

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str], /
    ) -> ClosestButton:
        """Rebuild the button from a click."""
        return cls(match["token"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Reply, visible to the clicker only, with the closest passages."""
        await guarded(interaction, self._closest)

    async def _closest(self, interaction: discord.Interaction) -> None:
        bot = _bot(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        posted = await bot.blocking(bot.desk.closest, self.token, user=interaction.user.id)
        if posted is None:
            await interaction.followup.send(render.expired(), ephemeral=True)
        else:
            await send_followup(
                interaction, answer_message(posted, bot, first=False), ephemeral=True
            )


class VoteButton(
    ui.DynamicItem[ui.Button[ui.View]],
    template=re.compile(rf"{PREFIX}:vote:(?P<token>[0-9a-f]{{12}}):(?P<vote>up|down)"),
):
    """Record a 👍 or 👎 on an answer in the feedback log."""

    def __init__(self, token: str, vote: str) -> None:
        super().__init__(
            ui.Button(
                emoji="👍" if vote == "up" else "👎",
                style=discord.ButtonStyle.secondary,
                custom_id=f"{PREFIX}:vote:{token}:{vote}",
            )
        )
        self.token = token
        self.vote = vote

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str], /
    ) -> VoteButton:
        """Rebuild the button from a click."""
        return cls(match["token"], match["vote"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Append the vote to the feedback log and thank the voter privately."""
        await guarded(interaction, self._vote)

    async def _vote(self, interaction: discord.Interaction) -> None:
        bot = _bot(interaction)
        record = bot.desk.record(self.token)
        if record is None or bot.feedback is None:
            await interaction.response.send_message(render.expired(), ephemeral=True)
            return
        await asyncio.to_thread(
            bot.feedback.vote,
            question=record.question,
            passages=[hit.passage.id for hit in record.hits],
            user_id=interaction.user.id,
            vote=self.vote,
            channel=record.channel,
        )
        await interaction.response.send_message(render.thanks(self.vote), ephemeral=True)


class PageButton(
    ui.DynamicItem[ui.Button[ui.View]],
    template=re.compile(rf"{PREFIX}:page:(?P<page>-?[0-9]{{1,5}}):(?P<way>previous|next)"),
):
    """Turn a page of the document list, in place."""

    def __init__(self, page: int, way: str, *, disabled: bool = False) -> None:
        super().__init__(
            ui.Button(
                label="Previous" if way == "previous" else "Next",
                style=discord.ButtonStyle.secondary,
                custom_id=f"{PREFIX}:page:{page}:{way}",
                disabled=disabled,
            )
        )
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str], /
    ) -> PageButton:
        """Rebuild the button from a click."""
        return cls(int(match["page"]), match["way"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Show the requested page in the same message."""
        await guarded(interaction, self._turn)

    async def _turn(self, interaction: discord.Interaction) -> None:
        bot = _bot(interaction)
        channel = bot.listed_channel(interaction.channel, interaction.channel_id)
        message = sources_message(bot.desk.documents(channel=channel), self.page)
        if message["view"] is discord.utils.MISSING:
            message["view"] = None
        await interaction.response.edit_message(**message)


BUTTONS: tuple[type[ui.DynamicItem[Any]], ...] = (MoreButton, ClosestButton, VoteButton, PageButton)
