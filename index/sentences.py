"""Sentence boundaries in English prose, as character spans of the original text."""

from __future__ import annotations

import re

# A sentence ends at . ! ? or … (optionally followed by closing quotes or brackets), then
# white space, then something that can start a sentence.
_BOUNDARY = re.compile(r"""[.!?…]+["'”’)\]]*(?=\s+["'“‘(\[]?[A-Z0-9])""")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st jr sr gen col lt sgt capt gov sen rep rev fig no vs etc inc ltd co corp"
    " jan feb mar apr jun jul aug sep sept oct nov dec e.g i.e u.s u.k u.n".split()
)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Return (start, end) spans of the sentences of `text`, trimmed of white space."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        word_start = text.rfind(" ", start, match.start()) + 1
        word = text[word_start : match.start()].lower().lstrip("(\"'“‘")
        # "Mr. Smith", "U.S. forces", "J. Smith": not the end of a sentence.
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            continue
        _append(spans, text, start, end)
        start = end
    _append(spans, text, start, len(text))
    return spans


def _append(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def split_long(text: str, max_chars: int, min_chars: int) -> list[tuple[int, int]]:
    """Split `text` into spans of at most `max_chars`, at sentence then word boundaries."""
    if len(text) <= max_chars:
        return [(0, len(text))]
    pieces: list[tuple[int, int]] = []
    for start, end in sentence_spans(text):
        pieces.extend(_split_words(text, start, end, max_chars))
    # Pack consecutive sentences into pieces up to max_chars.
    packed: list[tuple[int, int]] = []
    for start, end in pieces:
        if packed and end - packed[-1][0] <= max_chars:
            packed[-1] = (packed[-1][0], end)
        else:
            packed.append((start, end))
    # A short last fragment joins its neighbour when that stays within a tolerable size.
    if len(packed) > 1 and packed[-1][1] - packed[-1][0] < min_chars:
        last = packed.pop()
        packed[-1] = (packed[-1][0], last[1])
    return packed


def _split_words(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Split one over-long sentence at white space (or anywhere, if it has none)."""
    out: list[tuple[int, int]] = []
    while end - start > max_chars:
        cut = text.rfind(" ", start + 1, start + max_chars + 1)
        if cut <= start:
            cut = start + max_chars
        out.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        out.append((start, end))
    return out
