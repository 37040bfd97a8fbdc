"""Everyday variants of a question word: the other inflections of the same word (lemminflect).

The Snowball stemmer already relates regular forms ("killed", "kills" → "kill"), but not
irregular ones: "children" and "child", "mice" and "mouse", "began" and "begin", "went" and
"go" stay apart. A question word is looked up in lemminflect's tables (English lemmas and
inflections, shipped inside the package: nothing is downloaded), and every inflection of its
noun and verb lemmas becomes a variant. Adjectives are left out: "better" would be searched as
"good". A variant is searched with a reduced weight (`index.query.VARIANT_WEIGHT`) in the
word's concept, so a passage that holds only the variant covers the word for abstention.
Names ("Armenians") and short words are not looked up.
"""

from __future__ import annotations

from functools import lru_cache

from lemminflect import getAllInflections, getAllLemmas

POS = ("NOUN", "VERB")  # the parts of speech whose inflections are the same thing asked
MIN_LETTERS = 3


def load() -> None:
    """Read lemminflect's tables now (about 0.4 s) rather than at the first question.

    Done when an index is opened, it never stalls a bot's event loop while a question is
    answered (as `index.english.load` does for the word frequencies).
    """
    forms("children")


@lru_cache(maxsize=65536)
def forms(word: str) -> tuple[str, ...]:
    """Return the other inflections of a word's noun and verb lemmas (lowercased), or ()."""
    w = word.lower()
    if len(w) < MIN_LETTERS or not w.isalpha():
        return ()
    found: dict[str, None] = {}
    for pos, lemmas in getAllLemmas(w).items():
        if pos not in POS:
            continue
        for lemma in lemmas:
            found[lemma] = None
            for inflected in getAllInflections(lemma, upos=pos).values():
                found.update(dict.fromkeys(inflected))
    found.pop(w, None)
    return tuple(found)
