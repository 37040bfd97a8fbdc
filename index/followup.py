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
  asks nothing of its own ("what about Russia?" after "how many…"; "why?" asks its own);
- a follow-up that asks a question of its own about a person named before ("when did he
  die?") takes only the previous names: his birth is not asked again.

What a follow-up is read after is the last `Turn` of the conversation, not only its last
question: the question as it was read (the question that stood alone, then the follow-ups read
after it, each with the first passage of its answer), so a follow-up of a follow-up keeps its
subject ("where did she go?" after "and his wife?" after "Who is the prime minister of
Armenia?"). Every surface and the dialogue runner of `index.evaluate` get the next turn from
`following`. From the previous answer:

- a personal pronoun that points past the previous question (`points_past`: "he" after "Who
  is the EU's special representative?", "she" after "and his wife?") stands for the first
  personal name of the answer's quote, searched with ANSWER_WEIGHT; the previous question's
  names, which only described that person, count PAST_FADE of what they did;
- passages near the answer's passage come first among close ones (`index.locality`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from index.analyze import STOPWORDS, Analyzer
from index.model import Answer, Passage
from index.query import Query, QueryTerm
from index.question import Kind, shape
from index.snippet import snippet

ANSWER_WEIGHT = 0.7  # the boost of the name the previous answer gave for a pronoun
PAST_FADE = 0.3  # ... and the previous question's names, which described that one, times this
CHAIN = 3  # questions a conversation's context holds at most: the first, then the last follow-ups
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
    back to a previous question. "whos aliyev" and "what's X" are read as "who is" and
    "what is".
    """
    if words and re.fullmatch(r"(what|who)['’]?s", words[0]):
        words = [words[0].rstrip("s").rstrip("'’"), "is", *words[1:]]
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


# The personal pronouns, by the person they stand for: "his" after "he" is the same one.
_PERSONS = (
    frozenset("he him his".split()),
    frozenset("she her hers".split()),
    frozenset("they them their".split()),
)
# "who is he?": the question asks who the pronoun is, and its answer names them.
_IDENTIFY = re.compile(r"^\W*who\W+(?:is|was|are|were)\W+(?:he|she|they)\W*$", re.I)


def points_past(follow_up: Query, previous: Query) -> bool:
    """Tell whether a follow-up's pronoun stands for someone the previous answer named.

    "where did he write about it?" after "Who is the EU's representative?" means the person
    the answer named, and so does "she" after "and his wife?" (who is his wife?); "he" after
    "who is he?" is the one the answer named. "he" after "who were his parents?" is still
    the one "his" stood for, and after "When was Luther born?" the name the question gave.
    """
    words = {w.lower() for w in _WORD.findall(follow_up.text)}
    persons = next((p for p in _PERSONS if p.intersection(words)), None)
    if persons is None:
        return False
    if _IDENTIFY.match(previous.text):
        return True
    before = {w.lower() for w in _WORD.findall(previous.text)}
    if persons.intersection(before):
        return False
    # The previous question asked who, or named someone by another pronoun ("his wife").
    return previous.shape.kind is Kind.PERSON or any(p.intersection(before) for p in _PERSONS)


_SINGULAR = frozenset("he him his she her hers".split())  # a person, not a group or a thing
_THINGS = frozenset("it its".split())
_OTHER = frozenset("else other another".split())
_ORDINALS = frozenset("second third fourth fifth next".split())


def asks_other(question: str) -> bool:
    """Tell whether a follow-up asks for something besides the last answer ("what else?").

    It says "else", "other" or "another", or asks for an ordinal one ("and the second one?").
    """
    words = [w.lower() for w in _WORD.findall(question)]
    if _OTHER.intersection(words):
        return True
    return any(a in _ORDINALS and b in ("one", "ones") for a, b in itertools.pairwise(words))


def _named(term: QueryTerm) -> bool:
    """Tell whether a term comes from a name, in the question or one before it ("Hajiyev")."""
    return term.name or term.word[:1].isupper() or term.word[:1].isdigit()


# A run of capitalised words ("Nikol Pashinyan", "Prime Minister Nikol Pashinyan").
_CAPITALISED_RUN = re.compile(r"[A-Z][^\W_]*(?:['’\-][^\W_]+)*(?: [A-Z][^\W_]*(?:['’\-][^\W_]+)*)+")


def person_named(quote: str, asked: frozenset[str]) -> str | None:
    """Return the first personal name a quote gives that the questions did not ("Toivo Klaar").

    A personal name is written as two capitalised words or more in a row; words the
    questions hold ("Prime Minister") and stopwords ("The") are not part of it.
    """
    for run in _CAPITALISED_RUN.finditer(quote):
        words = [
            w for w in run.group().split() if w.lower() not in asked and w.lower() not in STOPWORDS
        ]
        if len(words) >= 2:
            return " ".join(words)
    return None


def combined(follow_up: Query, previous: Query, person: Query | None = None) -> Query:
    """Return the follow-up's query with the previous question's terms filling in.

    The previous question's concepts that the follow-up does not already hold are added with
    CONTEXT_WEIGHT as their boost and their weight in coverage (a word of it no passage
    holds was reported then, and is left out now). What kind of answer is
    wanted is the follow-up's ("when was that?"), or the previous question's when the
    follow-up does not say ("what about Russia?" after "how many…").

    `person` is the name the previous answer gave for the follow-up's pronoun
    (`points_past`): its terms are added with ANSWER_WEIGHT, and the names of the previous
    question, which only described that person, fade by PAST_FADE.
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
    words = {w.lower() for w in _WORD.findall(follow_up.text)}
    pointed = _POINTERS.intersection(words)
    asks_own = _asks_own(follow_up.text)
    own_question = asks_own and not referred and not pointed and said >= 2
    # "when did he die?": a question of its own about someone named before.
    about_person = (
        asks_own
        and said >= 1
        and not pointed
        and not _THINGS.intersection(words)
        and bool(_SINGULAR.intersection(words))
    )
    for t in previous.terms:
        if t.concept in shared or t.term in own or not t.df:
            continue
        named = _named(t)
        if (replaced and named) or ((own_question or about_person) and not named):
            continue
        if referred and named:
            # A pronoun keeps the names it may stand for, however many turns ago they came.
            w = min(t.boost, CONTEXT_WEIGHT) * (PAST_FADE if person else 1)
            boost = w
        else:
            w = weight * (CONTEXT_FADE if replaced else 1)
            boost = t.boost * w
        c = offset + t.concept
        added.append(replace(t, concept=c, name=False, boost=boost))
        concepts[c] = previous.concepts.get(t.concept, t.weight) * w
    if person is not None:
        held = own | {t.term for t in previous.terms} | {t.term for t in added}
        offset = max(concepts, default=0)
        for t in person.terms:
            if t.df and t.term not in held:
                c = offset + t.concept
                added.append(replace(t, concept=c, name=False, boost=t.boost * ANSWER_WEIGHT))
                concepts[c] = person.concepts.get(t.concept, t.weight) * ANSWER_WEIGHT
                held.add(t.term)
    asked = follow_up.shape
    if asked.kind is None and not asks_own:
        asked = replace(asked, kind=previous.shape.kind)
    return replace(
        follow_up,
        terms=follow_up.terms + tuple(added),
        shape=asked,
        words=follow_up.words | previous.words,
        concepts=concepts,
    )


@dataclass(frozen=True)
class Step:
    """A question of a conversation and the first passage of its answer (its id)."""

    question: str
    passage: str | None = None


@dataclass(frozen=True)
class Turn:
    """What a follow-up is read after: the last question of a conversation as it was read.

    `steps` are the question that stood alone, then the follow-ups read after it, each
    combined with those before (the first and the last CHAIN - 1 of them), each with the
    first passage of its answer.
    """

    steps: tuple[Step, ...]

    @property
    def question(self) -> str:
        """Return the last question asked."""
        return self.steps[-1].question

    @property
    def passage(self) -> str | None:
        """Return the id of the first passage of the last answer, if it answered."""
        return self.steps[-1].passage

    @property
    def text(self) -> str:
        """Return the questions as one text, oldest first (what "after: …" shows)."""
        return " ".join(step.question for step in self.steps)

    @classmethod
    def of(cls, context: str | Turn) -> Turn:
        """Return a context as a turn: a plain previous question is a turn of its own."""
        return context if isinstance(context, Turn) else cls((Step(context),))


def read_after(
    follow_up: Query,
    turn: Turn,
    parse: Callable[[str], Query],
    passage_of: Callable[[str | None], Passage | None],
    analyzer: Analyzer,
) -> tuple[Query, Passage | None]:
    """Return a follow-up's query read after a turn, and the passage that last answered.

    The turn is read as it was asked: each follow-up combined with the reading before it
    and with the answer it followed; then the follow-up is combined with that reading.
    """
    reading = parse(turn.steps[0].question)
    for before, step in itertools.pairwise(turn.steps):
        reading = _after(parse(step.question), reading, passage_of(before.passage), parse, analyzer)
    around = passage_of(turn.passage)
    return _after(follow_up, reading, around, parse, analyzer), around


def _after(
    follow_up: Query,
    previous: Query,
    around: Passage | None,
    parse: Callable[[str], Query],
    analyzer: Analyzer,
) -> Query:
    """Return a follow-up combined with the previous reading and the answer it followed.

    When its pronoun points past the previous question (`points_past`), the person it
    stands for is the one the answer's quote names (the quote as it was shown: chosen for
    the previous reading).
    """
    person = None
    if around is not None and points_past(follow_up, previous):
        quote = snippet(around.text, analyzer.spans(around.text), previous.weights).quote
        name = person_named(quote, previous.words)
        person = parse(name) if name else None
    return combined(follow_up, previous, person)


def following(context: str | Turn | None, answer: Answer) -> Turn:
    """Return what the next follow-up is read after, once `answer` was given after `context`.

    A question that stood alone starts a new turn; a follow-up continues its context's
    steps (the first and the last CHAIN - 1). The passage is the answer's first one.
    """
    passage = answer.hits[0].passage.id if answer.answered and answer.hits else None
    step = Step(answer.question, passage)
    if answer.context is None or not context:
        return Turn((step,))
    before = Turn.of(context).steps
    steps = (*before, step)
    if len(steps) > CHAIN:
        steps = (steps[0], *steps[len(steps) - CHAIN + 1 :])
    return Turn(steps)
