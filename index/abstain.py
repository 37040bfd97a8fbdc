"""When citebot says "Not found in the sources": the reasons, and the rule that decides.

citebot has no model to judge whether a passage answers a question, so it abstains on two
signals it can count. A question that names something no source mentions ("the population of
Tokyo") is not answered with a passage about something else, however well the rest matches.
Otherwise the best passage must hold at least `min_coverage` of the question's informative
words, each weighed by how rare it is in the corpus (its concept's weight, see `index.query`),
so that a passage repeating the common words of a question does not pass for an answer. When
citebot abstains, the closest passages are still listed.
"""

from __future__ import annotations

from collections.abc import Set
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from index.query import Query


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


def answers(query: Query, matched: Set[str], min_coverage: float) -> bool:
    """Tell whether the best passage, holding the `matched` terms, answers the question.

    Not when the question names something no source mentions ("the population of
    Tokyo"), nor when the best passage holds less than `min_coverage` of the question's
    informative words, weighted by how rare they are.
    """
    if unknown_names(query):
        return False
    return coverage(query, matched) >= min_coverage


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
