"""When citebot says "Not found in the sources": the reasons, and the rule that decides.

citebot has no model to judge whether a passage answers a question, so it weighs signals it
can count in what search already has (`Signals`): how much of the question's informative
words the best passage, its quote, the first three passages and the best passage's document
hold, each word weighed by how rare it is in the corpus (its concept's weight, see
`index.query`) or in general English; how far the best passage's score stands above the
second's; how much of the question no passage holds; whether
it names something no source mentions ("the population of Tokyo"); and whether the ranked
passages keep to one document or scatter over many, as they do for a question the sources
are not about (read against how the corpus's documents divide its subjects, `index.calibrate`).
A logistic rule combines them into a confidence from 0 to 1 and the question
is answered when it reaches `min_coverage` (config `abstain.min_coverage`: higher abstains
more). The coefficients were fitted by `bench/abstention.py` on SQuAD questions with articles
left out, so that they hold on sources nobody fitted them to; every signal is a share or a
count that does not depend on the corpus's size or on BM25's scale. When citebot abstains,
the closest passages are still listed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence, Set
from dataclasses import astuple, dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from index import english

if TYPE_CHECKING:
    from index.query import Query
    from index.rank import Found


class Reason(StrEnum):
    """Why a question was not answered; the value is what the JSON's `reason` says."""

    EMPTY = "empty"  # no question
    NO_TERMS = "no_terms"  # only common words
    NO_MATCH = "no_match"  # no passage shares a word with it
    WEAK_MATCH = "weak_match"  # the best passage misses too much of what was asked


def unsearchable(query: Query, k: int) -> Reason | None:
    """Return why a question is not answered before any passage is looked at, or None."""
    if not query.terms:
        return Reason.NO_TERMS
    if not query.searched:
        return Reason.NO_MATCH
    if k <= 0:
        return Reason.WEAK_MATCH
    return None


def answers(query: Query, found: Sequence[Found], min_coverage: float, lift: float = 0.0) -> bool:
    """Tell whether the best of the `found` passages answers the question.

    Not when the rule's confidence (`confidence`, from 0 to 1) is below `min_coverage`;
    `lift` is the corpus's own (`index.calibrate`).
    """
    return bool(found) and confidence(signals(query, found), lift) >= min_coverage


def unknown_names(query: Query) -> tuple[str, ...]:
    """Return the names and numbers of the question that no passage mentions."""
    found = {t.concept for t in query.terms if t.df}
    return tuple(dict.fromkeys(t.word for t in query.terms if t.name and t.concept not in found))


def coverage(query: Query, matched: Set[str]) -> float:
    """Return the weighted share of the question's concepts that `matched` terms cover."""
    total = sum(query.concepts.values())
    if not total:
        return 0.0
    covered = {t.concept for t in query.terms if t.term in matched}
    return sum(w for c, w in query.concepts.items() if c in covered) / total


DEPTH = 10  # ranked passages the rule looks at, however many an answer shows
ENGLISH_CEILING = 9.0  # Zipf frequency below which a word counts as informative in English


@dataclass(frozen=True)
class Signals:
    """What the abstention rule weighs, computed from the question and its ranked passages."""

    coverage: float  # share of the question's weight the best passage holds
    quote: float  # ... that the best passage's quote (its best sentences) holds
    top: float  # the best share among the first three passages
    document: float  # ... that the ranked passages of the best passage's document hold together
    english: float  # the best passage's share with words weighed by general English
    margin: float  # how far the best passage's score is above the next rival's, as a share
    unseen: float  # share of the question's weight that no passage holds
    missing: float  # share of the question's weight in the heaviest word the passage lacks
    concepts: float  # log of 1 + the question's informative words
    names: float  # 1 when the question names something no source mentions
    together: float  # share of the ranked passages from the best passage's document
    documents: float  # different documents among the ranked passages, as a share
    peak: float  # share of the question's weight in its heaviest word


def signals(query: Query, found: Sequence[Found]) -> Signals:
    """Return the abstention signals of a question whose best passages are `found` (DEPTH)."""
    found = found[:DEPTH]
    best = found[0]
    total = sum(query.concepts.values()) or 1.0
    same_doc: set[str] = set()
    for f in found:
        if f.passage.doc == best.passage.doc:
            same_doc.update(f.matched)
    covered = _covered(query, best.matched)
    missing = [w for c, w in query.concepts.items() if c not in covered]
    rarity: dict[int, float] = {}
    for t in query.terms:
        rarity.setdefault(t.concept, max(ENGLISH_CEILING - english.zipf(t.meant or t.word), 0.0))
    rare_total = sum(rarity.values()) or 1.0
    seen = {t.concept for t in query.terms if t.df}
    # A passage holding the same words as the best corroborates it (another source reporting
    # the same thing); the margin is over the first passage that matches something else, or
    # over the second when all match the same words.
    rivals = [f.score for f in found[1:] if f.matched != best.matched]
    second = rivals[0] if rivals else (found[1].score if len(found) > 1 else 0.0)
    return Signals(
        coverage=coverage(query, best.matched),
        quote=coverage(query, best.in_quote),
        top=max(coverage(query, f.matched) for f in found[:3]),
        document=coverage(query, same_doc),
        english=sum(w for c, w in rarity.items() if c in covered) / rare_total,
        margin=(best.score - second) / best.score if second > 0 else 0.0,
        unseen=sum(w for c, w in query.concepts.items() if c not in seen) / total,
        missing=max(missing, default=0.0) / total,
        concepts=math.log1p(len(query.concepts)),
        names=1.0 if unknown_names(query) else 0.0,
        together=sum(f.passage.doc == best.passage.doc for f in found) / len(found),
        documents=len({f.passage.doc for f in found}) / len(found),
        peak=max(query.concepts.values(), default=0.0) / total,
    )


def _covered(query: Query, matched: Set[str]) -> set[int]:
    """Return the question's concepts that `matched` terms cover."""
    return {t.concept for t in query.terms if t.term in matched}


def vector(s: Signals) -> tuple[float, ...]:
    """Return the signals in the order of the rule's coefficients."""
    return astuple(s)


# Fitted by bench/abstention.py on SQuAD (see bench/results/experiments.md); the intercept
# places the default min_coverage (0.47) where 86 % of out-of-scope questions are abstained.
# A misspelling's correction is not a signal: it made "who is hajiev" (Hajiyev) a refusal, and
# without it the out-of-fold curve is the same.
INTERCEPT = -6.347
COEFFICIENTS: dict[str, float] = {
    "coverage": 0.390,
    "quote": 2.913,
    "top": 3.071,
    "document": 0.965,
    "english": 2.068,
    "margin": 5.969,
    "unseen": -1.502,
    "missing": 0.784,
    "concepts": 1.305,
    "names": -2.535,
    "together": 3.019,
    "documents": -2.207,
    "peak": -2.361,
}


def confidence(s: Signals, lift: float = 0.0) -> float:
    """Return how likely the best passages answer the question, from 0 to 1.

    `lift` is added to the log-odds: what the corpus's documents sharing their subjects hides
    from the `together` and `documents` signals (`index.calibrate`).
    """
    z = INTERCEPT + lift + sum(w * getattr(s, n) for n, w in COEFFICIENTS.items())
    return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))
