"""Search a built index: ranked passages, quotes, corroboration, disagreement, abstention.

A question goes through the same analyzer as the passages. BM25 (as rank-bm25 defines it)
ranks the passages; among the first RERANK_DEPTH, a passage whose quote holds the kind of thing
the question asks for (a name for "who", a date for "when", a number for "how many", a place
for "where") rises by KIND_BONUS. Near-identical passages are folded into one hit ("also
reported by"), and the question is answered only when the best passage holds enough of what it
asks about; otherwise the closest passages are still listed.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field

import numpy as np

from index.abstain import Reason
from index.analyze import Analyzer
from index.backend import Backend, IndexBackend
from index.errors import UnknownPassageError
from index.evidence import (
    Statement,
    Wording,
    concerns,
    disagreements,
    figures,
    near_duplicate,
)
from index.model import KINDS, Answer, Claim, Conflict, DocumentInfo, Hit, Passage, SourceView
from index.question import Shape, holds, shape
from index.sentences import sentence_spans
from index.settings import Settings
from index.store import IndexData, StringTable

_ID = re.compile(r"^(?P<doc>[^#\x00]{1,1000})#(?P<n>[1-9][0-9]{0,8})$")
_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
SHORT_QUOTE = 80  # a best sentence shorter than this gets a neighbour for context
RERANK_DEPTH = 30  # passages, best first by BM25, that the kind of answer can reorder
KIND_BONUS = 0.3  # how much a passage's score rises when its quote holds the kind asked for
CONFLICT_DEPTH = 5  # hits compared for differing figures
FOLD_DEPTH = 480  # passages looked at, at most, to find k that are not near-duplicates


@dataclass(frozen=True)
class QueryTerm:
    """An informative term of the question, the word it came from and its weight."""

    term: str
    word: str
    df: int  # how many passages hold it (0: none)
    weight: float
    concept: int = 0  # terms of one question word, or of its synonyms, share a concept
    name: bool = False  # the word is written as a name or a number ("Tokyo", "GDP", "2018")


@dataclass(frozen=True)
class Query:
    """A question as the index sees it: its terms, grouped by word, and what it asks for."""

    text: str
    terms: tuple[QueryTerm, ...]
    shape: Shape
    words: frozenset[str]  # the question's words, lowercased
    concepts: dict[int, float] = field(default_factory=dict)  # concept -> weight

    @property
    def weights(self) -> dict[str, float]:
        """Return each term's weight (idf-like: rarer terms weigh more)."""
        return {t.term: t.weight for t in self.terms}

    @property
    def searched(self) -> list[str]:
        """Return the terms that some passage holds."""
        return [t.term for t in self.terms if t.df]

    @property
    def unmatched(self) -> tuple[str, ...]:
        """Return the question's words that no passage mentions, even through a synonym."""
        found = {t.concept for t in self.terms if t.df}
        return tuple(dict.fromkeys(t.word for t in self.terms if t.concept not in found))

    @property
    def unknown_names(self) -> tuple[str, ...]:
        """Return the names and numbers of the question that no passage mentions."""
        found = {t.concept for t in self.terms if t.df}
        return tuple(dict.fromkeys(t.word for t in self.terms if t.name and t.concept not in found))

    def coverage(self, matched: set[str]) -> float:
        """Return the weighted share of the question's concepts that `matched` terms cover."""
        total = sum(self.concepts.values())
        if not total:
            return 0.0
        covered = {t.concept for t in self.terms if t.term in matched}
        return sum(w for c, w in self.concepts.items() if c in covered) / total


@dataclass
class _Found:
    """A ranked passage with everything needed to show it and to compare it with others."""

    position: int
    bm25: float
    score: float
    passage: Passage
    quote: str
    wording: Wording  # of the quote, to find near-duplicates
    matched_words: tuple[str, ...]
    matched: set[str]  # query terms found in the text, section or title
    kind: bool  # the quote holds the kind of answer asked for
    also: list[tuple[DocumentInfo, str]] = field(default_factory=list)


class Searcher:
    """Answer questions from a built index."""

    def __init__(
        self,
        data: IndexData,
        settings: Settings,
        analyzer: Analyzer | None = None,
        backend: Backend | None = None,
    ) -> None:
        self.data = data
        self.settings = settings
        self.analyzer = analyzer or Analyzer()
        a = data.arrays
        # Scores come from the backend; passages, quotes and citations from this index.
        self.backend: Backend = backend or IndexBackend(data)
        self._sections = StringTable(a["sec_blob"], a["sec_off"])
        self.n = len(a["doc_len"])
        self._documents = [DocumentInfo(**d) for d in data.header["documents"]]
        self._doc_index = {d.doc: i for i, d in enumerate(self._documents)}
        counts = np.asarray([d.passages for d in self._documents], dtype=np.int64)
        self._doc_start = np.concatenate(([0], np.cumsum(counts)))
        # Each synonym group as the analyzed terms of its members ("Nagorno-Karabakh" is
        # three terms; a member is in a question when all of its terms are).
        self._synonyms = [
            [m for m in (tuple(self.analyzer.terms(w)) for w in (key, *values)) if m]
            for key, values in settings.synonyms
        ]

    # -- Passages ---------------------------------------------------------------------------

    def documents(self) -> list[DocumentInfo]:
        """Return the indexed documents in corpus order."""
        return list(self._documents)

    def passage(self, i: int) -> Passage:
        """Return passage number `i` (0-based position in the index)."""
        a = self.data.arrays
        doc = self._documents[int(a["p_doc"][i])]
        start, end = int(a["text_off"][i]), int(a["text_off"][i + 1])
        section = int(a["p_sec"][i])
        first, last = (int(x) for x in a["p_lines"][i])
        return Passage(
            id=f"{doc.doc}#{int(a['p_n'][i])}",
            doc=doc.doc,
            title=doc.title,
            section=None if section < 0 else self._sections[section],
            paragraph=int(a["p_par"][i]),
            lines=(first, last),
            text=bytes(a["text_blob"][start:end]).decode("utf-8"),
            page=int(a["p_page"][i]) or None,
            kind=KINDS[int(a["p_kind"][i])],
        )

    def locate(self, passage_id: str) -> int:
        """Return the position of a passage id like `doc#3`; raise UnknownPassageError."""
        shown = passage_id if len(passage_id) <= 80 else passage_id[:77] + "..."
        match = _ID.match(passage_id.strip())
        if not match:
            raise UnknownPassageError(
                f"{shown!r} is not a passage id (expected DOC#N, for example {self._example_id()})"
            )
        index = self._doc_index.get(match["doc"])
        if index is None:
            raise UnknownPassageError(f"no document {match['doc']!r} in this index")
        n = int(match["n"])
        count = self._documents[index].passages
        if n > count:
            raise UnknownPassageError(
                f"{match['doc']!r} has {count} passage{'s' if count != 1 else ''}; there is no #{n}"
            )
        return int(self._doc_start[index]) + n - 1

    def _example_id(self) -> str:
        return f"{self._documents[0].doc}#1" if self._documents else "notes#1"

    def source(self, passage_id: str) -> SourceView:
        """Return a passage in full with its citation and its neighbours in the document."""
        i = self.locate(passage_id)
        passage = self.passage(i)
        doc = self._doc_index[passage.doc]
        start, end = int(self._doc_start[doc]), int(self._doc_start[doc + 1])
        return SourceView(
            passage=passage,
            source=self._documents[doc],
            before=self.passage(i - 1) if i - 1 >= start else None,
            after=self.passage(i + 1) if i + 1 < end else None,
        )

    def document_of(self, passage: Passage) -> DocumentInfo:
        """Return the document a passage belongs to."""
        return self._documents[self._doc_index[passage.doc]]

    def stats(self) -> dict[str, object]:
        """Return what the index holds and how it was built."""
        header = self.data.header
        lengths = self.data.arrays["doc_len"]
        built = header.get("built_at")
        return {
            "documents": len(self._documents),
            "passages": self.n,
            "terms": self.backend.terms,
            "postings": len(self.data.arrays["post_docs"]),
            "mean_passage_terms": round(float(lengths.mean()), 1) if self.n else 0.0,
            "variant": self.settings.variant,
            "k1": self.settings.k1,
            "b": self.settings.b,
            "built_at": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(built))
            if built
            else None,
            "build_seconds": header.get("build_seconds"),
            "skipped": [f"{path}: {reason}" for path, reason in header.get("skipped", [])],
            "encodings": {d.path: d.encoding for d in self._documents if d.encoding},
        }

    # -- Questions --------------------------------------------------------------------------

    def query_terms(self, question: str) -> list[QueryTerm]:
        """Return the distinct informative terms of a question with their weights."""
        return list(self.parse(question).terms)

    def parse(self, question: str) -> Query:
        """Return the terms of a question, its synonyms' terms, and what kind of answer it wants."""
        asked = shape(question)
        words: dict[str, tuple[str, int, bool]] = {}  # term -> (word as written, concept, name)
        concept = 0
        for n, (start, end, found) in enumerate(self.analyzer.spans(question)):
            word = question[start:end]
            if word.lower() in asked.frame_words or not found:
                continue
            concept += 1
            for term in found:
                words.setdefault(term, (word, concept, _is_name(word, n == 0)))
        for group in self._synonyms:
            present = [m for m in group if all(t in words for t in m)]
            if not present:
                continue
            word, own, name = words[present[0][0]]
            for member in group:
                for term in member:
                    words.setdefault(term, (word, own, name))
        frequencies = self.backend.frequencies(list(words))
        terms = tuple(
            QueryTerm(term, word, df, max(math.log((self.n + 1) / (df + 0.5)), 0.0), c, name)
            for (term, (word, c, name)), df in zip(words.items(), frequencies, strict=True)
        )
        # A concept weighs as much as its most informative term that some passage holds (or,
        # when none does, as much as a word no passage holds).
        concepts: dict[int, float] = {}
        for c in dict.fromkeys(t.concept for t in terms):
            members = [t for t in terms if t.concept == c]
            concepts[c] = max([t.weight for t in members if t.df] or [t.weight for t in members])
        lowered = frozenset(w.lower() for w in _WORD.findall(question))
        return Query(question, terms, asked, lowered, concepts)

    def search(self, question: str, k: int) -> Answer:
        """Return the top-k passages for a question, or an abstention with the closest ones."""
        question = question.strip()
        if not question:
            return Answer(question, False, (), reason=Reason.EMPTY)
        query = self.parse(question)
        if not query.terms:
            return Answer(question, False, (), reason=Reason.NO_TERMS)
        unmatched = query.unmatched
        if not query.searched or k <= 0:
            reason = Reason.NO_MATCH if not query.searched else Reason.WEAK_MATCH
            return Answer(question, False, (), reason=reason, unmatched_terms=unmatched)
        found = self._ranked(query, k)
        if not found:
            return Answer(question, False, (), reason=Reason.NO_MATCH, unmatched_terms=unmatched)
        answered = self._answers(query, found[0])
        hits = tuple(self._hit(f) for f in found)
        return Answer(
            question,
            answered,
            hits,
            reason=None if answered else Reason.WEAK_MATCH,
            unmatched_terms=unmatched,
            conflicts=self._conflicts(query, found) if answered else (),
        )

    def _answers(self, query: Query, best: _Found) -> bool:
        """Tell whether the best passage holds enough of the question to answer it.

        Not when the question names something no source mentions ("the population of
        Tokyo"), nor when the best passage holds less than `min_coverage` of the question's
        informative words, weighted by how rare they are.
        """
        if query.unknown_names:
            return False
        return query.coverage(best.matched) >= self.settings.min_coverage

    # -- Ranking ----------------------------------------------------------------------------

    def _ranked(self, query: Query, k: int) -> list[_Found]:
        """Return up to k passages, best first, near-duplicates folded into the first of them."""
        depth = max(RERANK_DEPTH, 2 * k)
        while True:
            top = self.backend.top(query.searched, depth)
            kept = self._fold(query, top, k)
            # Many near-duplicates: look further down, but not through the whole corpus (a
            # passage copied into thousands of files would cost seconds per question).
            if len(kept) >= k or len(top) < depth or depth >= FOLD_DEPTH:
                return kept
            depth = min(depth * 4, FOLD_DEPTH)

    def _fold(self, query: Query, top: list[tuple[int, float]], k: int) -> list[_Found]:
        # Only a kind of answer reorders the first passages; without one, each passage is
        # analyzed (the costly part of a search) only when it is needed.
        head: list[_Found] = []
        if query.shape.kind is not None:
            head = [self._found(n, i, s, query) for n, (i, s) in enumerate(top[:RERANK_DEPTH])]
            for f in head:
                if f.kind:
                    f.score = f.bm25 * (1 + KIND_BONUS)
            head.sort(key=lambda f: (-f.score, f.position))
        kept: list[_Found] = []
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

    def _keep(self, kept: list[_Found], f: _Found) -> None:
        """Add `f` to the kept passages, or fold it into a near-identical one."""
        for other in kept:
            if not near_duplicate(f.wording, other.wording):
                continue
            doc = f.passage.doc
            if doc != other.passage.doc and all(d.doc != doc for d, _ in other.also):
                other.also.append((self.document_of(f.passage), f.passage.id))
            return
        kept.append(f)

    def _found(self, position: int, i: int, score: float, query: Query) -> _Found:
        passage = self.passage(i)
        text = passage.text
        weight = query.weights
        spans = sentence_spans(text) or [(0, len(text))]
        tokens = self.analyzer.spans(text)
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
        matched = set().union(*per_sentence)
        if passage.section and self.settings.section_weight:
            matched.update(t for t in self.analyzer.terms(passage.section) if t in weight)
        if self.settings.title_weight and passage.id.endswith("#1"):
            matched.update(t for t in self.analyzer.terms(passage.title) if t in weight)
        first, end = _quote(spans, per_sentence, weight)
        quote = text[first:end]
        wording = Wording.of([t for a, _, terms in tokens if first <= a < end for t in terms])
        kind = query.shape.kind is not None and holds(query.shape.kind, quote, query.words)
        return _Found(position, score, score, passage, quote, wording, tuple(words), matched, kind)

    def _hit(self, f: _Found) -> Hit:
        return Hit(
            passage=f.passage,
            score=f.score,
            quote=f.quote,
            matched_terms=f.matched_words,
            source=self.document_of(f.passage),
            also_in=tuple(d for d, _ in f.also),
            also_ids=tuple(i for _, i in f.also),
        )

    def _conflicts(self, query: Query, found: list[_Found]) -> tuple[Conflict, ...]:
        """Return where the first hits of different documents give different figures.

        Only figures on what the question asks about count: a question about evacuated
        children is not told that the death tolls differ.
        """
        shown = found[:CONFLICT_DEPTH]
        statements = [
            Statement(f.passage.id, f.passage.doc, f.quote, tuple(figures(f.quote, self._noun)))
            for f in shown
        ]
        rank = {f.passage.id: n for n, f in enumerate(shown, 1)}
        by_id = {f.passage.id: f.passage for f in shown}
        return tuple(
            Conflict(
                d.about,
                tuple(
                    Claim(pid, by_id[pid].doc, by_id[pid].title, words, rank[pid])
                    for pid, words in d.parts
                ),
            )
            for d in disagreements(statements)
            if concerns(d.about, query.words, (t.term for t in query.terms))
        )

    def _noun(self, word: str) -> str:
        terms = self.analyzer.terms(word)
        return terms[0] if terms else word.lower()


def _is_name(word: str, first: bool) -> bool:
    """Tell whether a question word is written as a name or a number ("Tokyo", "GDP", "2018")."""
    if word[:1].isdigit() or any(c.isupper() for c in word[1:]):
        return True
    return word[:1].isupper() and not first


def _quote(
    spans: list[tuple[int, int]], found: list[set[str]], weight: dict[str, float]
) -> tuple[int, int]:
    """Return the span of the one or two consecutive sentences that best match the question."""
    if len(spans) == 1:
        return spans[0]

    def value(terms: set[str]) -> float:
        return sum(weight[t] for t in terms)

    best = max(range(len(spans)), key=lambda j: (value(found[j]), -j))
    start, end = spans[best]
    # Add a neighbour when it brings new matched terms, or when the sentence is short.
    options = [j for j in (best + 1, best - 1) if 0 <= j < len(spans)]
    gains = {j: value(found[j] - found[best]) for j in options}
    pick = max(options, key=lambda j: (gains[j], j > best), default=None)
    if pick is not None and (gains[pick] > 0 or end - start < SHORT_QUOTE):
        start, end = min(start, spans[pick][0]), max(end, spans[pick][1])
    return start, end
