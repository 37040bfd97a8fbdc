"""Anything people type, through the real bot: the slash command and an `auto` channel.

One bot runs for the whole module (in a thread of its own, against the fake server), and every
question is checked the same way: a reply arrives (or, for an empty message in an `auto` channel,
none), it fits Discord's limits, it allows no mention and contains none, and nothing is logged as
an error.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from botworld import (
    ALICE,
    AUTO,
    BOT,
    COMMANDS,
    MAINTAINERS,
    MOD,
    assert_pings_no_one,
    assert_within_limits,
    build_world,
    embed_of,
    make_fake,
    message_payload,
    started,
)
from fakediscord import ErrorLog, FakeDiscord, capture_errors
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

T = TypeVar("T")

NASTY = {
    "empty": "",
    "whitespace": " \t\n  ",
    "stopwords": "What is it that they were about?",
    "control": "Who\x07 is\x1b[31m Klaar\x08?",
    "nul": "Who\x00is Klaar?",
    "rtl": "\u202eWho is Toivo Klaar?\u202c \u200fاللغة",
    "zero-width": "Who\u200b is\u200b Klaar\u200d?\ufeff",
    "emoji": "👍🏽🇦🇿 Who is Klaar? 🔥🔥",
    "fence": "```python\nprint('Klaar')\n```\n``` unclosed",
    "everyone": "@everyone @here who is Klaar?",
    "role": f"<@&{MAINTAINERS}> who is Klaar?",
    "user": f"<@{MOD}> <@!{ALICE}> who is Klaar?",
    "markdown": "||spoiler|| **bold** __under__ ~~strike~~ > quote -# small [x](https://e.x)",
}
# Pieces hypothesis mixes into arbitrary text.
PIECES = [
    "@everyone",
    "@here",
    f"<@&{MAINTAINERS}>",
    f"<@{MOD}>",
    f"<@!{ALICE}>",
    f"<@{BOT}>",
    "<#1>",
    "```",
    "**",
    "||",
    "> ",
    "\n",
    "\x00",
    "\u202e",
    "\u200b",
    "🔥",
    "Klaar",
    "landmine",
    "the",
]
questions = st.lists(st.one_of(st.text(max_size=40), st.sampled_from(PIECES)), max_size=12).map(
    "".join
)


class LiveBot:
    """The bot and the fake server on an event loop in a background thread."""

    def __init__(self, world: Path) -> None:
        self.world = world
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.stack = contextlib.AsyncExitStack()
        self.fake: FakeDiscord

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 15) -> T:
        """Run a coroutine on the bot's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _start(self) -> None:
        # Many replies in one channel: lift Discord's 5 per 5 s, it is not what is tested here.
        limits = {"POST /channels/{channel_id}/messages": (1000, 1.0)}
        self.fake = await self.stack.enter_async_context(make_fake(rate_limits=limits))
        await self.stack.enter_async_context(started(self.world, self.fake, rate=1000))

    def __enter__(self) -> LiveBot:
        self.thread.start()
        self.call(self._start())
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.call(self.stack.aclose())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()

    async def ask(self, question: str) -> dict[str, Any]:
        """Ask with the slash command; return the message the user finally sees."""
        ix = await self.fake.dispatch_interaction(
            "frage", {"question": question}, user=ALICE, channel_id=COMMANDS
        )
        return await self._reply(lambda c: c.path in (ix.webhook_path, ix.callback_path))

    async def say(self, content: str) -> dict[str, Any] | None:
        """Post a message in the auto channel; return the bot's reply, None if it stays silent."""
        sent = await self.fake.dispatch_message(AUTO, content, author=ALICE)
        path = f"/channels/{AUTO}/messages"

        def is_reply(c: Any) -> bool:
            reference = (c.json or {}).get("message_reference") or {}
            return c.path == path and str(reference.get("message_id")) == sent["id"]

        if not " ".join(content.split()):  # nothing to answer: the bot says nothing
            await asyncio.sleep(0.2)
            assert not [c for c in self.fake.calls if c.method == "POST" and is_reply(c)]
            return None
        return await self._reply(is_reply)

    async def _reply(self, matches: Any) -> dict[str, Any]:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            for call in self.fake.calls:
                if call.method == "POST" and matches(call) and call.delivered:
                    payload = message_payload(call)
                    if payload is not None:
                        assert 200 <= call.status < 300, (call.status, call.response)
                        return payload
            await asyncio.sleep(0.01)
        raise AssertionError("no reply within 5 s")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveBot, ErrorLog]]:
    world = build_world(tmp_path_factory.mktemp("bad-input"))
    with capture_errors("discord", "citebot") as errors, LiveBot(world) as bot:
        yield bot, errors
        bot.fake.assert_no_unknown_calls()
    errors.check()


def check(payload: dict[str, Any], errors: ErrorLog) -> None:
    assert_within_limits(payload)
    assert_pings_no_one(payload)
    errors.check()


@pytest.mark.parametrize("question", list(NASTY.values()), ids=list(NASTY))
def test_named_bad_questions_by_slash_command(live: tuple[LiveBot, ErrorLog], question: str):
    bot, errors = live
    payload = bot.call(bot.ask(question))
    check(payload, errors)
    shown = embed_of(payload)["description"] if payload.get("embeds") else payload["content"]
    if not question.strip():
        assert "Ask me something" in shown
    if question == NASTY["stopwords"]:
        assert "Ask something more specific" in shown


@pytest.mark.parametrize("question", list(NASTY.values()), ids=list(NASTY))
def test_named_bad_questions_in_an_auto_channel(live: tuple[LiveBot, ErrorLog], question: str):
    bot, errors = live
    payload = bot.call(bot.say(question))
    if payload is not None:
        check(payload, errors)
        if question == NASTY["stopwords"]:
            assert "Ask something more specific" in embed_of(payload)["description"]


@pytest.mark.parametrize("how", ["ask", "say"])
def test_a_10000_character_question_is_answered_within_5_s(
    live: tuple[LiveBot, ErrorLog], how: str
) -> None:
    bot, errors = live
    question = ("Who urged Aliyev to stop and what did the Kremlin say? @everyone " * 200)[:10_000]
    started_at = time.monotonic()
    payload = bot.call(getattr(bot, how)(question))
    assert time.monotonic() - started_at < 5
    assert payload is not None
    check(payload, errors)
    assert embed_of(payload)["title"].endswith("…")


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(question=questions)
def test_any_question_by_slash_command(live: tuple[LiveBot, ErrorLog], question: str) -> None:
    bot, errors = live
    check(bot.call(bot.ask(question)), errors)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(content=questions)
def test_any_message_in_an_auto_channel(live: tuple[LiveBot, ErrorLog], content: str) -> None:
    bot, errors = live
    payload = bot.call(bot.say(content))
    if payload is not None:
        check(payload, errors)


async def _source(bot: LiveBot, passage: str) -> dict[str, Any]:
    ix = await bot.fake.dispatch_interaction(
        "quelle", {"passage": passage}, user=ALICE, channel_id=COMMANDS
    )
    return await bot._reply(lambda c: c.path == ix.callback_path)


async def _choices(bot: LiveBot, typed: str) -> list[dict[str, Any]]:
    ix = await bot.fake.dispatch_autocomplete(
        "quelle", {"passage": typed}, "passage", user=ALICE, channel_id=COMMANDS
    )
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        choices = bot.fake.interaction_choices(ix)
        if choices is not None:
            return choices
        await asyncio.sleep(0.01)
    raise AssertionError("no autocomplete answer within 5 s")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(passage=st.one_of(questions, st.from_regex(r"\A[0-9a-f_]{0,25}#-?[0-9]{0,25}\Z")))
def test_any_passage_reference_gets_a_private_reply(
    live: tuple[LiveBot, ErrorLog], passage: str
) -> None:
    bot, errors = live
    payload = bot.call(_source(bot, passage))
    check(payload, errors)
    assert payload["flags"] & 64  # ephemeral: a passage or why there is none


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(typed=st.one_of(questions, st.text(alphabet="0123456789abcdef_#", max_size=30)))
def test_any_typed_passage_gets_valid_suggestions(
    live: tuple[LiveBot, ErrorLog], typed: str
) -> None:
    bot, errors = live
    choices = bot.call(_choices(bot, typed))
    assert len(choices) <= 25
    for choice in choices:
        assert 1 <= len(choice["name"]) <= 100 and 1 <= len(choice["value"]) <= 100
    errors.check()
