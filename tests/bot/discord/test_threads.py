"""Answers in threads of their own (`answers.threads`), end to end against the fake Discord."""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path

import pytest
from botworld import (
    ALICE,
    AUTO,
    COMMANDS,
    GUILD,
    MENTION,
    MOD,
    Session,
    ask,
    embed_of,
    nothing_sent,
    run,
    session,
)
from fakediscord import Call, FakeChannel, Perm

KILLED = "How many people were killed in the Azerbaijani attack?"
INJURED = "and how many were injured?"
TAKEN = f"Taking this as: {INJURED} (after: {KILLED})"
STANDALONE = "Who is the prime minister of Armenia?"
THREADS = "  threads: true\n"
THREAD_PATH = rf"/channels/{AUTO}/messages/\d+/threads"


def text_of(reply: Call) -> str:
    embed = embed_of(reply.json)
    return " ".join(
        [embed.get("description", "")] + [f.get("value", "") for f in embed.get("fields", [])]
    ).replace("\\", "")


async def asked_in_thread(s: Session, question: str, *, author: int = ALICE) -> tuple[int, Call]:
    """Ask in the auto channel; return the thread the bot started and its answer there."""
    mark = len(s.fake.calls)
    sent = await s.fake.dispatch_message(AUTO, question, author=author)
    started = await s.fake.wait_for_call(
        "POST", rf"/channels/{AUTO}/messages/{sent['id']}/threads", start=mark
    )
    assert started.status == 201, started.response
    thread = int(started.response["id"])
    answer = await s.fake.wait_for_call("POST", rf"/channels/{thread}/messages", start=mark)
    return thread, answer


async def asked_there(s: Session, channel: int, question: str, *, author: int = ALICE) -> Call:
    """Post a message in `channel` (a thread too) and return the bot's reply to it there."""
    mark = len(s.fake.calls)
    sent = await s.fake.dispatch_message(channel, question, author=author)
    reply = await s.fake.wait_for_call("POST", rf"/channels/{channel}/messages", start=mark)
    assert int(reply.json["message_reference"]["message_id"]) == int(sent["id"])
    return reply


def thread_calls(s: Session) -> list[Call]:
    return s.fake.calls_for("POST", r"/channels/\d+/messages/\d+/threads")


def test_a_question_gets_a_thread_named_after_it_with_the_answer_inside(world: Path) -> None:
    async def scenario() -> None:
        async with session(world, answers=THREADS) as s:
            thread, answer = await asked_in_thread(s, f"  {KILLED}\n")
            [started] = thread_calls(s)
            assert started.json["name"] == KILLED
            assert started.response["parent_id"] == str(AUTO)
            assert started.response["owner_id"] == str(s.bot.user.id)  # type: ignore[union-attr]
            assert "six people" in text_of(answer).replace("**", "")
            assert "message_reference" not in answer.json  # the thread starts from the question
            # Nothing was posted in the channel itself.
            assert s.fake.calls_for("POST", rf"/channels/{AUTO}/messages") == []
            assert s.bot.get_channel(thread) is not None  # THREAD_CREATE reached the client

    run(scenario())


def test_a_follow_up_in_the_thread_needs_no_mention_and_takes_its_context(world: Path) -> None:
    async def scenario() -> None:
        async with session(world, answers=THREADS) as s:
            thread, _ = await asked_in_thread(s, KILLED)
            follow_up = await asked_there(s, thread, INJURED)
            assert TAKEN in text_of(follow_up)
            # Anyone in the thread gets the thread's context, and no second thread is started.
            other = await asked_there(s, thread, "and when did it start?", author=MOD)
            assert f"(after: {KILLED})" in text_of(other)
            assert len(thread_calls(s)) == 1

    run(scenario())


def test_a_standalone_question_in_the_thread_does_not_take_the_context(world: Path) -> None:
    async def scenario() -> None:
        async with session(world, answers=THREADS) as s:
            thread, _ = await asked_in_thread(s, KILLED)
            second = await asked_there(s, thread, STANDALONE)
            assert "Taking this as" not in text_of(second)
            assert "Pashinyan" in text_of(second)
            assert len(thread_calls(s)) == 1

    run(scenario())


def test_a_thread_creation_refused_with_403_is_answered_in_the_channel(
    world: Path, caplog: pytest.LogCaptureFixture
) -> None:
    forbidden = {"message": "Missing Permissions", "code": 50013}

    async def scenario() -> None:
        async with session(world, answers=THREADS) as s:
            s.fake.fail_next("POST", THREAD_PATH, status=403, times=2, body=forbidden)
            first = await asked_there(s, AUTO, KILLED)
            assert "six people" in text_of(first).replace("**", "")
            second = await asked_there(s, AUTO, INJURED)
            assert TAKEN in text_of(second)  # in place, as without threads
            assert [c.status for c in thread_calls(s)] == [403, 403]

    with caplog.at_level(logging.INFO, logger="citebot"):
        run(scenario())
    said = [r for r in caplog.records if "cannot start threads" in r.getMessage()]
    assert len(said) == 1, "said once per channel"
    assert said[0].levelno == logging.WARNING and said[0].exc_info is None
    assert "Missing Permissions" in said[0].getMessage()
    assert "Create Public Threads" in said[0].getMessage()


def test_a_thread_discord_will_not_start_is_answered_in_the_channel(world: Path) -> None:
    exists = {"message": "A thread has already been created for this message", "code": 160004}

    async def scenario() -> None:
        async with session(world, answers=THREADS) as s:
            s.fake.fail_next("POST", THREAD_PATH, status=400, body=exists)
            reply = await asked_there(s, AUTO, KILLED)
            assert "six people" in text_of(reply).replace("**", "")

    run(scenario())


def test_without_the_permission_no_thread_is_asked_for(world: Path) -> None:
    deny = {"id": GUILD, "type": 0, "deny": int(Perm.CREATE_PUBLIC_THREADS)}

    async def scenario() -> None:
        async with session(world, answers=THREADS) as s:
            channel = s.fake.guilds[0].channel(AUTO)
            assert channel is not None
            channel.permission_overwrites.append(deny)
            await s.fake.update_channel(AUTO)
            reply = await asked_there(s, AUTO, KILLED)
            assert "six people" in text_of(reply).replace("**", "")
            assert thread_calls(s) == []

    run(scenario())


def test_threads_off_answers_in_place_as_before(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            first = await asked_there(s, AUTO, KILLED)
            follow_up = await asked_there(s, AUTO, INJURED)
            assert TAKEN in text_of(follow_up)
            assert "Taking this as" not in text_of(first)
            assert thread_calls(s) == []

    run(scenario())


def test_a_question_in_someone_elses_thread_is_answered_there(world: Path) -> None:
    users_thread = 1_400_000_000_000_000_020

    async def scenario() -> None:
        async with session(world, answers=THREADS) as s:
            await s.fake.add_channel(
                FakeChannel(users_thread, "chat", type=11, parent_id=MENTION, owner_id=ALICE)
            )
            mark = len(s.fake.calls)
            # Not the bot's thread: it follows its mention channel, and no mention, no answer.
            await s.fake.dispatch_message(users_thread, STANDALONE, author=ALICE)
            await nothing_sent(s.fake, mark)
            bot = s.bot.user
            assert bot is not None
            mark = len(s.fake.calls)
            sent = await s.fake.dispatch_message(
                users_thread, f"<@{bot.id}> {STANDALONE}", author=ALICE, mentions=[bot.id]
            )
            reply = await s.fake.wait_for_call(
                "POST", rf"/channels/{users_thread}/messages", start=mark
            )
            assert int(reply.json["message_reference"]["message_id"]) == int(sent["id"])
            assert thread_calls(s) == []

    run(scenario())


def test_a_voice_channels_text_is_answered_in_place(world: Path) -> None:
    voice = 1_400_000_000_000_000_021

    async def scenario() -> None:
        channels = f"    - {{id: {voice}, mode: auto}}\n"
        async with session(world, answers=THREADS, channels=channels) as s:
            await s.fake.add_channel(FakeChannel(voice, "voice", type=2))
            reply = await asked_there(s, voice, KILLED)
            assert "six people" in text_of(reply).replace("**", "")
            assert thread_calls(s) == []

    run(scenario())


def test_hostile_questions_make_harmless_thread_names(world: Path) -> None:
    async def scenario() -> None:
        async with session(world, answers=THREADS) as s:
            hostile = f"@everyone <@{MOD}> **how many** were\nkilled? " + "x" * 3000
            await asked_in_thread(s, hostile)
            [started] = thread_calls(s)
            name = started.json["name"]
            assert len(name) <= 100 and "\n" not in name
            assert not re.search(r"@(everyone|here)\b|<@", name)
            assert name.startswith("@\u200beveryone @user how many were killed?")

    run(scenario())


def test_ask_answers_in_place_and_opens_a_thread_for_follow_ups(world: Path) -> None:
    async def scenario() -> None:
        async with session(world, answers=THREADS) as s:
            answer = await ask(s, KILLED, channel=MENTION)
            path = rf"/channels/{MENTION}/messages/\d+/threads"
            started = await s.fake.wait_for_call("POST", path)
            assert started.status == 201 and started.json["name"] == KILLED
            assert started.path.endswith(f"/messages/{answer.response['id']}/threads")
            thread = int(started.response["id"])
            await _wait_for_thread(s, thread)
            follow_up = await asked_there(s, thread, INJURED)
            assert TAKEN in text_of(follow_up)
            # In a commands channel no message is read: no thread that would go unanswered.
            await ask(s, STANDALONE, channel=COMMANDS)
            await nothing_sent(s.fake, len(s.fake.calls))
            assert len(thread_calls(s)) == 1

    run(scenario())


async def _wait_for_thread(s: Session, thread: int) -> None:
    for _ in range(100):
        if s.bot.get_channel(thread) is not None:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"the client never saw thread {thread}")
