"""Initials and the names they stand for: "European Union" meets the sources' "EU"."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.api import open_index
from index.initials import MAX_LETTERS, runs
from index.search import Searcher
from index.settings import Settings

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@pytest.fixture(scope="module")
def searcher() -> Searcher:
    return open_index(CORPUS, None, Settings())


def test_capitalised_runs_give_their_initials() -> None:
    assert ("European Union's", "EU") in runs("Who is the European Union's envoy?")
    assert ("United Nations", "UN") in runs("What did the head of the United Nations say?")
    assert ("International Committee of the Red Cross", "ICRC") in runs(
        "Did the International Committee of the Red Cross get in?"
    )
    # A run that opens the question may start with a word capitalised for that reason only.
    assert ("Collective Security Treaty Organization", "CSTO") in runs(
        "Is Armenia still in the Collective Security Treaty Organization?"
    )
    assert ("European Union", "EU") in runs("Did European Union leaders meet?")
    assert runs("what did the european union say") == []  # typed in lowercase: no name
    assert runs("Who is Aliyev?") == []  # one word has no initials
    assert runs("Do Statins Cause Breast Cancer?") == []  # a title: capitals name nothing


def test_two_letters_only_from_a_whole_run() -> None:
    found = [short for _, short in runs("Did the International Committee of the Red Cross?")]
    assert "RC" not in found and "IC" not in found


def test_a_name_meets_its_initials_in_the_sources(searcher: Searcher) -> None:
    question = "Who is the European Union's envoy to the South Caucasus?"
    query = searcher.parse(question)
    concept = {t.term: t.concept for t in query.terms}
    assert concept["eu"] == concept["european"] == concept["union"]
    answer = searcher.search(question, 3)
    assert answer.answered
    assert "Toivo Klaar" in answer.hits[0].passage.text


def test_initials_the_sources_do_not_use_change_nothing(searcher: Searcher) -> None:
    # No passage holds "np": "Nikol Pashinyan" stays two words, each counted.
    query = searcher.parse("What did Nikol Pashinyan announce?")
    assert "np" not in {t.term for t in query.terms}
    assert len({t.concept for t in query.terms}) == 3


def test_a_wall_of_capitals_is_read_in_linear_time() -> None:
    text = "A B C D " * 500
    found = runs(text)
    assert found  # the stretches are still tried
    assert all(len(letters) <= MAX_LETTERS for _, letters in found)
    assert len(found) < 10 * len(text.split())
