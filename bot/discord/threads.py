"""Answering a question in a thread of its own (`answers.threads`).

A question asked in a text channel gets a public thread started from the question's message,
named after it, with the answer inside; messages in that thread need no mention and are read
after the thread's last question. Where a thread cannot be started — the channel cannot hold
threads (a DM, a thread, a forum, the text of a voice channel), or the bot lacks Create Public
Threads there — the question is answered in place, as without threads, and the log says so once
per channel.

A thread's name is text anyone could have typed: `thread_name` makes it one harmless line
(mentions, markdown and invisible characters shown as plain text or dropped) within Discord's
100 characters. Discord does not render a thread name as markdown, but the name is shown in
the channel, in notifications and in clients that may; it must never look like a ping.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import TypeGuard

import aiohttp
import discord

log = logging.getLogger("citebot.discord")

NAME_MAX = 100  # Discord's limit on a channel or thread name
FALLBACK_NAME = "Question"  # a question with nothing printable left in it
ELLIPSIS = "…"
ZWSP = "\u200b"

# Mentions and other markup Discord turns into something else: shown as plain text instead.
_MARKUP = (
    (re.compile(r"<@!?\d+>"), "@user"),
    (re.compile(r"<@&\d+>"), "@role"),
    (re.compile(r"<#\d+>"), "#channel"),
    (re.compile(r"</([-_\w ]{1,100}):\d+>"), r"/\1"),
    (re.compile(r"<a?:(\w{1,32}):\d+>"), r":\1:"),
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),  # a masked link: its text
)
# Markdown markers: emphasis, strike, spoiler, code; quotes, headings, list and subtext marks.
_EMPHASIS = re.compile(r"(\*+|~~+|\|\|+|`+|(?<!\w)_+|_+(?!\w))")
_LINE_MARK = re.compile(r"^[ \t]*(?:>+|#+|-#|[-*+])[ \t]+", re.MULTILINE)
_EVERYONE = re.compile(r"@(?=everyone|here)", re.IGNORECASE)
# Characters that show nothing: format characters (zero-width spaces and joiners, direction
# marks, the BOM), controls, and the blank letters used to fake empty names.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def thread_name(question: str) -> str:
    """Return the name of a thread for a question: one harmless line of at most 100 characters."""
    text = "".join(_visible(ch) for ch in question)
    text = _LINE_MARK.sub("", text)
    for pattern, shown in _MARKUP:
        text = pattern.sub(shown, text)
    text = _EMPHASIS.sub("", text)
    text = " ".join(text.split())
    if not text:
        return FALLBACK_NAME
    text = _EVERYONE.sub("@" + ZWSP, text)
    return _cut(text, NAME_MAX)


def _visible(ch: str) -> str:
    """Return a character as it shows in a name: line breaks kept (for the line marks), other
    spaces as a space, invisible characters as nothing."""
    if ch in "\n\r\u2028\u2029\x0b\x0c\x85":
        return "\n"
    if ch.isspace():
        return " "
    if ch in _BLANK_LETTERS or unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs", "Cn"):
        return ""
    return ch


def _units(text: str) -> int:
    """Return the length of `text` in UTF-16 code units (the stricter way to count a limit)."""
    return len(text.encode("utf-16-le")) // 2


def _cut(text: str, limit: int) -> str:
    """Return `text` within `limit` units, cut at a word end with an ellipsis when longer."""
    if _units(text) <= limit:
        return text
    room = limit - _units(ELLIPSIS)
    kept: list[str] = []
    used = 0
    for ch in text:
        used += _units(ch)
        if used > room:
            break
        kept.append(ch)
    cut = "".join(kept)
    space = cut.rfind(" ")
    if space >= room // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + ELLIPSIS


def can_hold_threads(channel: object) -> TypeGuard[discord.TextChannel]:
    """Return whether a question in `channel` can get a thread started from it.

    Only text and announcement channels hold threads started from a message: not a DM, a
    thread, a forum or media channel, nor the text chat of a voice or stage channel.
    """
    return isinstance(channel, discord.TextChannel)


def own_thread(channel: object, bot: discord.abc.Snowflake | None) -> int | None:
    """Return the id of `channel` when it is a thread `bot` started, else None."""
    if bot is not None and isinstance(channel, discord.Thread) and channel.owner_id == bot.id:
        return channel.id
    return None


class ThreadStarter:
    """Start answer threads, and say once per channel when a thread could not be started."""

    def __init__(self) -> None:
        self._warned: set[int] = set()

    async def start(self, channel: object, message_id: int, question: str) -> discord.Thread | None:
        """Return a new thread started from message `message_id` in `channel` for `question`,
        or None when the question is to be answered in place."""
        if not can_hold_threads(channel):
            return None
        me = channel.guild.me
        if me is not None and not channel.permissions_for(me).create_public_threads:
            self.cannot(channel.id, "the bot lacks the Create Public Threads permission there")
            return None
        starter = channel.get_partial_message(message_id)
        try:
            return await starter.create_thread(name=thread_name(question))
        except discord.HTTPException as exc:  # 403 (no permission), 400 (not possible here)
            self.cannot(channel.id, _reason(exc))
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            log.warning(
                "could not start a thread in channel %d (%s); answering there instead",
                channel.id,
                type(exc).__name__,
            )
        return None

    def cannot(self, channel_id: int, why: str) -> None:
        """Log, once per channel, that questions there are answered in place."""
        if channel_id in self._warned:
            return
        self._warned.add(channel_id)
        log.warning(
            "cannot start threads in channel %d (%s); answering there instead. Give the bot "
            "Create Public Threads and Send Messages in Threads in that channel, or set "
            "answers.threads: false",
            channel_id,
            why,
        )


def _reason(exc: discord.HTTPException) -> str:
    """Return why Discord refused, in its own words, without anything else of the reply."""
    if exc.status == 403:
        return f"Discord says: {exc.text or 'Missing Permissions'}"
    return f"Discord answered {exc.status}: {exc.text or exc.response.reason or 'an error'}"
