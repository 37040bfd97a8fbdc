"""What a passage is indexed under: its text, its section heading and, once, its document's title.

The headings are not fields of their own with a scorer each: their terms are added to the
passage's terms `section_weight` and `title_weight` times, so BM25 ranks one bag of terms and a
question that names a section or a document finds its passages. The title counts with the
document's opening passage only: once per document, so in a long article it does not add the
same words to every paragraph (which would make them common and worthless for telling
paragraphs apart), while in a short one, an abstract or a note, it joins the text it names.

`headings` is the one statement of this rule. The build takes its headings (analyzing each
heading once per batch, in bulk), `passage_terms` gives the terms a reference implementation
indexes, and the search tells by it which question terms a passage was found through.
"""

from __future__ import annotations

from index.analyze import Analyzer
from index.model import Passage
from index.settings import Settings


def opening(passage: Passage) -> bool:
    """Tell whether a passage is its document's first (`doc#1`), the one the title counts with."""
    return passage.id.rsplit("#", 1)[1] == "1"


def headings(passage: Passage, settings: Settings) -> list[tuple[str, int]]:
    """Return the headings a passage is indexed under besides its text, each with its weight."""
    found: list[tuple[str, int]] = []
    if passage.section and settings.section_weight:
        found.append((passage.section, settings.section_weight))
    if settings.title_weight and opening(passage):
        found.append((passage.title, settings.title_weight))
    return found


def passage_terms(analyzer: Analyzer, passage: Passage, settings: Settings) -> list[str]:
    """Return the terms a passage is indexed under: its text, section and title, weighted."""
    terms = analyzer.terms(passage.text)
    for heading, weight in headings(passage, settings):
        terms += analyzer.terms(heading) * weight
    return terms
