"""Questions as people type them: misspelled names, everyday words the sources don't use.

Behaviour checks on the bundled corpus (what a user sees in the answer and its JSON); the
evidence that these rules help is bench/quality.py on SQuAD, SciFact and NFCorpus.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from index.api import open_index
from index.search import Searcher
from index.settings import Settings

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@pytest.fixture(scope="module")
def searcher() -> Searcher:
    return open_index(CORPUS, None, Settings())


def test_an_everyday_word_no_source_uses_does_not_refuse_the_question(
    searcher: Searcher,
) -> None:
    # "think" is common English: no source uses it, but it says little about the question.
    answer = searcher.search("what does turkey think about it", 3)
    assert answer.unmatched_terms == ("think",)
    assert answer.answered
    assert "Turkey" in answer.hits[0].quote


def test_questions_about_what_no_source_covers_are_still_refused(searcher: Searcher) -> None:
    for question in ("What is the population of Tokyo?", "Who wrote Hamlet?"):
        answer = searcher.search(question, 3)
        assert not answer.answered, question
