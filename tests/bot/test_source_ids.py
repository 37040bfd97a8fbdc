"""`/source` and `citebot source` with ids meant to escape: refused clearly, and no file outside
the corpus (nor any file named by the id) is ever opened.
"""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from botworld import ALICE, COMMANDS, EPHEMERAL, UNLISTED, embed_of, run, session

from bot.cli import run as cli

ESCAPES = [
    "../../etc/passwd",
    "/etc/passwd",
    "/etc/passwd#1",
    "citebot.yaml#1",
    "../citebot.yaml#1",
    "corpus/../../x#1",
    "004_00bdb56021c742e6.txt",
    "004_00bdb56021c742e6#1/../../../etc/passwd",
    "004_00bdb56021c742e6\x00#1",
    "99999999999999999999",
    "-1",
    "0",
    "004_00bdb56021c742e6#0",
    "004_00bdb56021c742e6#-3",
    "004_00bdb56021c742e6#99999999999999",
    "004_00bdb56021c742e6#1e3",
    "%2e%2e%2fetc%2fpasswd#1",
    "handbook#1",  # a document of another channel's corpus
]
HANDBOOK = UNLISTED  # in these tests, the channel that answers from its own corpus

opened: list[list[str]] = []  # while not empty, opened paths go to its last list


def _audit(event: str, args: tuple[object, ...]) -> None:
    if opened and event == "open" and isinstance(args[0], str | bytes | os.PathLike):
        opened[-1].append(os.path.abspath(os.fsdecode(args[0])))


sys.addaudithook(_audit)  # audit hooks stay for the process: this one only records when asked


@contextmanager
def recording_opens() -> Iterator[list[str]]:
    opened.append([])
    try:
        yield opened[-1]
    finally:
        opened.pop()


def outside(paths: list[str], *inside: Path) -> list[str]:
    """The paths not under one of the folders `inside` nor Python's own (imports)."""
    allowed = [str(p.resolve()) for p in inside] + [sys.prefix, sys.base_prefix]
    return [p for p in paths if not any(p.startswith(a) for a in allowed)]


def handbook(world: Path) -> str:
    folder = world / "handbook"
    folder.mkdir()
    (folder / "handbook.md").write_text(
        "---\ntitle: Staff handbook\n---\n\nHolidays are booked through the office two weeks "
        "ahead, and the office confirms them in writing.\n",
        encoding="utf-8",
    )
    return f"    - {{id: {HANDBOOK}, mode: commands, corpus: handbook}}\n"


def test_escaping_ids_are_refused_in_discord_and_nothing_outside_is_opened(world: Path) -> None:
    async def scenario() -> None:
        async with session(world, channels=handbook(world)) as s:

            async def source(passage: str, channel: int = COMMANDS) -> dict:
                ix = await s.fake.dispatch_interaction(
                    "quelle", {"passage": passage}, user=ALICE, channel_id=channel
                )
                call = await s.fake.wait_for_call("POST", re.escape(ix.callback_path))
                return call.json["data"]

            with recording_opens() as paths:
                for passage in ESCAPES:
                    data = await source(passage)
                    assert data["flags"] & EPHEMERAL and not data.get("embeds"), (passage, data)
                    assert data["content"], passage
                    assert "root:" not in data["content"]  # no line of /etc/passwd
                # An id of the default corpus means nothing in the handbook's channel.
                data = await source("004_00bdb56021c742e6#15", HANDBOOK)
                assert "no document" in data["content"]
                shown = embed_of(await source("handbook#1", HANDBOOK))
                assert shown["description"].startswith("Holidays are booked")
                ix = await s.fake.dispatch_autocomplete(
                    "quelle", {"passage": "004"}, "passage", user=ALICE, channel_id=HANDBOOK
                )
                await s.fake.wait_for_call("POST", re.escape(ix.callback_path))
                assert s.fake.interaction_choices(ix) == []
            assert outside(paths, world) == []

    run(scenario())


@pytest.mark.parametrize("passage_id", ESCAPES)
def test_escaping_ids_are_refused_by_the_command_line(world: Path, passage_id: str) -> None:
    config = world / "citebot.yaml"
    out, err = io.StringIO(), io.StringIO()
    with recording_opens() as paths:
        code = cli(["source", passage_id, "--config", str(config)], out, err)
    assert code == 1 and out.getvalue() == "", err.getvalue()
    message = err.getvalue()
    assert message.startswith("citebot: ") and message.count("\n") == 1
    assert "Traceback" not in message
    assert outside(paths, world, Path(os.environ["CITEBOT_CACHE"])) == []
