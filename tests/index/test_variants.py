"""Everyday variants (irregular inflections) and pseudo-relevance feedback, as users see them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index import feedback, variants
from index.api import open_index
from index.bm25 import Scorer
from index.settings import Settings


def _corpus(tmp_path: Path, texts: dict[str, str]) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in texts.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


SCHOOL = (
    "The school\n\nEvery child in the village walks four kilometres to the school, which "
    "opened in 1998 with two teachers.\n"
)
MARKET = (
    "The market\n\nThe market sells fish and bread on Sundays; it opened in 2004 beside the "
    "old bridge.\n"
)


def test_irregular_forms_are_variants_of_each_other() -> None:
    assert "child" in variants.forms("children")
    assert "children" in variants.forms("child")
    assert {"begin", "begun"} <= set(variants.forms("began"))
    assert "good" not in variants.forms("better")  # adjectives: "good" is not what was asked
    assert variants.forms("Gandhi") == ()
    # "found" is indexed as the past of "find": no form of "founded" (to establish).
    assert "found" not in variants.forms("founded")
    assert "found" in variants.forms("finding")


def test_a_question_in_the_plural_finds_a_passage_in_the_singular(tmp_path: Path) -> None:
    folder = _corpus(tmp_path, {"school": SCHOOL, "market": MARKET})
    searcher = open_index(folder, None, Settings())
    answer = searcher.search("How far do the children walk to the school?", 3)
    assert answer.answered
    assert answer.hits[0].passage.doc == "school"
    query = searcher.parse("How far do the children walk?")
    variant = next(t for t in query.terms if t.term == "child")
    assert variant.word == "children" and variant.boost < 1
    assert query.unmatched == ()


def test_the_noun_of_a_verb_and_the_verb_of_a_noun_are_variants() -> None:
    assert {"death", "deaths"} <= set(variants.forms("died"))
    assert {"decide", "decided"} <= set(variants.forms("decision"))
    assert {"invasion", "invasions"} <= set(variants.forms("invaded"))
    assert "production" in variants.forms("produced")
    assert "belief" in variants.forms("believes")
    # An ending that only looks like one: "sision", "trasion" are no English words.
    assert variants.forms("side") == ("sides", "sided", "siding")
    assert not any(w.endswith("sion") for w in variants.forms("trade"))


def test_a_role_is_found_whoever_holds_it() -> None:
    assert {"spokesperson", "spokeswoman", "spokesmen"} <= set(variants.forms("spokesman"))
    assert {"chairman", "chairwoman"} <= set(variants.forms("chairpeople"))
    assert variants.forms("ottoman") == ()  # "ottowoman" is no English word
    assert variants.forms("woman") == ("women",)


def test_an_everyday_word_also_searches_the_formal_one() -> None:
    assert {"children", "child"} <= set(variants.forms("kids"))
    assert "police" in variants.forms("cops")


TOLL = (
    "The toll\n\nSince the attack began, the authorities have reported 27 deaths, including two "
    "civilians, and many injuries.\n"
)
KREMLIN = (
    "Moscow\n\nKremlin spokesperson Dmitry Peskov said Russia was concerned about the "
    "escalation and urged both sides to talk.\n"
)


@pytest.mark.parametrize(
    ("text", "question", "quoted"),
    [
        (TOLL, "how many died", "27 deaths"),  # a derivation: died, death
        (SCHOOL, "how far do kids walk to school", "four kilometres"),  # the formal word
        (KREMLIN, "who is the kremlin spokesman", "Peskov"),  # a role's other form
    ],
)
def test_a_question_in_other_forms_finds_the_passage(
    tmp_path: Path, text: str, question: str, quoted: str
) -> None:
    folder = _corpus(tmp_path, {"answer": text, "market": MARKET})
    answer = open_index(folder, None, Settings()).search(question, 3)
    assert answer.answered
    assert quoted in answer.hits[0].quote
    assert answer.unmatched_terms == ()


def test_boosts_scale_each_terms_part_of_the_score() -> None:
    # two passages: term 0 in passage 0, term 1 in passage 1, equal weights
    ptr = np.array([0, 1, 2])
    docs = np.array([0, 1], dtype=np.int32)
    weights = np.array([2.0, 2.0])
    scorer = Scorer(ptr, docs, weights, np.zeros(2), 2)
    assert scorer.top([0, 1], 2, [1.0, 0.5]) == [(0, 2.0), (1, 1.0)]
    assert scorer.top([0, 1], 2, [0.25, 1.0]) == [(1, 2.0), (0, 0.5)]


def test_feedback_adds_the_first_passages_words_not_the_common_ones() -> None:
    texts = {
        0: ["vitamin", "bone", "fracture", "bone"],
        1: ["vitamin", "bone", "calcium"],
        2: ["vitamin", "common"],
    }
    df = {"bone": 2, "fracture": 1, "calcium": 1, "common": 90}
    added = feedback.expansion(
        [(0, 3.0), (1, 2.0), (2, 1.0)],
        lambda i: texts[i],
        lambda terms: [df.get(t, 1) for t in terms],
        100,
        {"vitamin"},
    )
    terms = [t for t, _ in added]
    assert terms[0] == "bone" and "common" not in terms and "vitamin" not in terms
    assert added[0][1] == feedback.FEEDBACK_WEIGHT
    assert all(0 < b <= feedback.FEEDBACK_WEIGHT for _, b in added)


def test_questions_and_long_statements_are_not_expanded(tmp_path: Path) -> None:
    folder = _corpus(
        tmp_path,
        {"a": "Bones\n\nVitamin supplements and bone fractures in older adults.\n"},
    )
    searcher = open_index(folder, None, Settings())
    ranker = searcher.ranker
    question = searcher.parse("What do vitamin supplements do?")
    assert ranker._expanded(question)[0] == question.searched
    long = searcher.parse("vitamin supplements lower bone fracture risk in older adults")
    assert ranker._expanded(long)[0] == long.searched
    short = searcher.parse("vitamin supplements")
    assert ranker._expanded(short)[0][: len(short.searched)] == short.searched
