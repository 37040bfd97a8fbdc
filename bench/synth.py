"""A seeded synthetic corpus for the scale benchmark: Zipf-distributed words in prose files.

Words are pronounceable pseudo-words made of consonant-vowel syllables (frequent words are
short), drawn from a Zipf distribution. Paragraphs hold 30–120 words in sentences of 5–18
words; each file holds 50–450 paragraphs separated by blank lines, so one paragraph is one
passage. Questions are 3–8 mid-frequency words. The same seed always gives the same files.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

VOCABULARY = 200_000
ZIPF_EXPONENT = 1.0
PARAGRAPH_WORDS = (30, 120)
SENTENCE_WORDS = (5, 18)
FILE_PARAGRAPHS = (50, 450)
QUESTION_WORDS = (3, 8)
MID_FREQUENCY = (200, 20_000)  # Zipf ranks that questions draw their words from
_STAMP = "corpus.json"

_ONSETS = [*"bdfgklmnprstvz", "ch", "sh", "th", "br", "tr", "pl", "gr", "st"]
_VOWELS = [*"aeiou", "ai", "ou"]
_SYLLABLES = [c + v for c in _ONSETS for v in _VOWELS]


def word(rank: int) -> str:
    """Return the pseudo-word of a vocabulary rank (0 is the most frequent)."""
    n = rank
    out = []
    while True:
        n, digit = divmod(n, len(_SYLLABLES))
        out.append(_SYLLABLES[digit])
        if n == 0:
            break
        n -= 1
    return "".join(out)


def vocabulary(size: int = VOCABULARY) -> list[str]:
    """Return the words by rank."""
    return [word(r) for r in range(size)]


def _cumulative(size: int = VOCABULARY, exponent: float = ZIPF_EXPONENT) -> np.ndarray:
    weights = 1.0 / np.arange(1, size + 1) ** exponent
    cum = np.cumsum(weights)
    return cum / cum[-1]


def make_corpus(folder: Path, paragraphs: int, seed: int = 1) -> dict[str, object]:
    """Write a corpus of `paragraphs` paragraphs into `folder` (reused if already there)."""
    stamp = folder / _STAMP
    wanted = {"paragraphs": paragraphs, "seed": seed, "vocabulary": VOCABULARY, "format": 1}
    if stamp.is_file():
        info = json.loads(stamp.read_text())
        if {k: info.get(k) for k in wanted} == wanted:
            return info
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.txt"):
        old.unlink()
    rng = np.random.default_rng(seed)
    words = np.asarray(vocabulary(), dtype=object)
    cum = _cumulative()
    written = files = size = 0
    while written < paragraphs:
        count = min(int(rng.integers(*FILE_PARAGRAPHS, endpoint=True)), paragraphs - written)
        lengths = rng.integers(*PARAGRAPH_WORDS, size=count, endpoint=True)
        ranks = np.searchsorted(cum, rng.random(int(lengths.sum())), side="right")
        drawn = words[np.minimum(ranks, len(words) - 1)]
        cuts = rng.integers(*SENTENCE_WORDS, size=int(lengths.sum()), endpoint=True)
        text = _paragraphs(drawn.tolist(), lengths.tolist(), cuts.tolist())
        files += 1
        path = folder / f"doc{files:06d}.txt"
        data = text.encode("utf-8")
        path.write_bytes(data)
        size += len(data)
        written += count
    info = dict(wanted, files=files, bytes=size)
    stamp.write_text(json.dumps(info))
    return info


def _paragraphs(words: list[str], lengths: list[int], cuts: list[int]) -> str:
    out: list[str] = []
    at = 0
    c = 0
    for length in lengths:
        sentences: list[str] = []
        end = at + length
        while at < end:
            stop = min(at + cuts[c], end)
            c += 1
            sentence = " ".join(words[at:stop])
            sentences.append(sentence[:1].upper() + sentence[1:] + ".")
            at = stop
        out.append(" ".join(sentences))
    return "\n\n".join(out) + "\n"


def make_questions(count: int, seed: int = 2) -> list[str]:
    """Return `count` questions of 3–8 mid-frequency words."""
    rng = np.random.default_rng(seed)
    low, high = MID_FREQUENCY
    questions = []
    for _ in range(count):
        n = int(rng.integers(*QUESTION_WORDS, endpoint=True))
        ranks = np.exp(rng.uniform(np.log(low), np.log(high), size=n)).astype(int)
        questions.append(" ".join(word(int(r)) for r in ranks) + "?")
    return questions
