"""When citebot abstains: chat-style questions the sources answer, questions they do not."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from index import abstain
from index import evaluate as ev
from index.api import open_index
from index.search import Searcher
from index.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
EXAMPLES = ROOT / "bench" / "questions.yaml"


@pytest.fixture(scope="module")
def searcher() -> Searcher:
    return open_index(CORPUS, None, Settings())


@pytest.mark.parametrize(
    "question",
    [
        "what did blinkin say to aliev",
        "who is the prime minister of armenia",
        "how many armenians live in the enclave",
        "so like what did erdogan say about zangezur",
        "wait who is toivo klaar",
        "ok so why did russia lose influence",
        "um how large is the russian peacekeeping force",
        "hmm which alliance led by russia is armenia a member of lol",
    ],
)
def test_chat_style_questions_the_sources_answer_are_answered(
    searcher: Searcher, question: str
) -> None:
    answer = searcher.search(question, 3)
    assert answer.answered, question
    assert answer.hits


@pytest.mark.parametrize(
    "question",
    [
        "what's the population of tokyo",
        "who won the world cup in 2018",
        "what is the gdp of france",
        "whats the weather like in paris",
        "how do i bake bread",
    ],
)
def test_chat_style_questions_outside_the_sources_are_not_answered(
    searcher: Searcher, question: str
) -> None:
    answer = searcher.search(question, 3)
    assert not answer.answered, question
    assert answer.reason in {"weak_match", "no_match", "no_terms"}


@pytest.mark.parametrize("opener", ["", "so ", "ok so ", "um ", "hey ", "wait ", "so like "])
def test_filler_words_do_not_turn_an_answer_into_an_abstention(
    searcher: Searcher, opener: str
) -> None:
    questions = [q.text for q in ev.load_questions(EXAMPLES).answerable]
    answered = [q for q in questions if searcher.search(q, 3).answered]
    refused = [q for q in answered if not searcher.search(opener + q, 3).answered]
    assert not refused


def test_whether_a_question_is_answered_does_not_depend_on_how_many_passages_are_shown(
    searcher: Searcher,
) -> None:
    questions = ev.load_questions(EXAMPLES)
    for q in (*questions.answerable, *questions.unanswerable):
        shown = {k: searcher.search(q.text, k).answered for k in (1, 3, 10, 25)}
        assert len(set(shown.values())) == 1, (q.text, shown)


def test_a_higher_min_coverage_abstains_more(searcher: Searcher) -> None:
    questions = [q.text for q in ev.load_questions(EXAMPLES).answerable]
    strict = Searcher(searcher.data, dataclasses.replace(searcher.settings, min_coverage=0.95))
    lenient = Searcher(searcher.data, dataclasses.replace(searcher.settings, min_coverage=0.05))
    answered = {q for q in questions if searcher.search(q, 3).answered}
    assert {q for q in questions if strict.search(q, 3).answered} < answered
    assert answered <= {q for q in questions if lenient.search(q, 3).answered}


def test_the_confidence_is_a_share_and_grows_with_coverage(searcher: Searcher) -> None:
    query = searcher.parse("Who is the prime minister of Armenia?")
    found = searcher.ranker.ranked(query, abstain.DEPTH)
    signals = abstain.signals(query, found)
    low = dataclasses.replace(signals, coverage=0.1, quote=0.1, top=0.1, english=0.1)
    assert 0.0 <= abstain.confidence(low) < abstain.confidence(signals) <= 1.0


def test_every_signal_has_a_coefficient() -> None:
    names = [f.name for f in dataclasses.fields(abstain.Signals)]
    assert list(abstain.COEFFICIENTS) == names
