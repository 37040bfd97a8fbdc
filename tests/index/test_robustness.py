"""Anything a person can type gets an Answer, never an exception or a hang."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.api import open_index
from index.errors import UnknownPassageError
from index.model import Answer
from index.search import Searcher, bounded
from index.settings import Settings

CORPUS = Path(__file__).resolve().parents[2] / "corpus"

NASTY = [
    "",
    "   \t\n",
    "\x00",
    "Who\x00 is\x07 Klaar?",
    "\u202eWho is Toivo Klaar?\u202c",
    "Who\u200b is\u200b Klaar\u200b?",
    "👍🏽🇦🇿 Who is Klaar? 🔥",
    "```python\nprint('Klaar')\n```",
    "@everyone Who is Klaar?",
    "<@&123456789012345678> <@123> <#42> Who is Klaar?",
    "||spoiler|| **bold** __under__ ~~strike~~ > quote",
    "the of and a an to is",
    "?" * 500,
]


@pytest.fixture(scope="module")
def searcher() -> Searcher:
    return open_index(CORPUS, None, Settings())


def _valid(answer: Answer, question: str) -> None:
    data = answer.to_dict()
    json.dumps(data)  # always serialisable
    assert data["question"] == bounded(question.strip())  # what was searched
    if not question.strip():
        assert answer.answered is False and answer.reason == "empty"
    for hit in answer.hits:
        assert hit.quote and hit.quote in hit.passage.text


@pytest.mark.parametrize("question", NASTY)
def test_named_nasty_questions(searcher: Searcher, question: str) -> None:
    answer = searcher.search(question, 3)
    _valid(answer, question)


def test_stopwords_only_asks_for_something_more_specific(searcher: Searcher) -> None:
    answer = searcher.search("What is it that they are?", 3)
    assert answer.answered is False and answer.reason == "no_terms"


def test_very_long_question_is_answered_quickly(searcher: Searcher) -> None:
    question = ("Who urged Aliyev to cease hostilities and what did the Kremlin say? " * 150)[
        :10_000
    ]
    started = time.monotonic()
    answer = searcher.search(question, 3)
    assert time.monotonic() - started < 5  # a guard against hangs, not a speed goal
    _valid(answer, question)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=300))
def test_any_text_gets_an_answer(searcher: Searcher, question: str) -> None:
    _valid(searcher.search(question, 3), question)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=120))
def test_any_passage_id_is_found_or_refused_cleanly(searcher: Searcher, passage_id: str) -> None:
    try:
        view = searcher.source(passage_id)
    except UnknownPassageError as exc:
        assert str(exc)
    else:
        assert view.passage.id == passage_id.strip()


@pytest.mark.parametrize(
    "passage_id",
    ["../../etc/passwd", "/etc/passwd#1", "corpus/../../x#1", "a#1#2", "#1", "x#", "x#1e3"],
)
def test_path_like_ids_are_refused(searcher: Searcher, passage_id: str) -> None:
    with pytest.raises(UnknownPassageError):
        searcher.source(passage_id)
