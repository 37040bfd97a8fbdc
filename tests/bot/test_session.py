"""The session logic shared by the bot and the chat: memory of answers, suggestions, rebuilds."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from bot.config import load_config
from bot.library import open_library
from bot.session import Desk, RebuildRefused, RebuildRunning
from index.errors import UnknownPassageError

A, B = 11111111111111111, 22222222222222222  # two channels


def make_corpus(root: Path) -> Path:
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
        f"corpus: docs\nindex: idx.cbi\nretrieval: {{top_k: 2}}\n"
        f"discord:\n  channels: [{{id: {A}}}, {{id: {B}}}]\n",
        encoding="utf-8",
    )
    return config


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    config = load_config(make_corpus(tmp_path))
    return Desk(open_library(config, notice=lambda m: None))


def test_last_answer_is_per_user_and_channel(desk: Desk) -> None:
    first = desk.ask("when do apples ripen", channel=A, user=1)
    desk.ask("do pears bruise", channel=B, user=1)
    desk.ask("do pears bruise", channel=A, user=2)
    assert desk.source("1", channel=A, user=1).passage == first.answer.hits[0].passage
    assert desk.source("1", channel=B, user=1).passage.doc == "pears"
    assert desk.source("[1]", channel=A, user=2).passage.doc == "pears"
    with pytest.raises(UnknownPassageError, match="ask a question first"):
        desk.source("1", channel=B, user=2)
    with pytest.raises(UnknownPassageError, match="passages 1 to"):
        desk.source("9", channel=A, user=1)
    with pytest.raises(UnknownPassageError, match="not a passage id"):
        desk.source("/etc/passwd", channel=A, user=1)
    assert desk.source("pears#1", channel=A, user=3).passage.id == "pears#1"


def test_more_pages_through_the_passages(desk: Desk) -> None:
    posted = desk.ask("apples", channel=A, user=1)
    assert posted.answer.answered and posted.more and len(posted.answer.hits) == 2
    more = desk.more(posted.token, 2, user=5)
    assert more is not None and more.start == 3 and len(more.answer.hits) == 1
    assert not more.more  # the page was not full: nothing after it
    shown = {h.passage.id for h in posted.answer.hits}
    assert more.answer.hits[0].passage.id not in shown
    assert desk.source("3", channel=A, user=5).passage == more.answer.hits[0].passage
    assert desk.more(posted.token, 3, user=5).answer.hits == ()
    assert desk.more("0" * 12, 2, user=5) is None  # forgotten or never posted


def test_suggestions_offer_recent_passages_then_ids(desk: Desk) -> None:
    posted = desk.ask("when do apples ripen", channel=A, user=1)
    recent = desk.suggest("", channel=A, user=1)
    first = posted.answer.hits[0].passage
    assert recent[0] == (f"1 · Apples ¶{first.paragraph} — {posted.answer.hits[0].quote}", first.id)
    assert len(recent) == len(posted.answer.hits)
    assert all(len(label) <= 100 and len(value) <= 100 for label, value in recent)
    ids = [value for _, value in desk.suggest("pe", channel=A, user=9)]
    assert ids == ["pears#1"]
    assert [v for _, v in desk.suggest("apples#", channel=A, user=9)] == [
        "apples#1",
        "apples#2",
        "apples#3",
    ]
    assert desk.suggest("zzz", channel=A, user=9) == []


def test_rebuild_reports_added_removed_updated(tmp_path: Path, desk: Desk) -> None:
    docs = tmp_path / "docs"
    (docs / "plums.txt").write_text("Plums\n\nPlums are stone fruit.\n", encoding="utf-8")
    (docs / "pears.txt").unlink()
    (docs / "apples.txt").write_text("Apples\n\nApples are red or green.\n", encoding="utf-8")
    before = desk.library
    changes = desk.rebuild(notice=lambda m: None)
    assert (changes.added, changes.removed, changes.updated) == (
        ("plums.txt",),
        ("pears.txt",),
        ("apples.txt",),
    )
    assert changes.documents == 2 and desk.library is not before
    assert desk.ask("stone fruit", channel=A, user=1).answer.hits[0].passage.doc == "plums"
    again = desk.rebuild(notice=lambda m: None)
    assert not again.changed and again.documents == 2


def test_a_broken_config_keeps_the_running_library(tmp_path: Path, desk: Desk) -> None:
    before = desk.library
    (tmp_path / "citebot.yaml").write_text("retrieval: {k1: lots}\n", encoding="utf-8")
    with pytest.raises(RebuildRefused, match=r"retrieval\.k1"):
        desk.rebuild(notice=lambda m: None)
    assert desk.library is before
    assert desk.ask("apples", channel=A, user=1).answer.hits


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            lambda path: path.write_text("retrieval: {top_k: [\n"),
            r"citebot\.yaml, line 2: not valid",
        ),
        (lambda path: path.write_text("corpus: docs\ncolour: red\n"), r"line 2: colour: unknown"),
        (
            lambda path: path.write_text(
                f"corpus: docs\ndiscord:\n  channels: [{{id: {A}}}, {{id: {A}}}]\n"
            ),
            r"discord\.channels\.1\.id: channel \d+ is listed twice",
        ),
        (
            lambda path: path.write_text("corpus: elsewhere\n"),
            r"corpus: folder .*elsewhere does not",
        ),
        (lambda path: path.unlink(), r"citebot\.yaml: config file not found"),
        (lambda path: shutil.rmtree(path.parent / "docs"), r"corpus: folder .*docs does not exist"),
    ],
    ids=[
        "yaml syntax",
        "unknown key",
        "duplicate channel",
        "missing folder",
        "config deleted",
        "corpus deleted",
    ],
)
def test_a_rebuild_refused_names_the_file_and_key_and_keeps_serving(
    tmp_path: Path, desk: Desk, change, reason: str
) -> None:
    before = desk.library
    change(tmp_path / "citebot.yaml")
    with pytest.raises(RebuildRefused, match=reason):
        desk.rebuild(notice=lambda m: None)
    assert desk.library is before
    assert desk.ask("apples", channel=A, user=1).answer.hits


def test_a_second_rebuild_waits_for_none(desk: Desk) -> None:
    started, release = threading.Event(), threading.Event()

    def slow_reload():  # the first rebuild holds the lock while it "reads the config"
        started.set()
        release.wait(5)
        return desk.config

    worker = threading.Thread(target=desk.rebuild, kwargs={"notice": print, "reload": slow_reload})
    worker.start()
    started.wait(5)
    try:
        with pytest.raises(RebuildRunning):
            desk.rebuild(notice=print)
    finally:
        release.set()
        worker.join(10)


def test_restart_note_when_commands_change(tmp_path: Path, desk: Desk) -> None:
    path = tmp_path / "citebot.yaml"
    path.write_text(path.read_text() + "commands:\n  ask: {name: frage}\n", encoding="utf-8")
    changes = desk.rebuild(notice=lambda m: None)
    assert any("after a restart" in w for w in changes.warnings)
