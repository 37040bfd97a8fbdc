"""Search a built index: the `Searcher` that turns a question into an `Answer`.

A search composes one module per concern, each of which a change opens alone:

- `index.query` parses the question into weighted terms grouped by word, with synonyms and
  irregular inflections (`index.variants`); a follow-up is combined with the previous
  question and its answer (`index.followup`), and passages near that answer come first among
  close ones (`index.locality`);
- `index.rank` ranks passages by BM25, raises those whose quote holds the kind of answer asked
  for (and, for a question, those holding its words together) and folds near-identical ones
  into one hit ("also reported by"); a short keyword query
  is first expanded with terms of its first passages (`index.feedback`);
- `index.snippet` chooses each passage's quote and the words to bold;
- `index.abstain` decides whether the best passage answers the question, read against how
  the corpus's documents divide its subjects (`index.calibrate`); otherwise the closest
  passages are still listed;
- `index.evidence` finds where the hits of different documents give different figures;
- `index.catalog` holds the passages and documents, by position and by id.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from index import calibrate, locality
from index.abstain import DEPTH, Reason, answers, unsearchable
from index.analyze import Analyzer
from index.backend import Backend, IndexBackend
from index.catalog import Catalog, IndexStats
from index.errors import UnknownPassageError
from index.evidence import conflicts
from index.followup import Turn, asks_other, leans_on_previous, read_after
from index.model import Answer, Correction, DocumentInfo, Hit, Passage, SourceView
from index.query import Query, QueryParser
from index.rank import Found, Ranker
from index.settings import Settings
from index.spelling import Speller
from index.store import IndexData, StringTable

CHARS_PER_WORD = 6  # characters per running English word, counting the space after it
NAME_PASSAGES = 5  # passages read to tell whether the sources write a term as a name
_SENTENCE_END = frozenset(".!?:;\"“”'‘’([")
QUESTION_MAX = 4000  # characters of a question that are searched (a Discord message holds 4,000)


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
        # Scores come from the backend; passages, quotes and citations from this index.
        self.backend: Backend = backend or IndexBackend(data)
        self.catalog = Catalog(data)
        self.n = self.catalog.n
        # Running words per passage, for the weight of a word no passage holds.
        mean_words = float(data.arrays["text_off"][-1]) / max(self.n, 1) / CHARS_PER_WORD
        self._speller: Speller | None = None
        self.parser = QueryParser(
            self.analyzer,
            self.backend,
            self.n,
            settings.synonyms,
            mean_words=mean_words,
            speller=self._spell,
            named=self._named,
        )
        self.ranker = Ranker(self.catalog, self.backend, self.analyzer, settings)
        self._lift: float | None = None

    @property
    def lift(self) -> float:
        """Return the abstention rule's lift for this corpus (`index.calibrate`).

        The build stores the corpus's structure in the index (`index.api` rebuilds an index
        without it); one handed over without it is measured at its first question.
        """
        if self._lift is None:
            structure = calibrate.Structure.from_header(self.data.header)
            self._lift = calibrate.lift(structure or calibrate.measure(self))
        return self._lift

    def _spell(self) -> Speller:
        """Return the speller over this index's vocabulary (built at the first unknown word)."""
        if self._speller is None:
            a = self.data.arrays
            vocabulary = StringTable(a["vocab_blob"], a["vocab_off"])
            counts = np.diff(a["post_ptr"]).tolist()
            self._speller = Speller([vocabulary[i] for i in range(len(vocabulary))], counts)
        return self._speller

    def _named(self, term: str) -> bool:
        """Tell whether the sources write a term as a name: with a capital inside a sentence.

        Read from the first passages holding it; a term seen only opening sentences counts
        as a name.
        """
        inside = capitalised = 0
        for i, _ in self.backend.top([term], NAME_PASSAGES):
            text = self.catalog.passage(i).text
            for start, end, terms in self.analyzer.spans(text):
                if term not in terms:
                    continue
                before = text[:start].rstrip()
                if not before or before[-1] in _SENTENCE_END:
                    continue
                inside += 1
                capitalised += any(c.isupper() for c in text[start:end])
        return not inside or 2 * capitalised >= inside

    def documents(self) -> list[DocumentInfo]:
        """Return the indexed documents in corpus order."""
        return self.catalog.documents()

    def passage(self, i: int) -> Passage:
        """Return passage number `i` (0-based position in the index)."""
        return self.catalog.passage(i)

    def locate(self, passage_id: str) -> int:
        """Return the position of a passage id like `doc#3`; raise UnknownPassageError."""
        return self.catalog.locate(passage_id)

    def source(self, passage_id: str) -> SourceView:
        """Return a passage in full with its citation and its neighbours in the document."""
        return self.catalog.source(passage_id)

    def document_of(self, passage: Passage) -> DocumentInfo:
        """Return the document a passage belongs to."""
        return self.catalog.document_of(passage)

    def stats(self) -> IndexStats:
        """Return what the index holds and how it was built."""
        stats = self.catalog.stats(self.backend.terms, self.settings)
        return replace(stats, abstain_lift=round(self.lift, 3))

    def parse(self, question: str) -> Query:
        """Return the terms of a question, its synonyms' terms, and what kind of answer it wants."""
        return self.parser.parse(question)

    def search(self, question: str, k: int, context: str | Turn | None = None) -> Answer:
        """Return the top-k passages for a question, or an abstention with the closest ones.

        `context` is what a conversation held before: the previous question, or the last
        `Turn` (the question as it was read and its answer's first passage). When the
        question leans on it ("and how many were injured?"), both are searched together
        (`index.followup`, `index.locality`) and the answer's `context` names the question;
        otherwise the question is searched alone.
        """
        question = bounded(question.strip())
        if not question:
            return Answer(question, False, (), reason=Reason.EMPTY)
        query = self.parser.parse(question)
        turn = _turn(context)
        around = None
        if turn and turn.question != question and leans_on_previous(question):
            parse = self.parser.parse
            query, around = read_after(query, turn, parse, self._passage, self.analyzer)
        else:
            turn = None
        reason = unsearchable(query, k)
        # The abstention rule looks at the first DEPTH passages however many are shown.
        shown = max(k, DEPTH)
        depth = max(shown, locality.NEAR_DEPTH) if around is not None else shown
        found = self.ranker.ranked(query, depth) if reason is None else []
        if around is not None:
            found = locality.nearer(found, around, shown, asks_other(question))
        context = turn.text if turn else None
        after = around.id if around is not None else None
        if not found:
            reason = reason or Reason.NO_MATCH
            return Answer(
                question,
                False,
                (),
                reason=reason,
                unmatched_terms=query.unmatched,
                context=context,
                context_passage=after,
            )
        answered = answers(query, found, self.settings.min_coverage, self.lift)
        found = found[:k]
        quoted = [(f.passage, f.quote) for f in found]
        terms = [t.term for t in query.terms]
        return Answer(
            question,
            answered,
            tuple(self._hit(f) for f in found),
            reason=None if answered else Reason.WEAK_MATCH,
            unmatched_terms=query.unmatched,
            conflicts=conflicts(quoted, query.words, terms, self._noun) if answered else (),
            corrected=self._corrections(query, found),
            context=context,
            context_passage=after,
        )

    def _passage(self, passage_id: str | None) -> Passage | None:
        """Return the passage a conversation's last answer showed first, if the index holds it."""
        if passage_id is None:
            return None
        try:
            return self.catalog.passage(self.catalog.locate(passage_id))
        except UnknownPassageError:  # the index was rebuilt without it
            return None

    def _corrections(self, query: Query, found: list[Found]) -> tuple[Correction, ...]:
        """Return each correction with the searched term as the passages shown write it."""
        out = []
        for asked, term in query.corrected:
            written = next(
                (
                    f.passage.text[start:end]
                    for f in found
                    for start, end, terms in self.analyzer.spans(f.passage.text)
                    if term in terms
                ),
                term,
            )
            out.append(Correction(asked, written))
        return tuple(out)

    def _hit(self, f: Found) -> Hit:
        return Hit(
            passage=f.passage,
            score=f.score,
            quote=f.quote,
            matched_terms=f.matched_words,
            source=self.document_of(f.passage),
            also_in=tuple(d for d, _ in f.also),
            also_ids=tuple(i for _, i in f.also),
        )

    def _noun(self, word: str) -> str:
        """Return a counted noun's term, to compare figures on analyzed nouns."""
        terms = self.analyzer.terms(word)
        return terms[0] if terms else word.lower()


def _turn(context: str | Turn | None) -> Turn | None:
    """Return a conversation's context as a turn, its questions cut to what is searched."""
    if not context:
        return None
    steps = [replace(s, question=bounded(s.question.strip())) for s in Turn.of(context).steps]
    steps = [s for s in steps if s.question]
    return Turn(tuple(steps)) if steps else None


def bounded(question: str) -> str:
    """Return the part of a question that is searched: its first QUESTION_MAX characters.

    Parsing grows faster than the length of a question, so a pasted page is cut (at a word
    end) rather than allowed to hold a worker for minutes.
    """
    if len(question) <= QUESTION_MAX:
        return question
    head = question[:QUESTION_MAX]
    space = head.rfind(" ", QUESTION_MAX // 2)
    return (head[:space] if space > 0 else head).rstrip()
