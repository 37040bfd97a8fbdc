"""The terminal renderer: text from sources never reaches the terminal as escape sequences."""

from __future__ import annotations

import io
from pathlib import Path

from bot.chat import Chat, run_chat
from bot.cli import run
from bot.config import load_config
from bot.library import open_library
from bot.render import terminal
from bot.session import Desk
from index.model import Answer, DocumentInfo, Hit, Passage

# Clear the screen, retitle the window, an OSC 8 hyperlink, a C1 CSI, a carriage return.
HOSTILE = (
    "Harbour \x1b]0;pwned\x07 rules\n\n"
    "The harbour \x1b[2J\x1b[Hfee was raised to 40 crowns by the "
    "\x1b]8;;https://evil.example/\x1b\\council\x1b]8;;\x1b\\ in spring, "
    "\u009b31m said the \rharbour master.\n"
)


def _no_escapes(text: str) -> None:
    assert "\x1b" not in text
    assert "\u009b" not in text
    assert "\r" not in text
    assert "evil.example" not in text


def _corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "harbour.txt").write_text(HOSTILE, encoding="utf-8")
    config = tmp_path / "citebot.yaml"
    config.write_text("corpus: corpus\nindex: state/index.cbi\n", encoding="utf-8")
    return config


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_ask_and_source_print_no_escape_sequence_from_a_source(tmp_path: Path) -> None:
    config = _corpus(tmp_path)
    code, out, _ = _cli("ask", "--config", str(config), "What is the harbour fee?")
    assert code == 0
    assert "40 crowns" in out and "council" in out
    _no_escapes(out)
    code, out, _ = _cli("source", "--config", str(config), "harbour#1")
    assert code == 0
    assert "40 crowns" in out
    _no_escapes(out)
    code, out, _ = _cli("sources", "--config", str(config))
    _no_escapes(out)


def test_chat_prints_no_escape_sequence_from_a_source(tmp_path: Path) -> None:
    config = _corpus(tmp_path)
    chat = Chat(Desk(open_library(load_config(config), notice=lambda m: None)), color=True)
    out = io.StringIO()
    run_chat(chat, ["What is the harbour fee?", "/source 1", "/x\x1b[2Jy"], out)
    text = out.getvalue()
    assert "40 crowns" in text
    # Only citebot's own bold remains.
    _no_escapes(text.replace("\x1b[1m", "").replace("\x1b[0m", ""))


def test_plain_keeps_text_line_feeds_and_tabs() -> None:
    assert terminal.plain("a\tb\nc") == "a\tb\nc"
    assert terminal.plain("x\x1b[31;1my\x1b[0m") == "xy"
    assert terminal.plain("x\x1b]0;title\x07y\x1b]8;;u\x1b\\z") == "xyz"
    assert terminal.plain("\x00\x07\x7f\u0085ok") == "ok"


def test_error_messages_carry_no_escape_sequence(tmp_path: Path) -> None:
    config = _corpus(tmp_path)
    code, out, err = _cli("source", "--config", str(config), "\x1b]0;x\x07harbour#99")
    assert code == 1
    assert "harbour" in err
    _no_escapes(out + err)
    (tmp_path / "corpus" / "bad\x1b[2J.txt").write_bytes(b"\xff\xfe\x00\xd8 broken")
    code, out, err = _cli("index", "build", "--config", str(config))
    assert "bad" in err
    _no_escapes(err)


# -- Layout ---------------------------------------------------------------------------------------

LONG = (
    "“Armenia is ready,” the minister said, adding that the negotiations on the border "
    "would continue next week in Brussels with the mediators of both sides present."
)


def _hit(n: int, quote: str = LONG, lines: tuple[int, int] = (18, 18)) -> Hit:
    source = DocumentInfo("report", "report.txt", "Talks", "Example Press", None, None, 20)
    passage = Passage(f"report#{n}", "report", "Talks", None, n, lines, quote)
    return Hit(passage, 1.0, quote, ("Armenia", "border"), source)


def _answer(*hits: Hit) -> Answer:
    return Answer("Is Armenia ready?", True, hits)


def test_lines_wrap_to_the_terminal_width_at_whole_words() -> None:
    for columns in (40, 60, 120):
        text = terminal.render_answer(_answer(_hit(1)), columns=columns)
        assert max(len(line) for line in text.splitlines()) <= columns
        words = " ".join(text.split())
        assert "negotiations" in words and "Brussels" in words  # no word broken in two


def test_colour_codes_do_not_count_as_width() -> None:
    coloured = terminal.render_answer(_answer(_hit(1)), color=True, columns=60)
    bare = terminal.render_answer(_answer(_hit(1)), columns=60)
    assert "\x1b[1mArmenia\x1b[0m" in coloured
    assert coloured.replace("\x1b[1m", "").replace("\x1b[0m", "") == bare


def test_a_quote_that_opens_with_a_quotation_mark_is_not_doubled() -> None:
    text = terminal.render_answer(_answer(_hit(1)), columns=200)
    assert "[1] “Armenia is ready,”" in text
    assert "““" not in text


def test_continuation_lines_align_under_a_two_digit_number() -> None:
    text = terminal.render_answer(_answer(_hit(10)), start=10, columns=50)
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("[10] "))
    assert lines[first + 1].startswith(" " * 5) and not lines[first + 1].startswith(" " * 6)


def test_one_line_is_named_in_the_singular_and_the_hint_names_the_passage() -> None:
    text = terminal.render_answer(_answer(_hit(3), _hit(4, lines=(7, 9))), columns=100)
    assert "report#3 · line 18" in text
    assert "report#4 · lines 7–9" in text
    assert text.rstrip().endswith("Full passage: citebot source report#3")


def test_line_breaks_of_the_file_do_not_break_a_quote() -> None:
    text = terminal.render_answer(_answer(_hit(1, "First part\nof a sentence.")), columns=100)
    assert "“First part of a sentence.”" in text
