"""Typed values that flow through the pipeline, from files to answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from index.abstain import Reason


@dataclass(frozen=True)
class Metadata:
    """What is known about a document's origin."""

    title: str | None = None
    publisher: str | None = None
    date: str | None = None
    url: str | None = None


KINDS = ("prose", "list", "code", "table")  # what a passage is; its position is stored


@dataclass(frozen=True)
class Block:
    """A run of a file's text as its reader found it, with where it stands in the file.

    - `first`, `last`: 1-based line numbers, inclusive: of the file for text formats, of the
      page for PDF (as the parser extracted it), the paragraph's position for Word.
    - `marked`: "heading" or "item" when the format says so; empty when only the text can tell.
    - `kind`: one of KINDS; `page`: 1-based, None for formats without pages; `level`: a
      heading's level (1 is the document's title level), 0 when unknown.
    """

    first: int
    last: int
    text: str  # verbatim (trimmed) text
    marked: str = ""
    kind: str = "prose"
    page: int | None = None
    level: int = 0


@dataclass(frozen=True)
class Document:
    """A readable file of the corpus: its text as blocks, and its metadata."""

    doc: str  # path relative to the corpus folder, without extension
    path: str  # path relative to the corpus folder, with extension
    meta: Metadata
    kind: str = "text"  # the reader's name: text | markdown | html | pdf | docx | rst
    blocks: tuple[Block, ...] = ()
    # Metadata keys the author stated, even as null ("unknown"): never inferred from the text.
    stated: frozenset[str] = frozenset()
    # Whether a short first line above prose reads as the title (plain text and Markdown).
    first_line_title: bool = False
    encoding: str | None = None  # the detected encoding of a text file that is not UTF-8
    pages: int | None = None  # a PDF's page count


@dataclass(frozen=True)
class Paragraph:
    """A cleaned paragraph of a document with its location and heading."""

    text: str
    first_line: int  # 1-based, inclusive
    last_line: int
    section: str | None
    number: int  # 1-based paragraph number in the document
    page: int | None = None
    kind: str = "prose"


@dataclass(frozen=True)
class Passage:
    """One indexed chunk: a paragraph, or a part of a long one, with its citation."""

    id: str
    doc: str
    title: str
    section: str | None
    paragraph: int
    lines: tuple[int, int]
    text: str
    page: int | None = None  # 1-based, for paged formats (PDF)
    kind: str = "prose"  # one of KINDS


@dataclass(frozen=True)
class DocumentInfo:
    """A document of the index as listed by `sources`."""

    doc: str
    path: str
    title: str
    publisher: str | None
    date: str | None
    url: str | None
    passages: int
    encoding: str | None = None  # detected encoding of a text file that is not UTF-8
    pages: int | None = None  # a PDF's page count

    def to_dict(self) -> dict[str, object]:
        """Return the JSON form."""
        return {
            "doc": self.doc,
            "path": self.path,
            "title": self.title,
            "publisher": self.publisher,
            "date": self.date,
            "url": self.url,
            "passages": self.passages,
            "encoding": self.encoding,
            "pages": self.pages,
        }


@dataclass(frozen=True)
class Hit:
    """A passage found for a question, with its score and best-matching quote.

    - `score`: what the passages are ranked by, best first. The passage's BM25 score (as
      rank-bm25 defines it), raised by a fixed share when the question asks for a kind of
      answer (who: a name, when: a date, how many: a number, where: a place) and the quote
      holds one. For statements that are not such questions it is the BM25 score.
    - `quote`: the one or two consecutive sentences of the passage that best match the
      question, verbatim (a substring of `passage.text`).
    - `matched_terms`: the words of `passage.text` (verbatim, each once) that matched the
      question, for bolding.
    - `also_in`: other documents with a near-identical passage (same facts in nearly the same
      words), best first: "also reported by". Their passage ids are `also_ids`, in the same
      order. Near-duplicates within the same document are dropped without a mention.
    """

    passage: Passage
    score: float
    quote: str
    matched_terms: tuple[str, ...]  # words of the passage that matched the question
    source: DocumentInfo
    also_in: tuple[DocumentInfo, ...] = ()
    also_ids: tuple[str, ...] = ()  # passage ids of `also_in`, in the same order

    def to_dict(self) -> dict[str, object]:
        """Return the JSON form."""
        p = self.passage
        return {
            "id": p.id,
            "doc": p.doc,
            **_cited(p, self.source),
            "quote": self.quote,
            "score": round(self.score, 6),
            "matched_terms": list(self.matched_terms),
            "also_in": [
                {
                    "id": passage_id,
                    "doc": d.doc,
                    "title": d.title,
                    "publisher": d.publisher,
                    "date": d.date,
                    "url": d.url,
                }
                for d, passage_id in zip(self.also_in, self.also_ids, strict=False)
            ],
        }


@dataclass(frozen=True)
class Claim:
    """One source's side of a disagreement: its passage and the words that state its figure."""

    passage_id: str
    doc: str
    title: str
    text: str  # verbatim from the passage's quote, e.g. "four police officers"
    rank: int  # 1-based position of the passage among the answer's hits

    def to_dict(self) -> dict[str, object]:
        """Return the JSON form."""
        return {
            "id": self.passage_id,
            "doc": self.doc,
            "title": self.title,
            "text": self.text,
            "rank": self.rank,
        }


@dataclass(frozen=True)
class Conflict:
    """Sources that differ: passages of different documents giving different figures.

    `about` names what they count ("killed", "injured", or the counted noun); `claims` holds
    two or more claims, in the order of the answer's hits, each pointing at a hit by `rank`.
    A renderer shows them side by side: "Sources differ on killed: 5 persons were killed
    (Title A) · 27 deaths (Title B)".
    """

    about: str
    claims: tuple[Claim, ...]

    def to_dict(self) -> dict[str, object]:
        """Return the JSON form."""
        return {"about": self.about, "claims": [c.to_dict() for c in self.claims]}


@dataclass(frozen=True)
class Correction:
    """A question word no source uses, and the word searched for instead ("blinkin" → "Blinken")."""

    asked: str  # as the question wrote it
    searched: str  # as the sources write it

    def to_dict(self) -> dict[str, object]:
        """Return the JSON form."""
        return {"asked": self.asked, "searched": self.searched}


@dataclass(frozen=True)
class Answer:
    """What citebot says to a question: the one thing every renderer turns into output.

    - `answered`: False when the sources do not answer it; `hits` then holds the closest
      passages (possibly none) and `reason` (a `Reason`) says why.
    - `hits`: the passages, best first; near-duplicates are folded into `Hit.also_in`.
    - `unmatched_terms`: words of the question that no passage of the corpus contains, as
      the question wrote them ("no source mentions: GDP").
    - `conflicts`: where the passages shown disagree on a figure ("sources differ"); only
      for answered questions.
    - `corrected`: question words taken for misspellings and what was searched instead
      ("Searched for Blinken").
    - `context`: for a follow-up ("and how many were injured?"), the previous question it
      was searched together with (`index.followup`); None for a question taken alone.
    - `context_passage`: for a follow-up, the id of the first passage of the answer it was
      read after (`index.locality`, and whom its pronoun stands for), when there was one.
    """

    question: str
    answered: bool
    hits: tuple[Hit, ...]
    reason: Reason | None = None  # why it abstained
    unmatched_terms: tuple[str, ...] = ()
    stale: tuple[str, ...] = field(default=())  # passage ids whose file changed since indexing
    conflicts: tuple[Conflict, ...] = ()
    corrected: tuple[Correction, ...] = ()
    context: str | None = None  # the previous question a follow-up was combined with
    context_passage: str | None = None  # the first passage of the answer it followed

    def to_dict(self) -> dict[str, object]:
        """Return the JSON form."""
        data: dict[str, object] = {
            "question": self.question,
            "context": self.context,
            "context_passage": self.context_passage,
            "answered": self.answered,
            "passages": [hit.to_dict() for hit in self.hits],
            "unmatched_terms": list(self.unmatched_terms),
            "conflicts": [c.to_dict() for c in self.conflicts],
            "corrected": [c.to_dict() for c in self.corrected],
        }
        if self.reason:
            data["reason"] = str(self.reason)
        return data


@dataclass(frozen=True)
class SourceView:
    """A passage in full with its neighbours, as `/source` shows it."""

    passage: Passage
    source: DocumentInfo
    before: Passage | None
    after: Passage | None

    def to_dict(self) -> dict[str, object]:
        """Return the JSON form."""

        def brief(p: Passage | None) -> dict[str, object] | None:
            if p is None:
                return None
            return {
                "id": p.id,
                "paragraph": p.paragraph,
                "page": p.page,
                "kind": p.kind,
                "lines": list(p.lines),
                "text": p.text,
            }

        p = self.passage
        return {
            "id": p.id,
            "doc": p.doc,
            "file": self.source.path,
            **_cited(p, self.source),
            "before": brief(self.before),
            "after": brief(self.after),
        }


def _cited(p: Passage, source: DocumentInfo) -> dict[str, object]:
    """Return the JSON of what a citation of passage `p` names, from its title to its text."""
    return {
        "title": p.title,
        "publisher": source.publisher,
        "date": source.date,
        "url": source.url,
        "section": p.section,
        "paragraph": p.paragraph,
        "page": p.page,
        "kind": p.kind,
        "lines": list(p.lines),
        "text": p.text,
    }


def doc_name(relative: Path) -> str:
    """Return the document name of a corpus file: its relative path without extension."""
    return relative.with_suffix("").as_posix()
