"""Decisions the bot makes about messages and members, as plain functions of plain values."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence

from discord.app_commands import Cooldown
from discord.ext.commands import CooldownMapping

from bot.config import ChannelMode


def question_of(
    content: str,
    *,
    mode: ChannelMode,
    bot_id: int,
    mentioned: bool,
    replied_to_bot: bool,
    bot_role_ids: Iterable[int] = (),
) -> str | None:
    """Return the question a message asks the bot, or None when the bot should stay silent.

    In `auto` channels every message is a question; in `mention` channels only a message that
    mentions the bot or replies to it. Mentions of the bot (and of its own role) are removed.
    An empty string means the message addressed the bot without asking anything.
    """
    if mode == "commands" or (mode == "mention" and not (mentioned or replied_to_bot)):
        return None
    ids = "|".join(str(i) for i in (bot_id, *bot_role_ids))
    question = re.sub(rf"<@[!&]?(?:{ids})>", " ", content)
    question = " ".join(question.split())
    if not question and mode == "auto" and not (mentioned or replied_to_bot):
        return None  # an image or a sticker alone: nothing to answer
    return question


def may_rebuild(
    *,
    manage_guild: bool,
    role_ids: Sequence[int],
    role_names: Sequence[str],
    allowed: Sequence[str | int],
) -> bool:
    """Return whether a member may rebuild the index: Manage Server, or a role of `allowed`."""
    if manage_guild:
        return True
    names = {n.casefold() for n in role_names}
    for role in allowed:
        if isinstance(role, int) and role in role_ids:
            return True
        if isinstance(role, str) and (
            role.casefold() in names or (role.isdigit() and int(role) in role_ids)
        ):
            return True
    return False


class Cooldowns:
    """Per-user question limits shared by slash commands and messages."""

    def __init__(self, rate: int, per: float) -> None:
        self.mapping: CooldownMapping[int] = CooldownMapping.from_cooldown(
            rate, per, lambda user_id: user_id
        )
        self._warned_until: dict[int, float] = {}

    def hit(self, user_id: int) -> tuple[Cooldown, float] | None:
        """Count a question by `user_id`; return (bucket, seconds to wait) when over the limit."""
        bucket = self.mapping.get_bucket(user_id)
        if bucket is None:  # pragma: no cover - only for a mapping without a cooldown
            return None
        retry_after = bucket.update_rate_limit()
        return (bucket, retry_after) if retry_after else None

    def first_warning(self, user_id: int, retry_after: float) -> bool:
        """Return True once per waiting period: later messages in it get no reply at all."""
        now = time.monotonic()
        if self._warned_until.get(user_id, 0.0) > now:
            return False
        self._warned_until = {u: t for u, t in self._warned_until.items() if t > now}
        self._warned_until[user_id] = now + retry_after
        return True
