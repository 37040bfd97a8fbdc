"""Follow-up questions: when a question leans on the previous one, and the query they make.

People ask "and how many were injured?" or "when was that?" after an answer. Such a question
says little of its own subject, so it is searched together with the previous question: the
follow-up's own words lead, and the previous question's informative words fill in what it
leaves out, with CONTEXT_WEIGHT as their boost (the mechanism `index.query` uses for the
inflections of a word, `index.variants`).

Whether a question leans on another is read from its shape alone, never from the words of a
corpus:

- it opens with "and", "but", "also", "what about" or "how about" and has fewer than
  STANDALONE informative words of its own;
- or it refers back with a pronoun ("it", "that", "they", "there", "then"…) and has at most
  PRONOUN_WORDS informative words;
- or it has at most one informative word.

A question with STANDALONE informative words or more is never combined, nor is a question
with no previous one. Informative words are those that are neither stopwords nor only frame
the question ("which year"); see `index.question`.
"""

from __future__ import annotations

import re
from dataclasses import replace

from index.analyze import STOPWORDS
from index.query import Query, QueryTerm
from index.question import shape

CONTEXT_WEIGHT = 0.5  # the boost of the previous question's terms (1: the follow-up's own)
STANDALONE = 4  # informative words from which a question stands on its own, whatever its shape
PRONOUN_WORDS = 2  # informative words a question with a back-referring pronoun may have

_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
_OPENERS = (("and",), ("but",), ("also",), ("what", "about"), ("how", "about"))
_PRONOUNS = frozenset("it its that this they them their he him his she her there then".split())


def informative(question: str) -> list[str]:
    """Return the words of a question that carry its subject (not stopwords nor framing)."""
    frame = shape(question).frame_words
    return [
        w
        for w in _WORD.findall(question)
        if w.lower() not in STOPWORDS and w.lower() not in frame and (len(w) > 1 or w.isdigit())
    ]


def leans_on_previous(question: str) -> bool:
    """Tell whether a question leans on the one before ("and how many were injured?")."""
    words = [w.lower() for w in _WORD.findall(question)]
    if not words:
        return False
    own = len(informative(question))
    if own >= STANDALONE:
        return False
    if any(tuple(words[: len(o)]) == o for o in _OPENERS):
        return True
    if own <= PRONOUN_WORDS and _PRONOUNS.intersection(words):
        return True
    return own <= 1


def combined(follow_up: Query, previous: Query) -> Query:
    """Return the follow-up's query with the previous question's terms filling in.

    The previous question's concepts that the follow-up does not already hold are added with
    CONTEXT_WEIGHT as their boost and their weight in coverage (a word of it no passage
    holds was reported then, and is left out now). What kind of answer is
    wanted is the follow-up's ("when was that?"), or the previous question's when the
    follow-up does not say ("what about Russia?" after "how many…").
    """
    own = {t.term for t in follow_up.terms}
    shared = {t.concept for t in previous.terms if t.term in own}
    offset = max(follow_up.concepts, default=0)
    added: list[QueryTerm] = []
    concepts = dict(follow_up.concepts)
    for t in previous.terms:
        if t.concept in shared or t.term in own or not t.df:
            continue
        c = offset + t.concept
        added.append(replace(t, concept=c, name=False, boost=t.boost * CONTEXT_WEIGHT))
        concepts[c] = previous.concepts.get(t.concept, t.weight) * CONTEXT_WEIGHT
    asked = follow_up.shape
    if asked.kind is None:
        asked = replace(asked, kind=previous.shape.kind)
    return replace(
        follow_up,
        terms=follow_up.terms + tuple(added),
        shape=asked,
        words=follow_up.words | previous.words,
        concepts=concepts,
    )
