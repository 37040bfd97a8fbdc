"""Separate a scraped page's content from its boilerplate, and find its headings.

The rules are general ones about how web pages are built, not lists of known strings:

- navigation: breadcrumb trails, glued menu words ("HomeNewsWorld"), runs of short title-like
  lines with no prose between them (menus, tables of contents, reaction and share widgets);
- counters ("105 shares, 166 points", "3 min"), icon-plus-label lines ("Love Love"), markup
  left in the text (`<!-- … -->`), credit lines ("Source: …", "Image source: …", "By …");
- lines repeated verbatim, or sentences already said earlier on the page;
- short lines before the first or after the last real paragraph (author boxes, "read more").

A short title-like line directly above prose is a section heading: it becomes the `section`
of the paragraphs under it rather than a passage of its own.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

from index.model import Block, Document, Metadata, Paragraph
from index.readers.text import BULLET as _BULLET
from index.readers.text import MD_HEADING as _MD_HEADING
from index.readers.text import TERMINAL as _TERMINAL
from index.readers.text import WORD as _WORD
from index.sentences import sentence_spans

# Markup left in the text: a line that opens or closes a comment, or a lone tag ("-->" inside
# prose, as in "Ser-752-->Pro", is not markup).
_MARKUP = re.compile(r"(^<?!--|-->$|^<[a-z!/][^>]*>$)", re.I)
_CRUMB_SEPARATORS = re.compile(r"\s(?:/|›|»|>|\||→)\s")
_GLUED = re.compile(r"[a-z][A-Z]")
_COUNTER_PART = re.compile(r"^\d[\d,.]*\s*[kKmM]?\s+[A-Za-z]+(?:\s+[A-Za-z]+)?$")
_CREDIT = re.compile(
    r"^(?:(?:image|photo|picture|video)\s+(?:source|credit)s?|source|credits?|photo|image"
    r"|(?:additional\s+)?reporting|(?:edited|written|reported|compiled)(?:\s+by)?|by)\b[\s:]",
    re.I,
)
_SOURCE_NAME = re.compile(r"^source\s*:\s*(.{2,60})$", re.I)
_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_DATE_FORMATS = ("%B %d, %Y", "%d %B, %Y", "%d %B %Y", "%B %d %Y", "%Y-%m-%d", "%b %d, %Y")
_YEAR = re.compile(r"\d{4}")
DATELINE_MAX_CHARS = 64  # "Wednesday, September 30th, 2024" and the like, with room to spare

HEADING_MAX_WORDS = 12
GOOD_MIN_WORDS = 10
LONG_WORDS = 25
TITLE_MAX_WORDS = 40


Unit = Block  # a candidate paragraph: a block as its reader found it


@dataclass(frozen=True)
class Cleaned:
    """The content paragraphs of a document and the metadata its text shows."""

    paragraphs: tuple[Paragraph, ...]
    meta: Metadata


def clean(document: Document) -> Cleaned:
    """Return the content paragraphs of `document`, with headings as their sections."""
    crumb_title, found_date, found_publisher, units = _strip_furniture(list(document.blocks))
    # The page's own title line is found only when no title is stated for it.
    found_title = crumb_title or (
        None if document.meta.title else _first_title(units, document.first_line_title)
    )
    meta = _merge_meta(document, found_title, found_date, found_publisher)
    titles = {_norm(t) for t in (found_title, meta.title) if t}
    paragraphs = _structure(units, titles)
    return Cleaned(paragraphs, meta)


# -- Furniture ---------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


@functools.lru_cache(maxsize=4096)
def _word_count(text: str) -> int:
    if text.isascii():
        # Case does not change where ASCII words begin and end: count the normalised words,
        # which dropping repeats has already computed.
        norm = _norm(text)
        return norm.count(" ") + 1 if norm else 0
    return len(_WORD.findall(text))


@functools.lru_cache(maxsize=8192)
def _norm(text: str) -> str:
    # Cached: a unit's text is normalised when repeats are dropped and again when titles are.
    return " ".join(_words(text.casefold()))


def parse_date(text: str) -> str | None:
    """Return the ISO date a dateline like "Sunday 16 June, 2024" states, else None."""
    # Every format has a four-digit year and a dateline is short: most lines are neither, and
    # trying six strptime formats on each would dominate the cleaning of a large corpus.
    if len(text) > DATELINE_MAX_CHARS or not _YEAR.search(text):
        return None
    cleaned = re.sub(rf"^{_WEEKDAY},?\s+", "", text.strip(), flags=re.I)
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", cleaned).strip(" .")
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(cleaned, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def _is_breadcrumb(text: str) -> bool:
    # A trail or a glued menu is one short line, never a sentence ("age > 40 and BMI > 30.").
    if "\n" in text or _TERMINAL.search(text) or len(_words(text)) > 2 * HEADING_MAX_WORDS:
        return False
    if len(_CRUMB_SEPARATORS.findall(text)) >= 2:
        return True
    first = text.split(maxsplit=1)[0] if text.split() else ""
    return len(_GLUED.findall(first)) >= 2


def _is_counter(text: str) -> bool:
    if len(text) > 60:
        return False
    parts = [p.strip() for p in re.split(r"[,·|•]", text) if p.strip()]
    return bool(parts) and all(_COUNTER_PART.match(p) for p in parts)


def _is_doubled(text: str) -> bool:
    words = text.split(maxsplit=9)  # more than nine words is never a doubled label
    half = len(words) // 2
    return 2 <= len(words) <= 8 and len(words) % 2 == 0 and words[:half] == words[half:]


def _strip_furniture(
    units: list[Unit],
) -> tuple[str | None, str | None, str | None, list[Unit]]:
    """Drop markup, navigation, counters, credits, datelines and repeats; note what they say."""
    title = date = publisher = None
    kept: list[Unit] = []
    # Normalised units and sentences said so far: a later unit equal to one is a repeat.
    seen: set[str] = set()
    for unit in units:
        text = unit.text
        # Markup opens or closes the line; checking the ends first spares the search.
        if (text.startswith(("<", "!")) or "-->" in text[-4:]) and _MARKUP.search(text):
            continue
        if _is_breadcrumb(text):
            crumbs = _CRUMB_SEPARATORS.split(text)
            if len(crumbs) > 1 and len(_words(crumbs[-1])) >= 3 and title is None and not kept:
                title = crumbs[-1].strip()
            continue
        if _is_counter(text) or _is_doubled(text):
            continue
        if _CREDIT.match(text) and len(_words(text)) <= 8:
            named = _SOURCE_NAME.match(text)
            if named and publisher is None:
                publisher = named.group(1).strip()
            continue
        stated = parse_date(text)
        if stated:
            date = date or stated
            continue
        norm = _norm(text)
        if not norm:
            continue
        if norm in seen:
            continue
        seen.add(norm)
        for start, end in sentence_spans(text):
            words = _words(text[start:end].casefold())
            if len(words) >= 5:
                seen.add(" ".join(words))
        kept.append(unit)
    return title, date, publisher, kept


# -- Structure ---------------------------------------------------------------------------------


def _title_like(unit: Unit) -> bool:
    if unit.marked == "heading":
        return True
    if unit.marked == "item" or unit.kind in ("table", "code"):
        return False
    text = _BULLET.sub("", unit.text)
    words = _words(text)
    if not words or len(words) > HEADING_MAX_WORDS or "\n" in unit.text:
        return False
    if text.endswith("?"):
        return True
    return not re.search(r"[.!…,;:]['\"”’)\]]*$", text)


def _is_good(unit: Unit) -> bool:
    if unit.kind in ("table", "code"):
        return True  # a table row or a code block is content, however short
    words = _word_count(unit.text)
    if unit.marked == "item":
        return words >= 3
    return words >= LONG_WORDS or (words >= GOOD_MIN_WORDS and bool(_TERMINAL.search(unit.text)))


def _heading_text(unit: Unit) -> str:
    text = unit.text
    match = _MD_HEADING.match(text)
    if match:
        text = match.group(2)
    return _BULLET.sub("", text).strip()


def _first_title(units: list[Unit], first_line_title: bool) -> str | None:
    if units and units[0].marked == "heading" and units[0].level == 1:
        return _heading_text(units[0])  # a document that opens with its top heading
    if first_line_title and len(units) > 1 and _is_title_line(units[0]) and _is_good(units[1]):
        return units[0].text
    for unit in units:
        if _is_good(unit):
            return None
        if _title_like(unit) and len(_words(unit.text)) >= 3:
            return _heading_text(unit)
    return None


def _is_title_line(unit: Unit) -> bool:
    """Tell whether a text file's first line, above its prose, reads as the file's title.

    Plain-text articles and papers put their title alone on the first line, and a paper's title
    is often a sentence ("Aspirin lowers the risk of X."), so punctuation does not decide it:
    one line, at most two sentences, of at most TITLE_MAX_WORDS words.
    """
    if unit.marked or "\n" in unit.text or _BULLET.match(unit.text):
        return False
    words = len(_words(unit.text))
    return 0 < words <= TITLE_MAX_WORDS and len(sentence_spans(unit.text)) <= 2


def _structure(everything: list[Unit], titles: set[str]) -> tuple[Paragraph, ...]:
    # A line that is the title is not content, whatever its punctuation.
    units = [u for u in everything if "\n" in u.text or _norm(_heading_text(u)) not in titles]
    if not units:
        units = everything  # a document that is nothing but its title keeps it
    good = [i for i, u in enumerate(units) if _is_good(u)]
    short_only = not good  # a page of short lines only (a list of rules, say): keep every line
    if short_only:
        good = list(range(len(units)))
        if not good:
            return ()
    first_good, last_good = good[0], good[-1]

    # Decide which units are body, which are headings, and which are dropped.
    roles: list[str] = []
    for i, unit in enumerate(units):
        if _is_good(unit) or (unit.marked == "item" and first_good <= i <= last_good):
            roles.append("body")
        elif _title_like(unit):
            roles.append("title-like")
        elif short_only or first_good < i < last_good:
            roles.append("body")  # a short line of prose among real paragraphs
        else:
            roles.append("drop")
    # A bullet among other title-like bullets is a menu or table of contents, not a heading.
    bullet = [
        role == "title-like" and bool(_BULLET.match(u.text)) and u.marked != "heading"
        for u, role in zip(units, roles, strict=True)
    ]
    in_run = [
        b and ((i > 0 and bullet[i - 1]) or (i + 1 < len(units) and bullet[i + 1]))
        for i, b in enumerate(bullet)
    ]
    for i, role in enumerate(roles):
        if role != "title-like":
            continue
        unit = units[i]
        nxt = next((j for j in range(i + 1, len(units)) if roles[j] != "drop"), None)
        is_title = _norm(_heading_text(unit)) in titles
        if is_title or in_run[i] or nxt is None or roles[nxt] != "body":
            roles[i] = "drop"  # the page title, a menu or list of links, or trailing furniture
        else:
            roles[i] = "heading"

    if "body" not in roles:
        # Short lines only, none of them prose (a list of rules, a one-line note): all content.
        roles = ["body"] * len(units)

    paragraphs: list[Paragraph] = []
    section: str | None = None
    for unit, role in zip(units, roles, strict=True):
        if role == "heading":
            section = _heading_text(unit)
        elif role == "body":
            paragraphs.append(
                Paragraph(
                    unit.text,
                    unit.first,
                    unit.last,
                    section,
                    len(paragraphs) + 1,
                    unit.page,
                    unit.kind,
                )
            )
    return tuple(paragraphs)


def _merge_meta(
    document: Document, title: str | None, date: str | None, publisher: str | None
) -> Metadata:
    """Combine stated metadata with what the text shows; stated keys always win."""
    meta = document.meta
    stated = document.stated

    def pick(key: str, found: str | None) -> str | None:
        value = getattr(meta, key)
        return value if key in stated or value else found

    return Metadata(
        title=pick("title", title),
        publisher=pick("publisher", publisher),
        date=pick("date", date),
        url=meta.url,
    )
