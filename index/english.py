"""How informative a word is in general English, for the question words the sources never use.

BM25 weighs a term by how few passages hold it; a question word that no passage holds has no
such count. Treating it as the rarest possible term lets any everyday word the sources happen
not to use ("think", "live", "kids") outweigh the words that did match, and the question is
then wrongly refused. Instead the word's frequency in general English (the `wordfreq`
package's offline tables) estimates how many passages of this corpus would hold it if the
corpus were ordinary English: a common word weighs little, a rare word or a name (or a typo)
weighs as the rarest term.
"""

from __future__ import annotations

import math
from functools import lru_cache

from wordfreq import top_n_list, word_frequency, zipf_frequency

LANGUAGE = "en"
COMMON_WORDS = 50_000  # the most common English words a misspelling is first compared with


def load() -> None:
    """Read the word-frequency tables now rather than at the first question.

    The first look-up reads and unpacks them (about 0.1 s, holding the interpreter): done
    when an index is opened, it never stalls a bot's event loop while a question is answered.
    """
    frequency("the")


@lru_cache(maxsize=65536)
def frequency(word: str) -> float:
    """Return the word's share of the running words of general English (0 when unknown)."""
    return word_frequency(word.lower(), LANGUAGE)


@lru_cache(maxsize=1)
def common_words() -> tuple[str, ...]:
    """Return the COMMON_WORDS most common English words, most common first."""
    return tuple(top_n_list(LANGUAGE, COMMON_WORDS))


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    """Return the word's Zipf frequency (log10 per billion words; 0 when unknown, ~7 "the")."""
    return zipf_frequency(word.lower(), LANGUAGE)


def expected_df(word: str, passages: int, mean_words: float) -> float:
    """Return how many of `passages` of `mean_words` words would hold `word` in plain English."""
    share = 1.0 - math.exp(-frequency(word) * max(mean_words, 1.0))
    return passages * share


def unseen_weight(word: str, passages: int, mean_words: float) -> float:
    """Return the idf-like weight of a word no passage holds, from its general frequency.

    The same formula as a seen term's weight, log((N + 1) / (df + 0.5)), with the df the
    word would have in ordinary English text of this corpus's size and passage length.
    """
    df = expected_df(word, passages, mean_words)
    return max(math.log((passages + 1) / (df + 0.5)), 0.0)
