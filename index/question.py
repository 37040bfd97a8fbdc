"""What a question asks for: the kind of answer its question words expect.

"Who is the prime minister?" wants a name, "Which year…" a year, "How many…" a number,
"Where…" a place. The kind is read from the question words alone (no model), and a passage
whose best sentences hold that kind of thing is preferred over one that only repeats the
question's words ("the prime minister of Armenia denied…"). Words that only name the kind
("year", "date", "place") are not searched for: the answer says "2020", not "year".
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from enum import StrEnum

from index.analyze import STOPWORDS
from index.english import zipf


class Kind(StrEnum):
    """The kind of thing an answer holds."""

    PERSON = "person"
    DATE = "date"
    NUMBER = "number"
    PLACE = "place"


@dataclass(frozen=True)
class Shape:
    """What a question expects and which of its words only name that expectation."""

    kind: Kind | None
    frame_words: frozenset[str]  # lowercased words of the question not to search for


_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
# "which year", "in what city": a question word, then up to two modifiers, then a kind noun.
_KIND_NOUNS: dict[str, Kind] = {
    "year": Kind.DATE,
    "years": Kind.DATE,
    "date": Kind.DATE,
    "day": Kind.DATE,
    "month": Kind.DATE,
    "decade": Kind.DATE,
    "time": Kind.DATE,
    "place": Kind.PLACE,
    "city": Kind.PLACE,
    "town": Kind.PLACE,
    "country": Kind.PLACE,
    "location": Kind.PLACE,
    "number": Kind.NUMBER,
    "amount": Kind.NUMBER,
    "percentage": Kind.NUMBER,
    "name": Kind.PERSON,
}
# The kind nouns that can close a keyword question and only name what is asked ("kids
# number?"); "name", "place" and "time" also close questions about them ("stage name?").
_CLOSING_KINDS = frozenset({"number", "amount", "percentage", "year", "date"})
# ... but not in a question to be answered yes or no ("is 7 a prime number?"), nor after a
# determiner, where the noun is the subject ("attacks this year?").
_AUXILIARIES = frozenset(
    "is are was were am do does did can could has have had will would should shall may might "
    "must isn't aren't wasn't weren't don't doesn't didn't".split()
)
_DETERMINERS = frozenset("a an the this that these those last next each every same whole".split())
_HOW = {"many", "much", "large", "big", "long", "old", "far", "high", "tall", "often"}
# What may stand before the question word: a preposition ("In which year", "Under what law",
# "During what decade") or a conjunction.
_LEADS = frozenset(
    """
    in on at for from to by since until during after before within of with about under over
    into through against among between across around upon without toward towards and so but
    """.split()
)
# Phrases that frame a question without carrying its subject: "where will talks take place",
# "what did the Armenian side say" (the side is Armenia), "what was the reason" (why),
# "according to", "besides", "apart from", "in what way" (how), "what type of" (the answer
# names a thing of the type), "another term for", a closing "stand for" (what is named),
# "what is going on", "how long has it been going on", "in order to".
_FRAMES = re.compile(
    r"\b(?P<place>(?:take|takes|took|taken|taking)\s+place)\b"
    r"|\b(?P<who>[A-Z][a-z]+)\s+(?P<side>sides?)\b"
    r"|\b(?P<frame>(?:what|which)\s+(?:(?:is|was|are|were)\s+)?(?:the\s+|a\s+|one\s+)?reasons?"
    r"|for\s+what\s+reasons?|the\s+reasons?\s+(?=why\b)|according\s+to|besides|apart\s+from"
    r"|aside\s+from|other\s+than|in\s+what\s+ways?|in\s+which\s+ways?"
    r"|(?:what|which)\s+(?:types?|kinds?|sorts?)\s+of"
    r"|another\s+(?:term|name|word)\s+for|(?:stands?|stood)\s+for(?=\W*$)|going\s+on"
    r"|in\s+order\s+(?:to|for|that))\b",
    re.I,
)
NAME_ZIPF = 4.5  # "putin" 4.1, "erdogan" 3.2; "leader" 5.0, "responsible" 4.9
_QUESTION_WORDS = frozenset("what which who whom whose when where why how".split())
# "What did the ministry say…", "Where did the side say…": the verb only reports; the answer is
# what was said, which sources also write as "according to the ministry".
_REPORTED = re.compile(
    r"^\W*(?:\w+\s+)?(?:what|where|when|why|how|who|which)\b[^?]*?"
    r"\b(?:did|does|do|has|have|had|will|would)\s+(?:\S+\s+){1,5}?(?P<say>say|said)\b",
    re.I,
)


def _rare(word: str) -> bool:
    """Tell whether a lowercase word is rare in English, as names are ("hajiev", "macron")."""
    return word.lower() not in STOPWORDS and zipf(word) < NAME_ZIPF


def asks(question: str) -> bool:
    """Tell whether a text is a question opening with a question word ("In which year…")."""
    lower = [w.lower() for w in _WORD.findall(question)[:2]]
    i = 1 if len(lower) > 1 and lower[0] in _LEADS else 0
    return len(lower) > i and lower[i] in _QUESTION_WORDS


def shape(question: str) -> Shape:
    """Return the kind of answer a question asks for and its framing words."""
    words = _WORD.findall(question)
    lower = [w.lower() for w in words]
    frame_words: set[str] = set()
    for m in _FRAMES.finditer(question):
        if m.group("place") or m.group("frame"):
            frame_words.update(m.group().lower().split())
        elif m.group("who").lower() not in STOPWORDS and m.group("who")[:1].isupper():
            frame_words.add(m.group("side").lower())
    reported = _REPORTED.match(question)
    if reported:
        frame_words.add(reported.group("say").lower())
    # The question word opens the question ("In which year…"); later on, "who", "which" and
    # "when" start clauses of a statement ("patients who smoke", "rises when…").
    i = 1 if len(lower) > 1 and lower[0] in _LEADS else 0
    for word in lower[i : i + 1]:
        if word in ("which", "what"):
            # "which ceasefire year", "what kind of number": the kind noun within three words.
            for j in range(i + 1, min(i + 4, len(lower))):
                kind = _KIND_NOUNS.get(lower[j])
                if kind is not None:
                    return Shape(kind, frozenset(frame_words | {lower[j]}))
            continue
        if word in ("who", "whom", "whose"):
            rest = words[i + 1 :]
            if rest and rest[0].lower() in ("is", "was", "are", "were"):
                rest = rest[1:]
            # "Who is Laurence Broers?" asks what a named person is, not for a name; typed in
            # lowercase ("who is hajiev"), one or two words rare in English read as a name.
            if rest and (
                all(w[:1].isupper() for w in rest)
                or (question.islower() and len(rest) <= 2 and all(_rare(w) for w in rest))
            ):
                return Shape(None, frozenset(frame_words))
            return Shape(Kind.PERSON, frozenset(frame_words))
        if word == "when":
            return Shape(Kind.DATE, frozenset(frame_words))
        if word == "where":
            return Shape(Kind.PLACE, frozenset(frame_words))
        if word == "how" and i + 1 < len(lower) and lower[i + 1] in _HOW:
            # "How large is the force?": the answer is a measure; "large" is not the subject.
            return Shape(Kind.NUMBER, frozenset(frame_words | {lower[i + 1]}))
    # Typed as keywords, the kind of answer comes last: "evacuated kids number?", "ceasefire
    # date?". The kind noun names what is asked, as in "what number", and is not searched.
    if (
        len(lower) >= 2
        and lower[0] not in _QUESTION_WORDS | _AUXILIARIES
        and lower[-1] in _CLOSING_KINDS
        and lower[-2] not in _DETERMINERS
        and question.rstrip().endswith("?")
    ):
        return Shape(_KIND_NOUNS[lower[-1]], frozenset(frame_words | {lower[-1]}))
    return Shape(None, frozenset(frame_words))


_NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen"
    " sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety"
    " hundred hundreds thousand thousands million millions billion dozen dozens"
)
_NUMBER = re.compile(rf"\b(?:\d[\d,.]*|{'|'.join(_NUMBER_WORDS.split())})\b", re.I)
_MONTHS = "january february march april may june july august september october november december"
# An earlier year is a date only where the words say so ("in 911", "by 1271", "AD 800",
# "300 BC"): a bare 1200 is as often a count.
_TIME_PREPOSITIONS = ("in", "since", "by", "until", "till", "from", "after", "before", "around")
_EARLY_YEAR = (
    "(?:" + "|".join(rf"(?<=\b{p} )" for p in _TIME_PREPOSITIONS) + r"|(?<=\bAD )|(?<=\bc\. ))"
    r"[1-9]\d{2,3}(?!\d|[,.]\d)|[1-9]\d{0,3} (?:BCE?|AD|CE)"
)
_DATE = re.compile(
    rf"\b(?:1[5-9]\d\d|20\d\d|1[5-9]\d0s|(?:{'|'.join(_MONTHS.split())})"
    r"|(?:mon|tues|wednes|thurs|fri|satur|sun)day|yesterday|today"
    r"|\d{1,2}(?:st|nd|rd|th)[- ]centur(?:y|ies)"
    rf"|{_EARLY_YEAR})\b",
    re.I,
)
_CAPITALISED = re.compile(r"(?<![\w’'])[A-Z][a-z]+(?:[-’'][A-Za-z]+)*")
_LOCATIVE = re.compile(
    r"\b(?:in|at|near|outside|inside|to|from|into|towards?)\s+(?:the\s+)?"
    r"(?:(?:town|city|village|region|capital|province|district|country)\s+of\s+)?$",
    re.I,
)


def holds(kind: Kind, text: str, question_words: frozenset[str]) -> bool:
    """Tell whether `text` holds something of `kind` that the question does not already say."""
    if kind is Kind.NUMBER:
        return any(m.group().lower() not in question_words for m in _NUMBER.finditer(text))
    if kind is Kind.DATE:
        return any(m.group().lower() not in question_words for m in _DATE.finditer(text))
    names = [
        m
        for m in _CAPITALISED.finditer(text)
        if m.group().lower() not in question_words and not _DATE.fullmatch(m.group())
    ]
    if kind is Kind.PERSON:
        # A personal name: two capitalised words in a row ("Nikol Pashinyan"), the first of
        # which may open the sentence.
        return any(
            b.start() - a.end() == 1 and text[a.end()] == " " and a.group().lower() not in STOPWORDS
            for a, b in itertools.pairwise(names)
        )
    # A place: a name after "in", "at", "near"… ("in the town of Yevlakh").
    return any(_LOCATIVE.search(text[: m.start()]) for m in names)
