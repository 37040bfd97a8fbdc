"""Messages as Discord stores them: built, validated, stored, edited and echoed to the bot.

Shared by the REST routes (the bot's own messages) and the test-driven events (users'
messages). With ``echo_own_messages`` the bot sees its own messages come back over the gateway,
as it does on Discord; without the message content intent it sees others' content only where
it is mentioned.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from .model import FakeGuild, FakeUser, Intent
from .protocol import HTTPError, field_error, form_error, now_iso
from .validate import MAX_CONTENT_LENGTH, validate_embeds

# Message flags.
FLAG_HAS_THREAD = 1 << 5
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7


class MessagesMixin:
    """The message store of :class:`~fakediscord.FakeDiscord`."""

    def _init_messages(self) -> None:
        self._messages: dict[int, dict[str, Any]] = {}
        self._channel_messages: dict[int, list[int]] = {}

    def message(self, message_id: int) -> dict[str, Any] | None:
        """Return a stored message (sent by the bot or dispatched by the test)."""
        return self._messages.get(message_id)

    def _build_message(
        self,
        channel_id: int,
        guild: FakeGuild | None,
        author: FakeUser,
        content: str,
        extra: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "id": str(self.snowflake()),
            "type": 0,
            "channel_id": str(channel_id),
            "author": author.payload(),
            "content": content,
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "components": [],
            "reactions": [],
            "pinned": False,
            "flags": 0,
        }
        if guild is not None:
            message["guild_id"] = str(guild.id)
            member = guild.member(author.id)
            if member is not None:
                message["member"] = member.payload(with_user=False)
        if extra:
            message.update(extra)
        return message

    def _store_message(self, message: dict[str, Any]) -> None:
        message_id = int(message["id"])
        self._messages[message_id] = message
        ids = self._channel_messages.setdefault(int(message["channel_id"]), [])
        if message_id not in ids:
            ids.append(message_id)

    def _message_fields(
        self,
        payload: Mapping[str, Any],
        existing: Mapping[str, Any] | None,
        *,
        creating: bool,
    ) -> dict[str, Any]:
        """Validate a create/edit payload and turn it into message fields."""
        errors: dict[str, Any] = {}
        content = payload.get("content")
        if content is not None and not isinstance(content, str):
            content = str(content)
        if content is not None and len(content) > MAX_CONTENT_LENGTH:
            errors["content"] = field_error(
                "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_CONTENT_LENGTH} or fewer in length."
            )
        embeds = payload.get("embeds")
        if embeds is None and payload.get("embed") is not None:
            embeds = [payload["embed"]]
        if embeds is not None:
            embed_errors = validate_embeds(embeds)
            if embed_errors:
                errors["embeds"] = embed_errors
        if errors:
            raise form_error(errors)
        fields: dict[str, Any] = {}
        if content is not None:
            fields["content"] = content
        if embeds is not None:
            fields["embeds"] = [dict(e, type=e.get("type", "rich")) for e in embeds]
        if payload.get("components") is not None:
            fields["components"] = list(payload["components"])
        if payload.get("flags") is not None:
            keep = int(existing.get("flags", 0)) & FLAG_EPHEMERAL if existing else 0
            fields["flags"] = (int(payload["flags"]) & ~FLAG_LOADING) | keep
        if payload.get("tts") is not None:
            fields["tts"] = bool(payload["tts"])
        if payload.get("poll") is not None:
            fields["poll"] = payload["poll"]
        if creating:
            has_body = any(
                fields.get(k) for k in ("content", "embeds", "components", "poll")
            ) or bool(payload.get("sticker_ids"))
            if not has_body:
                raise HTTPError(400, "Cannot send an empty message", 50006)
        return fields

    def _bot_message(
        self,
        channel_id: int,
        guild: FakeGuild | None,
        payload: Mapping[str, Any],
        extra: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        fields = self._message_fields(payload, None, creating=True)
        message = self._build_message(channel_id, guild, self.bot_user, "", fields)
        mentioned = [int(u) for u in re.findall(r"<@!?(\d+)>", message["content"])]
        message["mentions"] = self._mentions_payload(mentioned, guild)
        reference = payload.get("message_reference")
        if reference and reference.get("message_id"):
            message.update(self._reply_fields(channel_id, guild, int(reference["message_id"])))
            if message["referenced_message"] is None and reference.get("fail_if_not_exists", True):
                raise form_error(
                    {"message_reference": field_error("REPLIES_UNKNOWN_MESSAGE", "Unknown message")}
                )
        if extra:
            message.update(extra)
        return message

    async def _echo(self, event: str, message: dict[str, Any]) -> None:
        if self.echo_own_messages and not int(message.get("flags", 0)) & FLAG_EPHEMERAL:
            await self._deliver_message(event, message)

    async def _edit_message(
        self, message: dict[str, Any], payload: Mapping[str, Any]
    ) -> dict[str, Any]:
        fields = self._message_fields(payload, message, creating=False)
        message.update(fields)
        message["flags"] = int(message.get("flags", 0)) & ~FLAG_LOADING
        message["edited_timestamp"] = now_iso()
        await self._echo("MESSAGE_UPDATE", message)
        return message

    def _reply_fields(
        self, channel_id: int, guild: FakeGuild | None, ref_id: int
    ) -> dict[str, Any]:
        referenced = self._messages.get(ref_id)
        reference: dict[str, Any] = {
            "type": 0,
            "message_id": str(ref_id),
            "channel_id": str(referenced["channel_id"] if referenced else channel_id),
        }
        if guild is not None:
            reference["guild_id"] = str(guild.id)
        return {"type": 19, "message_reference": reference, "referenced_message": referenced}

    def _mentions_payload(self, user_ids: Sequence[int], guild: FakeGuild | None) -> list[Any]:
        result = []
        for uid in user_ids:
            user = self.user(int(uid))
            if user is None:
                continue
            data = user.payload()
            member = guild.member(user.id) if guild is not None else None
            if member is not None:
                data["member"] = member.payload(with_user=False)
            result.append(data)
        return result

    async def _deliver_message(self, event: str, message: dict[str, Any]) -> None:
        session = self._session
        if session is None:
            return
        delivered = message
        if self.enforce_intents:
            if not session.intents & Intent.GUILD_MESSAGES:
                return
            mentioned = any(int(u["id"]) == self.bot_user.id for u in message.get("mentions", []))
            own = int(message["author"]["id"]) == self.bot_user.id
            if not (session.intents & Intent.MESSAGE_CONTENT or mentioned or own):
                delivered = {
                    **message,
                    "content": "",
                    "embeds": [],
                    "attachments": [],
                    "components": [],
                }
                delivered.pop("poll", None)
        await self._dispatch_to(session, event, delivered)
