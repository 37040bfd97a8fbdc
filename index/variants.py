"""Everyday variants of a question word: its other inflections (lemminflect) and derivations.

The Snowball stemmer already relates regular forms ("killed", "kills" → "kill"), but not
irregular ones: "children" and "child", "mice" and "mouse", "began" and "begin", "went" and
"go" stay apart. A question word is looked up in lemminflect's tables (English lemmas and
inflections, shipped inside the package: nothing is downloaded), and every inflection of its
noun and verb lemmas becomes a variant, as do the other forms of a role that English uses
("spokesman", "spokeswoman", "spokesperson": wordfreq knows them), the noun of a verb and the
verb of a noun where Snowball keeps them apart ("died" and "death", "decide" and "decision",
"invade" and "invasion": the regular Latinate endings and a few irregular pairs, a derived word
taken only when English uses it), and the formal word for a few everyday ones ("kids":
"children", "cops": "police"). Adjectives are left out: "better" would be searched as "good".
A variant is searched with a reduced weight (`index.query.VARIANT_WEIGHT`) in the word's
concept, so a passage that holds only the variant covers the word for abstention. Names
("Armenians") and short words are not looked up.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lemminflect import getAllInflections, getAllLemmas

from index.analyze import past_of
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


# Verb and noun of one act whose endings Snowball does not join ("decide" → decid, "decision" →
# decis): the productive Latinate patterns of English derivation, then the irregular pairs.
_DERIVATIONS = (
    ("ide", "ision"),
    ("ade", "asion"),
    ("ode", "osion"),
    ("ude", "usion"),
    ("mit", "mission"),
    ("ceive", "ception"),
    ("scribe", "scription"),
    ("sume", "sumption"),
    ("duce", "duction"),
    ("stroy", "struction"),
    ("pel", "pulsion"),
    ("tend", "tension"),
    ("pend", "pension"),
    ("fend", "fense"),
    ("spond", "sponse"),
    ("solve", "solution"),
    ("volve", "volution"),
    ("plain", "planation"),
    ("claim", "clamation"),
    ("ify", "ification"),
    ("ieve", "ief"),
    ("ove", "oof"),
)
_DERIVED_PAIRS = (
    ("die", "death"),
    ("live", "life"),
    ("choose", "choice"),
    ("lose", "loss"),
    ("fly", "flight"),
    ("speak", "speech"),
    ("sell", "sale"),
    ("grow", "growth"),
    ("bear", "birth"),
    ("weigh", "weight"),
    ("succeed", "success"),
    ("fail", "failure"),
    ("enter", "entry"),
    ("think", "thought"),
)
_NOUN_OF = dict(_DERIVED_PAIRS)
_VERB_OF = {noun: verb for verb, noun in _DERIVED_PAIRS}
DERIVED_ZIPF = 2.5  # a derived form is taken only when English uses it this much


def _derived(pos: str, lemma: str) -> list[tuple[str, str]]:
    """Return (part of speech, word) of the noun of a verb lemma, or the verb of a noun."""
    if pos == "VERB":
        out = [("NOUN", _NOUN_OF[lemma])] if lemma in _NOUN_OF else []
        out += [
            ("NOUN", lemma[: -len(v)] + n)
            for v, n in _DERIVATIONS
            if lemma.endswith(v) and len(lemma) > len(v) + 1
        ]
    else:
        out = [("VERB", _VERB_OF[lemma])] if lemma in _VERB_OF else []
        out += [
            ("VERB", lemma[: -len(n)] + v)
            for v, n in _DERIVATIONS
            if lemma.endswith(n) and len(lemma) > len(n) + 1
        ]
    return [(p, w) for p, w in out if zipf(w) >= DERIVED_ZIPF]


def load() -> None:
    """Read lemminflect's tables now (about 0.4 s) rather than at the first question.

    Done when an index is opened, it never stalls a bot's event loop while a question is
    answered (as `index.english.load` does for the word frequencies).
    """
    forms("children")


@lru_cache(maxsize=65536)
def forms(word: str) -> tuple[str, ...]:
    """Return the other inflections and derivations of a word's noun and verb lemmas, or ()."""
    w = word.lower()
    if len(w) < MIN_LETTERS or not w.isalpha():
        return ()
    found: dict[str, None] = {}
    for pos, lemmas in getAllLemmas(w).items():
        if pos not in POS:
            continue
        for lemma in lemmas:
            own = [lemma, *(f for fs in getAllInflections(lemma, upos=pos).values() for f in fs)]
            # "found" (to establish) is also the past of "find", and is indexed as "find":
            # searched as a form of "founded", it would bring in every passage that finds.
            found.update(dict.fromkeys(f for f in own if past_of(f) in (None, lemma)))
            for other_pos, other in _derived(pos, lemma):
                found[other] = None
                for inflected in getAllInflections(other, upos=other_pos).values():
                    found.update(dict.fromkeys(inflected))
    found.update(dict.fromkeys(_INFORMAL.get(w, ())))
    role = _ROLE.fullmatch(w)
    if role:
        roles = (role.group(1) + ending for ending in _ROLE_ENDINGS)
        found.update(dict.fromkeys(r for r in roles if zipf(r) > 0))
    found.pop(w, None)
    return tuple(found)
