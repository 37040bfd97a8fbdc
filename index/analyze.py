"""The analyzer: one function from text to index terms, shared by passages and questions."""

from __future__ import annotations

import re
import unicodedata

import Stemmer

ANALYZER_VERSION = 3  # bump when analysis, cleaning or weighting changes what is indexed

# Curly quotes and dashes map one-to-one onto ASCII, so character offsets are preserved.
_PUNCT = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u02bc": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
    }
)
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|\w+(?:['-]\w+)*")
_MARKS = re.compile(r"[\u0300-\u036f]")
_CLITICS = frozenset({"s", "t", "ll", "re", "ve", "d", "m"})

STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are aren as at be because been before
    being below between both but by can cannot could couldn did didn do does doesn doing don
    down during each few for from further had hadn has hasn have haven having he her here hers
    herself him himself his i if in into is isn it its itself just let me more most mustn my
    myself no nor not now of off on once only or other ought our ours ourselves out over own
    same shan she should shouldn so some such than that the their theirs them themselves then
    there these they this those through to too under until up very was wasn we were weren what
    when where which while who whom whose why will with would wouldn you your yours yourself
    yourselves how many much whats whos hows also may might must shall yes ok okay
    """.split()
)

# British spellings folded onto American ones before stemming, so both forms match.
_SPELLING = (
    (re.compile(r"(?<=\w{3})is(e|es|ed|ing|ation|ations|er|ers)$"), r"iz\1"),
    (re.compile(r"(?<=\w{2})ys(e|es|ed|ing)$"), r"yz\1"),
    (re.compile(r"^(def|off|lic|pret)ence(s?)$"), r"\1ense\2"),
    (re.compile(r"(?<=\w{3})our(s|ed|ing|able|ably|ite|ites)?$"), r"or\1"),
    (re.compile(r"(?<=\w{3})tre(s?)$"), r"ter\1"),
)
_OUR_EXCEPTIONS = frozenset({"four", "hour", "your", "tour", "pour", "flour", "sour", "dour"})
# Each spelling pattern needs one of these in the word: most words skip the five patterns.
_SPELLING_HINTS = re.compile("is|ys|ence|our|tre")  # a word can hold a British spelling

# Irregular past forms the stemmer cannot relate to their verb ("said" → "say").
_IRREGULAR = {
    past: verb
    for verb, forms in {
        "say": "said",
        "tell": "told",
        "write": "wrote written",
        "lose": "lost",
        "take": "took taken",
        "make": "made",
        "begin": "began begun",
        "hold": "held",
        "leave": "left",
        "meet": "met",
        "fight": "fought",
        "bring": "brought",
        "think": "thought",
        "go": "went gone",
        "see": "saw seen",
        "give": "gave given",
        "know": "knew known",
        "find": "found",
        "lead": "led",
        "send": "sent",
        "speak": "spoke spoken",
        "strike": "struck stricken",
        "win": "won",
        "choose": "chose chosen",
        "break": "broke broken",
        "stand": "stood",
        "drive": "drove driven",
        "rise": "rose risen",
        "fall": "fell fallen",
        "fly": "flew flown",
        "grow": "grew grown",
        "keep": "kept",
        "pay": "paid",
        "sell": "sold",
        "build": "built",
        "catch": "caught",
        "teach": "taught",
        "buy": "bought",
        "run": "ran",
        "sit": "sat",
        "feel": "felt",
        "hear": "heard",
        "mean": "meant",
        "become": "became",
        "come": "came",
        "get": "got gotten",
        "seek": "sought",
        "flee": "fled",
        "shoot": "shot",
        "spend": "spent",
        "draw": "drew drawn",
        "throw": "threw thrown",
        "forbid": "forbade forbidden",
        "undertake": "undertook undertaken",
        "withdraw": "withdrew withdrawn",
        "overthrow": "overthrew overthrown",
    }.items()
    for past in forms.split()
}


def past_of(word: str) -> str | None:
    """Return the verb an irregular past form is indexed as ("said" → "say"), or None."""
    return _IRREGULAR.get(word.lower())


CACHE_WORDS = 200_000  # words whose terms are remembered (about 40 MB at most)


class Analyzer:
    """Turn text into index terms: normalise, tokenise, drop stopwords, stem."""

    def __init__(self) -> None:
        self._stemmer = Stemmer.Stemmer("english")
        self._cache: dict[str, tuple[str, ...]] = {}

    def terms(self, text: str) -> list[str]:
        """Return the index terms of `text`, in order, repeats kept."""
        cache = self._bounded_cache()
        out: list[str] = []
        for word in _TOKEN.findall(text.translate(_PUNCT)):
            terms = cache.get(word)
            if terms is None:
                terms = cache[word] = self._word_terms(word)
            out.extend(terms)
        return out

    def spans(self, text: str) -> list[tuple[int, int, tuple[str, ...]]]:
        """Return (start, end, terms) of each word of `text`: its character span and index terms."""
        cache = self._bounded_cache()
        out: list[tuple[int, int, tuple[str, ...]]] = []
        for m in _TOKEN.finditer(text.translate(_PUNCT)):
            word = m.group()
            terms = cache.get(word)
            if terms is None:
                terms = cache[word] = self._word_terms(word)
            out.append((m.start(), m.end(), terms))
        return out

    def _bounded_cache(self) -> dict[str, tuple[str, ...]]:
        # Questions can bring any number of new words (a bot runs for months, anyone may
        # type): the cache starts again rather than grow without end.
        if len(self._cache) >= CACHE_WORDS:
            self._cache.clear()
        return self._cache

    def _word_terms(self, word: str) -> tuple[str, ...]:
        if word[0].isdigit() and "," in word:
            word = word.replace(",", "")  # "2,000" and "2000" are one number
        word = word.lower()
        if not word.isascii():
            word = _MARKS.sub("", unicodedata.normalize("NFKD", word))
            word = unicodedata.normalize("NFC", word)
        if "'" in word:
            head, _, tail = word.partition("'")
            word = head if tail in _CLITICS else word.replace("'", "")
        if "-" in word:
            parts = [p for p in word.split("-") if p]
            # "anti-terrorist" matches "anti-terrorist", "antiterrorist" and "terrorist".
            words = [*parts, "".join(parts)] if len(parts) > 1 else parts
        else:
            words = [word]
        terms: list[str] = []
        for w in words:
            if w in STOPWORDS or (len(w) < 2 and not w.isdigit()):
                continue
            terms.append(self._stem(w))
        return tuple(terms)

    def _stem(self, word: str) -> str:
        if word[0].isdigit():
            return word
        word = _IRREGULAR.get(word, word)
        # Nationality adjectives fold onto their country: "Armenian" → "armenia",
        # "Azerbaijani" → "azerbaijan".
        if (len(word) >= 6 and word.endswith("ian")) or (len(word) >= 7 and word.endswith("ani")):
            word = word[:-1]
        if word not in _OUR_EXCEPTIONS and _SPELLING_HINTS.search(word):
            for pattern, repl in _SPELLING:
                word = pattern.sub(repl, word)
        return self._stemmer.stemWord(word)
