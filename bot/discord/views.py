"""Buttons under answers and document lists.

Each button is a `DynamicItem`: its custom_id carries what it needs (an answer's token, a count, a
page), so clicks are routed to it after a restart too. The custom ids are a contract with every
message already posted: `citebot:<action>:<fields>`, never to be changed. Answers live in the
session's memory; a button on an answer the bot no longer remembers gets a polite "please ask
again".

The four buttons share `CitebotButton`: the grey style, the channel rules (a button answers only
where commands do), the routing of failures to the one error handler, and the services.
discord.py rebuilds a button from its custom id on every click, so a button cannot be handed the
services when it is made; `press` receives them instead.

A custom id is input like any other: anyone can send any id. Every field is checked against what
the bot issued before any work is done (`Desk.issued`: a remembered token, a kind of button that
answer had, its channel, a "More" offset the bot posted), a page against the pages there are,
and the clicks that search count against the question limit. An id no button matches, or one not
on the clicked message, gets a private reply too (`refuse_unrouted`), never silence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Self

import discord
from discord import ui

from bot.discord.errors import NotHere, guarded
from bot.discord.services import Services, services_of
from bot.render import discord as render
from bot.session import Button, ForgedClick, Posted, Voted
from index.abstain import Reason
from index.model import DocumentInfo

PREFIX = "citebot"


def answer_message(
    posted: Posted, *, source_command: str | None, votes: bool, first: bool = True
) -> dict[str, Any]:
    """Return the embed and buttons of an answer, as keyword arguments for sending.

    `first` is the answer as asked (vote or "closest" buttons); later pages come from a button.
    """
    answer = posted.answer
    view = ui.View(timeout=None)
    if answer.answered:
        embed = render.answer_embed(answer, source_command=source_command, start=posted.start)
        if posted.more:
            view.add_item(MoreButton(posted.token, posted.start - 1 + len(answer.hits)))
        if first and votes:
            view.add_item(VoteButton(posted.token, "up"))
            view.add_item(VoteButton(posted.token, "down"))
    elif first:
        embed = render.answer_embed(answer, source_command=source_command, start=posted.start)
        if answer.hits and answer.reason == Reason.WEAK_MATCH:
            view.add_item(ClosestButton(posted.token))
    else:
        embed = render.closest_embed(answer, source_command=source_command, start=posted.start)
    return {"embed": embed, "view": view if view.children else discord.utils.MISSING}


def posted_message(posted: Posted, services: Services, *, first: bool = True) -> dict[str, Any]:
    """Return `answer_message` for an answer, with the options the services hold."""
    return answer_message(
        posted, source_command=services.source_command, votes=services.votes, first=first
    )


async def send_followup(
    interaction: discord.Interaction, message: dict[str, Any], *, ephemeral: bool
) -> discord.WebhookMessage:
    """Send a followup and return it; stop listening to its buttons' view (they stay routed)."""
    sent = await interaction.followup.send(**message, ephemeral=ephemeral, wait=True)
    view = message.get("view")
    if isinstance(view, ui.View):
        # discord.py gives views on ephemeral messages a 15-minute timeout task; the dynamic
        # buttons do not need the view, so it is stopped rather than left pending.
        view.stop()
    return sent


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


class CitebotButton(
    ui.DynamicItem[ui.Button[ui.View]],
    # Only the subclasses are registered (BUTTONS): this template routes nothing.
    template=re.compile(rf"{PREFIX}:(?P<action>[a-z]+):(?P<fields>.*)"),
):
    """A grey button whose custom id holds its state; a click calls `press` with the services."""

    def __init__(self, custom_id: str, **look: Any) -> None:
        super().__init__(
            ui.Button(style=discord.ButtonStyle.secondary, custom_id=custom_id, **look)
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        """Rebuild the button from a click."""
        return cls.from_match(match)

    @classmethod
    def from_match(cls, match: re.Match[str]) -> Self:
        """Return the button a custom id matching the template stands for."""
        raise NotImplementedError

    async def callback(self, interaction: discord.Interaction) -> None:
        """Run `press`; a failure gets the same private reply as a failed command."""
        services = services_of(interaction)

        async def press(interaction: discord.Interaction) -> None:
            if services.channel_of(interaction) is None:
                raise NotHere(services.channels_in(interaction.guild))
            await self.press(interaction, services)

        await guarded(interaction, press)

    async def press(self, interaction: discord.Interaction, services: Services) -> None:
        """Answer the click."""
        raise NotImplementedError

    @staticmethod
    async def reply_privately(
        interaction: discord.Interaction, posted: Posted | None, services: Services
    ) -> None:
        """Send a later page of an answer to the clicker only, or "please ask again"."""
        if posted is None:
            await interaction.followup.send(render.expired(), ephemeral=True)
        else:
            message = posted_message(posted, services, first=False)
            await services.deliver(
                lambda: send_followup(interaction, message, ephemeral=True),
                what=f"the passages of a button in channel {interaction.channel_id}",
            )


class MoreButton(
    CitebotButton,
    template=re.compile(rf"{PREFIX}:more:(?P<token>[0-9a-f]{{12}}):(?P<shown>[0-9]{{1,4}})"),
):
    """Show the passages after the ones an answer shows, to the one who clicks."""

    def __init__(self, token: str, shown: int) -> None:
        super().__init__(f"{PREFIX}:more:{token}:{shown}", label="More")
        self.token = token
        self.shown = shown

    @classmethod
    def from_match(cls, match: re.Match[str]) -> MoreButton:
        """Return the button of a custom id."""
        return cls(match["token"], int(match["shown"]))

    async def press(self, interaction: discord.Interaction, services: Services) -> None:
        """Reply, visible to the clicker only, with the next passages."""
        desk = services.desk
        channel = services.channel_of(interaction)
        if desk.issued(self.token, Button.MORE, channel=channel, shown=self.shown) is None:
            await interaction.response.send_message(render.expired(), ephemeral=True)
            return
        services.count_question(interaction.user.id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        posted = await services.blocking(
            desk.more, self.token, self.shown, user=interaction.user.id
        )
        if posted is not None and not posted.answer.hits:
            await interaction.followup.send(render.no_more(), ephemeral=True)
        else:
            await self.reply_privately(interaction, posted, services)


class ClosestButton(
    CitebotButton,
    template=re.compile(rf"{PREFIX}:closest:(?P<token>[0-9a-f]{{12}})"),
):
    """Show the closest passages of a question the sources did not answer."""

    def __init__(self, token: str) -> None:
        super().__init__(f"{PREFIX}:closest:{token}", label="Closest passages")
        self.token = token

    @classmethod
    def from_match(cls, match: re.Match[str]) -> ClosestButton:
        """Return the button of a custom id."""
        return cls(match["token"])

    async def press(self, interaction: discord.Interaction, services: Services) -> None:
        """Reply, visible to the clicker only, with the closest passages."""
        desk = services.desk
        channel = services.channel_of(interaction)
        if desk.issued(self.token, Button.CLOSEST, channel=channel) is None:
            await interaction.response.send_message(render.expired(), ephemeral=True)
            return
        services.count_question(interaction.user.id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        posted = await services.blocking(desk.closest, self.token, user=interaction.user.id)
        await self.reply_privately(interaction, posted, services)


class VoteButton(
    CitebotButton,
    template=re.compile(rf"{PREFIX}:vote:(?P<token>[0-9a-f]{{12}}):(?P<vote>up|down)"),
):
    """Record a 👍 or 👎 on an answer in the feedback log."""

    def __init__(self, token: str, vote: str) -> None:
        super().__init__(f"{PREFIX}:vote:{token}:{vote}", emoji="👍" if vote == "up" else "👎")
        self.token = token
        self.vote = vote

    @classmethod
    def from_match(cls, match: re.Match[str]) -> VoteButton:
        """Return the button of a custom id."""
        return cls(match["token"], match["vote"])

    async def press(self, interaction: discord.Interaction, services: Services) -> None:
        """Append the vote to the feedback log and thank the voter privately (once: the same
        vote again is told it was already counted)."""
        channel = services.channel_of(interaction)
        voted = None
        if services.desk.issued(self.token, Button.VOTE, channel=channel) is not None:
            voted = await services.vote(self.token, self.vote, user=interaction.user.id)
        if voted is None:
            reply = render.expired()
        elif voted is Voted.ALREADY:
            reply = render.already_voted()
        else:
            reply = render.thanks(self.vote)
        await interaction.response.send_message(reply, ephemeral=True)


class PageButton(
    CitebotButton,
    template=re.compile(rf"{PREFIX}:page:(?P<page>-?[0-9]{{1,5}}):(?P<way>previous|next)"),
):
    """Turn a page of the document list, in place."""

    def __init__(self, page: int, way: str, *, disabled: bool = False) -> None:
        super().__init__(
            f"{PREFIX}:page:{page}:{way}",
            label="Previous" if way == "previous" else "Next",
            disabled=disabled,
        )
        self.page = page

    @classmethod
    def from_match(cls, match: re.Match[str]) -> PageButton:
        """Return the button of a custom id."""
        return cls(int(match["page"]), match["way"])

    async def press(self, interaction: discord.Interaction, services: Services) -> None:
        """Show the requested page in the same message."""
        documents = services.desk.documents(channel=services.channel_of(interaction))
        _, pages = render.sources_embed(documents, 0)
        if not 0 <= self.page < pages:
            raise ForgedClick(f"there is no page {self.page + 1} of the documents")
        message = sources_message(documents, self.page)
        if message["view"] is discord.utils.MISSING:
            message["view"] = None
        await interaction.response.edit_message(**message)


BUTTONS: tuple[type[CitebotButton], ...] = (MoreButton, ClosestButton, VoteButton, PageButton)


def routed(interaction: discord.Interaction) -> bool:
    """Return whether discord.py hands a component interaction to one of the buttons.

    It does when a button's template matches the whole custom id and the clicked message has a
    component with that id.
    """
    data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
    custom_id = str(data.get("custom_id", ""))
    if not any(b.__discord_ui_compiled_template__.fullmatch(custom_id) for b in BUTTONS):
        return False
    message = interaction.message
    return message is not None and custom_id in _custom_ids(message.components)


def _custom_ids(components: Sequence[Any]) -> set[str]:
    """Return the custom ids of components and of the components inside them."""
    found: set[str] = set()
    for component in components:
        custom_id = getattr(component, "custom_id", None)
        if custom_id:
            found.add(custom_id)
        found |= _custom_ids(getattr(component, "children", None) or ())
    return found


async def refuse_unrouted(interaction: discord.Interaction) -> None:
    """Reply privately to a click no button takes: an id the bot never issued, or a stray one."""
    if interaction.type not in (
        discord.InteractionType.component,
        discord.InteractionType.modal_submit,
    ):
        return
    if interaction.type is discord.InteractionType.component and routed(interaction):
        return
    await guarded(interaction, _refuse)


async def _refuse(interaction: discord.Interaction) -> None:
    services = services_of(interaction)
    if services.channel_of(interaction) is None:
        raise NotHere(services.channels_in(interaction.guild))
    raise ForgedClick("no button of the bot has this custom id")
