"""Misspelled question words: the closest term the sources do use, within a small distance.

A question word that no passage holds is matched to the index vocabulary (analyzed terms)
when it looks like a misspelling rather than a word the sources simply don't use: it is rare
in general English (a common word such as "think" is left alone; no edit turns it into what
was meant), it is made of letters (a possessive "'s" aside: "pashinian's"), and a term within
a small edit distance exists. The distance is optimal string alignment (a swap of two
neighbours counts once: "Blinekn" → "Blinken"), computed by rapidfuzz: 1 for words of 4–5
letters, 2 from 6. The candidate must start with the same letter; among equally close ones the
term made of more of the typed letters, in any order, wins ("Ghandi" → "Gandhi", not
"grand"), then the term most passages hold.

A slip of a common English word is looked for first (`english_slips`): the common words one
slip away, the likeliest slip first (a swap, then a missing or doubled letter, then a wrong
one) and the commonest among equals; the first that the sources use is the correction. The
index vocabulary alone holds only stems and knows nothing of English, and chose "lord" for
"lovd" and "polit" for "poit" (the stems most passages hold); among English words "loved"
and "point" come first. Names are not common English words, so they still go to the index
vocabulary ("blinkin" → Blinken). A word written as a name inside the question ("Goodell") is
corrected only to a term the sources also write as one (`index.search.Searcher`): a name the
sources lack is reported as such, not searched as "golden".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from index.english import common_words, zipf

MIN_LETTERS = 4  # shorter words have too many neighbours to guess from
LONG_WORD = 6  # from this length, two edits are allowed
RARE_ZIPF = 3.0  # a word at least this common in English is not taken for a misspelling
# Zipf units: a word of the common-word list itself is taken for a slip of a neighbour at least
# this much (100 times) more common ("goverment" 2.7, government 5.6; "definately" 2.9, 5.0).
LISTED_SLIP = 2.0
_POSSESSIVE = re.compile(r"(?<=\w)['’]s?$")


def max_edits(word: str) -> int:
    """Return how many edits a word of this length may be away from its correction."""
    word = without_possessive(word)
    if len(word) < MIN_LETTERS:
        return 0
    return 1 if len(word) < LONG_WORD else 2


def looks_misspelled(word: str) -> bool:
    """Tell whether a word no source uses may be a misspelling worth correcting."""
    word = without_possessive(word)
    return word.isalpha() and len(word) >= MIN_LETTERS and zipf(word) < RARE_ZIPF


def load() -> None:
    """Group the common English words now (about 0.2 s) rather than at the first misspelling."""
    _common_groups()
    _common_set()


def slip_kind(typed: str, meant: str) -> int:
    """Rank the one edit between two words: 0 a swap, 1 a letter missing or extra, 2 a wrong one.

    People swap neighbours and drop or double letters more often than they hit a wrong key.
    """
    if len(typed) != len(meant):
        return 1
    return 0 if sorted(typed) == sorted(meant) else 2


def english_slips(word: str) -> list[str]:
    """Return the common English words one slip from a word, the likeliest first ("beame": became).

    Ranked by the kind of slip (`slip_kind`), then by how common the word is in English.
    """
    word = without_possessive(word).lower()
    if len(word) < MIN_LETTERS or not word.isalpha():
        return []
    pool = [
        w
        for length in (len(word) - 1, len(word), len(word) + 1)
        for w in _common_groups().get((word[0], length), ())
    ]
    found = process.extract(word, pool, scorer=OSA.distance, score_cutoff=1, limit=None)
    # A word of the list itself is spelled as meant ("impertinent"), unless it is a common
    # misspelling of a far more common word ("goverment": government).
    listed = any(distance == 0 for _, distance, _ in found)
    typed = zipf(word)
    close = [
        w
        for w, distance, _ in found
        if distance == 1 and (not listed or zipf(w) - typed >= LISTED_SLIP)
    ]
    return sorted(close, key=lambda w: (slip_kind(word, w), -zipf(w)))


def is_common(word: str) -> bool:
    """Tell whether a word is one of the common English words (however it is capitalised)."""
    return without_possessive(word).lower() in _common_set()


@lru_cache(maxsize=1)
def _common_set() -> frozenset[str]:
    return frozenset(common_words())


@lru_cache(maxsize=1)
def _common_groups() -> dict[tuple[str, int], tuple[str, ...]]:
    """Return the common English words by first letter and length."""
    groups: dict[tuple[str, int], list[str]] = {}
    for w in common_words():
        if w.isalpha():
            groups.setdefault((w[0], len(w)), []).append(w)
    return {key: tuple(words) for key, words in groups.items()}


def letters_apart(a: str, b: str) -> int:
    """Return how many letters one word holds that the other lacks, in any order (gandhi: 0)."""
    extra, missing = Counter(a), Counter(b)
    return max((extra - missing).total(), (missing - extra).total())


def without_possessive(word: str) -> str:
    """Return a word without its possessive ending: "pashinian's" is checked as "pashinian"."""
    return _POSSESSIVE.sub("", word)


class Speller:
    """Corrects analyzed terms against a vocabulary of terms and their passage counts.

    The vocabulary is grouped by first letter and length, so a correction compares a term only
    with those it could become (same first letter, length within the allowed edits): on a
    vocabulary of a million terms a look-up costs milliseconds, and the edit-distance call,
    which holds the interpreter while it runs, never stalls a bot's event loop for long.
    """

    def __init__(self, terms: Sequence[str], frequencies: Sequence[int]) -> None:
        self._groups: dict[tuple[str, int], list[tuple[str, int]]] = {}
        for term, df in zip(terms, frequencies, strict=True):
            if term[:1] and term.isalpha():
                self._groups.setdefault((term[0], len(term)), []).append((term, df))

    def correct(self, term: str, word: str) -> str | None:
        """Return the vocabulary term closest to `term` (analyzed from `word`), or None."""
        limit = max_edits(word)
        if not limit or not term:
            return None
        pool = [
            entry
            for length in range(len(term) - limit, len(term) + limit + 1)
            for entry in self._groups.get((term[0], length), ())
        ]
        if not pool:
            return None
        found = process.extract(
            term, [t for t, _ in pool], scorer=OSA.distance, score_cutoff=limit, limit=None
        )
        # Among equally close terms, the one made of more of the typed letters (in any order)
        # before the one more passages hold: "ghandi" is two edits from both "gandhi" and
        # "grand", but holds every letter of the first, misplaced.
        candidates = [
            (distance, letters_apart(term, candidate), -pool[i][1], candidate)
            for candidate, distance, i in found
            if candidate != term
        ]
        return min(candidates)[-1] if candidates else None
