"""Misspelled question words with a possessive ending are corrected like any other."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.api import open_index
from index.model import Correction
from index.search import Searcher
from index.settings import Settings
from index.spelling import looks_misspelled, max_edits, without_possessive

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@pytest.fixture(scope="module")
def searcher() -> Searcher:
    return open_index(CORPUS, None, Settings())


def test_a_possessive_is_checked_without_its_ending() -> None:
    assert without_possessive("pashinian's") == "pashinian"
    assert without_possessive("pashinian’s") == "pashinian"
    assert without_possessive("armenians'") == "armenians"
    assert without_possessive("o'neil") == "o'neil"
    assert looks_misspelled("pashinian's")
    assert max_edits("pashinian's") == max_edits("pashinian")
    assert not looks_misspelled("ab's")  # too short, with or without the ending


def test_a_misspelled_name_with_a_possessive_is_corrected(searcher: Searcher) -> None:
    answer = searcher.search("pashinian's wife went where", 3)
    # Shown as the passages write it, possessive included.
    assert answer.corrected == (Correction("pashinian's", "Pashinyan’s"),)
    assert answer.answered
    assert "Kyiv" in answer.hits[0].passage.text
