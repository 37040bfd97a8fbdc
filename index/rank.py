"""From BM25 scores to the k passages an answer shows: question bonuses, copies folded.

BM25 (as rank-bm25 defines it, computed by the backend) ranks the passages. Among the first
RERANK_DEPTH, a passage whose quote holds the kind of thing the question asks for (a name for
"who", a date for "when", a number for "how many", a place for "where") rises by KIND_BONUS,
so that of two passages that match the question about as well, the one that holds an answer
("Nikol Pashinyan said…") comes before the one that only repeats the question's words ("the
prime minister of Armenia denied…"). When the text is a question ("what…", "how…"), a passage
also rises by SENTENCE_BONUS times the share of the question's weight that its quote (one or
two sentences) holds: the answer to a question usually sits in one sentence that repeats its
words. A question's passage also rises by PROXIMITY_BONUS times the weighted share of the
question's pairs of consecutive words that it holds close together (within PROXIMITY_WINDOW
words; fully when written in the question's order, as in "the harbour master"), in the manner
of the sequential dependence model: a passage that says "the harbour master resigned" answers
"why did the harbour master leave" better than one that names a master and a harbour apart.
Statements and keyword queries keep the BM25 order. All were chosen on SQuAD, SciFact,
NFCorpus and the dev seeds together (bench/results/experiments.md).

Near-identical passages (a wire story printed by two outlets) are folded into the first of
them, which then lists the others' documents ("also reported by"), so k hits are k different
things said. When many passages are copies, the ranking looks deeper for k distinct ones, four
times deeper each round but never past FOLD_DEPTH: a passage copied into thousands of files
would otherwise cost seconds per question.

Analyzing a passage for its quote is the costly part of a search, so without a kind or a
question to reorder by, passages are analyzed one at a time, only as far down as the k hits
need.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace

from index import feedback
from index.analyze import Analyzer
from index.backend import Backend
from index.catalog import Catalog
from index.evidence import Wording, marks_of, near_duplicate
from index.fields import headings
from index.model import DocumentInfo, Passage
from index.query import Query
from index.question import asks, holds
from index.settings import Settings
from index.snippet import Token, snippet

RERANK_DEPTH = 30  # passages, best first by BM25, that the kind of answer can reorder
KIND_BONUS = 0.15  # how much a passage's score rises when its quote holds the kind asked for
SENTENCE_DEPTH = 10  # passages the sentence bonus alone reorders (as good as 30 on SQuAD)
SENTENCE_BONUS = 0.2  # a question's passage rises by this × the share of its weight in the quote
FOLD_DEPTH = 480  # passages looked at, at most, to find k that are not near-duplicates
PROXIMITY_BONUS = 0.5  # a question's passage rises by this × the share of its word pairs held close
PROXIMITY_WINDOW = 8  # words within which two of the question's words count as held together
ORDERED_SHARE = 0.5  # of a pair's part, what the two words written in the question's order add


@dataclass(frozen=True)
class Found:
    """A ranked passage with everything needed to show it and to compare it with others."""

    position: int  # rank by BM25 alone, from 0
    bm25: float
    score: float  # BM25, raised by the kind, sentence and proximity bonuses (module docstring)
    passage: Passage
    quote: str
    wording: Wording  # of the quote, to find near-duplicates
    matched_words: tuple[str, ...]
    matched: frozenset[str]  # query terms found in the text, section or title
    kind: bool  # the quote holds the kind of answer asked for
    in_quote: frozenset[str] = frozenset()  # query terms in the quote's sentences
    near: float = 0.0  # share of the question's word pairs the passage holds close together
    also: tuple[tuple[DocumentInfo, str], ...] = ()  # folded near-duplicates: document, id


class Ranker:
    """Rank the passages of one index for queries."""

    def __init__(
        self, catalog: Catalog, backend: Backend, analyzer: Analyzer, settings: Settings
    ) -> None:
        self.catalog = catalog
        self.backend = backend
        self.analyzer = analyzer
        self.settings = settings

    def ranked(self, query: Query, k: int) -> list[Found]:
        """Return up to k passages, best first, near-duplicates folded into the first of them."""
        depth = max(RERANK_DEPTH, 2 * k)
        terms, boosts = self._expanded(query)
        while True:
            top = self.backend.top(terms, depth, boosts)
            kept = self._fold(query, top, k)
            # Many near-duplicates: look further down, but not through the whole corpus (a
            # passage copied into thousands of files would cost seconds per question).
            if len(kept) >= k or len(top) < depth or depth >= FOLD_DEPTH:
                return kept
            depth = min(depth * 4, FOLD_DEPTH)

    def _expanded(self, query: Query) -> tuple[list[str], list[float]]:
        """Return the terms to rank by and their boosts: a statement's gain its feedback terms."""
        terms, boosts = query.searched, query.boosts
        short = len(query.concepts) <= feedback.MAX_WORDS
        if feedback.FEEDBACK_WEIGHT <= 0 or asks(query.text) or not terms or not short:
            return terms, boosts
        first = self.backend.top(terms, feedback.FEEDBACK_PASSAGES, boosts)
        added = feedback.expansion(
            first,
            lambda i: self.analyzer.terms(self.catalog.passage(i).text),
            self.backend.frequencies,
            self.backend.passages,
            set(terms),
        )
        return terms + [t for t, _ in added], boosts + [b for _, b in added]

    def _fold(self, query: Query, top: list[tuple[int, float]], k: int) -> list[Found]:
        # Only a kind of answer or a question reorders the first passages; otherwise each
        # passage is analyzed (the costly part of a search) only when it is needed.
        head: list[Found] = []
        question = asks(query.text)
        sentences = SENTENCE_BONUS > 0 and question
        near = PROXIMITY_BONUS > 0 and question
        if query.shape.kind is not None or sentences or near:
            depth = RERANK_DEPTH if query.shape.kind is not None else SENTENCE_DEPTH
            pairs = word_pairs(query) if near else ()
            head = [self._found(n, i, s, query, pairs) for n, (i, s) in enumerate(top[:depth])]
            weight = query.weights
            total = sum(weight[t] for t in query.searched) or 1.0
            head = [
                replace(
                    f,
                    score=f.bm25
                    * (1 + self._bonus(f, sentences, weight, total) + PROXIMITY_BONUS * f.near),
                )
                for f in head
            ]
            head.sort(key=lambda f: (-f.score, f.position))
        kept: list[Found] = []
        n = len(head)
        candidates = iter(head)
        while len(kept) < k:
            f = next(candidates, None)
            if f is None:
                if n >= len(top):
                    break
                i, score = top[n]
                f = self._found(n, i, score, query)
                n += 1
            self._keep(kept, f)
        return kept

    @staticmethod
    def _bonus(f: Found, sentences: bool, weight: dict[str, float], total: float) -> float:
        """Return how much a passage rises: the kind asked for, and the question's sentence."""
        bonus = KIND_BONUS if f.kind else 0.0
        if sentences:
            bonus += SENTENCE_BONUS * sum(weight[t] for t in f.in_quote) / total
        return bonus

    def _keep(self, kept: list[Found], f: Found) -> None:
        """Add `f` to the kept passages, or fold it into a near-identical one."""
        for j, other in enumerate(kept):
            if not near_duplicate(f.wording, other.wording):
                continue
            doc = f.passage.doc
            if doc != other.passage.doc and all(d.doc != doc for d, _ in other.also):
                also = (self.catalog.document_of(f.passage), f.passage.id)
                kept[j] = replace(other, also=(*other.also, also))
            return
        kept.append(f)

    def _found(
        self, position: int, i: int, score: float, query: Query, pairs: Sequence[Pair] = ()
    ) -> Found:
        passage = self.catalog.passage(i)
        weight = query.weights
        tokens = self.analyzer.spans(passage.text)
        quoted = snippet(passage.text, tokens, weight)
        matched = set(quoted.terms)
        for heading, _ in headings(passage, self.settings):
            matched.update(t for t in self.analyzer.terms(heading) if t in weight)
        first, end = quoted.start, quoted.end
        quoted_tokens = [(a, b, terms) for a, b, terms in tokens if first <= a < end]
        wording = Wording.of(
            [t for _, _, terms in quoted_tokens for t in terms], marks_of(quoted.quote)
        )
        kind = query.shape.kind is not None and holds(query.shape.kind, quoted.quote, query.words)
        in_quote = frozenset(t for _, _, terms in quoted_tokens for t in terms if t in weight)
        return Found(
            position,
            score,
            score,
            passage,
            quoted.quote,
            wording,
            quoted.words,
            frozenset(matched),
            kind,
            in_quote,
            nearness(tokens, pairs) if pairs else 0.0,
        )


Pair = tuple[frozenset[str], frozenset[str], float]  # terms of two question words, weight


def word_pairs(query: Query) -> list[Pair]:
    """Return each pair of consecutive question words that passages hold, with its weight."""
    words: dict[int, set[str]] = {}
    for t in query.terms:
        if t.df:
            words.setdefault(t.concept, set()).add(t.term)
    order = sorted(words)
    return [
        (frozenset(words[a]), frozenset(words[b]), min(query.concepts[a], query.concepts[b]))
        for a, b in itertools.pairwise(order)
    ]


def nearness(tokens: Sequence[Token], pairs: Sequence[Pair]) -> float:
    """Return the weighted share of the word pairs that a passage's words hold close together.

    A pair counts when its two words stand within PROXIMITY_WINDOW words of each other in
    any order, and counts ORDERED_SHARE more when the second follows the first with no other
    informative word between them ("prime minister", "minister of defence").
    """
    wanted = set().union(*(a | b for a, b, _ in pairs))
    where: dict[str, list[tuple[int, int]]] = {}
    content = 0
    for word, (_, _, terms) in enumerate(tokens):
        if not terms:
            continue
        for t in terms:
            if t in wanted:
                where.setdefault(t, []).append((word, content))
        content += 1
    total = sum(w for _, _, w in pairs) or 1.0
    held = 0.0
    for a, b, weight in pairs:
        first = [p for t in a for p in where.get(t, ())]
        second = [p for t in b for p in where.get(t, ())]
        if not first or not second:
            continue
        close = any(abs(x - y) < PROXIMITY_WINDOW for x, _ in first for y, _ in second)
        if not close:
            continue
        follows = {c + 1 for _, c in first}
        ordered = any(c in follows for _, c in second)
        held += weight * ((1 - ORDERED_SHARE) + (ORDERED_SHARE if ordered else 0.0))
    return held / total
