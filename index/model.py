"""Typed values that flow through the pipeline, from files to answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Metadata:
    """What is known about a document's origin."""

    title: str | None = None
    publisher: str | None = None
    date: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Document:
    """A readable file of the corpus with its lines and metadata."""

    doc: str  # path relative to the corpus folder, without extension
    path: str  # path relative to the corpus folder, with extension
    lines: tuple[str, ...]
    meta: Metadata
    kind: str = "text"  # text | markdown | html
    body_start: int = 0  # lines before this index are front matter
    # For HTML: the visible text as (source line, kind, text) blocks; kind is "heading",
    # "item" or "text".
    blocks: tuple[tuple[int, str, str], ...] = ()
    # Metadata keys the author stated, even as null ("unknown"): never inferred from the text.
    stated: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Paragraph:
    """A cleaned paragraph of a document with its location and heading."""

    text: str
    first_line: int  # 1-based, inclusive
    last_line: int
    section: str | None
    number: int  # 1-based paragraph number in the document


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
        }


@dataclass(frozen=True)
class Hit:
    """A passage found for a question, with its score and best-matching quote."""

    passage: Passage
    score: float
    quote: str
    matched_terms: tuple[str, ...]  # words of the passage that matched the question
    source: DocumentInfo
    also_in: tuple[DocumentInfo, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """Return the JSON form."""
        p = self.passage
        return {
            "id": p.id,
            "doc": p.doc,
            "title": p.title,
            "publisher": self.source.publisher,
            "date": self.source.date,
            "url": self.source.url,
            "section": p.section,
            "paragraph": p.paragraph,
            "lines": list(p.lines),
            "text": p.text,
            "quote": self.quote,
            "score": round(self.score, 6),
            "matched_terms": list(self.matched_terms),
        }


@dataclass(frozen=True)
class Answer:
    """What citebot says to a question: the one thing every renderer turns into output."""

    question: str
    answered: bool
    hits: tuple[Hit, ...]
    reason: str | None = None  # why it abstained: "empty", "no_terms", "weak_match"
    unmatched_terms: tuple[str, ...] = ()
    stale: tuple[str, ...] = field(default=())  # passage ids whose file changed since indexing

    def to_dict(self) -> dict[str, object]:
        """Return the JSON form."""
        data: dict[str, object] = {
            "question": self.question,
            "answered": self.answered,
            "passages": [hit.to_dict() for hit in self.hits],
            "unmatched_terms": list(self.unmatched_terms),
        }
        if self.reason:
            data["reason"] = self.reason
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
            return {"id": p.id, "paragraph": p.paragraph, "lines": list(p.lines), "text": p.text}

        p = self.passage
        return {
            "id": p.id,
            "doc": p.doc,
            "file": self.source.path,
            "title": p.title,
            "publisher": self.source.publisher,
            "date": self.source.date,
            "url": self.source.url,
            "section": p.section,
            "paragraph": p.paragraph,
            "lines": list(p.lines),
            "text": p.text,
            "before": brief(self.before),
            "after": brief(self.after),
        }


def doc_name(relative: Path) -> str:
    """Return the document name of a corpus file: its relative path without extension."""
    return relative.with_suffix("").as_posix()
