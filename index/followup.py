"""Follow-up questions: when a question leans on the previous one, and the query they make.

People ask "and how many were injured?" or "when was that?" after an answer. Such a question
says little of its own subject, so it is searched together with the previous question: the
follow-up's own words lead, and the previous question's informative words fill in what it
leaves out, as boosted terms (the mechanism `index.query` uses for the inflections of a word,
`index.variants`).

Whether a question leans on another is read from its shape alone, never from the words of a
corpus:

- it opens with "and", "but", "also", "what about" or "how about" and has fewer than
  STANDALONE informative words of its own;
- or it refers back with a personal pronoun ("he", "it", "their", "the ones") and has at most
  PRONOUN_WORDS informative words ("which king did he swear fealty to?");
- or with a word that points back only in some questions ("that", "there", "then": "when
  was that?", but "shown that there are…") and has at most POINTER_WORDS;
- or it has at most one informative word, unless it asks what something named is ("What was
  Tymnet?").

A question that names its subject and then asks about it ("lachin corridor whats that", "the
CSTO, what is it?") stands alone: its "that" is what it just named.

A question with STANDALONE informative words or more is never combined, nor is a question
with no previous one. Informative words are those that are neither stopwords, pronouns,
contractions of stopwords ("didn't", "what's") nor only frame the question ("which year");
see `index.question`.

What the previous question fills in:

- its terms count CONTEXT_WEIGHT, times CONTEXT_FADE for each informative word the follow-up
  has beyond the first: the more a follow-up says, the less it needs the last question;
- a follow-up that names a new subject in place of the last one ("what about Russia?" after
  "how did Turkey respond?") leaves out the previous question's names, and counts its other
  words one fade less: the previous question says what is asked, the new name about whom;
- a follow-up that refers back with a personal pronoun keeps the previous names at
  CONTEXT_WEIGHT whatever its length: "he" in "what did he say about civilians?" is them;
- a follow-up that asks a question of its own about a subject of its own, with two
  informative words or more and nothing pointing back ("and how large is the peacekeeping
  force?" after "how many did the Russian peacekeepers evacuate?"), takes only the previous
  question's names: what was asked then is not what is asked now;
- the kind of answer wanted is the follow-up's, or the previous question's when the follow-up
  asks nothing of its own ("what about Russia?" after "how many…"; "why?" asks its own).
"""

from __future__ import annotations

import re
from dataclasses import replace

from index.analyze import STOPWORDS
from index.query import Query, QueryTerm
from index.question import shape

CONTEXT_WEIGHT = 0.5  # the boost of the previous question's terms (1: the follow-up's own)
CONTEXT_FADE = 0.7  # ... times this for each informative word of its own beyond the first
STANDALONE = 4  # informative words from which a question stands on its own, whatever its shape
PRONOUN_WORDS = 3  # informative words a question with a personal pronoun ("he") may have
POINTER_WORDS = 2  # ... with a word that may point back or not ("that", "there")

_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
_OPENERS = (("and",), ("but",), ("also",), ("what", "about"), ("how", "about"))
# Pronouns that refer to someone or something named before ("when did he die?").
_PRONOUNS = frozenset("it its they them their he him his she her ones".split())
# Words that point back in some questions only: "when was that?", but "shown that there are".
_POINTERS = frozenset("that this those these there then one".split())
# "didn't", "what's": a stopword with a negation or "is" is a stopword ("Tetzel's" is not).
# What "X, what is it?" and "X, who is he?" ask about: the X just named.
_NAMED = frozenset("it that this he she".split())
_CONTRACTIONS = ("n't", "n’t", "'s", "’s")


def _own(word: str) -> bool:
    """Tell whether a word may carry a question's subject ("didn't", "what's" do not)."""
    lower = word.lower()
    for ending in _CONTRACTIONS:
        if lower.endswith(ending):
            lower = lower[: -len(ending)]
    if lower in STOPWORDS or lower in _PRONOUNS or lower in _POINTERS:
        return False
    return len(word) > 1 or word.isdigit()


def informative(question: str) -> list[str]:
    """Return the words of a question that carry its subject (not stopwords nor framing)."""
    frame = shape(question).frame_words
    return [w for w in _WORD.findall(question) if _own(w) and w.lower() not in frame]


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
    if _NAMED.intersection(words) and _names_first(question):
        return False  # "lachin corridor, whats that?": "that" is what it just named
    if own <= PRONOUN_WORDS and _PRONOUNS.intersection(words):
        return True
    if own <= POINTER_WORDS and _POINTERS.intersection(words):
        return True
    if own and _defines(words):
        return False
    return own <= 1


_QUESTION_WORDS = frozenset("what which who whom whose when where why how".split())


def _names_first(question: str) -> bool:
    """Tell whether a question names its subject, then asks ("lachin corridor, whats that?").

    Its "that" or "it" is the subject just named, not something asked before.
    """
    for word in _WORD.findall(question):
        if _asks(word):
            return False
        if _own(word):
            return any(_asks(w) for w in _WORD.findall(question))
    return False


def _asks(word: str) -> bool:
    """Tell whether a word is a question word ("what", "what's", "whats")."""
    lower = re.split("['’]", word.lower())[0]
    return lower in _QUESTION_WORDS or (lower.endswith("s") and lower[:-1] in _QUESTION_WORDS)


_COPULAS = frozenset("is was are were".split())


def _defines(words: list[str]) -> bool:
    """Tell whether a question asks what something named is ("What was Tymnet?", "Who is X?").

    It names its whole subject: without an article ("What was the result?"), nothing points
    back to a previous question.
    """
    return (
        len(words) > 2
        and words[0] in ("what", "who")
        and words[1] in _COPULAS
        and words[2] not in ("a", "an", "the")
    )


def _asks_own(text: str) -> bool:
    """Tell whether a follow-up asks a question of its own ("why?"), not "what about X?"."""
    words = [w.lower() for w in _WORD.findall(text)]
    for opener in _OPENERS:
        if tuple(words[: len(opener)]) == opener:
            words = words[len(opener) :]
            break
    return bool(_QUESTION_WORDS.intersection(words))


def _refers_back(follow_up: Query) -> bool:
    """Tell whether a follow-up refers to someone or something named before ("he", "its")."""
    return bool(_PRONOUNS.intersection(w.lower() for w in _WORD.findall(follow_up.text)))


def _replaces_names(follow_up: Query) -> bool:
    """Tell whether a follow-up names a new subject in place of the previous one's.

    "what about Russia?" after "how did Turkey respond?" asks how Russia responded: the
    names of the previous question give way. "what did he say about Russia?" keeps them:
    "he" is someone named before.
    """
    words = [w.lower() for w in _WORD.findall(follow_up.text)]
    if _PRONOUNS.intersection(words) or not any(t.name and t.df for t in follow_up.terms):
        return False
    return (
        any(tuple(words[: len(o)]) == o for o in _OPENERS) or len(informative(follow_up.text)) <= 1
    )


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
    said = len(informative(follow_up.text))
    weight = CONTEXT_WEIGHT * CONTEXT_FADE ** max(said - 1, 0)
    replaced = _replaces_names(follow_up)
    referred = _refers_back(follow_up)
    pointed = _POINTERS.intersection(w.lower() for w in _WORD.findall(follow_up.text))
    own_question = _asks_own(follow_up.text) and not referred and not pointed and said >= 2
    for t in previous.terms:
        if t.concept in shared or t.term in own or not t.df:
            continue
        if replaced and t.name:
            continue
        if own_question and not t.name:
            continue
        w = CONTEXT_WEIGHT if referred and t.name else weight * (CONTEXT_FADE if replaced else 1)
        c = offset + t.concept
        added.append(replace(t, concept=c, name=False, boost=t.boost * w))
        concepts[c] = previous.concepts.get(t.concept, t.weight) * w
    asked = follow_up.shape
    if asked.kind is None and not _asks_own(follow_up.text):
        asked = replace(asked, kind=previous.shape.kind)
    return replace(
        follow_up,
        terms=follow_up.terms + tuple(added),
        shape=asked,
        words=follow_up.words | previous.words,
        concepts=concepts,
    )
