"""`citebot chat`: the bot's conversation in a terminal, driven line by line and through the CLI."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from bot.chat import Chat, run_chat
from bot.cli import run
from bot.config import load_config
from bot.library import Library, open_library
from bot.session import Desk
from index.followup import following

LANDMINES = "How many people were killed by the landmine explosions?"


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    root = tmp_path_factory.mktemp("chat")
    corpus = Path(__file__).resolve().parents[2] / "corpus"
    path = root / "citebot.yaml"
    path.write_text(
        f"corpus: {corpus}\nindex: index.cbi\ncommands:\n  source: {{name: quelle}}\n",
        encoding="utf-8",
    )
    return open_library(load_config(path), notice=lambda m: None)


@pytest.fixture
def desk(library: Library) -> Desk:
    return Desk(library)  # a fresh memory of answers for every test


def test_a_plain_line_is_a_question(desk: Desk) -> None:
    reply = Chat(desk).handle(LANDMINES)
    assert reply is not None and reply.startswith(f"Q: {LANDMINES}")
    assert "[1] “" in reply and "[3] “" in reply and "landmine" in reply
    assert reply.rstrip().endswith("Full passage: /quelle N")


def test_source_n_is_a_passage_of_the_last_answer(desk: Desk) -> None:
    chat = Chat(desk)
    answer = chat.handle(f"/ask {LANDMINES}")
    assert answer is not None
    second_id = answer.split("[2]")[1].split("\n\n")[0].split()[-4]  # "… <id> · lines N"
    reply = chat.handle("/quelle 2")
    assert reply is not None and reply.startswith(second_id + "\n")
    assert "Title:" in reply and "Paragraph:" in reply
    assert chat.handle("/source 2") == reply  # the usual name works too
    assert chat.handle(f"/source {second_id}") == reply


def test_more_continues_the_numbering(desk: Desk) -> None:
    chat = Chat(desk)
    chat.handle(LANDMINES)
    more = chat.handle("/more")
    assert more is not None and "[4] “" in more and "[6] “" in more and "[1] “" not in more
    assert "002_95f8cc32a9bf2268#6" in (chat.handle("/source 4") or "")
    assert "there is no 7" in (chat.handle("/source 7") or "")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/ask", "Ask me something"),
        ("/source", "Which passage? /quelle 2"),
        ("/source 1", "ask a question first"),
        ("/source ../../etc/passwd", "is not a passage id"),
        ("/more", "Ask a question first"),
        ("/frobnicate", "Unknown command /frobnicate"),
        ("/help", "/quelle N"),
        ("/sources", "5 documents"),
        ("What is the population of Tokyo?", "Not found in the sources"),
        ("the of and", "Ask something more specific"),
    ],
)
def test_every_input_gets_a_reply(desk: Desk, line: str, expected: str) -> None:
    reply = Chat(desk).handle(line)
    assert reply is not None and expected in reply


def test_quit_and_blank_lines(desk: Desk) -> None:
    chat = Chat(desk)
    assert chat.handle("   ") == ""
    assert chat.handle("/quit") is None and chat.handle("/exit") is None


def test_session_reads_until_quit(desk: Desk) -> None:
    out = io.StringIO()
    run_chat(Chat(desk), [LANDMINES, "/source 1", "/quit", "never asked"], out)
    text = out.getvalue()
    assert text.count("Q: ") == 1 and "never asked" not in text
    assert "Title:" in text


def test_cli_chat_reads_stdin(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{LANDMINES}\n/source 1\n"))
    out, err = io.StringIO(), io.StringIO()
    code = run(["chat", "--config", str(config_file)], out, err)
    assert code == 0
    assert "Q: How many people" in out.getvalue() and "Paragraph:" in out.getvalue()
    assert "Traceback" not in err.getvalue()


def test_cli_chat_refuses_an_unknown_channel(config_file: Path) -> None:
    err = io.StringIO()
    code = run(["chat", "--channel", "42", "--config", str(config_file)], io.StringIO(), err)
    assert code == 2 and "channel 42 is not in the config" in err.getvalue()


def test_cli_chat_answers_from_a_channel_corpus(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "handbook").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("Main\n\nThe main corpus talks about apples.\n")
    (tmp_path / "handbook" / "b.txt").write_text("Book\n\nThe handbook talks about pears.\n")
    config = tmp_path / "citebot.yaml"
    config.write_text(
        "corpus: docs\ndiscord:\n  channels:\n    - {id: 77777777777777777, corpus: handbook}\n"
    )
    monkeypatch.setattr(sys, "stdin", io.StringIO("what about pears?\n/sources\n"))
    out = io.StringIO()
    code = run(
        ["chat", "--channel", "77777777777777777", "--config", str(config)], out, io.StringIO()
    )
    assert code == 0
    assert "The handbook talks about pears." in out.getvalue()
    assert "1 document" in out.getvalue() and "b  (" in out.getvalue()


@pytest.mark.parametrize("word", ["quit", "exit", "QUIT", " exit "])
def test_a_bare_quit_or_exit_ends_the_session(desk: Desk, word: str) -> None:
    assert Chat(desk).handle(word) is None


def test_a_bare_help_shows_the_commands_in_aligned_columns(desk: Desk) -> None:
    reply = Chat(desk).handle("help") or ""
    assert reply == Chat(desk).handle("/help")
    rows = [line for line in reply.splitlines() if line.startswith("  /")]
    assert [row.split()[0] for row in rows] == [
        "/ask",
        "/quelle",
        "/sources",
        "/more",
        "/help",
        "/quit",
    ]
    columns = {len(row) - len(row[2:].split("  ", 1)[1].lstrip()) for row in rows}
    assert len(columns) == 1, reply


def test_chat_keeps_the_context_between_lines(desk: Desk) -> None:
    chat = Chat(desk)
    first = "How many people were killed in the Azerbaijani attack?"
    chat.handle(first)
    reply = chat.handle("and how many were injured?")
    assert reply is not None
    assert f"Taking this as: and how many were injured? (after: {first})" in " ".join(reply.split())
    alone = chat.handle("Who is the prime minister of Armenia?")
    assert alone is not None and "Taking this as" not in alone


def test_chat_reads_a_follow_up_after_the_last_answer_as_ask_conversation_does(
    desk: Desk,
) -> None:
    chat = Chat(desk)
    questions = [
        "Who is the prime minister of Armenia?",
        "what did he call after the attack?",
        "and his wife?",
        "where did she go?",
    ]
    replies = [" ".join((chat.handle(q) or "").split()) for q in questions]
    assert "Nikol Pashinyan called an emergency meeting" in replies[1]
    after = " ".join(questions[:3])
    assert f"Taking this as: where did she go? (after: {after})" in replies[3]
    assert "visited Kyiv" in replies[3]
    # The same conversation on the command line gives the same passages.
    searcher = desk.library.searcher(None)
    context = None
    for question, reply in zip(questions, replies, strict=True):
        answer = searcher.search(question, desk.top_k, context=context)
        context = following(context, answer)
        assert " ".join(answer.hits[0].quote.split()) in reply
