"""Follow-up questions at the desk: the asker's last question, a reply, the time window."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_config
from bot.library import open_library
from bot.session import Desk

A, B = 11111111111111111, 22222222222222222  # two channels
ANN, BOB = 1, 2
FIRST = "When do apples ripen in the orchards?"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_config(root: Path, answers: str = "") -> Path:
    docs = root / "docs"
    docs.mkdir()
    (docs / "apples.txt").write_text(
        "Apples\n\nApples grow on trees in orchards and ripen in autumn, when days get shorter.\n\n"
        "Cider is pressed from apples after the harvest, in large wooden presses.\n\n"
        "Apple trees need pruning in winter so that the apples get enough light.\n",
        encoding="utf-8",
    )
    (docs / "pears.txt").write_text(
        "Pears\n\nPears ripen off the tree and bruise easily.\n", encoding="utf-8"
    )
    config = root / "citebot.yaml"
    config.write_text(
        f"corpus: docs\nindex: idx.cbi\nretrieval: {{top_k: 2}}\n{answers}"
        f"discord:\n  channels: [{{id: {A}}}, {{id: {B}}}]\n",
        encoding="utf-8",
    )
    return config


def make_desk(root: Path, answers: str = "") -> tuple[Desk, Clock]:
    clock = Clock()
    library = open_library(load_config(make_config(root, answers)), notice=lambda m: None)
    return Desk(library, clock=clock), clock


def test_a_follow_up_is_read_after_the_askers_last_question(tmp_path: Path) -> None:
    desk, _ = make_desk(tmp_path)
    desk.ask(FIRST, channel=A, user=ANN)
    posted = desk.ask("and what about the cider?", channel=A, user=ANN)
    assert posted.answer.context == FIRST
    assert "Cider" in posted.answer.hits[0].quote


def test_a_follow_up_of_a_follow_up_reads_after_the_chain(tmp_path: Path) -> None:
    desk, _ = make_desk(tmp_path)
    desk.ask(FIRST, channel=A, user=ANN)
    desk.ask("and what about the cider?", channel=A, user=ANN)
    posted = desk.ask("and the pruning?", channel=A, user=ANN)
    assert posted.answer.context == f"{FIRST} and what about the cider?"
    assert posted.answer.context_passage == "apples#2"  # the cider passage answered last


def test_other_users_and_channels_have_their_own_context(tmp_path: Path) -> None:
    desk, _ = make_desk(tmp_path)
    desk.ask(FIRST, channel=A, user=ANN)
    assert desk.ask("and the cider?", channel=A, user=BOB).answer.context is None
    assert desk.ask("and the cider?", channel=B, user=ANN).answer.context is None


def test_a_standalone_question_is_not_combined_and_becomes_the_context(tmp_path: Path) -> None:
    desk, _ = make_desk(tmp_path)
    desk.ask(FIRST, channel=A, user=ANN)
    second = "How is cider pressed from apples after the harvest?"
    assert desk.ask(second, channel=A, user=ANN).answer.context is None
    assert desk.ask("and when?", channel=A, user=ANN).answer.context == second


def test_the_window_expires(tmp_path: Path) -> None:
    desk, clock = make_desk(tmp_path, "answers: {followup_minutes: 2}\n")
    desk.ask(FIRST, channel=A, user=ANN)
    clock.now += 119
    assert desk.ask("and the cider?", channel=A, user=ANN).answer.context == FIRST
    clock.now += 121
    assert desk.ask("and the pruning?", channel=A, user=ANN).answer.context is None


def test_a_window_of_zero_turns_follow_ups_off(tmp_path: Path) -> None:
    desk, _ = make_desk(tmp_path, "answers: {followup_minutes: 0}\n")
    first = desk.ask(FIRST, channel=A, user=ANN)
    assert desk.ask("and the cider?", channel=A, user=ANN).answer.context is None
    reply = desk.ask("and the cider?", channel=A, user=BOB, reply_to=first.token)
    assert reply.answer.context is None


def test_a_reply_to_an_answer_takes_its_question_whoever_asks(tmp_path: Path) -> None:
    desk, _ = make_desk(tmp_path)
    first = desk.ask(FIRST, channel=A, user=ANN)
    desk.ask("Why do pears bruise easily off the tree?", channel=A, user=BOB)
    posted = desk.ask("and the cider?", channel=A, user=BOB, reply_to=first.token)
    assert posted.answer.context == FIRST


def test_a_reply_to_an_unknown_or_foreign_answer_falls_back(tmp_path: Path) -> None:
    desk, _ = make_desk(tmp_path)
    first = desk.ask(FIRST, channel=A, user=ANN)
    assert (
        desk.ask("and the cider?", channel=B, user=BOB, reply_to=first.token).answer.context is None
    )
    assert (
        desk.ask("and the cider?", channel=A, user=BOB, reply_to="feedc0ffee00").answer.context
        is None
    )


def test_more_and_closest_keep_the_context(tmp_path: Path) -> None:
    desk, _ = make_desk(tmp_path)
    desk.ask(FIRST, channel=A, user=ANN)
    posted = desk.ask("and what about the cider?", channel=A, user=ANN)
    context = desk.record(posted.token).context
    assert context is not None and context.text == FIRST and context.passage == "apples#1"
    if posted.more:
        page = desk.more(posted.token, len(posted.answer.hits), user=ANN)
        assert page is not None and page.answer.context == FIRST
        assert page.answer.context_passage == "apples#1"


@pytest.mark.parametrize("minutes", ["-1", "100000"])
def test_the_window_is_checked(tmp_path: Path, minutes: str) -> None:
    from bot.config import ConfigError

    with pytest.raises(ConfigError, match="followup_minutes"):
        load_config(make_config(tmp_path, f"answers: {{followup_minutes: {minutes}}}\n"))
