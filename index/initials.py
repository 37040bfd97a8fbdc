"""Initials and the names they stand for, found in the question and the index vocabulary.

A question's "European Union" should meet the sources' "EU", and "United Nations" meet "UN".
No list of acronyms is kept: a run of two or more capitalised words in the question
("European Union", "Collective Security Treaty Organization", "International Committee of the
Red Cross") gives its initials ("EU", "CSTO", "ICRC"), and when the index holds them, the run
becomes one concept searched as its words or its initials. The same joining serves a chat
abbreviation written out (`index.chatspeak`: "pm" read as "prime minister" is also searched as
"pm" when the sources write "PM"). When the index does not hold the short form, the question
is parsed as before: nothing is guessed.

The reverse (a question's "EU" when the sources only write "European Union") needs the
capitalised runs of the passages, which the index does not keep; it is not done.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from index.analyze import STOPWORDS, Analyzer

# Lowercase words that may stand inside a name without giving a letter ("Committee of the Red
# Cross", "Bosnia and Herzegovina").
_INSIDE = frozenset({"of", "the", "for", "and", "on", "in", "de", "du", "la"})
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
MAX_LETTERS = 6  # initials of two to six capitalised words

Words = dict[str, tuple[str, int, bool]]  # term -> (word as written, concept, name)


def runs(text: str) -> list[tuple[str, str]]:
    """Return each run of capitalised words in `text` and its initials ("European Union", "EU").

    Every stretch of two or more of its capitalised words is tried: a run opening the text
    may start with a word capitalised only because it opens the sentence ("Did European Union…").
    """
    words = list(_WORD.finditer(text))
    found: list[tuple[str, str]] = []
    if _title_case(words):
        return found  # "Do Statins Cause Breast Cancer?": capitals name nothing
    i = 0
    while i < len(words):
        if not _capitalised(words[i].group()):
            i += 1
            continue
        j = i
        caps = [i]
        while j + 1 < len(words) and text[words[j].end() : words[j + 1].start()].strip() == "":
            nxt = words[j + 1].group()
            if _capitalised(nxt):
                caps.append(j + 1)
            elif nxt not in _INSIDE:
                break
            j += 1
        last = caps[-1]
        # Every stretch of the run from one capitalised word to another, longest first: "Is
        # Armenia in the Collective Security Treaty Organization" holds "CSTO". Two letters
        # are too easily met by chance: only the whole run gives them (without the word that
        # opens the text, "Did European Union…").
        n = len(caps)
        whole = {(0, n - 1), (1, n - 1) if caps[0] == 0 else (0, n - 1)}
        # Only stretches of at most MAX_LETTERS words: a pasted wall of capitals stays linear.
        stretches = [(a, b) for a in range(n) for b in range(a + 1, min(n, a + MAX_LETTERS))]
        for a, b in sorted(stretches, key=lambda s: s[0] - s[1]):
            if b - a + 1 == 2 and (a, b) not in whole:
                continue
            letters = "".join(_bare(words[k].group())[0] for k in caps[a : b + 1])
            phrase = text[words[caps[a]].start() : words[caps[b]].end()]
            found.append((phrase, letters.upper()))
        i = last + 1
    return found


def join(
    words: Words,
    pairs: Iterable[tuple[str, str]],
    analyzer: Analyzer,
    frequencies: Callable[[list[str]], Sequence[int]],
    *,
    guessed: bool = True,
) -> None:
    """Make each (phrase, short form) one concept of `words` when the index holds the short form.

    `words` holds the question's terms; a phrase counts when all of its terms are there. The
    phrase's words then share the concept of its first word, and the short form's terms are
    added to it. `guessed`: the short forms are initials read from capitals, not typed.
    """
    for phrase, short in pairs:
        long_terms = [t for t in analyzer.terms(phrase) if t in words]
        short_terms = [t for t in analyzer.terms(short) if t not in words]
        if not long_terms or not short_terms or set(analyzer.terms(phrase)) != set(long_terms):
            continue
        counts = frequencies([*short_terms, *dict.fromkeys(long_terms)])
        short_df, long_df = counts[: len(short_terms)], counts[len(short_terms) :]
        if not all(short_df):
            continue
        # Initials guessed from capitals must be how the sources name it: at least as often as
        # by the rarest word of the name ("ICRC"), for two letters as by every word ("EU"):
        # "PM" in the passages giving times is not "Peyton Manning".
        if guessed and min(short_df) < (max if len(short) == 2 else min)(long_df):
            continue
        word, concept, name = words[long_terms[0]]
        merged = {words[t][1] for t in long_terms}
        for term, (w, c, n) in list(words.items()):
            if c in merged:
                words[term] = (w, concept, n)
        for term in short_terms:
            words[term] = (word, concept, name)


def _title_case(words: list[re.Match[str]]) -> bool:
    """Tell whether a text is written as a title: every word but the function words capitalised."""
    written = [m.group() for m in words]
    long = [w for w in written if len(w) >= 4]
    return len(long) >= 2 and all(w[:1].isupper() or w.lower() in STOPWORDS for w in written)


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and not (word.isupper() and len(word) > 1)


def _bare(word: str) -> str:
    """Return a word without a possessive ending ("Union's" → "Union")."""
    return re.sub(r"['’]s$", "", word)
