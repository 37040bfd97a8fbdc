"""The scoring backend interface: another engine can serve the same `search()`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Plus

from index.analyze import Analyzer
from index.api import open_index
from index.backend import Backend, IndexBackend
from index.fields import passage_terms
from index.search import Searcher
from index.settings import Settings

QUESTIONS = [
    "How many people did Russian peacekeepers evacuate?",
    "Who is the EU's special representative for the South Caucasus?",
    "How long has Azerbaijan blocked the Lachin Corridor?",
    "What did Erdogan say about the Zangezur corridor?",
    "What is the capital of Australia?",
]


class RankBM25Backend:
    """Scores from rank-bm25 itself, in memory: an engine other than the built index."""

    def __init__(self, searcher: Searcher, settings: Settings) -> None:
        analyzer = Analyzer()
        documents = [
            passage_terms(analyzer, searcher.passage(i), settings) for i in range(searcher.n)
        ]
        self._model = BM25Plus(documents, k1=settings.k1, b=settings.b, delta=settings.delta)
        self._holders: dict[str, set[int]] = {}
        for i, doc in enumerate(documents):
            for term in doc:
                self._holders.setdefault(term, set()).add(i)

    @property
    def passages(self) -> int:
        return self._model.corpus_size

    @property
    def terms(self) -> int:
        return len(self._holders)

    def frequencies(self, terms: Sequence[str]) -> list[int]:
        return [len(self._holders.get(t, ())) for t in terms]

    def top(
        self, terms: Sequence[str], k: int, boosts: Sequence[float] | None = None
    ) -> list[tuple[int, float]]:
        holding = sorted(set().union(*(self._holders.get(t, set()) for t in terms)))
        if not holding:
            return []
        factors = [1.0] * len(terms) if boosts is None else list(boosts)
        scores = sum(
            f * np.asarray(self._model.get_batch_scores([t], holding))
            for t, f in zip(terms, factors, strict=True)
        )
        order = np.lexsort((holding, -scores))[:k]
        return [(holding[i], float(scores[i])) for i in order]


def test_the_default_backend_meets_the_protocol(corpus_dir: Path) -> None:
    searcher = open_index(corpus_dir, None, Settings())
    assert isinstance(searcher.backend, IndexBackend)
    assert isinstance(searcher.backend, Backend)
    assert searcher.backend.passages == searcher.n
    assert searcher.stats().terms == searcher.backend.terms > 0
    assert searcher.backend.frequencies(["lachin", "zzzunknown"])[1] == 0


def test_search_through_another_backend_gives_the_same_answers(corpus_dir: Path) -> None:
    settings = Settings(variant="plus")
    default = open_index(corpus_dir, None, settings)
    other = Searcher(default.data, settings, backend=RankBM25Backend(default, settings))
    assert isinstance(other.backend, Backend)
    for question in QUESTIONS:
        want, got = default.search(question, 3), other.search(question, 3)
        assert got.answered == want.answered
        assert [h.passage.id for h in got.hits] == [h.passage.id for h in want.hits]
        assert [h.score for h in got.hits] == pytest.approx([h.score for h in want.hits])
        assert [h.quote for h in got.hits] == [h.quote for h in want.hits]
