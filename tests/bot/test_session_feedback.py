"""The session logs unanswered questions and votes, for Discord and `citebot chat` alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.chat import Chat
from bot.config import load_config
from bot.feedback import FeedbackLog, feedback_log
from bot.library import Library, open_library
from bot.session import Desk

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
LANDMINES = "How many people were killed by the landmine explosions?"
TOKYO = "What is the population of Tokyo?"


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    path = tmp_path_factory.mktemp("feedback") / "citebot.yaml"
    path.write_text(f"corpus: {CORPUS}\nindex: index.cbi\n", encoding="utf-8")
    return open_library(load_config(path), notice=lambda m: None)


def records(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_an_unanswered_question_is_logged_with_its_closest_passages(
    library: Library, tmp_path: Path
) -> None:
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    desk = Desk(library, feedback=log)
    posted = desk.ask(TOKYO, channel=7, user=1)
    [record] = records(log.path)
    assert record["kind"] == "unanswered" and record["question"] == TOKYO
    assert record["reason"] == "weak_match" and record["channel"] == 7
    assert record["passages"] == [hit.passage.id for hit in posted.answer.hits]
    assert record["user"] == log.user_hash(1) and record["user"] != "1"


def test_answers_and_empty_questions_are_not_logged(library: Library, tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    desk = Desk(library, feedback=log)
    desk.ask(LANDMINES, channel=None, user=1)
    desk.ask("", channel=None, user=1)
    assert records(log.path) == []


def test_chat_logs_what_discord_logs(library: Library, tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    Chat(Desk(library, feedback=log)).handle(TOKYO)
    assert [(r["kind"], r["question"]) for r in records(log.path)] == [("unanswered", TOKYO)]


def test_a_log_that_cannot_be_written_costs_the_answer_nothing(
    library: Library, tmp_path: Path
) -> None:
    (tmp_path / "feedback.jsonl").mkdir()  # a folder where the file should be
    desk = Desk(library, feedback=FeedbackLog(tmp_path / "feedback.jsonl"))
    assert desk.ask(TOKYO, channel=None, user=1).answer.hits


def test_a_vote_is_logged_only_for_a_remembered_answer(library: Library, tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    desk = Desk(library, feedback=log)
    posted = desk.ask(LANDMINES, channel=3, user=1)
    assert desk.vote(posted.token, "up", user=2)
    assert not desk.vote("000000000000", "up", user=2)
    assert not Desk(library).vote(posted.token, "up", user=2)  # no log kept
    [record] = records(log.path)
    assert (record["kind"], record["vote"], record["channel"]) == ("vote", "up", 3)
    assert record["passages"] == [hit.passage.id for hit in posted.answer.hits]


def test_no_path_keeps_no_log(tmp_path: Path) -> None:
    assert feedback_log(None) is None
    assert feedback_log(tmp_path / "f.jsonl") is not None
