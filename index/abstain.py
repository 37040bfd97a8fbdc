"""Why an answer is withheld: the reasons citebot gives for "Not found in the sources"."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Why a question was not answered; the value is what the JSON's `reason` says."""

    EMPTY = "empty"  # no question
    NO_TERMS = "no_terms"  # only common words
    NO_MATCH = "no_match"  # no passage shares a word with it
    WEAK_MATCH = "weak_match"  # the best passage misses too much of what was asked
