"""Turn a document's cleaned paragraphs into passages with stable ids and citations."""

from __future__ import annotations

from index.clean import Cleaned
from index.model import Document, Passage
from index.sentences import split_long
from index.settings import ChunkSettings


def chunk(document: Document, cleaned: Cleaned, settings: ChunkSettings) -> list[Passage]:
    """Return one passage per paragraph, splitting very long ones at sentence boundaries."""
    title = cleaned.meta.title or document.doc
    passages: list[Passage] = []
    for paragraph in cleaned.paragraphs:
        text = paragraph.text
        line, counted = paragraph.first_line, 0
        for start, end in split_long(text, settings.max_chars, settings.min_chars):
            piece = text[start:end]
            # Line numbers of the piece: newlines before it (counted once, left to right).
            line += text.count("\n", counted, start)
            counted = start
            first, last = line, line + piece.count("\n")
            n = len(passages) + 1
            passages.append(
                Passage(
                    id=f"{document.doc}#{n}",
                    doc=document.doc,
                    title=title,
                    section=paragraph.section,
                    paragraph=paragraph.number,
                    lines=(first, last),
                    text=piece,
                    page=paragraph.page,
                    kind=paragraph.kind,
                )
            )
    return passages
