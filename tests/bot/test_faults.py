"""Discord misbehaving: rate limits, server errors, dropped connections, expired interactions.

Each fault is injected by the fake server exactly as Discord answers; the bot must log what went
wrong (as a warning: it is not our bug), never crash, and answer the next question.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from pathlib import Path
from types import SimpleNamespace

import discord.webhook.async_
import pytest
from botworld import (
    ALICE,
    AUTO,
    COMMANDS,
    LANDMINES,
    LANDMINES_QUOTE,
    MOD,
    Session,
    ask,
    embed_of,
    run,
    session,
)

UNKNOWN_WEBHOOK = {"message": "Unknown Webhook", "code": 10015}


def quoted(call_json: dict) -> bool:
    return LANDMINES_QUOTE in embed_of(call_json)["description"].replace("**", "")


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


async def still_answers(s: Session) -> None:
    """The next question, from someone else, gets its answer."""
    followup = await ask(s, LANDMINES, user=MOD)
    assert quoted(followup.json)


def test_a_rate_limited_followup_still_arrives(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            s.fake.fail_next("POST", r"/webhooks/\d+/[^/]+", status=429, retry_after=0.3)
            ix = await s.fake.dispatch_interaction(
                "frage", {"question": LANDMINES}, user=ALICE, channel_id=COMMANDS
            )
            answer = await s.fake.wait_for_call("POST", re.escape(ix.webhook_path), status=200)
            tries = s.fake.calls_for("POST", re.escape(ix.webhook_path))
            assert [c.status for c in tries] == [429, 200]
            assert answer.time - tries[0].time >= 0.3  # Retry-After was honoured
            assert quoted(answer.json)

    run(scenario())


def test_a_rate_limited_reply_in_an_auto_channel_still_arrives(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            s.fake.fail_next("POST", rf"/channels/{AUTO}/messages", status=429, retry_after=0.2)
            await s.fake.dispatch_message(AUTO, LANDMINES, author=ALICE)
            reply = await s.fake.wait_for_call("POST", rf"/channels/{AUTO}/messages", status=200)
            assert quoted(reply.json)

    run(scenario())


def test_a_500_on_the_callback_is_retried_within_discords_3_seconds(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            s.fake.fail_next("POST", r"/interactions/\d+/[^/]+/callback", status=500)
            started = time.monotonic()
            ix = await s.fake.dispatch_interaction(
                "frage", {"question": LANDMINES}, user=ALICE, channel_id=COMMANDS
            )
            deferred = await s.fake.wait_for_call("POST", re.escape(ix.callback_path), status=200)
            assert deferred.time - started < 3
            answer = await s.fake.wait_for_call("POST", re.escape(ix.webhook_path), status=200)
            assert quoted(answer.json)
            await still_answers(s)

    run(scenario())


def test_a_callback_that_keeps_failing_is_logged_and_the_bot_serves_on(
    world: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # discord.py retries a 5xx five times, 1 + 3 + 5 + 7 + 9 s apart: run those waits 100 times
    # faster (only its webhook adapter's; everything else keeps real time).
    fast = SimpleNamespace(**vars(asyncio))
    fast.sleep = lambda delay, *args: asyncio.sleep(delay / 100, *args)
    monkeypatch.setattr(discord.webhook.async_, "asyncio", fast)

    async def scenario() -> None:
        async with session(world) as s:
            callback = r"/interactions/\d+/[^/]+/callback"
            s.fake.fail_next("POST", callback, status=500, times=10)
            ix = await s.fake.dispatch_interaction(
                "frage", {"question": LANDMINES}, user=ALICE, channel_id=COMMANDS
            )
            await s.fake.wait_for_call("POST", re.escape(ix.callback_path), status=500)
            await s.fake.dispatch_message(AUTO, LANDMINES, author=MOD)
            reply = await s.fake.wait_for_call("POST", rf"/channels/{AUTO}/messages", status=200)
            assert quoted(reply.json)  # meanwhile, other people are served
            for _ in range(200):  # the answer's five tries, then the failure notice's five
                if any("could not tell the user" in w for w in warnings_of(caplog)):
                    break
                await asyncio.sleep(0.02)
            assert len(s.fake.calls_for("POST", re.escape(ix.callback_path), status=500)) == 10
            assert s.fake.calls_for("POST", re.escape(ix.webhook_path)) == []
            await still_answers(s)

    with caplog.at_level(logging.WARNING):
        run(scenario())
    logged = warnings_of(caplog)
    assert any("Discord refused a reply to /frage" in w and "500" in w for w in logged), logged
    assert any("could not tell the user about a failure of /frage" in w for w in logged), logged


def test_after_the_gateway_drops_the_bot_resumes_and_answers(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            await s.fake.close_gateway(code=4000)
            await s.fake.wait_until_connected()
            await still_answers(s)
            await s.fake.send_reconnect()  # Discord asks the bot to reconnect
            await s.fake.wait_until_connected()
            await s.fake.dispatch_message(AUTO, LANDMINES, author=ALICE)
            reply = await s.fake.wait_for_call("POST", rf"/channels/{AUTO}/messages", status=200)
            assert quoted(reply.json)
            assert (s.fake.identify_count, s.fake.resume_count) == (1, 2)

    run(scenario())


def test_a_question_asked_while_disconnected_is_answered_after_resuming(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            await s.fake.close_gateway(code=1006)
            ix = await s.fake.dispatch_interaction(  # queued, replayed on RESUME
                "frage", {"question": LANDMINES}, user=ALICE, channel_id=COMMANDS
            )
            answer = await s.fake.wait_for_call("POST", re.escape(ix.webhook_path), status=200)
            assert quoted(answer.json)

    run(scenario())


def test_an_expired_followup_token_is_logged_and_nothing_breaks(
    world: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            ix = await s.fake.dispatch_interaction(
                "frage", {"question": LANDMINES}, user=ALICE, channel_id=COMMANDS
            )
            # Discord's answer once the 15 minutes of an interaction token are over.
            path = re.escape(ix.webhook_path)
            s.fake.fail_next("POST", path, status=404, body=UNKNOWN_WEBHOOK, times=2)
            await s.fake.wait_for_call("POST", re.escape(ix.callback_path), status=200)
            refused = await s.fake.wait_for_call("POST", path, status=404)
            assert refused.response["code"] == 10015
            await still_answers(s)

    with caplog.at_level(logging.WARNING):
        run(scenario())
    logged = warnings_of(caplog)
    assert any("Discord refused a reply to /frage" in w and "10015" in w for w in logged), logged


def test_an_interaction_expired_before_it_is_acknowledged_is_logged(
    world: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            ix = await s.fake.dispatch_interaction(
                "frage", {"question": LANDMINES}, user=ALICE, channel_id=COMMANDS, expired=True
            )
            refused = await s.fake.wait_for_call("POST", re.escape(ix.callback_path), status=404)
            assert refused.response["code"] == 10062
            await still_answers(s)

    with caplog.at_level(logging.WARNING):
        run(scenario())
    assert any("10062" in w for w in warnings_of(caplog)), warnings_of(caplog)
