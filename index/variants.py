"""Everyday variants of a question word: the other inflections of the same word (lemminflect).

The Snowball stemmer already relates regular forms ("killed", "kills" → "kill"), but not
irregular ones: "children" and "child", "mice" and "mouse", "began" and "begin", "went" and
"go" stay apart. A question word is looked up in lemminflect's tables (English lemmas and
inflections, shipped inside the package: nothing is downloaded), and every inflection of its
noun and verb lemmas becomes a variant, as do the other forms of a role that English uses
("spokesman", "spokeswoman", "spokesperson": wordfreq knows them), and the formal word for a
few everyday ones ("kids": "children", "cops": "police"). Adjectives are left out: "better"
would be searched as "good". A variant is searched with a reduced weight
(`index.query.VARIANT_WEIGHT`) in the word's concept, so a passage that holds only the variant
covers the word for abstention. Names ("Armenians") and short words are not looked up.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lemminflect import getAllInflections, getAllLemmas

from index.english import zipf

POS = ("NOUN", "VERB")  # the parts of speech whose inflections are the same thing asked
MIN_LETTERS = 3
# One role written for a man, a woman or anyone: "spokesman", "spokeswoman", "spokesperson",
# "chairmen", "salespeople". The shortest stem first, so "spokeswoman" is "spokes" + "woman".
_ROLE = re.compile(r"([a-z]{4,}?)(woman|women|man|men|persons|person|people)")
_ROLE_ENDINGS = ("man", "men", "woman", "women", "person", "persons", "people")
# Everyday words that written sources put formally ("kids" in a chat, "children" in the news).
_INFORMAL = {
    "kid": ("child",),
    "kids": ("children", "child"),
    "cop": ("police",),
    "cops": ("police",),
    "mom": ("mother",),
    "moms": ("mothers", "mother"),
    "mum": ("mother",),
    "mums": ("mothers", "mother"),
    "dad": ("father",),
    "dads": ("fathers", "father"),
    "folks": ("people",),
}


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
    found.update(dict.fromkeys(_INFORMAL.get(w, ())))
    role = _ROLE.fullmatch(w)
    if role:
        roles = (role.group(1) + ending for ending in _ROLE_ENDINGS)
        found.update(dict.fromkeys(r for r in roles if zipf(r) > 0))
    found.pop(w, None)
    return tuple(found)
