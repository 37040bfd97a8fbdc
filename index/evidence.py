"""Agreement and disagreement between passages: near-duplicates and differing figures.

- Near-duplicates: two quotes that say the same thing in nearly the same words (a wire story
  printed by two outlets, a page that repeats its lead paragraph). Compared on analyzed terms,
  so "defence"/"defense" or a changed word order still match.
- Differing figures: numbers next to the same noun ("5 persons were killed" / "27 deaths"), or
  the same number given to different things ("four troops" / "four police officers") when both
  are counted for the same event. Only counts are compared; years and days of the month are not.
  An answer reports them (`conflicts`) among its first CONFLICT_DEPTH passages, and only on
  what the question asks about.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from index.analyze import STOPWORDS
from index.model import Claim, Conflict, Passage

NEAR_JACCARD = 0.5  # share of distinct terms two quotes have in common
NEAR_CONTAINED = 0.75  # share of the shorter quote's word pairs found in the longer one
CONFLICT_DEPTH = 5  # an answer's first passages compared for differing figures


@dataclass(frozen=True)
class Wording:
    """The analyzed terms of a text and its pairs of consecutive terms, for comparison.

    `marks` are the terms of its figures, dates and names (words with a digit, number words,
    capitalised words): two texts worded alike that give another figure, date or name
    ("killed 12" / "killed 72", "island 3" / "island 4") say different things.
    """

    terms: frozenset[str]
    pairs: frozenset[tuple[str, str]]
    marks: frozenset[str] = frozenset()

    @classmethod
    def of(cls, terms: Sequence[str], marks: Iterable[str] = ()) -> Wording:
        """Return the wording of a sequence of analyzed terms and its marked terms."""
        return cls(frozenset(terms), frozenset(itertools.pairwise(terms)), frozenset(marks))


def is_mark(word: str) -> bool:
    """Tell whether a word states a figure, a date or a name (what near-duplicates must share)."""
    return any(c.isdigit() for c in word) or word[:1].isupper() or word.lower() in _UNITS


def near_duplicate(a: Wording, b: Wording) -> bool:
    """Tell whether two texts say the same thing in nearly the same words."""
    small, large = sorted((len(a.terms), len(b.terms)))
    if not small:
        return False
    shorter, longer = (a, b) if len(a.terms) <= len(b.terms) else (b, a)
    if not shorter.marks <= longer.marks:  # a figure, date or name of one is not in the other
        return False
    common = len(a.terms & b.terms)
    if common / (small + large - common) >= NEAR_JACCARD:
        return True
    # One says what the other says and a little more ("… to provoke a war. He asked …").
    if common < NEAR_CONTAINED * small or min(len(a.pairs), len(b.pairs)) < 3:
        return False
    return len(a.pairs & b.pairs) / min(len(a.pairs), len(b.pairs)) >= NEAR_CONTAINED


# -- Figures ----------------------------------------------------------------------------------

_UNITS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "dozen": 12,
}
_NUMBER = re.compile(
    r"(?<![\w.,/-])(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w/]|[.,]\d)"
    rf"|\b(?:{'|'.join(_UNITS)})\b",
    re.I,
)
_WORD = re.compile(r"[A-Za-z]+(?:[’'-][A-Za-z]+)*")
_MONTHS = frozenset(
    "january february march april may june july august september october november december"
    " jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
# Words between a number and what it counts: "six of its citizens", "5 persons were killed".
_SKIP = frozenset(
    "of the its their his her our a an more than other additional some about around at least"
    " nearly almost over up who which that and or including".split()
)
_AUXILIARY = frozenset("were was are is have has had been being reportedly".split())
_UNCOUNTED = frozenset(
    "percent per cent times time years year months month weeks week days day hours hour"
    " minutes minute kilometres kilometers km miles metres meters ago am pm".split()
)
# Events whose counts sources report, and the words that name them.
_EVENTS = {
    "killed": "killed kill kills killing dead died die dies deaths death fatalities lives",
    "injured": "injured injuring injures wounded wounding injuries injury hurt",
    "evacuated": "evacuated evacuation evacuating",
    "arrested": "arrested arrests detained",
    "missing": "missing",
}
_EVENT_OF = {w: event for event, words in _EVENTS.items() for w in words.split()}
# Nouns that count anyone: "six people" agrees with "six citizens".
_ANYONE = frozenset("people persons individuals others residents".split())
# Different words for the same kind of person.
_SAME_KIND = {
    "troops": "troops",
    "troop": "troops",
    "soldiers": "troops",
    "soldier": "troops",
    "servicemen": "troops",
    "serviceman": "troops",
    "police": "police",
    "policemen": "police",
    "officers": "police",
}
_GAP = re.compile(r"[\s,\-]*(?:\d[\d,.]*[\s,\-]+)*")
EVENT_WINDOW = 6  # words either side of a number searched for the event it counts


@dataclass(frozen=True)
class Figure:
    """A count stated in a text: its value, what it counts, and the event it belongs to."""

    value: float
    noun: str | None  # canonical counted noun; None for "people" or an event word
    event: str | None  # e.g. "killed"
    start: int  # span of the figure's words in the text
    end: int


def number_value(text: str) -> float | None:
    """Return the value of a number written in digits or as a word, else None."""
    word = text.lower()
    if word in _UNITS:
        return float(_UNITS[word])
    try:
        return float(word.replace(",", ""))
    except ValueError:
        return None


def figures(text: str, canonical: Callable[[str], str] = str.lower) -> list[Figure]:
    """Return the counts a text states, with the noun and event each belongs to.

    The event is the one the count suffers, not causes: "killed four troops", "27 deaths",
    "five persons were killed" count the dead; in "two blasts killed six people" the two
    blasts are not a death toll.
    """
    words = list(_WORD.finditer(text))
    out: list[Figure] = []
    for match in _NUMBER.finditer(text):
        value = number_value(match.group())
        if value is None or _is_date(text, match, value):
            continue
        first = next((i for i, w in enumerate(words) if w.start() >= match.end()), len(words))
        noun: str | None = None
        event: str | None = None
        end = match.end()
        last = match.end()  # end of the last word looked at
        extra = 0
        passive = agent = measure = False
        for w in words[first:]:
            if not _joined(text, last, w.start()):
                break
            last = w.end()
            low = w.group().lower()
            if low in _EVENT_OF:
                if noun is None or passive or noun in _ANYONE:
                    event, end = _EVENT_OF[low], w.end()
                else:
                    agent = True  # "two blasts killed": the blasts did it
                break
            if noun is None and low in _UNCOUNTED:
                measure = True
                break
            if low in _AUXILIARY:
                passive = True
                continue
            if low in _SKIP:
                if low in ("and", "or") or (noun is not None and noun not in _ANYONE):
                    break  # "four troops and two civilians": the phrase ends at "and"
                continue
            if low in STOPWORDS:
                break
            if noun is None:
                noun, end = low, w.end()
            elif noun not in _ANYONE and extra < 2 and not passive and _adjacent(text, end, w):
                end, extra = w.end(), extra + 1  # "four police officers"
            else:
                break
        if measure or (noun is None and event is None):
            continue
        if event is None and not agent:
            event = _event_after(text, words, first) or _event_before(text, words, match.start())
        key = None
        if noun is not None and noun not in _ANYONE:
            key = _SAME_KIND.get(noun) or canonical(noun)
        out.append(Figure(value, key, event, match.start(), end))
    return out


def _joined(text: str, left: int, right: int) -> bool:
    """Tell whether only spaces, hyphens, commas or numbers separate two words."""
    return _GAP.fullmatch(text, left, right) is not None


def _adjacent(text: str, left: int, word: re.Match[str]) -> bool:
    return text[left : word.start()].strip(" \u00a0-") == ""


def _event_after(text: str, words: list[re.Match[str]], first: int) -> str | None:
    """Return the event of a passive clause the count is the subject of ("… were killed")."""
    last = words[first].start() if first < len(words) else len(text)
    previous = ""
    for w in words[first : first + EVENT_WINDOW + 2]:
        if not _joined(text, last, w.start()):
            return None
        last = w.end()
        low = w.group().lower()
        if low in _EVENT_OF:
            return _EVENT_OF[low] if previous in _AUXILIARY else None
        if low in STOPWORDS and low not in _SKIP and low not in _AUXILIARY:
            return None
        previous = low
    return None


def _event_before(text: str, words: list[re.Match[str]], start: int) -> str | None:
    """Return the event the count is the object of ("killed six people, including four…")."""
    before = [w for w in words if w.end() <= start][-EVENT_WINDOW:]
    right = start
    for w in reversed(before):
        if not _joined(text, w.end(), right):
            return None
        right = w.start()
        low = w.group().lower()
        if low in _EVENT_OF:
            return _EVENT_OF[low]
        if low in STOPWORDS and low not in _SKIP:
            return None
    return None


def _is_date(text: str, match: re.Match[str], value: float) -> bool:
    before = text[max(0, match.start() - 12) : match.start()].split()
    after = text[match.end() : match.end() + 12].split()
    near = [w.strip(",.").lower() for w in before[-1:] + after[:1]]
    if any(w in _MONTHS for w in near):
        return True
    return match.group().isdigit() and len(match.group()) == 4 and 1500 <= value <= 2100


@dataclass(frozen=True)
class Statement:
    """The figures one passage's quote gives, and where they stand in it."""

    key: str  # passage id
    source: str  # document
    text: str
    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class Disagreement:
    """Two or more passages of different documents that give different figures."""

    about: str
    parts: tuple[tuple[str, str], ...]  # (passage id, the verbatim words stating its figure)


def disagreements(statements: Iterable[Statement]) -> list[Disagreement]:
    """Return the figures on which passages of different documents disagree."""
    found: dict[str, dict[str, str]] = {}
    items = list(statements)
    for a, b in itertools.combinations(items, 2):
        if a.source == b.source:
            continue
        for fa in a.figures:
            for fb in b.figures:
                about = _differ(fa, fb)
                if about is None:
                    continue
                parts = found.setdefault(about, {})
                parts.setdefault(a.key, _span(a, about))
                parts.setdefault(b.key, _span(b, about))
    order = {s.key: n for n, s in enumerate(items)}
    return [
        Disagreement(about, tuple(sorted(parts.items(), key=lambda kv: order[kv[0]])))
        for about, parts in found.items()
    ]


def concerns(about: str, words: Iterable[str], terms: Iterable[str]) -> bool:
    """Tell whether a question (its lowercased words, its analyzed terms) asks about `about`.

    An event is asked about when the question uses a word for it ("died" for "killed"); a
    counted noun when the question holds its term.
    """
    if about in _EVENTS:
        return any(_EVENT_OF.get(w) == about for w in words)
    return about in set(terms)


def conflicts(
    quoted: Sequence[tuple[Passage, str]],
    words: Iterable[str],
    terms: Iterable[str],
    canonical: Callable[[str], str] = str.lower,
) -> tuple[Conflict, ...]:
    """Return where the first CONFLICT_DEPTH quoted passages of different documents differ.

    `quoted` holds an answer's passages and their quotes, best first; `words` and `terms` are
    the question's (as `concerns` takes them) and `canonical` gives a counted noun's term.
    Only figures on what the question asks about count: a question about evacuated
    children is not told that the death tolls differ.
    """
    shown = quoted[:CONFLICT_DEPTH]
    statements = [
        Statement(p.id, p.doc, quote, tuple(figures(quote, canonical))) for p, quote in shown
    ]
    rank = {p.id: n for n, (p, _) in enumerate(shown, 1)}
    by_id = {p.id: p for p, _ in shown}
    words, terms = frozenset(words), tuple(terms)
    return tuple(
        Conflict(
            d.about,
            tuple(
                Claim(pid, by_id[pid].doc, by_id[pid].title, text, rank[pid])
                for pid, text in d.parts
            ),
        )
        for d in disagreements(statements)
        if concerns(d.about, words, terms)
    )


def _differ(a: Figure, b: Figure) -> str | None:
    """Return what two figures disagree about, or None when they agree or are unrelated."""
    if a.event is not None and a.event == b.event:
        if a.noun == b.noun and a.value != b.value:
            return a.event  # "5 persons were killed" / "27 deaths"
        if a.noun and b.noun and a.noun != b.noun and a.value == b.value:
            return a.event  # "four troops" / "four police officers" killed
        return None
    if a.event is None and b.event is None and a.noun and a.noun == b.noun and a.value != b.value:
        return a.noun
    return None


def _span(statement: Statement, about: str) -> str:
    """Return the verbatim words of a statement that give its figures on `about`."""
    related = [
        f for f in statement.figures if about in (f.event, f.noun) and f.end > f.start
    ] or list(statement.figures)
    start, end = min(f.start for f in related), max(f.end for f in related)
    return statement.text[start:end]
