"""Pseudo-relevance feedback for statements and keyword queries (RM3-style).

A claim ("Vitamin D deficiency raises the risk of falls") or a few keywords often share only
some of their words with the passages that answer them, which use the field's own words. The
first FEEDBACK_PASSAGES passages BM25 returns are taken as relevant: every term they hold is
weighed by its share of each passage's terms, times the passage's share of their scores (the
relevance model of RM3), and the FEEDBACK_TERMS most likely terms that the query does not
already hold, and that fewer than COMMON_SHARE of the passages hold, are searched as well, the
most likely with FEEDBACK_WEIGHT, the others in proportion. Only short queries (at most
MAX_WORDS informative words: keywords, a title) are expanded; a longer claim already says what
it is about, and its added terms drift (SciFact, measured). Questions ("what…", "how…") are
left alone too: they name what they ask about, and a passage that repeats the question's words
should not lose to one about the neighbouring topic. The expansion only reorders passages:
quotes, matched terms and abstention see the question's own terms.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

FEEDBACK_PASSAGES = 10  # passages, best first, taken as relevant
FEEDBACK_TERMS = 10  # terms added to the query
FEEDBACK_WEIGHT = 0.3  # the boost of the most likely added term (1: a query term)
COMMON_SHARE = 0.1  # a term held by this share of the passages or more is not added
MAX_WORDS = 3  # only queries of at most this many informative words are expanded


def expansion(
    top: Sequence[tuple[int, float]],
    terms_of: Callable[[int], list[str]],
    frequencies: Callable[[list[str]], list[int]],
    passages: int,
    query_terms: set[str],
) -> list[tuple[str, float]]:
    """Return the terms to add to a query and their boosts, from its first passages' terms."""
    head = [(i, s) for i, s in top[:FEEDBACK_PASSAGES] if s > 0]
    total = sum(s for _, s in head)
    if not head or not total or FEEDBACK_TERMS <= 0 or FEEDBACK_WEIGHT <= 0:
        return []
    likely: Counter[str] = Counter()
    for i, score in head:
        counts = Counter(t for t in terms_of(i) if t not in query_terms and t.isalpha())
        length = sum(counts.values())
        for term, tf in counts.items():
            likely[term] += (score / total) * tf / length
    candidates = likely.most_common(4 * FEEDBACK_TERMS)
    dfs = frequencies([t for t, _ in candidates])
    kept = [
        (t, p) for (t, p), df in zip(candidates, dfs, strict=True) if df < COMMON_SHARE * passages
    ][:FEEDBACK_TERMS]
    if not kept:
        return []
    best = kept[0][1]
    return [(t, FEEDBACK_WEIGHT * p / best) for t, p in kept]
