"""A question as the index sees it: informative terms, grouped by the word they came from.

A question goes through the same analyzer as the passages. The words that only frame it
("year" in "which year", "take place") are dropped, and every other word becomes a concept:
the terms it analyzes into (a hyphenated word gives several), plus, when the question holds
one member of a configured synonym group, the terms of every other member ("Stepanakert" is
also searched as "Khankendi"). A term weighs log((n + 1) / (df + 0.5)) over the n passages,
floored at zero; a word no passage holds weighs by its frequency in general English
(`index.english`: "think" little, a rare word or a name as the rarest term); a concept
weighs as much as its most informative term that some passage holds, so a question is judged
on what the sources can match, and a word no passage holds ("GDP") still counts against
coverage.

Words written as names or numbers ("Tokyo", "GDP", "2018") are marked: a question naming
something no source mentions is not answered with a passage about something else.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rapidfuzz.distance import OSA

from index import chatspeak, english, initials, places, spelling, variants
from index.analyze import Analyzer
from index.backend import Backend
from index.question import Shape, shape
from index.spelling import Speller, english_slips, is_common, looks_misspelled

VARIANT_WEIGHT = 0.5  # how much an inflection of a question word counts (`index.variants`)

_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
_POSSESSIVE = re.compile(r"['’]s?$")
MAX_CORRECTED = 8  # words of one question looked up for a misspelling, at most


@dataclass(frozen=True)
class QueryTerm:
    """An informative term of the question, the word it came from and its weight."""

    term: str
    word: str
    df: int  # how many passages hold it (0: none)
    weight: float
    concept: int = 0  # terms of one question word, or of its synonyms, share a concept
    name: bool = False  # the word is written as a name or a number ("Tokyo", "GDP", "2018")
    boost: float = 1.0  # how much the term counts in the score (below 1: a variant)
    # The common English word a misspelling stands for when no passage holds either
    # ("definately": definitely): the word is weighed as that one, not as a rare term.
    meant: str | None = None


@dataclass(frozen=True)
class Query:
    """A question as the index sees it: its terms, grouped by word, and what it asks for."""

    text: str
    terms: tuple[QueryTerm, ...]
    shape: Shape
    words: frozenset[str]  # the question's words, lowercased
    concepts: dict[int, float] = field(default_factory=dict)  # concept -> weight
    corrected: tuple[tuple[str, str], ...] = ()  # (word as asked, term searched instead)

    @property
    def weights(self) -> dict[str, float]:
        """Return each term's weight (idf-like: rarer terms weigh more; variants less)."""
        return {t.term: t.weight * t.boost for t in self.terms}

    @property
    def searched(self) -> list[str]:
        """Return the terms that some passage holds."""
        return [t.term for t in self.terms if t.df]

    @property
    def boosts(self) -> list[float]:
        """Return how much each searched term counts in the score (1, less for a variant)."""
        return [t.boost for t in self.terms if t.df]

    @property
    def unmatched(self) -> tuple[str, ...]:
        """Return the question's words that no passage mentions, even through a synonym."""
        found = {t.concept for t in self.terms if t.df}
        return tuple(dict.fromkeys(t.word for t in self.terms if t.concept not in found))


class QueryParser:
    """Turn questions into queries against one index: its analyzer, synonyms and term counts."""

    def __init__(
        self,
        analyzer: Analyzer,
        backend: Backend,
        passages: int,
        synonyms: Sequence[tuple[str, Sequence[str]]] = (),
        *,
        mean_words: float = 100.0,
        speller: Callable[[], Speller] | None = None,
        named: Callable[[str], bool] | None = None,
    ) -> None:
        self.analyzer = analyzer
        self.backend = backend
        self.passages = passages
        self.mean_words = mean_words  # running words per passage, for words no passage holds
        self._speller = speller  # the index vocabulary's speller, built when first needed
        self._named = named  # whether the sources write a term as a name ("Gandhi", not "grand")
        english.load()
        spelling.load()
        variants.load()
        places.load()
        # Each synonym group as the analyzed terms of its members ("Nagorno-Karabakh" is
        # three terms; a member is in a question when all of its terms are).
        self._synonyms = [
            [m for m in (tuple(analyzer.terms(w)) for w in (key, *values)) if m]
            for key, values in synonyms
        ]

    def parse(self, question: str) -> Query:
        """Return the terms of a question, its synonyms' terms, and what kind of answer it wants."""
        # Chat filler dropped, abbreviations written out, misspelled function words read.
        reading = chatspeak.read(question, self._known)
        question = reading.text
        asked = shape(question)
        words: dict[str, tuple[str, int, bool]] = {}  # term -> (word as written, concept, name)
        concept = 0
        for n, (start, end, found) in enumerate(self.analyzer.spans(question)):
            word = question[start:end]
            if word.lower() in asked.frame_words or not found:
                continue
            concept += 1
            for term in found:
                words.setdefault(term, (word, concept, _is_name(word, n == 0)))
        # An abbreviation written out ("pm") and the initials of a name ("EU") are searched too.
        initials.join(
            words, reading.short_forms, self.analyzer, self.backend.frequencies, guessed=False
        )
        initials.join(words, initials.runs(question), self.analyzer, self.backend.frequencies)
        for group in self._synonyms:
            present = [m for m in group if all(t in words for t in m)]
            if not present:
                continue
            word, own, name = words[present[0][0]]
            for member in group:
                for term in member:
                    words.setdefault(term, (word, own, name))
        frequencies = self.backend.frequencies(list(words))
        words, frequencies, corrected, meant = self._corrected(words, frequencies)
        terms = tuple(
            QueryTerm(
                term,
                word,
                df,
                self.weight(meant.get(term, word), df),
                c,
                name,
                1.0,
                meant.get(term),
            )
            for (term, (word, c, name)), df in zip(words.items(), frequencies, strict=True)
        )
        terms += self._variants(terms)
        # A concept weighs as much as its most informative term that some passage holds (the
        # word's own terms first, then its variants; when none does, as much as a word no
        # passage holds).
        concepts: dict[int, float] = {}
        for c in dict.fromkeys(t.concept for t in terms):
            members = [t for t in terms if t.concept == c]
            concepts[c] = max(
                [t.weight for t in members if t.df and t.boost == 1.0]
                or [t.weight for t in members if t.df]
                or [t.weight for t in members]
            )
        lowered = frozenset(w.lower() for w in _WORD.findall(question))
        return Query(question, terms, asked, lowered, concepts, reading.expanded + corrected)

    def _known(self, word: str) -> bool:
        """Tell whether some passage holds the word (any of its terms)."""
        terms = list(self.analyzer.terms(word))
        return bool(terms) and any(self.backend.frequencies(terms))

    def _variants(self, terms: tuple[QueryTerm, ...]) -> tuple[QueryTerm, ...]:
        """Return the terms of the other inflections of the question's words that passages hold.

        See `index.variants`: "children" is also searched as "child", with VARIANT_WEIGHT.
        """
        if VARIANT_WEIGHT <= 0:
            return ()
        seen = {t.term for t in terms}
        extra: dict[str, QueryTerm] = {}
        for t in terms:
            if t.boost != 1.0:
                continue
            forms = () if t.name else variants.forms(t.word)
            # The country a capital stands for ("Baku": Azerbaijan), see `index.places`.
            country = places.counterpart(_POSSESSIVE.sub("", t.word))
            for form in (*forms, country) if country else forms:
                for term in self.analyzer.terms(form):
                    if term not in seen and term not in extra:
                        extra[term] = QueryTerm(term, t.word, 0, 0.0, t.concept, False)
        if not extra:
            return ()
        counts = self.backend.frequencies(list(extra))
        return tuple(
            QueryTerm(t.term, t.word, df, self.weight(t.word, df), t.concept, False, VARIANT_WEIGHT)
            for t, df in zip(extra.values(), counts, strict=True)
            if df
        )

    def _corrected(
        self, words: dict[str, tuple[str, int, bool]], frequencies: list[int]
    ) -> tuple[dict[str, tuple[str, int, bool]], list[int], tuple[tuple[str, str], ...]]:
        """Replace the terms of misspelled words (no passage holds them) by the closest term.

        See `index.spelling`: only a word rare in English, made of letters, is corrected.
        """
        if all(frequencies) or self._speller is None:
            return words, frequencies, (), {}
        fixed: dict[str, tuple[str, int, bool]] = {}
        counts: list[int] = []
        corrected: list[tuple[str, str]] = []
        meant: dict[str, str] = {}  # term -> the common word it misspells, that no passage holds
        tried = 0
        for (asked, info), count in zip(words.items(), frequencies, strict=True):
            term, df, word = asked, count, info[0]
            if not df and tried < MAX_CORRECTED and looks_misspelled(word):
                tried += 1
                correction, common = self._correction(term, word, info[2])
                if correction is not None and correction not in words:
                    term, df = correction, self.backend.frequencies([correction])[0]
                    corrected.append((word, term))
                elif common is not None:
                    meant[term] = common
            if term not in fixed:
                fixed[term] = info
                counts.append(df)
        return fixed, counts, tuple(corrected), meant

    def _correction(self, term: str, word: str, name: bool) -> tuple[str | None, str | None]:
        """Return the term a misspelled word (analyzed as `term`) is searched as, or None, and
        the common English word it was most likely meant as when no passage holds that word.

        First the likeliest common English word one slip away that passages hold ("lovd":
        loved); a name ("dLNs", "Aliev" inside a sentence) is no slip of a common word. Then the
        closest index term, unless a common English word that no passage holds is closer: the
        word was most likely that one ("definately": definitely, not "defence").
        """
        meant = () if name else english_slips(word)
        for candidate in meant:
            terms = list(self.analyzer.terms(candidate))
            if len(terms) == 1 and self.backend.frequencies(terms)[0]:
                return terms[0], None
        if not name and not meant and is_common(word):
            return None, None  # a word of English, spelled as meant ("dorms", not "doom")
        common = meant[0] if meant else None
        guess = self._speller().correct(term, word)
        if guess is not None and meant and OSA.distance(term, guess) > 1:
            return None, common
        if guess is not None and name and self._named is not None and not self._named(guess):
            # A name the sources lack is no slip of a word they write in lower case:
            # "Goodell" is not "golden", "Tethys" not "teeth".
            return None, common
        return guess, common

    def weight(self, word: str, df: int) -> float:
        """Return a term's idf-like weight; a word no passage holds weighs by general English."""
        n = self.passages
        if df:
            return max(math.log((n + 1) / (df + 0.5)), 0.0)
        return english.unseen_weight(word, n, self.mean_words)


def _is_name(word: str, first: bool) -> bool:
    """Tell whether a question word is written as a name or a number ("Tokyo", "GDP", "2018")."""
    if word[:1].isdigit() or any(c.isupper() for c in word[1:]):
        return True
    return word[:1].isupper() and not first
