"""Typing slips: the question sets asked again with "waht", "teh", "thier", "lovd", "poit".

    python bench/slips.py [--every 4] [--seed 7]

People typing in a chat slip on short words as often as on names ("waht did blinken say").
This asks the dev seeds, the paraphrase and chat sets, `bench/questions.yaml` and every N-th
SQuAD question again with seeded slips (two neighbouring letters swapped, a letter dropped or
doubled), in two ways:

- function words: each function word of three letters or more (the analyzer's stopwords:
  what, the, which, about…) slipped; asked as typed, and with `index.chatspeak.function_word`
  turned off (the slips left as typed);
- one content word: one lowercase word of five letters or more that is not a stopword slipped;
  asked as typed, and without the common-English steps of the spelling correction
  (`QueryParser._correction`: only the stem-only guess against the index vocabulary).

Nothing else in a question changes, so any loss is the slips' alone. One table is printed,
beside the questions as written.

The slips are generated, not written by anyone, from questions written by others (SQuAD) or
from the text (the bundled sets): a test of one reading rule, not evidence of quality overall.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from quality import BUNDLED, SEEDS, SQUAD  # noqa: E402  (the sets bench/quality.py runs)

from index import chatspeak  # noqa: E402
from index import evaluate as ev  # noqa: E402
from index.analyze import STOPWORDS  # noqa: E402
from index.api import open_index  # noqa: E402
from index.query import QueryParser  # noqa: E402
from index.search import Searcher  # noqa: E402
from index.settings import Settings  # noqa: E402

SETS = {
    "dev seeds": (ROOT / "corpus", SEEDS),
    "paraphrases": (ROOT / "corpus", BUNDLED["paraphrase"]),
    "chat-style": (ROOT / "corpus", BUNDLED["chat"]),
    "bench/questions.yaml": (ROOT / "corpus", HERE / "questions.yaml"),
    "SQuAD dev": (SQUAD / "corpus", SQUAD / "questions.yaml"),
}
_WORD = re.compile(r"\b[A-Za-z]{3,}\b")
_CONTENT = re.compile(r"\b[a-z]{5,}\b")


def slip(word: str, rng: random.Random) -> str:
    """Return the word with one typing slip: a swap of neighbours, a letter dropped or doubled."""
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("swap", "drop", "double"))
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def slipped(question: str, rng: random.Random) -> str:
    """Return the question with a slip in each of its function words of three letters or more."""
    return _WORD.sub(
        lambda m: slip(m.group(), rng) if m.group().lower() in STOPWORDS else m.group(), question
    )


def content_slipped(question: str, rng: random.Random) -> str:
    """Return the question with one slip in one of its content words of five letters or more."""
    words = [m for m in _CONTENT.finditer(question) if m.group() not in STOPWORDS]
    if not words:
        return question
    m = rng.choice(words)
    return question[: m.start()] + slip(m.group(), rng) + question[m.end() :]


def score(searcher: Searcher, questions: ev.QuestionSet, typed: list[str]) -> tuple[int, ...]:
    """Return (first passage holds the answer, wrongly refused, out of scope abstained)."""
    answerable = len(questions.answerable)
    first = wrong = outside = 0
    for i, text in enumerate(typed):
        answer = searcher.search(text, 3)
        if i < answerable:
            q = questions.answerable[i]
            first += ev.answer_position(q, (h.passage.text for h in answer.hits)) == 1
            wrong += not answer.answered
        else:
            outside += not answer.answered
    return first, wrong, outside


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--every", type=int, default=4, help="ask every N-th SQuAD question")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    print(
        "| set | questions | first passage | wrongly refused | out of scope abstained |\n"
        "|---|---|---|---|---|"
    )
    reading = chatspeak.function_word
    english = QueryParser._correction
    for name, (corpus, file) in SETS.items():
        searcher = open_index(corpus, None, Settings())
        questions = ev.load_questions(file)
        if name.startswith("SQuAD"):
            questions = ev.QuestionSet(
                questions.answerable[:: args.every], questions.unanswerable[:: args.every]
            )
        texts = [q.text for q in questions.answerable] + [q.text for q in questions.unanswerable]
        rng = random.Random(args.seed)
        typed = [slipped(t, rng) for t in texts]
        rng = random.Random(args.seed)
        content = [content_slipped(t, rng) for t in texts]
        n_in, n_out = len(questions.answerable), len(questions.unanswerable)
        for label, asked, read, spell in (
            ("as written", texts, reading, english),
            ("function words slipped, read", typed, reading, english),
            ("function words slipped, left as typed", typed, lambda word: None, english),
            ("a content word slipped, corrected", content, reading, english),
            (
                "a content word slipped, stem-only guess",
                content,
                reading,
                lambda self, term, word, name: (self._speller().correct(term, word), None),
            ),
        ):
            chatspeak.function_word = read
            QueryParser._correction = spell
            first, wrong, outside = score(searcher, questions, asked)
            print(
                f"| {name}, {label} | {n_in} + {n_out} | {first}/{n_in} | {wrong}"
                f" | {outside}/{n_out} |"
            )
        chatspeak.function_word = reading
        QueryParser._correction = english
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
