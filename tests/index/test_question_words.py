"""Questions as people type them: misspelled names, everyday words the sources don't use.

Behaviour checks on the bundled corpus (what a user sees in the answer and its JSON); the
evidence that these rules help is bench/quality.py on SQuAD, SciFact and NFCorpus.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.api import open_index
from index.model import Correction
from index.search import Searcher
from index.settings import Settings
from index.spelling import Speller, looks_misspelled, max_edits

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@pytest.fixture(scope="module")
def searcher() -> Searcher:
    return open_index(CORPUS, None, Settings())


def test_misspelled_names_are_searched_as_the_sources_write_them(searcher: Searcher) -> None:
    answer = searcher.search("what did blinkin say to aliev", 3)
    assert answer.corrected == (Correction("blinkin", "Blinken"), Correction("aliev", "Aliyev"))
    assert answer.answered and not answer.unmatched_terms
    assert "Blinken" in answer.hits[0].passage.text
    data = json.loads(json.dumps(answer.to_dict()))
    assert data["corrected"] == [
        {"asked": "blinkin", "searched": "Blinken"},
        {"asked": "aliev", "searched": "Aliyev"},
    ]


def test_correctly_spelled_questions_report_no_correction(searcher: Searcher) -> None:
    answer = searcher.search("What did Antony Blinken urge Aliyev to do?", 3)
    assert answer.corrected == ()
    assert answer.to_dict()["corrected"] == []


def test_an_everyday_word_no_source_uses_does_not_refuse_the_question(
    searcher: Searcher,
) -> None:
    # "think" is common English: no source uses it, but it says little about the question.
    answer = searcher.search("what does turkey think about it", 3)
    assert answer.corrected == ()
    assert answer.unmatched_terms == ("think",)
    assert answer.answered
    assert "Turkey" in answer.hits[0].quote


def test_questions_about_what_no_source_covers_are_still_refused(searcher: Searcher) -> None:
    for question in ("What is the population of Tokyo?", "Who wrote Hamlet?"):
        answer = searcher.search(question, 3)
        assert not answer.answered, question
        assert answer.corrected == (), question


def test_a_name_no_source_mentions_is_not_searched_as_a_lowercase_word(tmp_path: Path) -> None:
    (tmp_path / "league.txt").write_text(
        "The golden age of the league began in the sixties, when crowds doubled.\n\n"
        "Fans still speak of those golden years, and of the stadiums built for them.\n",
        encoding="utf-8",
    )
    searcher = open_index(tmp_path, None, Settings())
    answer = searcher.search("What did the league commissioner Goodell say?", 3)
    assert answer.corrected == ()  # not "golden"
    assert "Goodell" in answer.unmatched_terms
    # A name the sources write with a capital is still found when misspelled.
    (tmp_path / "talks.txt").write_text(
        "The league wrote to President Ilham Aliyev about the golden jubilee.\n", encoding="utf-8"
    )
    searcher = open_index(tmp_path, None, Settings())
    answer = searcher.search("What did the league write to Aliev?", 3)
    assert answer.corrected == (Correction("Aliev", "Aliyev"),)


def test_edit_distance_allowed_grows_with_word_length() -> None:
    assert max_edits("mac") == 0
    assert max_edits("aliev") == 1
    assert max_edits("blinkin") == 2
    assert looks_misspelled("blinkin") and not looks_misspelled("think")
    assert not looks_misspelled("B-52") and not looks_misspelled("2018")


def test_the_speller_prefers_the_closest_then_the_most_used_term() -> None:
    speller = Speller(["gandhi", "glandi", "grandi", "ghana"], [5, 1, 50, 9])
    assert speller.correct("ghandi", "Ghandi") == "grandi"  # one edit, the most used of two
    assert Speller(["gandhi", "ghana"], [5, 1]).correct("ghandi", "Ghandi") == "gandhi"
    assert speller.correct("xandhi", "xandhi") is None  # the first letter must agree
    assert Speller(["cleans", "clean"], [3, 40]).correct("clens", "clensing") == "cleans"


def test_among_equally_close_terms_the_one_of_the_typed_letters_wins() -> None:
    # Both two edits from "ghandi"; only "gandhi" holds every letter typed.
    assert Speller(["grand", "gandhi"], [50, 5]).correct("ghandi", "Ghandi") == "gandhi"
    assert Speller(["feel", "feudal"], [90, 2]).correct("fuedel", "fuedel") == "feudal"
    # The same letters either way: the term more passages hold.
    assert Speller(["french", "fresh"], [40, 9]).correct("frensh", "Frensh") == "french"
