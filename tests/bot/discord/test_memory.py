"""Replies and threads keep their context across a restart of the bot (`memory.py`)."""

from __future__ import annotations

import asyncio
import json
import logging
import stat
from pathlib import Path

import pytest
from botworld import ALICE, AUTO, MOD, embed_of, make_fake, run, started
from fakediscord import capture_errors

from bot.config import load_config
from bot.discord.memory import KEEP_SECONDS, load, save
from bot.discord.services import Services
from bot.library import open_library
from bot.session import Desk

KILLED = "How many people were killed in the Azerbaijani attack?"
INJURED = "and how many were injured?"
TAKEN = f"Taking this as: {INJURED} (after: {KILLED})"


def text_of(payload: dict) -> str:
    embed = embed_of(payload)
    return " ".join(
        [embed.get("description", "")] + [f.get("value", "") for f in embed.get("fields", [])]
    )


def test_a_reply_and_a_thread_after_a_restart_keep_their_context(world: Path) -> None:
    async def scenario() -> None:
        with capture_errors("discord", "citebot") as errors:
            async with make_fake() as fake:
                async with started(world, fake):
                    mark = len(fake.calls)
                    await fake.dispatch_message(AUTO, KILLED, author=ALICE)
                    answer = await fake.wait_for_call(
                        "POST", rf"/channels/{AUTO}/messages", start=mark
                    )
                saved = world / "state" / "conversations.json"
                assert stat.S_IMODE(saved.stat().st_mode) == 0o600
                assert KILLED in saved.read_text(encoding="utf-8")
                async with started(world, fake, answers="  threads: true\n"):
                    # Someone else replies to the answer posted before the restart.
                    mark = len(fake.calls)
                    reply_id = int(answer.response["id"])
                    await fake.dispatch_message(
                        AUTO, INJURED, author=MOD, referenced_message=reply_id
                    )
                    thread = await fake.wait_for_call(
                        "POST", rf"/channels/{AUTO}/messages/\d+/threads", start=mark
                    )
                    inside = rf"/channels/{thread.response['id']}/messages"
                    first = await fake.wait_for_call("POST", inside, start=mark)
                    assert TAKEN in text_of(first.json).replace("\\", "")
                async with started(world, fake, answers="  threads: true\n"):
                    # The thread still reads follow-ups after its last one, as it was read.
                    mark = len(fake.calls)
                    thread_id = int(thread.response["id"])
                    await fake.dispatch_message(thread_id, "and when was that?", author=ALICE)
                    later = await fake.wait_for_call("POST", inside, start=mark)
                    after = f"(after: {KILLED} {INJURED})"
                    assert after in text_of(later.json).replace("\\", "")
                fake.assert_no_unknown_calls()
        errors.check()

    run(scenario())


@pytest.fixture
def desk(built: Path) -> Desk:
    return Desk(open_library(load_config(built / "citebot.yaml"), notice=lambda m: None))


def test_a_damaged_file_is_left_aside_with_a_warning(
    desk: Desk, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "conversations.json"
    for text in ("{not json", '{"version": 99}', "[1, 2]", "\udcff"):
        path.write_text(text, encoding="utf-8", errors="surrogateescape")
        with caplog.at_level(logging.WARNING, logger="citebot"):
            assert load(desk, path) == 0
    assert len(caplog.records) == 4
    assert all("not reading the saved conversations" in r.getMessage() for r in caplog.records)
    assert load(desk, tmp_path / "missing.json") == 0


def test_entries_not_as_written_are_left_out_one_by_one(desk: Desk, tmp_path: Path) -> None:
    path = tmp_path / "conversations.json"
    turn = [["first", "doc#1"], ["and then?", None]]
    answers = [
        [5, 7, "kept"],
        [4, 7, turn],
        [True, 7, "a bool"],
        [6, "7", "a text id"],
        [8, None, ""],
        [9],
        [12, 7, [["no passage id"]]],
        [13, 7, [["a number as the id", 3]]],
        [14, 7, [["q", None]] * 9],  # longer than a conversation's context
    ]
    threads = [[10, "kept too"], [-1, "negative"], [11, "x" * 5000], "junk", [15, []]]
    path.write_text(json.dumps({"version": 1, "answers": answers, "threads": threads}))
    assert load(desk, path) == 3
    # A question alone (as files before turns held) is kept as a turn of its own.
    assert desk.conversations() == {
        "answers": [[5, 7, [["kept", None]]], [4, 7, turn]],
        "threads": [[10, [["kept too", None]]]],
    }


def test_saving_replaces_the_file_whole_and_keeps_it_bounded(tmp_path: Path, built: Path) -> None:
    library = open_library(load_config(built / "citebot.yaml"), notice=lambda m: None)
    desk = Desk(library, memory=3)
    for n in range(1, 6):
        posted = desk.ask(f"How many people were killed, take {n}?", channel=AUTO, user=ALICE)
        desk.posted_as(n, posted.token)
    path = tmp_path / "state" / "conversations.json"
    assert save(desk, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert [entry[0] for entry in data["answers"]] == [3, 4, 5]  # the newest 3
    assert [p.name for p in path.parent.iterdir()] == ["conversations.json"]  # no temp left
    (tmp_path / "file").write_text("")
    assert not save(desk, tmp_path / "file" / "conversations.json")  # a path through a file


def test_a_running_bot_keeps_its_conversations_without_a_clean_stop(world: Path) -> None:
    async def scenario() -> None:
        async with make_fake() as fake, started(world, fake) as (bot, _):
            assert bot.keep_conversations.is_running()
            assert bot.keep_conversations.seconds == KEEP_SECONDS
            mark = len(fake.calls)
            await fake.dispatch_message(AUTO, KILLED, author=ALICE)
            await fake.wait_for_call("POST", rf"/channels/{AUTO}/messages", start=mark)
            saved = world / "state" / "conversations.json"
            assert not saved.exists()
            # Rounds of the loop, as it runs every minute; the answer is remembered as posted
            # once Discord's reply to the post has been read, just after the fake records it.
            for _ in range(100):
                await bot.keep_conversations()
                if saved.exists():
                    break
                await asyncio.sleep(0.02)
            assert KILLED in saved.read_text(encoding="utf-8")  # the bot is still running

    run(scenario())


def test_conversations_are_written_only_when_they_changed(tmp_path: Path, desk: Desk) -> None:
    path = tmp_path / "conversations.json"
    services = Services(desk, memory=path)
    try:
        assert not services.keep()  # nothing to keep yet: no file is made
        assert not path.exists()
        posted = desk.ask(KILLED, channel=AUTO, user=ALICE)
        desk.posted_as(7, posted.token)
        assert services.keep()
        written = path.read_text(encoding="utf-8")
        assert KILLED in written
        assert not services.keep()  # unchanged: not written again
    finally:
        services.close()
    again = Services(Desk(desk.library), memory=path)
    try:
        assert not again.keep()  # as read: not rewritten at start
        assert path.read_text(encoding="utf-8") == written
    finally:
        again.close()
