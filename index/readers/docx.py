"""Word `.docx`: paragraphs, headings by their style, list items, and tables row by row.

python-docx reads the file; the body is walked in document order so tables stay where they
stand between paragraphs. A paragraph styled "Title" is a level-1 heading, "Heading N" a level-N
heading: headings become the sections of the paragraphs under them. A table row is one block,
its cells joined by " | " (a merged cell once). A Word file has no lines: a block's "line" is
its position among the body's paragraphs and table rows, which is what a reader counts in the
document too.

Title, author (as the publisher) and creation date come from the document properties, below
sources.yaml; values python-docx's own blank template carries are not the author's and are
ignored.
"""

from __future__ import annotations

import datetime as dt
import io
import re

from index.errors import CorpusError
from index.model import Block
from index.readers.base import FrontMatter, Read, one_line

NAME = "docx"
SUFFIXES = (".docx",)

_HEADING_STYLE = re.compile(r"^heading\s*([1-9])$", re.I)
_TEMPLATE_AUTHOR = "python-docx"
_TEMPLATE_CREATED = dt.datetime(2013, 12, 23, 23, 15)


def read(raw: bytes, name: str, front_matter: FrontMatter) -> Read:
    """Return the paragraphs, headings and table rows of a Word file, and its properties."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(raw))
        blocks: list[Block] = []
        position = 0
        for element in document.element.body.iterchildren():
            tag = element.tag.rsplit("}", 1)[-1]
            if tag == "p":
                position += 1
                block = _paragraph(Paragraph(element, document), position)
                if block is not None:
                    blocks.append(block)
            elif tag == "tbl":
                for row in Table(element, document).rows:
                    position += 1
                    cells: list[str] = []
                    for cell in row.cells:
                        text = " ".join(cell.text.split())
                        if text and (not cells or cells[-1] != text):  # merged cells repeat
                            cells.append(text)
                    if cells:
                        blocks.append(Block(position, position, " | ".join(cells), kind="table"))
        properties = _properties(document.core_properties)
    except Exception as exc:  # a broken file can raise any error inside the parser
        raise CorpusError(f"cannot be read as a Word file ({one_line(exc)})") from exc
    return Read(tuple(blocks), properties=properties)


def _paragraph(paragraph: object, position: int) -> Block | None:
    text = paragraph.text.strip()  # type: ignore[attr-defined]
    if not text:
        return None
    style = paragraph.style  # type: ignore[attr-defined]
    style_name = (style.name or "") if style is not None else ""
    heading = _HEADING_STYLE.match(style_name)
    if style_name.lower() == "title" or heading:
        level = int(heading.group(1)) if heading else 1
        return Block(position, position, text, "heading", level=level)
    element = paragraph._p  # type: ignore[attr-defined]
    numbered = element.pPr is not None and element.pPr.numPr is not None
    if numbered or style_name.lower().startswith("list"):
        return Block(position, position, text, "item", "list")
    return Block(position, position, text)


def _properties(core: object) -> dict[str, str | None]:
    title = " ".join((core.title or "").split())  # type: ignore[attr-defined]
    author = " ".join((core.author or "").split())  # type: ignore[attr-defined]
    created = core.created  # type: ignore[attr-defined]
    date = None
    if isinstance(created, dt.datetime) and created.replace(tzinfo=None) != _TEMPLATE_CREATED:
        date = created.date().isoformat()
    return {
        "title": title or None,
        "publisher": author if author and author != _TEMPLATE_AUTHOR else None,
        "date": date,
    }
