"""BM25 scoring as rank-bm25 defines it, computed over precomputed postings.

rank-bm25 (`BM25Okapi`, `BM25L`, `BM25Plus`) is the definition of the score: the functions
below reproduce its formulas term for term, including its edge cases (Okapi's idf is zero for a
term in exactly half the passages and floored to `epsilon × mean idf` above that). Instead of
scoring every passage in a Python loop per query term, the per-posting weights are computed
once at build time, so a query only adds up the postings of its terms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.errors import EmptyCorpusError
from index.settings import VARIANTS, Settings


def idf_okapi(df: np.ndarray, n: int, epsilon: float) -> np.ndarray:
    """Return BM25Okapi's idf: log((n - df + 0.5) / (df + 0.5)), negatives floored."""
    idf = np.log(n - df + 0.5) - np.log(df + 0.5)
    if len(idf):
        floor = epsilon * idf.mean()
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
    total = int(doc_len.sum())
    if total == 0:
        raise EmptyCorpusError("no passage has any searchable word")
    if settings.variant not in VARIANTS:
        raise ValueError(f"unknown variant {settings.variant!r}; choose one of {VARIANTS}")
    avgdl = total / n
    df = np.diff(ptr).astype(np.float64)
    k1, b, delta = settings.k1, settings.b, settings.delta
    norm = 1 - b + b * doc_len[docs].astype(np.float64) / avgdl
    tff = tf.astype(np.float64)
    term_of_posting = np.repeat(np.arange(len(df)), np.diff(ptr))
    constant = np.zeros(len(df))
    if settings.variant == "okapi":
        idf = idf_okapi(df, n, settings.epsilon)
        part = tf_okapi(tff, norm, k1)
    elif settings.variant == "l":
        idf = idf_l(df, n)
        part = tf_l(tff, norm, k1, delta)
    else:
        idf = idf_plus(df, n)
        part = tf_plus(tff, norm, k1)
        constant = idf * delta
    return Weights(idf=idf, weights=idf[term_of_posting] * part, constant=constant)


def build_postings(
    term_ids: np.ndarray, doc_ids: np.ndarray, n_terms: int, n_docs: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group (term, passage) occurrences into CSR postings: (ptr, passage ids, tf)."""
    key = term_ids.astype(np.int64) * max(n_docs, 1) + doc_ids.astype(np.int64)
    uniq, tf = np.unique(key, return_counts=True)
    terms = uniq // max(n_docs, 1)
    docs = (uniq % max(n_docs, 1)).astype(np.int32)
    ptr = np.zeros(n_terms + 1, dtype=np.int64)
    np.cumsum(np.bincount(terms, minlength=n_terms), out=ptr[1:])
    return ptr, docs, tf.astype(np.int32)


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

    def scores(self, term_ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Return every passage's score and the ids of passages holding any of the terms."""
        scores = np.zeros(self.n)
        touched: list[np.ndarray] = []
        base = 0.0
        for t in term_ids:
            start, end = int(self._ptr[t]), int(self._ptr[t + 1])
            docs = self._docs[start:end]
            scores[docs] += self._weights[start:end]
            touched.append(docs)
            base += float(self._constant[t])
        if base:
            scores += base
        matched = np.unique(np.concatenate(touched)) if touched else np.zeros(0, dtype=np.int32)
        return scores, matched

    def top(self, term_ids: list[int], k: int) -> list[tuple[int, float]]:
        """Return up to k (passage, score) pairs of passages holding a term, best first."""
        scores, matched = self.scores(term_ids)
        if not len(matched) or k <= 0:
            return []
        cand = scores[matched]
        if len(matched) > k:
            part = np.argpartition(-cand, k - 1)[:k]
            matched, cand = matched[part], cand[part]
        order = np.lexsort((matched, -cand))  # best score first, earlier passage on ties
        return [(int(matched[i]), float(cand[i])) for i in order]
