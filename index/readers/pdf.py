"""PDF: the text layer of each page through pypdf, laid out into paragraphs by position.

Parser: pypdf (BSD) over pdfminer.six (MIT), by measurement: on a 300-page text report pypdf
extracts every page in about 1.4 s here, pdfminer.six's layout analysis takes about 13 s, and
both give the same words in the same order for single- and two-column pages. PyMuPDF is
faster still but AGPL.

pypdf reports each run of text with its position; the runs are joined as pypdf's own
`extract_text` joins them, so a passage's text is what the parser extracted from its page.
From the positions:

- lines are grouped into paragraphs: a new one starts where the gap to the previous line is
  wider than the usual line spacing, the text moves up (the next column), the font size
  changes or a list item begins ("• ", "1. "); a line set in a larger font than the body is a
  heading;
- running headers and footers are the top and bottom lines that repeat, digits aside, on many
  pages (or three at least, as a chapter's running head does); they and bare page numbers
  ("7", "Page 7 of 30", "vii") are page furniture, dropped;
- a word hyphenated at a line end is joined ("recom-" + "mendation" → "recommendation"), the
  line break moved after it so line numbers still count the page's lines.

Paragraphs do not run across pages: each passage has one page, and its lines are counted on
that page (1-based, the page's lines of text as extracted). Encrypted PDFs that need a
password, and scanned PDFs without a text layer (no OCR here), are skipped with that reason.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import statistics
from collections import Counter
from dataclasses import dataclass

from index.errors import CorpusError
from index.model import Block
from index.readers.base import FrontMatter, Read, one_line

NAME = "pdf"
SUFFIXES = (".pdf",)

PARAGRAPH_GAP = 1.45  # a gap this many times the usual line spacing starts a paragraph
HEADING_SIZE = 1.12  # a line in a font this much larger than the body's is a heading
FURNITURE_SHARE = 0.4  # a top or bottom line repeated on this share of the pages is furniture
FURNITURE_PAGES = 3  # ... or on this many pages
EDGE_LINES = 2  # lines at the top and at the bottom of a page that may be furniture
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?(?:#|[ivxlc]+)(?:\s*(?:of|/)\s*#)?$", re.I)
_DIGITS = re.compile(r"\d+")
_BULLET = re.compile(r"^(?:[•▪◦‣∙·*–-]|\d{1,3}[.)])\s")
_HYPHENATED = re.compile(r"[^\W\d_]-$")
_FILE_TITLE = re.compile(r"\.\w{2,4}$|^Microsoft Word - |^untitled", re.I)


@dataclass
class _Line:
    text: str
    x: float
    y: float
    size: float
    number: int  # 1-based on its page


def read(raw: bytes, name: str, front_matter: FrontMatter) -> Read:
    """Return the paragraphs of a PDF's pages and its document properties."""
    import io

    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            _decrypt(reader)
        pages = [_page_lines(page) for page in reader.pages]
        properties = _properties(reader)
    except CorpusError:
        raise
    except Exception as exc:  # a broken file can raise any error inside the parser
        raise CorpusError(f"cannot be read as a PDF ({one_line(exc)})") from exc
    if not any(pages):
        raise CorpusError(
            "is a PDF without a text layer (scanned pages?); citebot does not read text in images"
        )
    return Read(_blocks(pages), properties=properties, first_line_title=True, pages=len(pages))


def _decrypt(reader: object) -> None:
    """Open a PDF encrypted with an empty user password; raise CorpusError for the others."""
    from pypdf import PasswordType

    try:
        opened = reader.decrypt("")  # type: ignore[attr-defined]
    except Exception as exc:  # an unknown cipher, or the cryptography package missing
        raise CorpusError(f"is an encrypted PDF that cannot be opened ({one_line(exc)})") from exc
    if opened == PasswordType.NOT_DECRYPTED:
        raise CorpusError("is an encrypted PDF that needs a password")


def _page_lines(page: object) -> list[_Line]:
    """Return the lines of text on a page with their position and font size, in text order."""
    lines: list[_Line] = []
    parts: list[str] = []
    where: list[tuple[float, float] | None] = [None]
    sizes: Counter[float] = Counter()  # characters of the line by font size

    def end_line() -> None:
        text = "".join(parts).strip()
        parts.clear()
        if text and where[0] is not None:
            x, y = where[0]
            # The size most of the line is set in: a bullet or a symbol may use another font.
            lines.append(_Line(text, x, y, sizes.most_common(1)[0][0], len(lines) + 1))
        where[0] = None
        sizes.clear()

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if not text:
            return
        for k, piece in enumerate(text.split("\n")):
            if k:
                end_line()
            if piece.strip():
                if where[0] is None:
                    x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                    y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                    where[0] = (x, y)
                scale = (abs(tm[3]) or abs(tm[0]) or 1.0) * (abs(cm[3]) or abs(cm[0]) or 1.0)
                sizes[round(float(size) * scale, 1)] += len(piece.strip())
            parts.append(piece)

    page.extract_text(visitor_text=visit)  # type: ignore[attr-defined]
    end_line()
    return lines


def _properties(reader: object) -> dict[str, str | None]:
    """Return the title, author and creation date the PDF states, when they look real."""
    info = reader.metadata  # type: ignore[attr-defined]
    if not info:
        return {}
    title = " ".join(str(info.title or "").split())
    author = " ".join(str(info.author or "").split())
    date: str | None = None
    try:
        created = info.creation_date
    except (ValueError, TypeError):  # a malformed date string
        created = None
    if isinstance(created, dt.datetime):
        date = created.date().isoformat()
    return {
        "title": title if title and not _FILE_TITLE.search(title) else None,
        "publisher": author or None,
        "date": date,
    }


def _furniture(pages: list[list[_Line]]) -> set[str]:
    """Return the running headers and footers: top and bottom lines repeated across pages."""
    counts: Counter[str] = Counter()
    for lines in pages:
        if not lines:
            continue
        by_height = sorted(lines, key=lambda line: -line.y)
        edges = by_height[:EDGE_LINES] + by_height[-EDGE_LINES:]
        counts.update({_shape(line.text) for line in edges})
    # On many pages, or on three at least: a chapter's running head repeats only in the chapter.
    needed = max(2, min(FURNITURE_PAGES, FURNITURE_SHARE * sum(1 for lines in pages if lines)))
    return {shape for shape, n in counts.items() if n >= needed}


def _shape(text: str) -> str:
    """Return a line with its numbers as "#": a running footer's page number varies."""
    return _DIGITS.sub("#", " ".join(text.casefold().split()))


def _blocks(pages: list[list[_Line]]) -> tuple[Block, ...]:
    furniture = _furniture(pages)
    # The body's font size: the size most of the text is set in.
    chars: Counter[float] = Counter()
    for lines in pages:
        for line in lines:
            chars[round(line.size, 1)] += len(line.text)
    body = chars.most_common(1)[0][0] if chars else 0.0
    heading_sizes = sorted(
        {round(line.size, 1) for lines in pages for line in lines if _heading(line, body)},
        reverse=True,
    )
    spacings = _spacings(pages)
    blocks: list[Block] = []
    for page_no, lines in enumerate(pages, start=1):
        edges = {id(line) for line in sorted(lines, key=lambda line: -line.y)[:EDGE_LINES]}
        edges |= {id(line) for line in sorted(lines, key=lambda line: line.y)[:EDGE_LINES]}
        kept = [
            line
            for line in lines
            if not (
                id(line) in edges
                and (_shape(line.text) in furniture or _PAGE_NUMBER.match(_shape(line.text)))
            )
        ]
        for run in _paragraphs(kept, body, spacings):
            first = run[0]
            if _BULLET.match(first.text):
                blocks.append(
                    Block(first.number, run[-1].number, _join(run), "item", "list", page_no)
                )
            elif _heading(first, body) and len(run) <= 3:
                level = heading_sizes.index(round(first.size, 1)) + 1
                text = " ".join(line.text for line in run)
                blocks.append(
                    Block(first.number, run[-1].number, text, "heading", page=page_no, level=level)
                )
            else:
                blocks.append(Block(first.number, run[-1].number, _join(run), page=page_no))
    return tuple(blocks)


def _heading(line: _Line, body: float) -> bool:
    return body > 0 and line.size >= body * HEADING_SIZE and len(line.text.split()) <= 16


def _spacings(pages: list[list[_Line]]) -> dict[float, float]:
    """Return the usual line spacing of each font size: the lower quartile of its line gaps.

    Measured over the whole document, so that a page of one-line paragraphs, whose every gap
    is a paragraph gap, still tells lines from paragraphs.
    """
    gaps: dict[float, list[float]] = {}
    for lines in pages:
        for a, b in itertools.pairwise(lines):
            if a.y > b.y and abs(a.size - b.size) < 0.5:
                gaps.setdefault(round(a.size, 1), []).append(a.y - b.y)
    return {
        size: statistics.quantiles(found, n=4)[0] if len(found) >= 4 else min(found)
        for size, found in gaps.items()
    }


def _paragraphs(lines: list[_Line], body: float, spacings: dict[float, float]) -> list[list[_Line]]:
    """Group a page's lines into paragraphs by spacing, columns, font size and list items."""
    runs: list[list[_Line]] = []
    for line in lines:
        if runs:
            previous = runs[-1][-1]
            gap = previous.y - line.y
            spacing = spacings.get(round(previous.size, 1), 0.0)
            same = (
                gap > 0
                and abs(previous.size - line.size) < 0.5
                and (not spacing or gap <= spacing * PARAGRAPH_GAP)
                and _heading(previous, body) == _heading(line, body)
                and not _BULLET.match(line.text)  # a list item starts a block of its own
            )
            if same:
                runs[-1].append(line)
                continue
        runs.append([line])
    return runs


def _join(run: list[_Line]) -> str:
    """Return a paragraph's lines joined by line breaks, hyphenated words made whole."""
    texts = [line.text for line in run]
    for i in range(len(texts) - 1):
        following = texts[i + 1]
        if _HYPHENATED.search(texts[i]) and following[:1].islower():
            word, _, rest = following.partition(" ")
            texts[i] = texts[i][:-1] + word
            texts[i + 1] = rest
    return "\n".join(t for t in texts if t)
