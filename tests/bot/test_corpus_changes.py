"""Sources edited or deleted while the bot runs: answers say when a quoted file changed since the
index was built, and `/reindex` picks the change up.
"""

from __future__ import annotations

import re
from pathlib import Path

from botworld import (
    ADMIN,
    ALICE,
    COMMANDS,
    EPHEMERAL,
    LANDMINES,
    ask,
    embed_of,
    run,
    session,
)

from bot.chat import Chat
from bot.config import load_config
from bot.library import open_library
from bot.session import Desk

STALE_NOTE = "Some of these files changed since the index was built"
REPORT = "004_00bdb56021c742e6.txt"  # the file that answers LANDMINES


def edit(world: Path) -> None:
    path = world / "corpus" / REPORT
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("killed six people", "killed nine people"), encoding="utf-8")


def test_an_edited_source_is_flagged_until_reindex(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            before = embed_of((await ask(s, LANDMINES)).json)["description"]
            assert STALE_NOTE not in before
            edit(world)
            after = embed_of((await ask(s, LANDMINES)).json)["description"]
            assert "six people" in after.replace("**", "")  # still the indexed text ...
            assert STALE_NOTE in after  # ... said to be out of date

            ix = await s.fake.dispatch_interaction(
                "quelle", {"passage": "1"}, user=ALICE, channel_id=COMMANDS
            )
            shown = await s.fake.wait_for_call("POST", re.escape(ix.callback_path))
            assert shown.json["data"]["flags"] & EPHEMERAL
            footer = embed_of(shown.json["data"])["footer"]["text"]
            assert "This file changed since the index was built" in footer

            ix = await s.fake.dispatch_interaction("reindex", user=ADMIN, channel_id=COMMANDS)
            report = await s.fake.wait_for_call("POST", re.escape(ix.webhook_path), timeout=30)
            fields = {f["name"]: f["value"] for f in embed_of(report.json)["fields"]}
            assert fields["Updated (1)"] == REPORT.replace("_", "\\_")
            fresh = embed_of((await ask(s, LANDMINES)).json)["description"]
            assert "nine people" in fresh.replace("**", "") and STALE_NOTE not in fresh

    run(scenario())


def test_a_deleted_source_is_flagged_until_reindex(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            (world / "corpus" / REPORT).unlink()
            gone = embed_of((await ask(s, LANDMINES)).json)["description"]
            assert STALE_NOTE in gone
            ix = await s.fake.dispatch_interaction("reindex", user=ADMIN, channel_id=COMMANDS)
            report = await s.fake.wait_for_call("POST", re.escape(ix.webhook_path), timeout=30)
            fields = {f["name"]: f["value"] for f in embed_of(report.json)["fields"]}
            assert fields["Removed (1)"] == REPORT.replace("_", "\\_")
            after = embed_of((await ask(s, LANDMINES)).json)["description"]
            assert STALE_NOTE not in after and "Continuation of Military Operations" not in after

    run(scenario())


def test_the_terminal_chat_says_so_too(world: Path) -> None:
    desk = Desk(open_library(load_config(world / "citebot.yaml"), notice=lambda m: None))
    chat = Chat(desk)
    assert STALE_NOTE not in (chat.handle(LANDMINES) or "")
    edit(world)
    assert STALE_NOTE in (chat.handle(LANDMINES) or "")
    assert "This file changed since the index was built" in (chat.handle("/source 1") or "")
