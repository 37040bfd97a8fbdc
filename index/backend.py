"""Where BM25 scores come from: the interface `Searcher` scores through, and its default.

`Searcher` turns a question into analyzed terms, asks a backend for the best passages, then
builds quotes and citations from the passages it holds. The default backend is the built index
in this process (memory-mapped postings). A backend over a search engine that computes BM25
itself (OpenSearch, Elasticsearch) can serve the same `search()` by implementing this protocol:
it indexes each passage's terms (as `index.fields.passage_terms` gives them, with a whitespace
analyzer) under its position, and answers `top` with a `bool` query of `term` clauses (a boost
below 1 for a variant of a question word, `index.variants`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from index.bm25 import Scorer
from index.store import IndexData, StringTable


@runtime_checkable
class Backend(Protocol):
    """Scores passages for analyzed query terms with BM25."""

    @property
    def passages(self) -> int:
        """Return how many passages the backend scores."""
        ...

    @property
    def terms(self) -> int:
        """Return how many distinct terms the passages hold."""
        ...

    def frequencies(self, terms: Sequence[str]) -> list[int]:
        """Return how many passages hold each term (0 when none does)."""
        ...

    def top(
        self, terms: Sequence[str], k: int, boosts: Sequence[float] | None = None
    ) -> list[tuple[int, float]]:
        """Return up to k (passage position, score) of passages holding a term, best first.

        `boosts` (one per term, default 1) multiply each term's part of the score.
        """
        ...


class IndexBackend:
    """The default backend: the built index's postings, in this process."""

    def __init__(self, data: IndexData) -> None:
        a = data.arrays
        self._vocab = StringTable(a["vocab_blob"], a["vocab_off"])
        self._ptr = a["post_ptr"]
        self._scorer = Scorer(
            a["post_ptr"], a["post_docs"], a["post_w"], a["const"], len(a["doc_len"])
        )
        self._ids: dict[str, int | None] = {}

    @property
    def passages(self) -> int:
        """Return how many passages the index holds."""
        return self._scorer.n

    @property
    def terms(self) -> int:
        """Return how many distinct terms the index holds."""
        return len(self._vocab)

    def term_id(self, term: str) -> int | None:
        """Return a term's number in the index, or None when no passage holds it."""
        found = self._ids.get(term, -1)
        if found == -1:
            found = self._vocab.find(term)
            if len(self._ids) < 100_000:
                self._ids[term] = found
        return found

    def frequencies(self, terms: Sequence[str]) -> list[int]:
        """Return how many passages hold each term."""
        out = []
        for term in terms:
            i = self.term_id(term)
            out.append(0 if i is None else int(self._ptr[i + 1] - self._ptr[i]))
        return out

    def top(
        self, terms: Sequence[str], k: int, boosts: Sequence[float] | None = None
    ) -> list[tuple[int, float]]:
        """Return up to k (passage position, score), best first; ties by position."""
        if boosts is None:
            ids = [i for i in map(self.term_id, terms) if i is not None]
            return self._scorer.top(ids, k)
        pairs = [(i, b) for i, b in zip(map(self.term_id, terms), boosts, strict=True)]
        kept = [(i, b) for i, b in pairs if i is not None]
        return self._scorer.top([i for i, _ in kept], k, [b for _, b in kept])

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """Return every passage's score for the terms, as rank-bm25's `get_scores` does."""
        ids = [i for i in map(self.term_id, terms) if i is not None]
        return self._scorer.scores(ids)
