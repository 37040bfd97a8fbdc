"""Ranking: a question's passages that hold its words together rise above scattered ones."""

from __future__ import annotations

from pathlib import Path

from index.analyze import Analyzer
from index.api import open_index
from index.rank import Pair, nearness
from index.settings import Settings

# Both passages hold every word of the question equally often and are as long; only one
# says them together.
TOGETHER = (
    "The council met in the old hall on Monday. The harbour master resigned after the storm, "
    "and the boats stayed in port while the town waited for news of the fleet."
)
SCATTERED = (
    "The master of the choir sang in the old hall on Monday. The storm closed the harbour, "
    "and the boats stayed in port while the town waited for news of the fleet."
)


def _pair(a: str, b: str, weight: float = 1.0) -> Pair:
    analyzer = Analyzer()
    return (frozenset(analyzer.terms(a)), frozenset(analyzer.terms(b)), weight)


def test_a_pair_held_in_order_counts_fully_and_one_held_near_counts_half() -> None:
    spans = Analyzer().spans
    pair = [_pair("harbour", "master")]
    assert nearness(spans("The harbour master resigned."), pair) == 1.0
    assert nearness(spans("A master of the harbour."), pair) == 0.5
    assert nearness(spans("The master of the choir sang in the hall by the harbour."), pair) == 0
    # Pairs weigh as given: the passage holds the heavier pair, not the lighter one.
    pairs = [_pair("harbour", "master", 3.0), _pair("storm", "fleet", 1.0)]
    assert nearness(spans("The harbour master resigned."), pairs) == 0.75


def test_the_passage_that_holds_the_question_words_together_comes_first(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(SCATTERED, encoding="utf-8")
    (corpus / "b.txt").write_text(TOGETHER, encoding="utf-8")
    searcher = open_index(corpus, tmp_path / "i.cbi", Settings(), notice=lambda m: None)
    answer = searcher.search("Why did the harbour master leave after the storm?", 3)
    assert [h.passage.doc for h in answer.hits][:1] == ["b"]
    # A keyword text is not reordered: BM25 alone decides.
    assert searcher.search("harbour master storm", 3).hits
