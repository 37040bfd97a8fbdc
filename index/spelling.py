"""Misspelled question words: the closest term the sources do use, within a small distance.

A question word that no passage holds is matched to the index vocabulary (analyzed terms)
when it looks like a misspelling rather than a word the sources simply don't use: it is rare
in general English (a common word such as "think" is left alone; no edit turns it into what
was meant), it is made of letters, and a term within a small edit distance exists. The
distance is optimal string alignment (a swap of two neighbours counts once: "Ghandi" →
"Gandhi"), computed by rapidfuzz: 1 for words of 4–5 letters, 2 from 6. The candidate must
start with the same letter; among equally close ones the term most passages hold wins.
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import process
from rapidfuzz.distance import OSA

from index.english import zipf

MIN_LETTERS = 4  # shorter words have too many neighbours to guess from
LONG_WORD = 6  # from this length, two edits are allowed
RARE_ZIPF = 3.0  # a word at least this common in English is not taken for a misspelling


def max_edits(word: str) -> int:
    """Return how many edits a word of this length may be away from its correction."""
    if len(word) < MIN_LETTERS:
        return 0
    return 1 if len(word) < LONG_WORD else 2


def looks_misspelled(word: str) -> bool:
    """Tell whether a word no source uses may be a misspelling worth correcting."""
    return word.isalpha() and len(word) >= MIN_LETTERS and zipf(word) < RARE_ZIPF


class Speller:
    """Corrects analyzed terms against a vocabulary of terms and their passage counts."""

    def __init__(self, terms: Sequence[str], frequencies: Sequence[int]) -> None:
        self._terms = list(terms)
        self._df = list(frequencies)

    def correct(self, term: str, word: str) -> str | None:
        """Return the vocabulary term closest to `term` (analyzed from `word`), or None."""
        limit = max_edits(word)
        if not limit or not self._terms:
            return None
        found = process.extract(
            term, self._terms, scorer=OSA.distance, score_cutoff=limit, limit=None
        )
        candidates = [
            (distance, -self._df[i], candidate)
            for candidate, distance, i in found
            if candidate[:1] == term[:1] and candidate.isalpha() and candidate != term
        ]
        return min(candidates)[2] if candidates else None
