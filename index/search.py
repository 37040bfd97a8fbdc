"""Search a built index: top-k passages, quotes, matched terms and abstention."""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass

import numpy as np

from index.analyze import Analyzer, Token
from index.backend import Backend, IndexBackend
from index.errors import UnknownPassageError
from index.model import Answer, DocumentInfo, Hit, Passage, SourceView
from index.sentences import sentence_spans
from index.settings import Settings
from index.store import IndexData, StringTable

_ID = re.compile(r"^(?P<doc>[^#\x00]{1,1000})#(?P<n>[1-9][0-9]{0,8})$")
SHORT_QUOTE = 80  # a best sentence shorter than this gets a neighbour for context


@dataclass(frozen=True)
class QueryTerm:
    """An informative term of the question, the word it came from and its weight."""

    term: str
    word: str
    df: int  # how many passages hold it (0: none)
    weight: float


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
        }

    # -- Questions --------------------------------------------------------------------------

    def query_terms(self, question: str) -> list[QueryTerm]:
        """Return the distinct informative terms of a question with their weights."""
        words: dict[str, str] = {}
        for token in self.analyzer.tokens(question):
            for term in token.terms:
                words.setdefault(term, question[token.start : token.end])
        frequencies = self.backend.frequencies(list(words))
        return [
            QueryTerm(term, word, df, max(math.log((self.n + 1) / (df + 0.5)), 0.0))
            for (term, word), df in zip(words.items(), frequencies, strict=True)
        ]

    def search(self, question: str, k: int) -> Answer:
        """Return the top-k passages for a question, or an abstention with the closest ones."""
        question = question.strip()
        if not question:
            return Answer(question, False, (), reason="empty")
        terms = self.query_terms(question)
        if not terms:
            return Answer(question, False, (), reason="no_terms")
        unmatched = tuple(dict.fromkeys(t.word for t in terms if not t.df))
        top = self.backend.top([t.term for t in terms if t.df], k)
        if not top:
            return Answer(question, False, (), reason="no_match", unmatched_terms=unmatched)
        hits = [self._hit(i, score, terms) for i, score in top]
        total = sum(t.weight for t in terms) or 1.0
        best = max(_coverage(hit, terms) for hit in hits) / total
        answered = best >= self.settings.min_coverage
        return Answer(
            question,
            answered,
            tuple(h for h, _ in hits),
            reason=None if answered else "weak_match",
            unmatched_terms=unmatched,
        )

    def _hit(self, i: int, score: float, terms: list[QueryTerm]) -> tuple[Hit, frozenset[str]]:
        passage = self.passage(i)
        wanted = {t.term for t in terms}
        tokens = list(self.analyzer.tokens(passage.text))
        matched = {t for tok in tokens for t in tok.terms if t in wanted}
        if passage.section and self.settings.section_weight:
            matched |= wanted.intersection(self.analyzer.terms(passage.section))
        if self.settings.title_weight:
            matched |= wanted.intersection(self.analyzer.terms(passage.title))
        words = tuple(
            dict.fromkeys(
                passage.text[tok.start : tok.end]
                for tok in tokens
                if wanted.intersection(tok.terms)
            )
        )
        hit = Hit(
            passage=passage,
            score=score,
            quote=self._quote(passage.text, tokens, terms),
            matched_terms=words,
            source=self.document_of(passage),
        )
        return hit, frozenset(matched)

    def _quote(self, text: str, tokens: list[Token], terms: list[QueryTerm]) -> str:
        """Return the one or two consecutive sentences of `text` that best match the terms."""
        spans = sentence_spans(text)
        if len(spans) <= 1:
            return text.strip()
        weight = {t.term: t.weight for t in terms}
        found: list[set[str]] = [set() for _ in spans]
        s = 0
        for tok in tokens:
            while s < len(spans) - 1 and tok.start >= spans[s][1]:
                s += 1
            found[s].update(t for t in tok.terms if t in weight)

        def value(terms_found: set[str]) -> float:
            return sum(weight[t] for t in terms_found)

        best = max(range(len(spans)), key=lambda j: (value(found[j]), -j))
        start, end = spans[best]
        # Add a neighbour when it brings new matched terms, or when the sentence is short.
        options = [j for j in (best + 1, best - 1) if 0 <= j < len(spans)]
        gains = {j: value(found[j] - found[best]) for j in options}
        pick = max(options, key=lambda j: (gains[j], j > best), default=None)
        if pick is not None and (gains[pick] > 0 or end - start < SHORT_QUOTE):
            start, end = min(start, spans[pick][0]), max(end, spans[pick][1])
        return text[start:end]


def _coverage(hit: tuple[Hit, frozenset[str]], terms: list[QueryTerm]) -> float:
    matched = hit[1]
    return sum(t.weight for t in terms if t.term in matched)
