"""Readers: one module per file format, behind one small interface.

A reader is a module with a `NAME`, the `SUFFIXES` it reads and a function

    read(raw: bytes, name: str, front_matter: FrontMatter) -> Read

that turns a file's bytes into blocks of text with their location (lines, page, kind, heading
level) and the metadata the file carries; it raises CorpusError, with the reason as a phrase
("is an encrypted PDF"), for a file it cannot use. The cleaner and the chunker see blocks,
never file types, so a new format is one module and one line in READERS.

Readers import their parsing library when they first read a file, not when imported: a corpus
of text files never loads the PDF or Word parsers.
"""

from __future__ import annotations

from types import ModuleType

from index.readers import docx, html, markdown, pdf, rst, text

READERS: tuple[ModuleType, ...] = (text, markdown, html, pdf, docx, rst)
BY_SUFFIX: dict[str, ModuleType] = {s: r for r in READERS for s in r.SUFFIXES}


def reader_for(suffix: str) -> ModuleType | None:
    """Return the reader of a file suffix like ".pdf" (any case), or None when there is none."""
    return BY_SUFFIX.get(suffix.lower())


def formats() -> str:
    """Return the suffixes citebot reads, for messages: ".txt, .md, …"."""
    return ", ".join(BY_SUFFIX)
