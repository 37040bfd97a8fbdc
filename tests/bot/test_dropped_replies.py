"""An answer Discord did not take is sent again later; what is finally lost is logged in one line.

discord.py gives up on a request after five tries; a longer run of 429s (or 5xx) used to drop
the answer with a warning. The bot now tries again a bounded number of times and, when it
gives up (or stops while answers wait), logs one line naming the message and channel.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import discord
import pytest
from botworld import (
    ALICE,
    AUTO,
    COMMANDS,
    LANDMINES,
    LANDMINES_QUOTE,
    TOKEN,
    Session,
    ask,
    embed_of,
    run,
    session,
)

from bot.discord.delivery import Deliveries, passing

# Many replies in one channel: lift Discord's 5 per 5 s, it is not what is tested here.
LIMITS = {"POST /channels/{channel_id}/messages": (1000, 1.0)}
MESSAGES = rf"/channels/{AUTO}/messages"


class Lines(logging.Handler):
    """The formatted lines of the bot's log."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@contextmanager
def bot_log() -> Iterator[Lines]:
    handler, logger = Lines(), logging.getLogger("citebot")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def replies_to(s: Session, message_ids: list[str]) -> dict[str, int]:
    """How many replies each message got."""
    counts = dict.fromkeys(message_ids, 0)
    for call in s.fake.calls_for("POST", MESSAGES, status=200):
        reference = (call.json or {}).get("message_reference") or {}
        if str(reference.get("message_id")) in counts:
            counts[str(reference["message_id"])] += 1
    return counts


async def until(condition: Callable[[], object], timeout: float = 20) -> None:
    """Wait until `condition()` is true."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


def test_replies_dropped_by_a_run_of_429s_arrive_later(world: Path) -> None:
    async def scenario() -> None:
        async with session(world, rate_limits=LIMITS) as s:
            s.bot.services.deliveries.delays = (0.5, 1.0, 2.0)
            # 429s for longer than discord.py's own five tries on a request.
            s.fake.fail_next("POST", MESSAGES, status=429, retry_after=0.3, times=10)
            sent = [
                (await s.fake.dispatch_message(AUTO, f"{LANDMINES} ({n})", author=ALICE))["id"]
                for n in range(10)
            ]
            await until(lambda: all(replies_to(s, sent).values()))
            assert set(replies_to(s, sent).values()) == {1}  # each once, none lost
            # The fake records a reply before the bot has read Discord's answer to it.
            await until(lambda: s.bot.services.deliveries.pending == 0, timeout=5)

    with bot_log() as log:
        run(scenario())
    later = [line for line in log.lines if "trying again later" in line]
    assert later and all("Discord answered 429" in line for line in later)
    assert not [line for line in log.lines if line.startswith("lost ")]


def test_an_answer_discord_never_takes_is_logged_as_lost_in_one_line(world: Path) -> None:
    def lost(log: Lines) -> list[str]:
        return [line for line in log.lines if line.startswith("lost ")]

    async def scenario(log: Lines) -> None:
        async with session(world, rate_limits=LIMITS) as s:
            s.bot.services.deliveries.delays = (0.2, 0.2)
            s.fake.fail_next("POST", MESSAGES, status=429, retry_after=0.05, times=100_000)
            sent = await s.fake.dispatch_message(AUTO, LANDMINES, author=ALICE)
            # Meanwhile the bot answers elsewhere.
            followup = await ask(s, LANDMINES)
            assert LANDMINES_QUOTE in embed_of(followup.json)["description"].replace("**", "")
            await until(lambda: lost(log), timeout=30)
            s.fake._faults.clear()
            assert replies_to(s, [sent["id"]]) == {sent["id"]: 0}
            again = await s.fake.dispatch_message(AUTO, LANDMINES, author=ALICE)
            await until(lambda: replies_to(s, [again["id"]])[again["id"]] == 1)

    with bot_log() as log:
        run(scenario(log))
    [line] = lost(log)
    assert re.fullmatch(
        rf"lost the reply to message \d+ in channel {AUTO} after 3 attempts: "
        r"Discord answered 429 Too Many Requests",
        line,
    )
    assert TOKEN not in "\n".join(log.lines)


def test_a_rate_limited_slash_command_answer_arrives_later(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            s.bot.services.deliveries.delays = (0.5, 1.0)
            s.fake.fail_next("POST", r"/webhooks/\d+/[^/]+", status=429, retry_after=0.1, times=5)
            ix = await s.fake.dispatch_interaction(
                "frage", {"question": LANDMINES}, user=ALICE, channel_id=COMMANDS
            )
            answer = await s.fake.wait_for_call(
                "POST", re.escape(ix.webhook_path), status=200, timeout=15
            )
            assert LANDMINES_QUOTE in embed_of(answer.json)["description"].replace("**", "")
            tries = s.fake.calls_for("POST", re.escape(ix.webhook_path))
            assert [c.status for c in tries] == [429] * 5 + [200]

    run(scenario())


def test_answers_still_waiting_when_the_bot_stops_are_logged_as_lost(world: Path) -> None:
    async def scenario() -> None:
        async with session(world, rate_limits=LIMITS) as s:
            s.bot.services.deliveries.delays = (60.0,)
            s.fake.fail_next("POST", MESSAGES, status=503, times=5)
            await s.fake.dispatch_message(AUTO, LANDMINES, author=ALICE)
            await until(lambda: s.bot.services.deliveries.pending == 1)

    with bot_log() as log:
        run(scenario())  # fails on a task left pending
    lost = [line for line in log.lines if line.startswith("lost ")]
    assert len(lost) == 1 and lost[0].endswith(
        "Discord answered 503 Service Unavailable (the bot stopped)"
    )


def test_only_passing_failures_are_tried_again() -> None:
    """The general case: rate limits, outages and dropped connections; not refusals."""

    class Response:
        def __init__(self, status: int) -> None:
            self.status, self.reason = status, "x"

    for status, again in ((429, True), (500, True), (503, True), (403, False), (404, False)):
        error = discord.HTTPException(Response(status), {"message": "m", "code": 0})
        assert passing(error) is again, status
    assert passing(ConnectionResetError()) and passing(TimeoutError())
    assert not passing(ValueError())


def test_a_refusal_is_raised_and_a_full_queue_gives_up_at_once() -> None:
    async def scenario() -> None:
        deliveries = Deliveries(delays=(10.0,), pending=1)

        async def refused() -> None:
            raise ValueError("not a passing failure")

        async def outage() -> None:
            raise ConnectionResetError

        with pytest.raises(ValueError):
            await deliveries.send(refused, what="a")
        await deliveries.send(outage, what="b")
        await deliveries.send(outage, what="c")  # the queue is full: lost at once
        assert deliveries.pending == 1
        await deliveries.stop()
        assert deliveries.pending == 0

    with bot_log() as log:
        asyncio.run(scenario())
    lost = [line for line in log.lines if line.startswith("lost ")]
    assert lost == [
        "lost c after 1 attempt: ConnectionResetError (too many answers are waiting)",
        "lost b after 1 attempt: ConnectionResetError (the bot stopped)",
    ]
