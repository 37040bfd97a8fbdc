"""A question of any length is answered in bounded time: only its first QUESTION_MAX characters
are searched."""

from __future__ import annotations

import io
import json
import random
import string
import sys
from pathlib import Path

import pytest

from bot.cli import run
from index.search import QUESTION_MAX, bounded


def _words(n: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    return " ".join("".join(rng.choice(string.ascii_lowercase) for _ in range(7)) for _ in range(n))


def test_bounded_cuts_at_a_word_end() -> None:
    text = _words(2000)
    cut = bounded(text)
    assert len(cut) <= QUESTION_MAX and text.startswith(cut)
    assert text[len(cut)] == " "
    assert bounded("short question") == "short question"


def test_a_megabyte_of_distinct_words_on_stdin_gets_one_answer(
    config_file, monkeypatch: pytest.MonkeyPatch
) -> None:
    question = "Who is the prime minister of Armenia? " + _words(130_000)  # about 1 MB
    assert len(question) > 1_000_000
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(question.encode() + b"\n")))
    code = run(["ask", "--json", "-", "--config", str(config_file)], out, err)
    assert code == 0, err
    answer = json.loads(out.getvalue())
    assert len(answer["question"]) <= QUESTION_MAX
    assert answer["passages"]


def test_an_over_long_question_on_the_command_line_is_refused(config_file) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = run(["ask", _words(1000), "--config", str(config_file)], out, err)
    assert code == 2 and out.getvalue() == ""
    assert "at most 4,000" in err.getvalue()


def test_a_question_of_many_misspelled_words_is_corrected_in_bounded_work(
    config_file, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = Path(__file__).resolve().parents[2] / "corpus"
    words = sorted(
        {w for f in corpus.glob("*.txt") for w in f.read_text("utf-8").split() if w.isalpha()},
        key=lambda w: (-len(w), w),
    )[:40]
    misspelled = " ".join(w[0] + w[2:] for w in words)  # each loses its second letter

    def corrected() -> list[dict[str, str]]:
        out, err = io.StringIO(), io.StringIO()
        code = run(["ask", "--json", misspelled, "--config", str(config_file)], out, err)
        assert code == 0, err
        return json.loads(out.getvalue())["corrected"]

    assert len(corrected()) > 2
    monkeypatch.setattr("index.query.MAX_CORRECTED", 2)
    assert 1 <= len(corrected()) <= 2  # the bound is on words looked up
