"""Events a test makes happen: a user's message, a slash command, an autocomplete, a button click,
a channel or thread added or changed.

Each is dispatched over the gateway as Discord would (MESSAGE_CREATE, INTERACTION_CREATE with
the member's permissions and a fresh interaction token) and returns what a test needs to find
the bot's answer: the stored message, or a :class:`~fakediscord.DispatchedInteraction`.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from .model import FakeChannel, FakeGuild, FakeMember, FakeUser
from .records import DispatchedInteraction, InteractionState

# Interaction types.
APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE = 2, 3, 4


class EventsMixin:
    """The test-driven events of :class:`~fakediscord.FakeDiscord`."""

    def _init_events(self) -> None:
        self._interactions: dict[str, InteractionState] = {}

    async def dispatch_message(
        self,
        channel_id: int,
        content: str,
        *,
        author: int | FakeUser | FakeMember | None = None,
        mentions: Sequence[int] = (),
        referenced_message: int | None = None,
    ) -> dict[str, Any]:
        """Send MESSAGE_CREATE for a user's message; returns the stored (unfiltered) message."""
        channel_id, guild = self._locate_channel(channel_id, None)
        user = self._resolve_user(author, guild)
        extra: dict[str, Any] = {}
        if referenced_message is not None:
            extra.update(self._reply_fields(channel_id, guild, referenced_message))
        message = self._build_message(channel_id, guild, user, content, extra)
        message["mentions"] = self._mentions_payload(mentions, guild)
        self._store_message(message)
        await self._deliver_message("MESSAGE_CREATE", message)
        return message

    async def add_channel(self, channel: FakeChannel, guild_id: int | None = None) -> None:
        """Add a channel or thread to a guild (the first by default) while the bot runs.

        The bot is told as Discord tells it: THREAD_CREATE for a thread (``newly_created``),
        CHANNEL_CREATE for any other channel.
        """
        guild = self.guild(guild_id) if guild_id is not None else self.guilds[0]
        if guild is None:
            raise ValueError(f"unknown guild id {guild_id}")
        guild.channels.append(channel)
        payload = channel.payload(guild.id)
        if channel.is_thread:
            await self.dispatch("THREAD_CREATE", {**payload, "newly_created": True})
        else:
            await self.dispatch("CHANNEL_CREATE", payload)

    async def update_channel(self, channel_id: int) -> None:
        """Send CHANNEL_UPDATE for a channel a test changed (its overwrites, its name)."""
        guild = self.guild_of_channel(channel_id)
        channel = guild.channel(channel_id) if guild is not None else None
        if guild is None or channel is None:
            raise ValueError(f"unknown channel id {channel_id}")
        event = "THREAD_UPDATE" if channel.is_thread else "CHANNEL_UPDATE"
        await self.dispatch(event, channel.payload(guild.id))

    async def dispatch_interaction(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        user: int | FakeUser | FakeMember | None = None,
        channel_id: int | None = None,
        guild_id: int | None = None,
        expired: bool = False,
    ) -> DispatchedInteraction:
        """Send an APPLICATION_COMMAND interaction for a registered slash command.

        ``options`` is {option name: value}, typed from the registered command.
        """
        return await self._command_interaction(
            APPLICATION_COMMAND, name, options, None, user, channel_id, guild_id, expired
        )

    async def dispatch_autocomplete(
        self,
        name: str,
        options: Mapping[str, Any],
        focused: str,
        *,
        user: int | FakeUser | FakeMember | None = None,
        channel_id: int | None = None,
        guild_id: int | None = None,
    ) -> DispatchedInteraction:
        """Send an APPLICATION_COMMAND_AUTOCOMPLETE interaction with ``focused`` being typed."""
        return await self._command_interaction(
            AUTOCOMPLETE, name, options, focused, user, channel_id, guild_id, False
        )

    async def dispatch_raw_command(
        self,
        data: Mapping[str, Any],
        *,
        user: int | FakeUser | FakeMember | None = None,
        channel_id: int | None = None,
        autocomplete: bool = False,
    ) -> DispatchedInteraction:
        """Send a command interaction with ``data`` exactly as given, not checked against the
        registered commands: what a client with stale commands, or a hand-made one, sends."""
        channel_id, guild = self._locate_channel(channel_id, None)
        itype = AUTOCOMPLETE if autocomplete else APPLICATION_COMMAND
        return await self._send_interaction(itype, dict(data), user, channel_id, guild)

    async def dispatch_component(
        self,
        custom_id: str,
        message: int | Mapping[str, Any],
        *,
        user: int | FakeUser | FakeMember | None = None,
    ) -> DispatchedInteraction:
        """Send a MESSAGE_COMPONENT interaction (a button click) on a stored/bot message."""
        msg = self._messages.get(int(message)) if not isinstance(message, Mapping) else message
        if msg is None:
            raise LookupError(f"unknown message {message}")
        channel_id, guild = self._locate_channel(int(msg["channel_id"]), None)
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": 2}
        return await self._send_interaction(
            MESSAGE_COMPONENT, data, user, channel_id, guild, message=dict(msg)
        )

    def interaction_choices(
        self, interaction: DispatchedInteraction
    ) -> list[dict[str, Any]] | None:
        """Autocomplete choices the bot answered with (callback type 8), if any."""
        return self._interactions[interaction.token].choices

    def interaction_original(self, interaction: DispatchedInteraction) -> dict[str, Any] | None:
        """The interaction's original response message, if one exists."""
        state = self._interactions[interaction.token]
        return self._messages.get(state.original_id) if state.original_id else None

    def expire_interaction(self, interaction: DispatchedInteraction | str) -> None:
        """Make an interaction token expired: callbacks and followups then get 404."""
        token = interaction if isinstance(interaction, str) else interaction.token
        self._interactions[token].expired = True

    def _resolve_user(
        self, who: int | FakeUser | FakeMember | None, guild: FakeGuild | None
    ) -> FakeUser:
        if isinstance(who, FakeMember):
            return who.user
        if isinstance(who, FakeUser):
            self._users.setdefault(who.id, who)
            return who
        if who is None:
            if guild is not None:
                for member in guild.members:
                    if not member.user.bot:
                        return member.user
            raise ValueError("no default author: configure a non-bot member or pass one")
        user = self.user(who)
        if user is None:
            raise ValueError(f"unknown user id {who}")
        return user

    def _locate_channel(
        self, channel_id: int | None, guild_id: int | None
    ) -> tuple[int, FakeGuild]:
        if channel_id is None:
            guild = self.guild(guild_id) if guild_id is not None else self.guilds[0]
            if guild is None or not guild.channels:
                raise ValueError("no channel to use; pass channel_id")
            return guild.channels[0].id, guild
        guild = self.guild_of_channel(channel_id)
        if guild is None:
            raise ValueError(f"unknown channel id {channel_id} (not in any guild)")
        return channel_id, guild

    async def _command_interaction(
        self,
        itype: int,
        name: str,
        options: Mapping[str, Any] | None,
        focused: str | None,
        user: int | FakeUser | FakeMember | None,
        channel_id: int | None,
        guild_id: int | None,
        expired: bool,
    ) -> DispatchedInteraction:
        channel_id, guild = self._locate_channel(channel_id, guild_id)
        command = self.command(name, guild.id)
        data: dict[str, Any] = {
            "id": command["id"],
            "name": command["name"],
            "type": command.get("type", 1),
            "options": build_options(command, options or {}, focused),
        }
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        return await self._send_interaction(itype, data, user, channel_id, guild, expired=expired)

    async def _send_interaction(
        self,
        itype: int,
        data: dict[str, Any],
        who: int | FakeUser | FakeMember | None,
        channel_id: int,
        guild: FakeGuild,
        *,
        expired: bool = False,
        message: dict[str, Any] | None = None,
    ) -> DispatchedInteraction:
        user = self._resolve_user(who, guild)
        interaction_id = self.snowflake()
        token = "aW50ZXJhY3Rpb24" + secrets.token_hex(24)
        member = guild.member(user.id) or FakeMember(user)
        member_data = member.payload()
        member_data["permissions"] = str(guild.channel_permissions(user.id, channel_id))
        channel = guild.channel(channel_id)
        assert channel is not None
        channel_data = channel.payload(guild.id)
        channel_data["permissions"] = member_data["permissions"]
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "channel_id": str(channel_id),
            "token": token,
            "version": 1,
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 26_214_400,
            "context": 0,
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
            "guild_locale": "en-US",
            "member": member_data,
            "channel": channel_data,
            "app_permissions": str(guild.channel_permissions(self.bot_user.id, channel_id)),
            "authorizing_integration_owners": {"0": str(guild.id)},
        }
        if message is not None:
            payload["message"] = message
        record = DispatchedInteraction(
            interaction_id,
            token,
            itype,
            self.application_id,
            channel_id,
            guild.id,
            user.id,
            payload,
        )
        state = InteractionState(record, expired=expired)
        if message is not None:
            state.message_id = int(message["id"])
        self._interactions[token] = state
        await self.dispatch("INTERACTION_CREATE", payload)
        return record


def build_options(
    command: Mapping[str, Any], values: Mapping[str, Any], focused: str | None
) -> list[dict[str, Any]]:
    """Option dicts for {option name: value}, typed from the registered command's options."""
    schema: list[dict[str, Any]] = list(command.get("options") or [])
    options = []
    for name, value in values.items():
        spec = next((o for o in schema if o["name"] == name), None)
        if spec is None:
            raise LookupError(f"command {command['name']!r} has no option {name!r}")
        otype = int(spec["type"])
        option: dict[str, Any] = {"name": name, "type": otype}
        if name == focused:
            option["value"] = str(value)
            option["focused"] = True
        else:
            convert = {3: str, 4: int, 5: bool, 10: float}.get(otype)
            option["value"] = convert(value) if convert else value
        options.append(option)
    return options
