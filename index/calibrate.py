"""How a corpus's documents divide its subjects, measured once per build for the abstention rule.

Two of the abstention signals (`index.abstain`) read how the ranked passages spread over the
documents: `together` (the share of them from the best passage's document) and `documents`
(how many documents they come from). The rule was fitted on SQuAD, where every document is an
article on a subject of its own, so the passages of a question the sources answer keep to one
document, and those of a question on another subject scatter. Where the documents share a
subject (five outlets reporting the same event, a manual split into chapters), the passages of
an answerable question scatter too, and the rule reads that as a question the sources are not
about: on the bundled corpus it refused one in eight of the questions whose first passage
held the answer.

So at build the corpus is asked questions it answers by construction, one per sampled passage
(its longest sentence, as a "what" question), and the two signals' means over them are its
`Structure`. Where the answers spread clearly more than SQuAD's (`REFERENCE`), the rule's
confidence is raised by what the difference costs a question there (`lift`); where they keep
together as much or more, nothing changes: the lift never lowers the confidence.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index import abstain
from index.sentences import sentence_spans

if TYPE_CHECKING:
    from index.search import Searcher

PROBES = 200  # passages sampled, evenly over the index
PROBE_WORDS = 14  # words of the sampled sentence that make the question
# A smaller gap (log-odds) is left alone: corpora of distinct articles like SQuAD's differ by
# about this much with their number of documents and the passages sampled.
MIN_LIFT = 0.25


@dataclass(frozen=True)
class Structure:
    """The mean `together` and `documents` signals of questions a corpus answers."""

    together: float
    documents: float
    probes: int  # questions the means are over

    def to_dict(self) -> dict[str, float | int]:
        """Return the structure as the index header stores it."""
        return asdict(self)

    @classmethod
    def from_header(cls, header: dict[str, Any]) -> Structure | None:
        """Return the structure an index header stores, or None when it has none."""
        stored = header.get("structure")
        if not isinstance(stored, dict):
            return None
        try:
            structure = cls(
                float(stored["together"]), float(stored["documents"]), int(stored["probes"])
            )
        except (KeyError, TypeError, ValueError, OverflowError):
            return None
        if not (0.0 <= structure.together <= 1.0 and 0.0 <= structure.documents <= 1.0):
            return None  # NaN too
        return structure


@lru_cache(maxsize=1)
def code_key() -> str:
    """Return a digest of the code the measure runs (this package's modules).

    The measure asks the index questions through the whole search, so a citebot whose search
    differs measures differently: an index measured by another version is measured again
    (its files are not re-read), and the same corpus gets the same answers on every machine.
    """
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        with contextlib.suppress(OSError):  # an unreadable module still counts by its name
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# SQuAD's corpus (24 articles, one document each), where the rule's coefficients were fitted;
# `python bench/abstention.py` prints it.
REFERENCE = Structure(together=0.652, documents=0.359, probes=200)


def probes(searcher: Searcher, count: int = PROBES) -> list[str]:
    """Return questions the indexed passages answer: the longest sentence of sampled passages."""
    n = searcher.n
    picked = sorted({j * n // count for j in range(count)}) if n > count else range(n)
    questions = []
    for i in picked:
        text = searcher.catalog.passage(i).text
        spans = sentence_spans(text) or [(0, len(text))]
        start, end = max(spans, key=lambda s: s[1] - s[0])
        words = text[start:end].split()[:PROBE_WORDS]
        if words:
            questions.append("What " + " ".join(words) + "?")
    return questions


def measure(searcher: Searcher) -> Structure:
    """Return the structure of the searcher's corpus, from the questions `probes` makes."""
    together = documents = 0.0
    asked = 0
    for question in probes(searcher):
        query = searcher.parse(question)
        if abstain.unsearchable(query, 1):
            continue
        found = searcher.ranker.ranked(query, abstain.DEPTH)
        if not found:
            continue
        s = abstain.signals(query, found)
        together += s.together
        documents += s.documents
        asked += 1
    if not asked:
        return REFERENCE
    return Structure(together / asked, documents / asked, asked)


def lift(structure: Structure) -> float:
    """Return what the abstention rule adds to a question's log-odds in a corpus so structured."""
    c = abstain.COEFFICIENTS
    gap = c["together"] * (REFERENCE.together - structure.together) + c["documents"] * (
        REFERENCE.documents - structure.documents
    )
    return gap if gap >= MIN_LIFT else 0.0
