"""One vote per user per answer, and a feedback log whose size is bounded.

Clicking 👍 a thousand times writes one line; changing to 👎 writes one line that says what it
replaces, so a reader keeps the last line per (user, answer). Past `answers.feedback_max_mb` the
log is rotated, also when several processes write it.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path

from botworld import ALICE, LANDMINES, MOD, ROOT, Session, ask, buttons, run, session

from bot.config import load_config
from bot.feedback import FeedbackLog, feedback_log
from bot.library import open_library
from bot.session import Desk


def votes(log: Path) -> list[dict]:
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    return [r for r in records if r["kind"] == "vote"]


async def click_all(s: Session, custom_id: str, message_id: int, user: int, n: int) -> None:
    """Click a button `n` times at once; one click is thanked, the others told it counted."""
    clicks = [await s.fake.dispatch_component(custom_id, message_id, user=user) for _ in range(n)]
    replies = []
    for ix in clicks:
        reply = await s.fake.wait_for_call("POST", re.escape(ix.callback_path), timeout=20)
        replies.append(reply.json["data"]["content"])
    thanked = [r for r in replies if r.startswith("Thanks, noted")]
    assert len(thanked) == 1, replies[:3]
    assert all(r == "You already voted on this answer." for r in replies if r not in thanked)


def test_a_thousand_clicks_are_one_vote_and_a_change_of_mind_replaces_it(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            followup = await ask(s, LANDMINES)
            message_id, ids = int(followup.response["id"]), buttons(followup.json)
            log = s.world / "state" / "feedback.jsonl"
            await click_all(s, ids["👍"], message_id, ALICE, 1000)
            [up] = votes(log)
            assert up["vote"] == "up" and "replaces" not in up
            await click_all(s, ids["👎"], message_id, ALICE, 20)
            await click_all(s, ids["👍"], message_id, MOD, 5)
            first, changed, other = votes(log)
            assert first == up
            assert changed["vote"] == "down" and changed["replaces"] == "up"
            assert changed["answer"] == up["answer"] == ids["👍"].split(":")[2]
            assert changed["user"] == up["user"] != other["user"]
            assert other["vote"] == "up" and "replaces" not in other
            # Another answer is another vote.
            second = await ask(s, LANDMINES)
            await click_all(s, buttons(second.json)["👍"], int(second.response["id"]), ALICE, 3)
            assert len(votes(log)) == 4

    run(scenario())


def test_the_configured_cap_rotates_the_log_the_bot_writes(world: Path) -> None:
    async def scenario() -> None:
        async with session(world, answers="  feedback_max_mb: 0.001\n") as s:
            log = s.world / "state" / "feedback.jsonl"
            assert s.bot.services.desk.feedback.max_bytes == 1048
            for _ in range(8):
                followup = await ask(s, LANDMINES)
                await click_all(
                    s, buttons(followup.json)["👍"], int(followup.response["id"]), ALICE, 1
                )
            rotated = log.with_name("feedback.jsonl.1")
            assert rotated.exists() and rotated.stat().st_size <= 1048
            assert log.stat().st_size <= 1048

    run(scenario())


def test_the_desk_writes_a_vote_only_when_it_changes(tmp_path: Path) -> None:
    """The general case, without Discord: per user and answer, whatever the order."""
    config = load_config(ROOT / "citebot.yaml")
    desk = Desk(open_library(config, notice=lambda m: None), feedback=FeedbackLog(tmp_path / "f"))
    a = desk.ask(LANDMINES, channel=None, user=1).token
    b = desk.ask(LANDMINES, channel=None, user=1).token
    for token, user, vote in [
        (a, 1, "up"),
        (a, 1, "up"),
        (a, 2, "up"),
        (b, 1, "up"),
        (a, 1, "down"),
        (a, 1, "down"),
        (a, 1, "up"),
        (b, 1, "up"),
    ]:
        assert desk.vote(token, vote, user=user)
    written = [(v["answer"], v["vote"], v.get("replaces")) for v in votes(tmp_path / "f")]
    assert written == [
        (a, "up", None),  # user 1
        (a, "up", None),  # user 2
        (b, "up", None),
        (a, "down", "up"),
        (a, "up", "down"),
    ]
    assert not desk.vote("0" * 12, "up", user=1)  # a forgotten answer


def test_the_log_is_rotated_past_its_cap_keeping_three_older_files(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    log = FeedbackLog(path, max_bytes=2000)
    for n in range(200):
        log.unanswered(question=f"q{n}", reason="no_match", passages=[], user_id=n, channel=1)
    files = [path, *(path.with_name(f"feedback.jsonl.{i}") for i in (1, 2, 3))]
    assert all(f.exists() and f.stat().st_size <= 2000 for f in files)
    assert not path.with_name("feedback.jsonl.4").exists()
    kept = [
        json.loads(line)["question"] for f in reversed(files) for line in f.read_text().splitlines()
    ]
    assert kept == [f"q{n}" for n in range(200 - len(kept), 200)]  # the newest, in order


def test_writers_in_several_processes_lose_no_line_when_the_log_rotates(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    script = (
        "import sys; from pathlib import Path; from bot.feedback import FeedbackLog\n"
        "log = FeedbackLog(Path(sys.argv[1]), max_bytes=4000, keep=1000)\n"
        "for n in range(300):\n"
        "    log.unanswered(question=sys.argv[2] + str(n), reason=None, passages=[],\n"
        "                   user_id=n, channel=None)\n"
    )
    FeedbackLog(path).user_hash(1)  # the key exists before the writers start

    async def writers() -> None:
        processes = [
            await asyncio.create_subprocess_exec(sys.executable, "-c", script, str(path), name)
            for name in ("a", "b", "c")
        ]
        assert [await p.wait() for p in processes] == [0, 0, 0]

    asyncio.run(writers())
    lines = [
        line
        for f in tmp_path.iterdir()
        if f.name.startswith("feedback.jsonl") and not f.name.endswith(".key")
        for line in f.read_text().splitlines()
    ]
    questions = sorted(json.loads(line)["question"] for line in lines)
    assert questions == sorted(f"{name}{n}" for name in "abc" for n in range(300))


def test_no_path_keeps_no_log_and_the_cap_has_a_default() -> None:
    assert feedback_log(None, max_mb=1) is None
    assert feedback_log(Path("f.jsonl")).max_bytes == 10 * 1024 * 1024
    assert load_config(ROOT / "citebot.yaml").answers.feedback_max_mb == 10
