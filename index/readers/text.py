"""Plain text: paragraphs are blank-line separated blocks; wrapped lines join, lists split.

The same line rules read Markdown (see `markdown.py`), which adds headings, fenced code and
list items as the markup marks them. Line numbers are the file's own, so a citation's "lines
18–25" can be checked in any editor.
"""

from __future__ import annotations

import re
from dataclasses import replace

from index.errors import CorpusError
from index.model import Block
from index.readers.base import FrontMatter, Read, decode, split_lines

NAME = "text"
SUFFIXES = (".txt",)

WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
TERMINAL = re.compile(r"""[.!?…]["'”’)\]]*$""")
BULLET = re.compile(r"^\s*(?:[-*•–]|\d{1,3}[.)])\s+")
MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCES = ("```", "~~~")


def read(raw: bytes, name: str, front_matter: FrontMatter) -> Read:
    """Return the paragraphs of a plain text file."""
    text, encoding = decode_text(raw)
    lines = split_lines(text)
    return Read(line_blocks(lines, 0, markdown=False), first_line_title=True, encoding=encoding)


def decode_text(raw: bytes) -> tuple[str, str | None]:
    """Return a text file's text and its encoding when not UTF-8; raise CorpusError if empty."""
    text, encoding = decode(raw)
    if not text.strip():
        raise CorpusError("is empty")
    return text, encoding


def line_blocks(lines: tuple[str, ...], start: int, *, markdown: bool) -> tuple[Block, ...]:
    """Return the blocks of `lines` from index `start` on (lines before it are front matter)."""
    units: list[Block] = []
    block: list[int] = []

    def flush() -> None:
        if block:
            units.extend(_block_units(lines, block, markdown))
            block.clear()

    fence = False
    for i in range(start, len(lines)):
        line = lines[i]
        if markdown and line.lstrip().startswith(_FENCES):
            fence = not fence
        if not line.strip() and not fence:
            flush()
        else:
            block.append(i)
    flush()
    return tuple(units)


def _block_units(lines: tuple[str, ...], block: list[int], markdown: bool) -> list[Block]:
    """Split a blank-line separated block into units: wrapped prose joins, lists split."""
    units: list[Block] = []
    current: list[int] = []

    def emit(marked: str = "", kind: str = "prose", level: int = 0) -> None:
        if current:
            text = "\n".join(lines[j] for j in current).strip()
            if kind == "prose" and BULLET.match(text):
                kind = "list"
            elif kind == "prose" and markdown and _is_table(text):
                kind = "table"
            units.append(Block(current[0] + 1, current[-1] + 1, text, marked, kind, level=level))
            current.clear()

    if markdown and lines[block[0]].lstrip().startswith(_FENCES):
        current.extend(block)
        emit(kind="code")
        return units
    for i in block:
        line = lines[i].strip()
        heading = MD_HEADING.match(line) if markdown else None
        if heading:
            emit()
            current.append(i)
            emit("heading", level=len(heading.group(1)))
            continue
        if BULLET.match(line):
            emit()
            current.append(i)
            continue
        if current and _continues(lines[current[-1]].strip(), line):
            current.append(i)
            continue
        emit()
        current.append(i)
    emit()
    if markdown:
        # In Markdown a list is content: each item stays a unit marked as an item.
        units = [replace(u, marked="item") if BULLET.match(u.text) else u for u in units]
    return units


def _is_table(text: str) -> bool:
    """Tell whether a unit is a row (or rows) of a Markdown pipe table."""
    return all(line.strip().startswith("|") for line in text.split("\n"))


def _continues(previous: str, line: str) -> bool:
    """Tell whether `line` continues the hard-wrapped sentence on `previous`."""
    if TERMINAL.search(previous) or previous.endswith(":"):
        return False
    if len(WORD.findall(previous)) < 8:
        return False
    first = line[:1]
    return first.islower() or first.isdigit() or previous.endswith((",", "-", ";", "("))
