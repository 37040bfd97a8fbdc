"""Decisions the bot makes about messages and members, as plain functions of plain values."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

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


# What each option type of a slash command carries (Discord's ApplicationCommandOptionType).
_OPTION_VALUES: dict[int, tuple[str, tuple[type, ...]]] = {
    3: ("text", (str,)),
    4: ("a whole number", (int,)),
    5: ("true or false", (bool,)),
    6: ("a user", (str, int)),
    7: ("a channel", (str, int)),
    8: ("a role", (str, int)),
    9: ("a user or role", (str, int)),
    10: ("a number", (int, float)),
    11: ("an attachment", (str, int)),
}


def option_problem(
    sent: object,
    expected: Mapping[str, int],
    required: Iterable[str] = (),
    *,
    autocomplete: bool = False,
) -> str | None:
    """Return what is wrong with a command's options as sent, or None when every one fits.

    `expected` maps each option's name to its type as registered; a command that was sent
    options of other names or types (an old registration, a hand-made interaction) is refused
    here, before its callback could receive a value of the wrong type. While a user types
    (`autocomplete`), the focused option is text and required options may still be missing.
    """
    if sent is None:
        sent = []
    if not isinstance(sent, list):
        return "the options are not a list"
    seen: set[str] = set()
    for option in sent:
        problem = _one_option(option, expected, seen, autocomplete=autocomplete)
        if problem:
            return problem
    missing = [name for name in required if name not in seen]
    if missing and not autocomplete:
        return f"option {missing[0]} is missing"
    return None


def _one_option(
    option: Any, expected: Mapping[str, int], seen: set[str], *, autocomplete: bool
) -> str | None:
    if not isinstance(option, dict) or not isinstance(option.get("name"), str):
        return "an option has no name"
    name = option["name"]
    if name not in expected:
        return f"there is no option {name[:40]!r}"
    if name in seen:
        return f"option {name} is given twice"
    seen.add(name)
    kind = expected[name]
    if option.get("type") != kind:
        return f"option {name} has type {option.get('type')!r}, not {kind}"
    value = option.get("value")
    if autocomplete and option.get("focused"):
        return None if isinstance(value, str) else f"option {name} is being typed but not text"
    what, types = _OPTION_VALUES.get(kind, ("a value", (str, int, float, bool)))
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
        return f"option {name} should be {what}, not {type(value).__name__}"
    return None
