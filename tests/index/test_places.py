"""A capital in a question stands for its country ("Baku" for "Azerbaijan"), as users see it."""

from __future__ import annotations

from pathlib import Path

from index import places
from index.api import open_index
from index.settings import Settings

TALKS = (
    "The talks\n\nPortugal said on Monday that the fishing talks would resume in March, after "
    "two rounds ended without an agreement on the quotas.\n"
)
BRIDGE = (
    "The bridge\n\nThe old bridge over the river was closed in 2004 and reopened for walkers "
    "in 2011 after the council paid for its repair.\n"
)


def _corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "talks.txt").write_text(TALKS, encoding="utf-8")
    (folder / "bridge.txt").write_text(BRIDGE, encoding="utf-8")
    return folder


def test_a_capital_stands_for_its_country() -> None:
    assert places.counterpart("Lisbon") == "portugal"
    assert places.counterpart("yerevan") == "armenia"
    assert places.counterpart("Portugal") is None  # only the capital stands for the country
    assert places.counterpart("bridge") is None
    assert places.counterpart("Washington") is None  # "United States": two words
    assert places.counterpart("Turkish") is None  # demonyms are not searched as the country


def test_a_question_naming_the_capital_finds_the_country_in_the_passage(tmp_path: Path) -> None:
    searcher = open_index(_corpus(tmp_path), None, Settings())
    answer = searcher.search("When did Lisbon say the fishing talks would start again?", 3)
    assert answer.answered
    assert answer.hits[0].passage.doc == "talks"
    assert "March" in answer.hits[0].quote
    query = searcher.parse("What did Lisbon's envoy say?")
    variant = next(t for t in query.terms if t.term == "portug")
    assert variant.word == "Lisbon's" and variant.boost < 1
    typed = searcher.parse("what did lisbon say about fishing")
    assert any(t.term == "portug" and t.boost < 1 for t in typed.terms)


def test_a_capital_that_no_country_is_found_by_is_not_searched(tmp_path: Path) -> None:
    searcher = open_index(_corpus(tmp_path), None, Settings())
    query = searcher.parse("What did Oslo say about the bridge?")
    assert {t.term for t in query.terms} & {"norway", "norwai"} == set()  # no passage holds it
