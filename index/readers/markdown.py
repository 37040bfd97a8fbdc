"""Markdown: front matter, `#` headings (a level-1 heading first is the title), list items,
fenced code and pipe tables, each kept verbatim as the file writes it.

The markup is recognised line by line, not by a full CommonMark parser: what is quoted must be
the file's own text, and a parser's rendering (inline emphasis resolved, entities decoded)
would not be. Passages carry their kind ("list", "code", "table") so renderers can show them
as such instead of raw markers inside quotation marks.
"""

from __future__ import annotations

from index.readers.base import FrontMatter, Read, split_lines
from index.readers.text import decode_text, line_blocks

NAME = "markdown"
SUFFIXES = (".md", ".markdown")


def read(raw: bytes, name: str, front_matter: FrontMatter) -> Read:
    """Return the front matter and blocks of a Markdown file."""
    text, encoding = decode_text(raw)
    lines = split_lines(text)
    front, body_start = front_matter(lines, name)
    return Read(
        line_blocks(lines, body_start, markdown=True),
        front=front,
        first_line_title=True,
        encoding=encoding,
    )
