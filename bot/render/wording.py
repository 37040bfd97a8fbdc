"""The words citebot says, in one place: every renderer (Discord, terminal, chat) takes them here.

Surfaces differ in layout (an embed, a terminal's columns), never in what a sentence says, so a
reworded notice changes everywhere at once. Texts from sources are not here: they are quoted
verbatim by the renderers, escaped for their surface.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from index.abstain import Reason
from index.model import Correction

NOT_FOUND = "Not found in the sources."
REASONS: dict[Reason, str] = {
    Reason.EMPTY: "Ask me something: the question is empty.",
    Reason.NO_TERMS: "Ask something more specific: every word of that question is too common to "
    "search.",
    Reason.NO_MATCH: NOT_FOUND + " No passage shares a word with the question.",
    Reason.WEAK_MATCH: NOT_FOUND,
}
CLOSEST_BELOW = "The closest passages:"
CLOSEST_BEHIND_BUTTON = "The closest passages are behind the button below; they may not answer it."
CLOSEST_NOTE = NOT_FOUND + " These passages come closest; they may not answer the question."
CLOSEST_TITLE = "Closest passages: "
STALE = (
    "Some of these files changed since the index was built; the quotes may be out of date "
    "until it is rebuilt."
)
STALE_SOURCE = (
    "This file changed since the index was built; the passage may be out of date until it is "
    "rebuilt."
)
SOURCE_HINT = "Full passage: citebot source {id}"
NO_MORE = "No more passages for that question."
UNMATCHED = "No source mentions: "
TAKEN_AS = "Taking this as: {question} (after: {context})"  # a follow-up and its context
SEARCHED = "Searched for "  # then the corrections of misspelled words, as the sources write them
DIFFER = "Sources differ on {about}:"
ALSO_REPORTED = "Also reported by: "
_FENCES = ("```", "~~~")
_BULLET = re.compile(r"^\s*(?:[-*•–]|\d{1,3}[.)])\s+")


ALSO_SHOWN = 5  # documents named in "also reported by"; the rest are counted


def also_reported(titles: Sequence[str]) -> str:
    """Return the titles of the documents a passage was also found in, the first few by name."""
    named = ", ".join(titles[:ALSO_SHOWN])
    more = len(titles) - ALSO_SHOWN
    return f"{named} and {more} more" if more > 0 else named


def reason(why: Reason | None) -> str:
    """Return the sentence that says why a question was not answered."""
    return REASONS.get(why, NOT_FOUND) if why else NOT_FOUND


def taken_as(question: str, context: str) -> str:
    """Return how a follow-up was read: "Taking this as: and when? (after: …)"."""
    return TAKEN_AS.format(question=question, context=context)


def searched(corrected: Iterable[Correction]) -> str:
    """Return "Searched for Blinken, Aliyev": what was searched instead of misspelled words."""
    return SEARCHED + ", ".join(c.searched for c in corrected)


def citation_fields(
    title: str | None,
    publisher: str | None,
    date: str | None,
    section: str | None,
    paragraph: int,
    *,
    page: int | None = None,
) -> list[str]:
    """Return the parts of a citation line in their order, leaving out what is not stated."""
    return [x for x in (title, publisher, date, section, f"¶{paragraph}", page_label(page)) if x]


def page_label(page: int | None) -> str | None:
    """Return "p. 3" for a passage of a paged document (PDF), None for the others."""
    return f"p. {page}" if page else None


def code_body(text: str) -> str:
    """Return a code passage without the Markdown fence lines around it, if it has them."""
    lines = text.split("\n")
    if len(lines) >= 2 and lines[0].lstrip().startswith(_FENCES):
        lines = lines[1:]
        if lines and lines[-1].strip().startswith(_FENCES):
            lines = lines[:-1]
    return "\n".join(lines)


def list_items(text: str) -> list[str]:
    """Return the items of a list passage without their markers ("- ", "1. ")."""
    return [_BULLET.sub("", line).strip() for line in text.split("\n") if line.strip()]


def lines_label(lines: tuple[int, int] | list[int]) -> str:
    """Return "line 18" for one line, "lines 18–25" for several."""
    first, last = lines
    return f"line {first}" if first == last else f"lines {first}–{last}"


def match_spans(text: str, words: Iterable[str]) -> list[tuple[int, int]]:
    """Return where `words` occur in `text` as whole words, longest first, in text order."""
    ordered = sorted({w for w in words if w.strip()}, key=len, reverse=True)
    if not ordered:
        return []
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in ordered) + r")(?!\w)")
    return [m.span(1) for m in pattern.finditer(text)]
