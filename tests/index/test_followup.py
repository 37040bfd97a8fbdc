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
        # A personal pronoun refers to someone named before, even with words of its own.
        "which king did he swear fealty to?",
        "what did she urge the separatist administration to do?",
        "What did he say about the Lachin corridor blockade?",  # "say" only reports
        "what are the ones with long tentacles called?",
        # A negation says nothing of the subject.
        "how many didn't vote?",
        "casualties how many",
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
        "Did the European Union send observers?",
        # "that" and "there" do not point back here.
        "Who demonstrated that there are infinitely many primes?",
        "Who showed that there were errors in the census count?",
        # What something named is.
        "What was Tymnet?",
        "Who is Pashinyan?",
        # A subject named first, then asked about: "that" is it.
        "lachin corridor whats that",
        "the CSTO, what is it?",
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


def test_a_new_name_takes_the_place_of_the_previous_ones(searcher: Searcher) -> None:
    previous = searcher.parse("How did Turkey respond to the operation?")
    query = combined(searcher.parse("what about Russia?"), previous)
    words = {t.word for t in query.terms}
    assert "Russia" in words and "respond" in words
    assert "Turkey" not in words
    # "he" is someone named before: the names stay.
    query = combined(searcher.parse("what did he say about Russia?"), searcher.parse(KILLED))
    assert "Azerbaijani" in {t.word for t in query.terms}


def test_the_context_counts_less_as_the_follow_up_says_more(searcher: Searcher) -> None:
    previous = searcher.parse("How many people did the Russian peacekeepers evacuate?")
    short = combined(searcher.parse("and the children?"), previous)
    longer = combined(searcher.parse("and how large was their peacekeeping force?"), previous)
    boost = {t.word: t.boost for t in short.terms}["evacuate"]
    assert boost == pytest.approx(CONTEXT_WEIGHT)
    assert {t.word: t.boost for t in longer.terms}["evacuate"] < boost


def test_a_follow_up_that_asks_its_own_question_keeps_its_kind(searcher: Searcher) -> None:
    previous = searcher.parse("When did Azerbaijan announce the operation?")
    assert combined(searcher.parse("why?"), previous).shape.kind is None
    assert combined(searcher.parse("and Russia?"), previous).shape.kind == previous.shape.kind


@pytest.mark.parametrize(
    ("previous", "follow_up", "wanted"),
    [
        ("What did the Kremlin say about the escalation?", "who said it?", "Dmitry Peskov"),
        ("What did Antony Blinken urge Aliyev to do?", "what about Macron?", "resumption"),
        ("Who is Hikmet Hajiyev?", "what did he say about civilians?", "civilians"),
    ],
)
def test_follow_ups_find_the_passage_they_lean_on(
    searcher: Searcher, previous: str, follow_up: str, wanted: str
) -> None:
    answer = searcher.search(follow_up, 3, context=previous)
    assert answer.context == previous
    assert wanted in answer.hits[0].passage.text


def test_a_question_of_its_own_takes_only_the_previous_names(searcher: Searcher) -> None:
    previous = searcher.parse("How many people did the Russian peacekeepers evacuate?")
    query = combined(searcher.parse("and how large is the peacekeeping force?"), previous)
    words = {t.word for t in query.terms}
    assert "Russian" in words
    assert not words & {"people", "evacuate"}
    # What points back keeps what was asked.
    previous = searcher.parse("Why has Russia lost influence in the region?")
    query = combined(searcher.parse("when did that invasion start?"), previous)
    assert "influence" in {t.word for t in query.terms}
