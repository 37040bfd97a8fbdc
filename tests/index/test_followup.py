"""Follow-up questions: which lean on the previous one, and what they are answered with."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.api import open_index
from index.followup import CONTEXT_WEIGHT, combined, leans_on_previous
from index.search import Searcher
from index.settings import Settings

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
KILLED = "How many people were killed in the Azerbaijani attack?"


@pytest.fixture(scope="module")
def searcher() -> Searcher:
    return open_index(CORPUS, None, Settings())


@pytest.mark.parametrize(
    "question",
    [
        "and how many were injured?",
        "And how many were injured",
        "but who ordered it?",
        "what about Russia?",
        "How about the peacekeepers?",
        "also the casualties",
        "when was that?",
        "who said it?",
        "why did they leave?",
        "how many were there?",
        "casualties?",
        "Russia",
    ],
)
def test_a_question_that_leans_on_the_previous_one(question: str) -> None:
    assert leans_on_previous(question)


@pytest.mark.parametrize(
    "question",
    [
        "",
        "Who is the prime minister of Armenia?",
        "How many people were killed in the Azerbaijani attack?",
        "Where will the peace talks between Armenia and Azerbaijan take place?",
        # An opener or a pronoun does not make a question with a subject of its own lean.
        "And what did Pashinyan say about the ceasefire agreement in Moscow?",
        "What did he say about the Lachin corridor blockade?",
        "Did the European Union send observers?",
    ],
)
def test_a_question_that_stands_on_its_own(question: str) -> None:
    assert not leans_on_previous(question)


def test_the_follow_ups_words_lead_and_the_previous_ones_fill_in(searcher: Searcher) -> None:
    follow_up = searcher.parse("and how many were injured?")
    previous = searcher.parse(KILLED)
    query = combined(follow_up, previous)
    own = {t.term: t.boost for t in follow_up.terms}
    boosts = {t.term: t.boost for t in query.terms}
    assert all(boosts[t] == b for t, b in own.items())
    added = [t for t in query.terms if t.term not in own]
    assert {t.word for t in added} >= {"killed", "Azerbaijani", "attack"}
    assert all(t.boost == pytest.approx(CONTEXT_WEIGHT) for t in added)
    assert all(not t.name for t in added)
    assert query.shape == follow_up.shape


def test_a_follow_up_without_a_kind_takes_the_previous_ones(searcher: Searcher) -> None:
    query = combined(searcher.parse("what about Russia?"), searcher.parse(KILLED))
    assert query.shape.kind == searcher.parse(KILLED).shape.kind


def test_a_follow_up_is_answered_in_the_context_of_the_previous_question(
    searcher: Searcher,
) -> None:
    answer = searcher.search("and how many were injured?", 3, context=KILLED)
    assert answer.answered
    assert answer.context == KILLED
    assert answer.question == "and how many were injured?"
    quote = answer.hits[0].quote
    assert "injured" in quote and "Azerbaijani" in quote


def test_a_standalone_question_is_not_combined(searcher: Searcher) -> None:
    question = "Who is the prime minister of Armenia?"
    alone = searcher.search(question, 3)
    after = searcher.search(question, 3, context=KILLED)
    assert after.context is None
    assert after == alone


def test_the_json_names_the_context_or_null(searcher: Searcher) -> None:
    previous = "When was the ceasefire signed?"
    follow_up = searcher.search("when was that?", 3, context=previous)
    assert json.loads(json.dumps(follow_up.to_dict()))["context"] == previous
    alone = searcher.search("Who is the prime minister of Armenia?", 3)
    assert json.loads(json.dumps(alone.to_dict()))["context"] is None


def test_a_previous_question_that_is_empty_or_the_same_is_no_context(searcher: Searcher) -> None:
    assert searcher.search("Russia", 3, context="   ").context is None
    assert searcher.search("Russia", 3, context="Russia").context is None
