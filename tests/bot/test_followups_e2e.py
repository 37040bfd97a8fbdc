"""Follow-up questions end to end: the real client against the fake Discord server."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from botworld import ALICE, AUTO, MOD, Session, embed_of, run, session
from fakediscord import Call

KILLED = "How many people were killed in the Azerbaijani attack?"
INJURED = "and how many were injured?"
TAKEN = f"Taking this as: {INJURED} (after: {KILLED})"


async def asked(s: Session, question: str, *, author: int, **kwargs: Any) -> Call:
    mark = len(s.fake.calls)
    sent = await s.fake.dispatch_message(AUTO, question, author=author, **kwargs)
    reply = await s.fake.wait_for_call("POST", rf"/channels/{AUTO}/messages", start=mark)
    assert int(reply.json["message_reference"]["message_id"]) == int(sent["id"])
    return reply


def text_of(reply: Call) -> str:
    embed = embed_of(reply.json)
    return " ".join(
        [embed.get("description", "")] + [f.get("value", "") for f in embed.get("fields", [])]
    ).replace("\\", "")


def test_a_follow_up_in_an_auto_channel_gets_the_contextual_answer(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            first = await asked(s, KILLED, author=ALICE)
            assert "Taking this as" not in text_of(first)
            follow_up = await asked(s, INJURED, author=ALICE)
            text = text_of(follow_up)
            assert TAKEN in text
            assert "injured" in text.replace("**", "")
            # Another user's follow-up has no context of Alice's.
            other = await asked(s, INJURED, author=MOD)
            assert "Taking this as" not in text_of(other)

    run(scenario())


def test_a_reply_to_the_bots_answer_by_another_user_takes_its_question(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            first = await asked(s, KILLED, author=ALICE)
            reply = await asked(
                s, INJURED, author=MOD, referenced_message=int(first.response["id"])
            )
            assert TAKEN in text_of(reply)

    run(scenario())


def test_a_standalone_second_question_is_not_combined(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            await asked(s, KILLED, author=ALICE)
            second = await asked(s, "Who is the prime minister of Armenia?", author=ALICE)
            assert "Taking this as" not in text_of(second)
            assert "Pashinyan" in text_of(second)

    run(scenario())


def test_the_window_expires(world: Path) -> None:
    async def scenario() -> None:
        async with session(world, answers="  followup_minutes: 0.01\n") as s:
            await asked(s, KILLED, author=ALICE)
            await asyncio.sleep(0.8)
            late = await asked(s, INJURED, author=ALICE)
            assert "Taking this as" not in text_of(late)

    run(scenario())


PM = "Who is the prime minister of Armenia?"
CALLED = "what did he call after the attack?"


def test_a_pronoun_reads_after_the_person_the_last_answer_named(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            first = await asked(s, PM, author=ALICE)
            assert "Pashinyan" in text_of(first)
            follow_up = text_of(await asked(s, CALLED, author=ALICE))
            assert f"Taking this as: {CALLED} (after: {PM})" in follow_up
            assert "emergency meeting" in follow_up.replace("**", "")
            wife = text_of(await asked(s, "and his wife?", author=ALICE))
            assert "Anna Hakobyan" in wife.replace("**", "")
            went = text_of(await asked(s, "where did she go?", author=ALICE))
            after = f"{PM} {CALLED} and his wife?"
            assert f"Taking this as: where did she go? (after: {after})" in went
            assert "visited Kyiv" in went.replace("**", "")

    run(scenario())


def test_a_reply_reads_after_the_answer_replied_to_and_its_passage(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            first = await asked(s, PM, author=ALICE)
            await asked(s, "How many people did the Russian peacekeepers evacuate?", author=ALICE)
            # Replying to the first answer: its question and what it answered with, not the
            # user's last question.
            reply = text_of(
                await asked(s, CALLED, author=MOD, referenced_message=int(first.response["id"]))
            )
            assert f"Taking this as: {CALLED} (after: {PM})" in reply
            assert "emergency meeting" in reply.replace("**", "")

    run(scenario())
