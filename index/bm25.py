"""BM25 scoring as rank-bm25 defines it, computed over precomputed postings.

rank-bm25 (`BM25Okapi`, `BM25L`, `BM25Plus`) is the definition of the score: the functions
below reproduce its formulas term for term, including its edge cases (Okapi's idf is zero for a
term in exactly half the passages and floored to `epsilon × mean idf` above that; BM25L, as
rank-bm25 writes it, multiplies its term part by tf; BM25Plus adds `idf × delta` for every query
term to every passage). Instead of scoring every passage in a Python loop per query term, the
weight of every posting is computed once at build time, so a query only adds up the postings
of its terms, and only the passages that can reach the top k are ranked.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.errors import EmptyCorpusError
from index.settings import VARIANTS, Settings

_BLOCK = 1 << 22  # postings weighed at a time, to bound the temporary arrays
_SMALL = 2048  # below this many postings, rank every matched passage directly


def idf_okapi(df: np.ndarray, n: int, epsilon: float) -> np.ndarray:
    """Return BM25Okapi's idf: log(n - df + 0.5) - log(df + 0.5), negatives floored."""
    idf = np.log(n - df + 0.5) - np.log(df + 0.5)
    if len(idf):
        floor = epsilon * (float(np.sum(idf)) / len(idf))
        idf[idf < 0] = floor
    return idf


def idf_l(df: np.ndarray, n: int) -> np.ndarray:
    """Return BM25L's idf: log(n + 1) - log(df + 0.5)."""
    return np.log(n + 1) - np.log(df + 0.5)


def idf_plus(df: np.ndarray, n: int) -> np.ndarray:
    """Return BM25Plus's idf: log((n + 1) / df)."""
    return np.log((n + 1) / df)


def tf_okapi(tf: np.ndarray, norm: np.ndarray, k1: float) -> np.ndarray:
    """Return BM25Okapi's term-frequency part; `norm` is 1 - b + b·dl/avgdl."""
    return tf * (k1 + 1) / (tf + k1 * norm)


def tf_l(tf: np.ndarray, norm: np.ndarray, k1: float, delta: float) -> np.ndarray:
    """Return BM25L's term-frequency part, as rank-bm25 computes it (scaled by tf)."""
    ctd = tf / norm
    return tf * (k1 + 1) * (ctd + delta) / (k1 + ctd + delta)


def tf_plus(tf: np.ndarray, norm: np.ndarray, k1: float) -> np.ndarray:
    """Return BM25Plus's term-frequency part without its constant delta."""
    return tf * (k1 + 1) / (k1 * norm + tf)


@dataclass(frozen=True)
class Weights:
    """Per-posting weights (idf included) and per-term constants for every passage."""

    idf: np.ndarray  # float64, one per term
    weights: np.ndarray  # float64, one per posting
    constant: np.ndarray  # float64, one per term: added to every passage's score


def weigh(
    settings: Settings, ptr: np.ndarray, docs: np.ndarray, tf: np.ndarray, doc_len: np.ndarray
) -> Weights:
    """Compute the BM25 weight of every posting for the chosen variant."""
    n = len(doc_len)
    if n == 0:
        raise EmptyCorpusError("there are no passages to index")
    total = int(doc_len.sum(dtype=np.int64))
    if total == 0:
        raise EmptyCorpusError("no passage has any searchable word")
    if settings.variant not in VARIANTS:
        raise ValueError(f"unknown variant {settings.variant!r}; choose one of {VARIANTS}")
    avgdl = total / n
    df = np.diff(ptr).astype(np.float64)
    k1, b, delta = settings.k1, settings.b, settings.delta
    norm = 1 - b + b * doc_len.astype(np.float64) / avgdl  # one per passage
    constant = np.zeros(len(df))
    if settings.variant == "okapi":
        idf = idf_okapi(df, n, settings.epsilon)
    elif settings.variant == "l":
        idf = idf_l(df, n)
    else:
        idf = idf_plus(df, n)
        constant = idf * delta
    weights = np.empty(len(docs), dtype=np.float64)
    for lo in range(0, len(docs), _BLOCK):
        hi = min(lo + _BLOCK, len(docs))
        first = int(np.searchsorted(ptr, lo, side="right")) - 1
        last = int(np.searchsorted(ptr, hi, side="left"))
        bounds = np.clip(ptr[first : last + 1], lo, hi)
        idf_of = np.repeat(idf[first:last], np.diff(bounds))
        f = tf[lo:hi].astype(np.float64)
        d = norm[docs[lo:hi]]
        if settings.variant == "okapi":
            part = tf_okapi(f, d, k1)
        elif settings.variant == "l":
            part = tf_l(f, d, k1, delta)
        else:
            part = tf_plus(f, d, k1)
        np.multiply(idf_of, part, out=weights[lo:hi])
    return Weights(idf=idf, weights=weights, constant=constant)


def invert(
    terms: np.ndarray, docs: np.ndarray, n_docs: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Group (term, passage) occurrences into CSR postings over the terms that occur.

    Return the distinct terms (sorted), the CSR offsets, each posting's passage (ascending
    within a term) and its term frequency.
    """
    width = max(n_docs, 1)
    key = terms.astype(np.int64) * width + docs.astype(np.int64)
    key.sort()
    if not len(key):
        empty = np.zeros(0, dtype=np.int32)
        return np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64), empty, empty
    cut = np.flatnonzero(key[1:] != key[:-1]) + 1
    first = np.concatenate(([0], cut))
    tf = np.diff(np.concatenate((first, [len(key)])))
    unique = key[first]
    term = unique // width
    tcut = np.flatnonzero(term[1:] != term[:-1]) + 1
    ptr = np.concatenate(([0], tcut, [len(term)])).astype(np.int64)
    used = term[ptr[:-1]]
    return used, ptr, (unique % width).astype(np.int32), tf.astype(np.int32)


class Scorer:
    """Score passages for a list of term ids by adding up their postings."""

    def __init__(
        self, ptr: np.ndarray, docs: np.ndarray, weights: np.ndarray, constant: np.ndarray, n: int
    ) -> None:
        self._ptr = ptr
        self._docs = docs
        self._weights = weights
        self._constant = constant
        self.n = n
        self._local = threading.local()  # one score buffer per thread

    def scores(self, term_ids: Sequence[int]) -> np.ndarray:
        """Return every passage's score (rank-bm25's `get_scores`) as a new array."""
        scores = np.zeros(self.n)
        for t in term_ids:
            start, end = int(self._ptr[t]), int(self._ptr[t + 1])
            scores[self._docs[start:end]] += self._weights[start:end]
        base = sum(float(self._constant[t]) for t in term_ids)
        if base:
            scores += base
        return scores

    def top(
        self, term_ids: Sequence[int], k: int, boosts: Sequence[float] | None = None
    ) -> list[tuple[int, float]]:
        """Return up to k (passage, score) pairs of passages holding a term, best first.

        Equal scores are ordered by passage position. Passages holding none of the terms are
        never returned, even where BM25Plus gives them a score. `boosts` (one per term,
        default 1, non-negative) multiply each term's part of the score.
        """
        factors = [1.0] * len(term_ids) if boosts is None else [float(b) for b in boosts]
        spans = [
            (int(self._ptr[t]), int(self._ptr[t + 1]), f)
            for t, f in zip(term_ids, factors, strict=True)
        ]
        spans = [(s, e, f) for s, e, f in spans if e > s]
        if not spans or k <= 0:
            return []
        base = sum(float(self._constant[t]) * f for t, f in zip(term_ids, factors, strict=True))
        buffer = self._buffer()
        docs, weights = self._docs, self._weights
        try:
            for s, e, f in spans:
                if f == 1.0:
                    buffer[docs[s:e]] += weights[s:e]
                else:
                    buffer[docs[s:e]] += weights[s:e] * f
            lists = [docs[s:e] for s, e, _ in spans]
            if sum(len(d) for d in lists) <= _SMALL or len(lists) == 1:
                candidates = np.unique(np.concatenate(lists)) if len(lists) > 1 else lists[0]
            else:
                candidates = self._contenders(buffer, lists, k)
            found = buffer[candidates]
        finally:
            for s, e, _ in spans:
                buffer[docs[s:e]] = 0.0
        if len(candidates) > k:
            part = np.argpartition(-found, k - 1)[:k]
            # Keep every passage tied with the k-th score, so ties break by position.
            cutoff = found[part].min()
            part = np.flatnonzero(found >= cutoff)
            candidates, found = candidates[part], found[part]
        order = np.lexsort((candidates, -found))[:k]
        return [(int(candidates[i]), float(found[i]) + base) for i in order]

    @staticmethod
    def _contenders(buffer: np.ndarray, lists: list[np.ndarray], k: int) -> np.ndarray:
        """Return the passages that can be in the top k: those scoring at least a bound.

        The k-th best score among the passages of any one term's list is a lower bound on
        the k-th best score overall, so passages below it can be left out.
        """
        shortest = min((d for d in lists if len(d) >= k), key=len, default=None)
        if shortest is None:
            return np.unique(np.concatenate(lists))
        scores = buffer[shortest]
        bound = np.partition(scores, len(scores) - k)[len(scores) - k]
        kept = [d[buffer[d] >= bound] for d in lists]
        return np.unique(np.concatenate(kept))

    def _buffer(self) -> np.ndarray:
        buffer = getattr(self._local, "scores", None)
        if buffer is None:
            buffer = self._local.scores = np.zeros(self.n)
        return buffer
