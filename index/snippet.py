"""The quote of a passage: the one or two sentences that best match a question, verbatim.

A passage can be a long paragraph; an answer quotes the sentence whose matched question terms
weigh most (the first of equal ones), and adds the sentence after or before it when that one
brings terms the best sentence lacks, or when the best sentence alone is too short to make
sense without its neighbour (under SHORT_QUOTE characters). Two sentences at most: a quote
is evidence to read at a glance, and the whole passage is one `/source` away. A text with no
sentence ends is quoted whole.

The quote is chosen on the analyzed terms, so "recognised" in a question matches
"recognized" in a passage; the words that matched are kept as the passage writes them, for the
renderers to bold. One pass over the passage's tokens gives both.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from index.sentences import sentence_spans

SHORT_QUOTE = 80  # a best sentence shorter than this gets a neighbour for context

Token = tuple[int, int, tuple[str, ...]]  # start, end, terms: as `Analyzer.spans` gives them


@dataclass(frozen=True)
class Snippet:
    """A passage's quote and what in the passage matches the question."""

    start: int
    end: int
    quote: str  # the passage's text[start:end]
    words: tuple[str, ...]  # the passage's words that match a question term, as written, once
    terms: frozenset[str]  # the question terms the passage's text holds


def snippet(text: str, tokens: Sequence[Token], weight: Mapping[str, float]) -> Snippet:
    """Return the quote of a passage's `text` for a question whose terms weigh `weight`."""
    spans = sentence_spans(text) or [(0, len(text))]
    # One pass over the words: which question terms each sentence holds, and which words
    # of the passage match (for bolding).
    per_sentence: list[set[str]] = [set() for _ in spans]
    words: dict[str, None] = {}
    s, last = 0, len(spans) - 1
    for start, end, terms in tokens:
        while s < last and start >= spans[s][1]:
            s += 1
        for term in terms:
            if term in weight:
                per_sentence[s].add(term)
                words[text[start:end]] = None
    first, end = quote_span(spans, per_sentence, weight)
    return Snippet(first, end, text[first:end], tuple(words), frozenset().union(*per_sentence))


def quote_span(
    spans: list[tuple[int, int]], found: list[set[str]], weight: Mapping[str, float]
) -> tuple[int, int]:
    """Return the span of the one or two consecutive sentences that best match the question."""
    if len(spans) == 1:
        return spans[0]

    def value(terms: set[str]) -> float:
        # fsum is exact, so the value does not depend on the set's (hash-seeded) order.
        return math.fsum(weight[t] for t in terms)

    best = max(range(len(spans)), key=lambda j: (value(found[j]), -j))
    start, end = spans[best]
    # Add a neighbour when it brings new matched terms, or when the sentence is short.
    options = [j for j in (best + 1, best - 1) if 0 <= j < len(spans)]
    gains = {j: value(found[j] - found[best]) for j in options}
    pick = max(options, key=lambda j: (gains[j], j > best), default=None)
    if pick is not None and (gains[pick] > 0 or end - start < SHORT_QUOTE):
        start, end = min(start, spans[pick][0]), max(end, spans[pick][1])
    return start, end
