"""The feedback log: JSON Lines, hashed user ids, whole lines even after a torn write."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from bot.feedback import FeedbackLog


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_votes_and_unanswered_questions_are_appended(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "state" / "feedback.jsonl")
    log.vote(
        question="Who?", passages=["a#1", "b#2"], user_id=123456789012345678, vote="up", channel=5
    )
    log.unanswered(
        question="Tokyo?", reason="weak_match", passages=["c#3"], user_id=1, channel=None
    )
    first, second = read(log.path)
    assert first["kind"] == "vote" and first["vote"] == "up" and first["question"] == "Who?"
    assert first["passages"] == ["a#1", "b#2"] and first["channel"] == 5
    assert first["time"].endswith("Z")
    assert second["kind"] == "unanswered" and second["reason"] == "weak_match"
    text = log.path.read_text()
    assert "123456789012345678" not in text  # only the keyed hash
    assert first["user"] == log.user_hash(123456789012345678) != second["user"]
    assert len(first["user"]) == 16


def test_the_hash_key_is_private_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    h = FeedbackLog(path).user_hash(42)
    key = path.with_name("feedback.jsonl.key")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert FeedbackLog(path).user_hash(42) == h  # same person, same hash across restarts
    other = tmp_path / "elsewhere" / "feedback.jsonl"
    assert FeedbackLog(other).user_hash(42) != h  # not a plain hash of the id


def test_a_torn_last_line_does_not_swallow_the_next_record(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    path.write_text('{"kind": "vote", "que', encoding="utf-8")
    FeedbackLog(path).vote(question="q", passages=[], user_id=1, vote="down", channel=None)
    lines = path.read_text().splitlines()
    assert lines[0] == '{"kind": "vote", "que'
    assert json.loads(lines[1])["vote"] == "down"
