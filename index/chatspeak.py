"""Questions typed as people chat, read as what they stand for before they are searched.

A question typed in a chat ("so like whos the armenian pm rn lol") holds words that say nothing
about its subject, yet weigh as rare words when no passage holds them ("lol", "nah", "pls"), so
the question is refused although the right passage is first. Before parsing, a question is
read the way its asker means it:

- **Filler is dropped**, in three principled groups: interjections ("um", "uh", "hey", "lol",
  "pls"), discourse markers and hedges ("so like", "ok so", "tho", "kinda", "actually",
  "even", a "like" between clauses, "u know", a closing "or nah"), and the asker's framing of
  the question ("does anyone know", "i read that", "my friend said", "is that true", the
  placeholders in "the landmine thing", "the guy who", "something"). None of these is
  searched, so none counts against coverage; nothing dropped is shown to the user.
- **Contractions typed without the apostrophe and chat spellings of question words** are read
  as their words ("whos" → "who is", "couldnt" → "could not", "wat" → "what", "y" → "why" as
  the first word), so question kinds and the "who is <name>" rule apply. Words that are also
  ordinary words ("its", "were", "well", "shell", "id", "hell", "wed", "ill") are left alone.
- **Misspelled function words** ("waht", "wich", "thier", "becuase", "teh", "abotu") are read as
  the word meant: a word that no passage holds, rare in English or a thousand times rarer than
  a function word one typing slip away (two letters swapped, then a letter missing or doubled,
  then a wrong letter), when one such word is far more common than the others ("hwo" could be
  "how" or "who": left alone). Unread, such a word weighs as a rare term that no source
  mentions, and a question the sources answer was refused ("waht did blinken say").
- **Chat abbreviations** are written out ("ppl" → "people", "govt" → "government", "pm" →
  "prime minister" unless written in capitals or after a number, "w/" → "with"). An
  abbreviation that becomes a searched word is reported like a spelling correction ("Searched
  for people"); one that becomes a common word ("u" → "you") is not.

The lists below are general English and chat conventions, like a stopword list; what one corpus
calls things belongs in its config's `synonyms:`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from index.analyze import STOPWORDS
from index.english import zipf
from index.spelling import RARE_ZIPF, slip_kind


@dataclass(frozen=True)
class Reading:
    """A question as read: filler dropped, chat spellings and abbreviations written out."""

    text: str
    expanded: tuple[tuple[str, str], ...] = ()  # (as typed, as read): abbreviations shown

    @property
    def short_forms(self) -> tuple[tuple[str, str], ...]:
        """Return (words, abbreviation) of each abbreviation written out: ("people", "ppl")."""
        return tuple((read, typed) for typed, read in self.expanded)


# Contractions typed without the apostrophe, and chat spellings of question words: read, never
# shown (the user typed what they meant). Ambiguous forms that are English words are left out.
_SPELLED: dict[str, str] = {
    "whos": "who is",
    "whats": "what is",
    "wheres": "where is",
    "whens": "when is",
    "hows": "how is",
    "whys": "why is",
    "thats": "that is",
    "theres": "there is",
    "heres": "here is",
    "itll": "it will",
    "itd": "it would",
    "theyd": "they would",
    "theyll": "they will",
    "theyre": "they are",
    "theyve": "they have",
    "youre": "you are",
    "youd": "you would",
    "youll": "you will",
    "youve": "you have",
    "hes": "he is",
    "shes": "she is",
    "weve": "we have",
    "im": "i am",
    "ive": "i have",
    "isnt": "is not",
    "arent": "are not",
    "wasnt": "was not",
    "werent": "were not",
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "cant": "can not",
    "couldnt": "could not",
    "wont": "will not",
    "wouldnt": "would not",
    "shouldnt": "should not",
    "hasnt": "has not",
    "havent": "have not",
    "hadnt": "had not",
    "aint": "is not",
    "gonna": "will",  # the future "going to": the verb "go" is not meant
    "wanna": "want to",
    "gotta": "have to",
    "wat": "what",
    "wut": "what",
    "wht": "what",
    "hw": "how",
}
# Chat abbreviations of words: read, and shown when they become searched words.
_ABBREVIATIONS: dict[str, str] = {
    "ppl": "people",
    "u": "you",
    "ur": "your",
    "r": "are",
    "w": "with",
    "ya": "you",
    "yall": "you all",
    "govt": "government",
    "gov": "government",
    "pm": "prime minister",
    "pres": "president",
    "prez": "president",
    "dept": "department",
    "intl": "international",
    "abt": "about",
    "bout": "about",
    "bc": "because",
    "cuz": "because",
    "coz": "because",
    "cos": "because",
    "thru": "through",
    "b4": "before",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "yday": "yesterday",
    "smth": "something",
    "sth": "something",
    "esp": "especially",
    "info": "information",
    "yr": "year",
    "yrs": "years",
    "op": "operation",
    "ops": "operations",
    "convo": "conversation",
    "msg": "message",
    "pic": "picture",
    "pics": "pictures",
    "rn": "now",  # "right now": the "right" carries nothing
}
# Abbreviations written with a slash or as two words, matched on the text.
_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<![\w/])w/o(?![\w/])"), "without"),
    (re.compile(r"(?<![\w/])w/(?=\s|$)"), "with"),
    (re.compile(r"(?<![\w/])b/c(?![\w/])"), "because"),
    (re.compile(r"\bsec[ -]gen\b"), "secretary general"),
)
# Interjections, discourse markers and hedges: never searched, wherever they stand. Greetings
# and interjections that are also words or symbols ("hi", "oh", "ah") only as openers.
_FILLER = frozenset(
    """
    um umm uh uhh uhm erm hmm lol lmao lmfao rofl omg smh tbh ngl imo imho idk btw fyi iirc
    afaik fwiw nvm pls plz thx af tho kinda sorta basically literally actually honestly
    seriously ok okay
    """.split()
)
# Filler only where it cannot be a content word: the focus "even" before a function word or in
# a question typed in lowercase ("where even is it"; not "even numbers"), "please" unless it is
# the verb ("as they please").
_EVEN = "even"
_PLEASE = "please"
_PLEASERS = frozenset({"i", "you", "u", "we", "they", "he", "she", "to", "it"})
# What may follow an opener: another opener, a question word, an auxiliary, the asker.
_OPENS = (
    r"(?=[\s,.]*(?:so|ok|okay|hey|um|uh|wait|pls|plz|please|like|what|which|who|whom|whose|when|where"
    r"|why|how|wat|wut|wht|hw|y|whats|whos|wheres|whens|hows|is|are|was|were|do|does|did|can"
    r"|could|will|would|has|have|had|should|i|im|u|you|any\s?one|any\s?body|some\s?one|my)\b)"
)
# The asker's framing of a question: openers ("hey so", "ok so", "um"); asking for help at the
# start of a clause ("does anyone know if"); who read or heard it ("i read that", "my friend
# said"); closing tags ("or nah", "is that true", "thanks").
_FRAMING = re.compile(
    r"^\s*(?:(?:so|ok|okay|and|but|hey|hi|hello|yo|um|uh|oh|wait|pls|plz|please)\b"
    rf"{_OPENS}[\s,]*)+"
    r"|(?:^|(?<=[,.;:!?])\s*)(?:so\s+)?(?:"
    r"quick\s+question"
    r"|(?:does|do|did|can|could)\s+(?:any\s?one|any\s?body|some\s?one|some\s?body|u|you)\s+"
    r"(?:know|tell\s+me|explain)(?:\s+(?:if|whether))?"
    r"|(?:any\s?one|any\s?body|some\s?one|some\s?body)\s+knows?(?:\s+(?:if|whether))?"
    r"|(?:people|ppl|every\s?one|every\s?body|they)\s+(?:keep|keeps|are|were)\s+(?:saying|talking"
    r"\s+about|mentioning)(?:\s+that)?"
    r")\b"
    r"|\b(?:"
    r"(?:u|you)\s+know(?=\s+(?:the|that|this|what|who|how|why|when|where|if)\b)"
    r"|(?:i|we)\s+(?:just\s+|also\s+)?(?:read|heard|saw|think|thought|guess|wonder|wondered"
    r"|believe)(?:\s+(?:somewhere|online))?(?:\s+(?:that|about|if|whether))?"
    r"|(?:i|we)\s+(?:was|were|am|are|have\s+been)\s+(?:just\s+)?(?:reading|wondering|told"
    r"|thinking|hearing)(?:\s+(?:that|about|if|whether))?"
    r"|(?:i\s+am|im|i'm|i’m)\s+(?:kinda\s+|so\s+|really\s+|a\s+bit\s+)?confused"
    r"|(?:i\s+)?(?:want|wanna|would\s+like)\s+to\s+know(?:\s+(?:if|whether))?"
    r"|my\s+(?:friend|mate|buddy|mom|mum|dad|brother|sister|cousin|teacher|colleague|coworker"
    r"|roommate|partner)(?:\s+(?:whos|who\s+is)\s+\w+)?\s+(?:said|says|told\s+me|thinks|claims)"
    r"(?:\s+that)?"
    r"|is\s+(?:that|this|it)\s+(?:true|right|correct)"
    r"|(?:or\s+(?:nah|not|what)|thanks|thank\s+(?:you|u))(?=\s*[?.!]*\s*$)"
    r"|right\s+now"
    r"|(?:this|that|the)\s+whole\s+(?:thing|story|situation)"
    r")\b",
    re.I,
)
# "the landmine thing": a placeholder noun after what it stands for; "the guy who said".
_PLACEHOLDER = re.compile(
    r"\b((?:the|this|that) [^\W\d_]+) (?:thing|stuff)\b"
    r"(?!\s+(?:that|which|who|whom|where|when|to|of|about|is|was)\b)"  # "the only thing that…"
)
# Placeholder nouns and indefinite pronouns stand for what the asker cannot name.
_PLACEHOLDERS = frozenset(
    """
    guy guys dude something anything someone somebody anyone anybody everyone everybody
    everything
    """.split()
)
# A discourse "like" stands between clauses: at the start, after a comma, or before one.
_CLAUSE_START = frozenset({"", ",", ";", ":", "so"})
_TOKEN = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*|\s+|[^\w\s]+|.")
_AFTER_NUMBER = re.compile(r"\d\s*$")


def read(question: str, known: Callable[[str], bool] | None = None) -> Reading:
    """Return a question as its asker means it: filler dropped, chat spellings written out.

    `known` tells whether the sources use a word; a word they use is never read as a
    misspelled function word.
    """
    text = _FRAMING.sub(" ", _FRAMING.sub(" ", question).strip())  # "hey so" then "anyone know"
    text = _PLACEHOLDER.sub(r"\1", text)
    expanded: list[tuple[str, str]] = []
    for pattern, words in _PHRASES:
        expanded.extend((m.group(), words) for m in pattern.finditer(text) if _searched(words))
        text = pattern.sub(words, text)
    tokens = _TOKEN.findall(text)
    out: list[str] = []
    previous = ""  # the last word or punctuation kept, lowercased ("" at the start)
    for i, token in enumerate(tokens):
        if token.isspace() or not token[0].isalnum():
            out.append(token)
            if not token.isspace():
                previous = token.strip()[-1:]
            continue
        lower = token.lower()
        if lower == "like" and (previous in _CLAUSE_START or _next(tokens, i) == ","):
            continue
        # "Hey Jude": a capitalised word before another is part of a name, not filler.
        named = token != lower and _next(tokens, i)[:1].isupper()
        word = _word(
            token,
            lower,
            previous,
            "".join(out),
            named,
            after=_next(tokens, i),
            lowercase=question.islower(),
            known=known,
        )
        if word is None:
            continue
        if word != token and lower in _ABBREVIATIONS and _searched(word):
            expanded.append((token, word))
        out.append(word)
        previous = lower
    read_text = _tidy("".join(out))
    if not read_text.strip(" ?!.,;:"):
        return Reading("", ())
    return Reading(read_text, tuple(dict.fromkeys(expanded)))


def _next(tokens: list[str], i: int) -> str:
    """Return the token after `tokens[i]`, spaces skipped."""
    return next((t for t in tokens[i + 1 :] if not t.isspace()), "")


def _word(
    token: str,
    lower: str,
    previous: str,
    before: str,
    named: bool,
    *,
    after: str = "",
    lowercase: bool = False,
    known: Callable[[str], bool] | None = None,
) -> str | None:
    """Return what a typed word stands for, None for filler."""
    acronym = len(token) > 1 and token.isupper()  # "IMO", "PM", "US": a name, not chat
    if lower in _FILLER and not acronym and not named:
        return None
    if lower == _EVEN and not named and (lowercase or after.lower() in STOPWORDS):
        return None
    if lower == _PLEASE and not named and previous not in _PLEASERS:
        return None
    if lower in _PLACEHOLDERS and token == lower:
        return None
    if lower == "y" and not previous:  # only as the first word: "y" is a letter elsewhere
        return _cased("why", token)
    spelled = _SPELLED.get(lower)
    if spelled is not None and not acronym:
        return _cased(spelled, token)
    slip = function_word(lower) if token == lower or not previous else None
    if slip is not None and (known is None or not known(lower)):
        return _cased(slip, token)
    if token != lower:
        return token  # capitalised, an abbreviation is a name or an acronym ("R", "PM")
    if lower == "pm" and _AFTER_NUMBER.search(before):
        return token  # "5 pm" is a time
    return _ABBREVIATIONS.get(lower, token)


MIN_SLIP = 3  # letters of a word read as a misspelled function word, and of the word meant
SLIP_RARITY = 3.0  # or the word meant is at least 10**3 times as common in English (Zipf units)
_FUNCTION_WORDS = tuple(sorted(w for w in STOPWORDS if len(w) >= MIN_SLIP and w.isalpha()))


@lru_cache(maxsize=4096)
def function_word(word: str) -> str | None:
    """Return the function word a rare lowercase word misspells ("waht" → "what"), or None."""
    if len(word) < MIN_SLIP or not word.isalpha() or word in STOPWORDS:
        return None
    typed = zipf(word)
    close = [
        w
        for w, _, _ in process.extract(
            word, _FUNCTION_WORDS, scorer=OSA.distance, score_cutoff=1, limit=None
        )
        if typed < RARE_ZIPF or zipf(w) - typed >= SLIP_RARITY  # "dose" is a word, not "does"
    ]
    if not close:
        return None
    # The likelier slip first: two neighbours swapped, then a letter missing or doubled, then
    # a wrong letter ("mnay": "many", not "may"; "wich": "which", not "with").
    best = min(slip_kind(word, w) for w in close)
    slips = sorted((w for w in close if slip_kind(word, w) == best), key=zipf, reverse=True)
    if len(slips) > 1 and zipf(slips[0]) - zipf(slips[1]) < 1.0:
        return None  # "hwo": "how" or "who"
    return slips[0]


def _cased(words: str, token: str) -> str:
    return words[0].upper() + words[1:] if token[:1].isupper() else words


def _searched(words: str) -> bool:
    return any(w not in STOPWORDS for w in words.split())


def _tidy(text: str) -> str:
    text = re.sub(r"\s+([,?!.;:])", r"\1", text)
    text = re.sub(r"^[\s,.;:!-]+", "", text)
    text = re.sub(r"([,;])(?:\s*[,;])+", r"\1", text)
    text = re.sub(r"[,;:]+(?=[?!.]|\s*$)", "", text.rstrip())
    return re.sub(r"\s{2,}", " ", text).strip()
