"""HTML: the visible text of a page through a real HTML parser (see `index/html.py`).

Each block keeps the source line it starts on; the page's meta tags (title, site name,
published date, canonical url) are stated metadata, as front matter is in Markdown.
"""

from __future__ import annotations

from index.html import html_blocks
from index.model import Block
from index.readers.base import FrontMatter, Read
from index.readers.text import decode_text

NAME = "html"
SUFFIXES = (".html", ".htm")


def read(raw: bytes, name: str, front_matter: FrontMatter) -> Read:
    """Return the visible text blocks and meta tags of an HTML page."""
    text, encoding = decode_text(raw)
    meta, found = html_blocks(text)
    blocks = tuple(
        Block(
            line,
            line,
            text,
            kind if kind in ("heading", "item") else "",
            "list" if kind == "item" else "prose",
        )
        for line, kind, text in found
    )
    return Read(blocks, front={k: v for k, v in meta.items() if v}, encoding=encoding)
