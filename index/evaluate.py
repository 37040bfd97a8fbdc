"""Measure answer quality: question files with accepted answers, and BEIR datasets.

Two kinds of evaluation, both driven through `Searcher.search`, the same call every renderer
uses, so what is measured is exactly what a user gets:

- a question file (YAML): answerable questions with accepted answer strings, out-of-scope
  questions that should be abstained on, and dialogues (a first question, then follow-ups asked
  after it). A passage "has the answer" when one of the strings is in its text
  (case-insensitive). Reports hit@1, hit@3, MRR@10, abstentions; for dialogues, each follow-up
  in context (as a conversation holds it) and alone, and whether it was taken as a follow-up;
  and whether standalone questions keep their first passage when asked right after another.
- a BEIR dataset folder (`corpus.jsonl`, `queries.jsonl`, `qrels/<split>.tsv`): every document
  is written as a `.txt` file (title line, blank line, text) and indexed like any corpus folder,
  so it goes through the same loader, cleaner, chunker and analyzer. A document's rank is the
  rank of its best passage. Reports nDCG@10, Recall@100 and MRR@10 as BEIR defines them.
"""

from __future__ import annotations

import csv
import json
import math
import re
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import yaml

from index.api import open_index
from index.errors import CitebotError
from index.model import Answer, Hit
from index.search import Searcher
from index.settings import Settings
from index.yamlfile import YamlError, duplicate_key, line_of, load_file

Progress = Callable[[int, int], None]  # (done, total)

QUESTION_DEPTH = 10  # passages asked for per question: enough for hit@3 and MRR@10
BEIR_DEPTH = 100  # passages asked for per query, as `citebot ask --top-k 100` does
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$")


class EvaluationError(CitebotError):
    """A question file or dataset folder is missing, unreadable or of the wrong shape."""


# -- Metrics --------------------------------------------------------------------------------


def dcg(gains: Sequence[float]) -> float:
    """Return the discounted cumulative gain of gains in rank order (rank 1 first)."""
    return sum(g / math.log2(rank + 1) for rank, g in enumerate(gains, 1) if g)


def ndcg_at(ranked: Sequence[str], relevance: dict[str, int], k: int) -> float:
    """Return nDCG@k of a ranking of ids against graded relevance (trec_eval's linear gain)."""
    ideal = dcg(sorted((r for r in relevance.values() if r > 0), reverse=True)[:k])
    if not ideal:
        return 0.0
    return dcg([max(relevance.get(doc, 0), 0) for doc in ranked[:k]]) / ideal


def recall_at(ranked: Sequence[str], relevance: dict[str, int], k: int) -> float:
    """Return the share of the relevant ids found in the first k."""
    relevant = {doc for doc, r in relevance.items() if r > 0}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranked[:k])) / len(relevant)


def reciprocal_rank(ranked: Sequence[str], relevance: dict[str, int], k: int) -> float:
    """Return 1/rank of the first relevant id within the first k, or 0."""
    for rank, doc in enumerate(ranked[:k], 1):
        if relevance.get(doc, 0) > 0:
            return 1.0 / rank
    return 0.0


def ranked_documents(answer: Answer) -> list[str]:
    """Return the documents of an answer's passages in rank order, each once (best passage).

    This is the ranking a reader of `citebot ask --json` sees: each passage's `doc`, then the
    documents folded into its `also_in` (near-identical passages of other documents, which hold
    the same text and so rank right after it).
    """
    docs: list[str] = []
    for hit in answer.hits:
        docs.append(hit.passage.doc)
        docs.extend(d.doc for d in hit.also_in)
    return list(dict.fromkeys(docs))


# -- Question files -------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    """A question and the strings that count as its answer (none: out of scope)."""

    text: str
    answers: tuple[str, ...] = ()


@dataclass(frozen=True)
class FollowUp:
    """A question asked after others in a dialogue.

    `standalone` marks one that only looks like a follow-up ("And what is the CSTO?"): it must
    be answered as if asked alone.
    """

    question: Question
    standalone: bool = False


@dataclass(frozen=True)
class Dialogue:
    """A first question and the follow-ups asked after it, in order."""

    opening: Question
    followups: tuple[FollowUp, ...]


@dataclass(frozen=True)
class QuestionSet:
    """The questions of a question file."""

    answerable: tuple[Question, ...]
    unanswerable: tuple[Question, ...]
    dialogues: tuple[Dialogue, ...] = ()


_TOP_KEYS = ("answerable", "unanswerable", "dialogues")


class _Where:
    """Words an error in a question file with the file, the line and the entry."""

    def __init__(self, path: Path, tree: yaml.Node | None) -> None:
        self.path = path
        self.tree = tree

    def error(self, loc: Sequence[str | int], problem: str) -> EvaluationError:
        """Return the error for the entry at `loc` (keys, and 0-based list positions)."""
        line = line_of(self.tree, [str(part) for part in loc])
        label = ""
        for n, part in enumerate(loc):
            if isinstance(part, int):
                label += f"[{part + 1}]"
            elif n == len(loc) - 1 and n:
                label += f": {part}"  # the key at fault: "answerable[2]: answers"
            else:
                label += f".{part}" if label else part
        where = f", line {line}" if line else ""
        return EvaluationError(f"{self.path}{where}: {label + ': ' if label else ''}{problem}")


def load_questions(path: Path) -> QuestionSet:
    """Read a question file; raise EvaluationError naming the file, the line and the entry."""
    try:
        document = load_file(path, "question file")
    except YamlError as exc:
        raise EvaluationError(str(exc)) from exc
    data, where = document.data, _Where(path, document.tree)
    if not isinstance(data, dict):
        raise EvaluationError(
            f"{path}: expected a mapping with `answerable`, `unanswerable` or `dialogues` lists"
        )
    twice = duplicate_key(document.tree)
    if twice is not None:
        key, line, first = twice
        raise EvaluationError(f"{path}, line {line}: {key}: set twice (first on line {first})")
    for key in map(str, data):
        if key not in _TOP_KEYS:
            raise where.error([key], f"unknown key (expected {', '.join(_TOP_KEYS)})")
    answerable = tuple(
        _question(where, ["answerable", i], entry, need_answers=True)
        for i, entry in enumerate(_list(where, data, "answerable", "questions"))
    )
    unanswerable = tuple(
        _question(where, ["unanswerable", i], entry, need_answers=False)
        for i, entry in enumerate(_list(where, data, "unanswerable", "questions"))
    )
    dialogues = tuple(
        _dialogue(where, ["dialogues", i], entry)
        for i, entry in enumerate(_list(where, data, "dialogues", "dialogues"))
    )
    if not answerable and not unanswerable and not dialogues:
        raise EvaluationError(f"{path}: has no questions")
    return QuestionSet(answerable, unanswerable, dialogues)


def _list(where: _Where, data: dict[str, object], key: str, what: str) -> list[object]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise where.error([key], f"expected a list of {what}")
    return value


def _question(
    where: _Where,
    loc: list[str | int],
    entry: object,
    need_answers: bool,
    extra: tuple[str, ...] = (),
) -> Question:
    if isinstance(entry, str):
        entry = {"q": entry}
    if not isinstance(entry, dict):
        raise where.error(loc, "expected a question (text, or a mapping with q)")
    allowed = ("q", "answers", *extra)
    for key in map(str, entry):
        if key not in allowed:
            raise where.error([*loc, key], f"unknown key (expected {', '.join(allowed)})")
    text = entry.get("q")
    if not isinstance(text, str) or not text.strip():
        raise where.error([*loc, "q"], "expected the question text")
    answers = entry.get("answers", [])
    if isinstance(answers, str | int | float):
        answers = [answers]
    if not isinstance(answers, list) or not all(
        isinstance(a, str | int | float) and str(a).strip() for a in answers
    ):
        raise where.error([*loc, "answers"], "expected a list of answer strings")
    if need_answers and not answers:
        raise where.error([*loc, "answers"], "an answerable question needs answers")
    return Question(text.strip(), tuple(str(a) for a in answers))


def _dialogue(where: _Where, loc: list[str | int], entry: object) -> Dialogue:
    if not isinstance(entry, dict):
        raise where.error(loc, "expected a dialogue (a mapping with q, answers and followups)")
    opening = _question(where, loc, entry, need_answers=True, extra=("followups",))
    followups = entry.get("followups")
    if not isinstance(followups, list) or not followups:
        raise where.error([*loc, "followups"], "expected a list of follow-up questions")
    asked: list[FollowUp] = []
    for i, item in enumerate(followups):
        at = [*loc, "followups", i]
        question = _question(where, at, item, need_answers=True, extra=("standalone",))
        standalone = item.get("standalone", False) if isinstance(item, dict) else False
        if not isinstance(standalone, bool):
            raise where.error([*at, "standalone"], "expected true or false")
        asked.append(FollowUp(question, standalone))
    return Dialogue(opening, tuple(asked))


def answer_rank(question: Question, hits: Iterable[Hit]) -> int | None:
    """Return the 1-based position of the first passage holding an accepted answer."""
    return answer_position(question, (hit.passage.text for hit in hits))


def answer_position(question: Question, texts: Iterable[str]) -> int | None:
    """Return the 1-based position of the first text holding an accepted answer (any engine's)."""
    wanted = [a.casefold() for a in question.answers]
    for rank, text in enumerate(texts, 1):
        folded = text.casefold()
        if any(a in folded for a in wanted):
            return rank
    return None


@dataclass(frozen=True)
class QuestionResult:
    """How one question was answered."""

    question: Question
    answer: Answer
    rank: int | None  # where the first passage with an accepted answer is (answerable only)

    @property
    def in_scope(self) -> bool:
        """Tell whether the question has accepted answers."""
        return bool(self.question.answers)

    def to_dict(self) -> dict[str, object]:
        """Return the JSON form."""
        top = self.answer.hits[0] if self.answer.hits else None
        return {
            "question": self.question.text,
            "answerable": self.in_scope,
            "answered": self.answer.answered,
            "rank": self.rank,
            "top": None if top is None else {"id": top.passage.id, "quote": top.quote},
        }


@dataclass(frozen=True)
class FollowUpResult:
    """How a follow-up was answered in the context of its dialogue, and asked alone."""

    followup: FollowUp
    context: str  # the question it was asked after (what a conversation would hold)
    answer: Answer  # asked in context
    rank: int | None
    alone: Answer  # the same question asked with no context
    alone_rank: int | None

    @property
    def recognised(self) -> bool:
        """Tell whether it was taken as a follow-up (searched together with its context)."""
        return self.answer.context is not None

    @property
    def right_reading(self) -> bool:
        """Tell whether it was read as intended: a follow-up in context, a standalone alone."""
        return self.recognised != self.followup.standalone

    def to_dict(self) -> dict[str, object]:
        """Return the JSON form."""
        return {
            "question": self.followup.question.text,
            "standalone": self.followup.standalone,
            "asked_after": self.context,
            "context": self.answer.context,
            "rank": self.rank,
            "top": _top(self.answer),
            "alone_rank": self.alone_rank,
        }


@dataclass(frozen=True)
class DialogueResult:
    """How a dialogue was answered: its first question, then each follow-up."""

    dialogue: Dialogue
    answer: Answer
    rank: int | None
    followups: tuple[FollowUpResult, ...]

    @property
    def last_context(self) -> str:
        """Return what a conversation holds after the dialogue: the question its last stood on."""
        last = self.followups[-1].answer if self.followups else self.answer
        return last.context or last.question

    def to_dict(self) -> dict[str, object]:
        """Return the JSON form."""
        return {
            "question": self.dialogue.opening.text,
            "rank": self.rank,
            "top": _top(self.answer),
            "followups": [f.to_dict() for f in self.followups],
        }


@dataclass(frozen=True)
class StandaloneResult:
    """A standalone question asked right after another one, against the same asked alone."""

    question: Question
    after: str
    alone: Answer
    answer: Answer

    @property
    def changed(self) -> bool:
        """Tell whether the first passage differs from the one it gets when asked alone."""
        return _first_id(self.alone) != _first_id(self.answer)

    def to_dict(self) -> dict[str, object]:
        """Return the JSON form."""
        return {
            "question": self.question.text,
            "asked_after": self.after,
            "context": self.answer.context,
            "top": _top(self.answer),
            "alone_top": _top(self.alone),
        }


def _first_id(answer: Answer) -> str | None:
    return answer.hits[0].passage.id if answer.hits else None


def _top(answer: Answer) -> dict[str, str] | None:
    top = answer.hits[0] if answer.hits else None
    return None if top is None else {"id": top.passage.id, "quote": top.quote}


def _rate(n: int, total: int) -> float | None:
    return round(n / total, 4) if total else None


@dataclass(frozen=True)
class QuestionReport:
    """The results of a question file and their summary."""

    results: tuple[QuestionResult, ...]
    seconds: float = 0.0
    dialogues: tuple[DialogueResult, ...] = ()
    standalone: tuple[StandaloneResult, ...] | None = None  # None: not checked

    @property
    def answerable(self) -> list[QuestionResult]:
        """Return the results of the answerable questions."""
        return [r for r in self.results if r.in_scope]

    @property
    def unanswerable(self) -> list[QuestionResult]:
        """Return the results of the out-of-scope questions."""
        return [r for r in self.results if not r.in_scope]

    def hits_at(self, k: int) -> int:
        """Return how many answerable questions have an answer in their first k passages."""
        return sum(1 for r in self.answerable if r.rank is not None and r.rank <= k)

    @property
    def mrr(self) -> float:
        """Return the mean reciprocal rank of the first passage with an answer (MRR@10)."""
        ranks = [1 / r.rank if r.rank else 0.0 for r in self.answerable]
        return sum(ranks) / len(ranks) if ranks else 0.0

    @property
    def abstained(self) -> int:
        """Return how many out-of-scope questions were (rightly) not answered."""
        return sum(1 for r in self.unanswerable if not r.answer.answered)

    @property
    def wrong_abstentions(self) -> list[QuestionResult]:
        """Return the answerable questions that got "not found in the sources"."""
        return [r for r in self.answerable if not r.answer.answered]

    @property
    def misses(self) -> list[QuestionResult]:
        """Return the answerable questions whose first passage has no accepted answer."""
        return [r for r in self.answerable if r.rank != 1]

    @property
    def false_answers(self) -> list[QuestionResult]:
        """Return the out-of-scope questions that were answered anyway."""
        return [r for r in self.unanswerable if r.answer.answered]

    @property
    def followups(self) -> list[FollowUpResult]:
        """Return the results of every follow-up of every dialogue, in order."""
        return [f for d in self.dialogues for f in d.followups]

    @property
    def followup_misses(self) -> list[FollowUpResult]:
        """Return the follow-ups whose first passage (in context) has no accepted answer."""
        return [f for f in self.followups if f.rank != 1]

    @property
    def misread(self) -> list[FollowUpResult]:
        """Return the follow-ups taken alone, and the standalone ones mixed with the last."""
        return [f for f in self.followups if not f.right_reading]

    @property
    def changed(self) -> list[StandaloneResult]:
        """Return the standalone questions whose first passage changed after another question."""
        return [r for r in self.standalone or () if r.changed]

    def dialogue_summary(self) -> dict[str, object] | None:
        """Return the figures of the dialogues, or None when the file has none."""
        if not self.dialogues:
            return None
        n = len(self.dialogues)
        followups = self.followups
        m = len(followups)
        leaning = [f for f in followups if not f.followup.standalone]
        standalone = [f for f in followups if f.followup.standalone]
        first = sum(1 for d in self.dialogues if d.rank == 1)
        hit1 = sum(1 for f in followups if f.rank == 1)
        hit3 = sum(1 for f in followups if f.rank is not None and f.rank <= 3)
        alone = sum(1 for f in followups if f.alone_rank == 1)
        return {
            "dialogues": n,
            "followups": m,
            "first_hit@1": first,
            "first_hit@1_rate": _rate(first, n),
            "followup_hit@1": hit1,
            "followup_hit@1_rate": _rate(hit1, m),
            "followup_hit@3": hit3,
            "followup_hit@3_rate": _rate(hit3, m),
            "alone_hit@1": alone,
            "alone_hit@1_rate": _rate(alone, m),
            "leaning": len(leaning),
            "recognised": sum(1 for f in leaning if f.recognised),
            "standalone_followups": len(standalone),
            "standalone_mixed": sum(1 for f in standalone if f.recognised),
        }

    def summary(self) -> dict[str, object]:
        """Return the figures of the report."""
        n = len(self.answerable)
        figures: dict[str, object] = {
            "answerable": n,
            "unanswerable": len(self.unanswerable),
            "hit@1": self.hits_at(1),
            "hit@3": self.hits_at(3),
            "hit@1_rate": _rate(self.hits_at(1), n),
            "hit@3_rate": _rate(self.hits_at(3), n),
            "mrr@10": round(self.mrr, 4),
            "abstained": self.abstained,
            "wrong_abstentions": len(self.wrong_abstentions),
            "seconds": round(self.seconds, 3),
        }
        dialogues = self.dialogue_summary()
        if dialogues is not None:
            figures["dialogues"] = dialogues
        if self.standalone is not None:
            figures["standalone"] = {
                "checked": len(self.standalone),
                "changed": len(self.changed),
            }
        return figures

    def to_dict(self) -> dict[str, object]:
        """Return the JSON form: the summary and every question's result."""
        data: dict[str, object] = {
            **self.summary(),
            "results": [r.to_dict() for r in self.results],
        }
        if self.dialogues:
            data["dialogue_results"] = [d.to_dict() for d in self.dialogues]
        if self.standalone is not None:
            data["standalone_changed"] = [r.to_dict() for r in self.changed]
        return data


def run_questions(
    searcher: Searcher,
    questions: QuestionSet,
    progress: Progress | None = None,
    *,
    standalone: bool | None = None,
) -> QuestionReport:
    """Ask every question of a set and record where the answer was found.

    Dialogues are asked as a conversation keeps them: each follow-up after the question the
    one before it stood on (`Answer.context`, or its own question when taken alone), and again
    alone. With `standalone` (the default for a file with dialogues), each answerable
    question is also asked right after the one before it in the file (the first after the
    last), and compared with its answer alone.
    """
    started = time.perf_counter()
    everything = [*questions.answerable, *questions.unanswerable]
    check = bool(questions.dialogues) if standalone is None else standalone
    total = (
        len(everything)
        + sum(1 + 2 * len(d.followups) for d in questions.dialogues)
        + (_checks(questions) if check else 0)
    )
    done = 0

    def ask(text: str, context: str | None = None) -> Answer:
        nonlocal done
        answer = searcher.search(text, QUESTION_DEPTH, context=context)
        done += 1
        if progress:
            progress(done, total)
        return answer

    results: list[QuestionResult] = []
    for question in everything:
        answer = ask(question.text)
        rank = answer_rank(question, answer.hits) if question.answers else None
        results.append(QuestionResult(question, answer, rank))
    dialogues = tuple(_run_dialogue(ask, d) for d in questions.dialogues)
    checked: tuple[StandaloneResult, ...] | None = None
    if check:
        asked = questions.answerable
        pairs = [(q, results[i].answer, asked[i - 1].text) for i, q in enumerate(asked)]
        pairs = pairs if len(asked) > 1 else []
        # A dialogue's first question comes after the end of the dialogue before it.
        for before, after in pairwise(dialogues):
            pairs.append((after.dialogue.opening, after.answer, before.last_context))
        checked = tuple(
            StandaloneResult(q, previous, alone, ask(q.text, previous))
            for q, alone, previous in pairs
        )
    return QuestionReport(tuple(results), time.perf_counter() - started, dialogues, checked)


def _checks(questions: QuestionSet) -> int:
    """Return how many questions the standalone check asks again."""
    answerable = len(questions.answerable)
    return (answerable if answerable > 1 else 0) + max(len(questions.dialogues) - 1, 0)


def _run_dialogue(ask: Callable[[str, str | None], Answer], dialogue: Dialogue) -> DialogueResult:
    answer = ask(dialogue.opening.text, None)
    context = answer.context or answer.question
    followups: list[FollowUpResult] = []
    for followup in dialogue.followups:
        question = followup.question
        in_context = ask(question.text, context)
        alone = ask(question.text, None)
        followups.append(
            FollowUpResult(
                followup,
                context,
                in_context,
                answer_rank(question, in_context.hits),
                alone,
                answer_rank(question, alone.hits),
            )
        )
        context = in_context.context or in_context.question
    rank = answer_rank(dialogue.opening, answer.hits)
    return DialogueResult(dialogue, answer, rank, tuple(followups))


# -- BEIR datasets --------------------------------------------------------------------------


@dataclass(frozen=True)
class BeirDataset:
    """A BEIR dataset split: documents, the queries that have judgements, and the judgements."""

    name: str
    documents: dict[str, tuple[str, str]]  # id -> (title, text)
    queries: dict[str, str]  # id -> text, only queries with at least one relevant document
    qrels: dict[str, dict[str, int]]  # query id -> document id -> relevance


def load_beir(folder: Path, split: str = "test") -> BeirDataset:
    """Read a BEIR dataset folder; raise EvaluationError saying what is missing or wrong."""
    if not folder.is_dir():
        raise EvaluationError(f"{folder}: dataset folder not found")
    qrels_path = folder / "qrels" / f"{split}.tsv"
    for needed in (folder / "corpus.jsonl", folder / "queries.jsonl", qrels_path):
        if not needed.is_file():
            what = "relevance judgements" if needed == qrels_path else "file"
            raise EvaluationError(
                f"{folder}: no {needed.relative_to(folder).as_posix()} ({what} of a BEIR dataset)"
            )
    documents: dict[str, tuple[str, str]] = {}
    for n, row in _jsonl(folder / "corpus.jsonl"):
        doc_id, title, text = row.get("_id"), row.get("title") or "", row.get("text") or ""
        if (
            not isinstance(doc_id, str | int)
            or not isinstance(title, str)
            or not isinstance(text, str)
        ):
            raise EvaluationError(f"{folder / 'corpus.jsonl'}, line {n}: expected _id, title, text")
        documents[str(doc_id)] = (title, text)
    qrels = _qrels(qrels_path)
    queries: dict[str, str] = {}
    for n, row in _jsonl(folder / "queries.jsonl"):
        query_id, text = row.get("_id"), row.get("text")
        if not isinstance(query_id, str | int) or not isinstance(text, str):
            raise EvaluationError(f"{folder / 'queries.jsonl'}, line {n}: expected _id and text")
        if any(r > 0 for r in qrels.get(str(query_id), {}).values()):
            queries[str(query_id)] = text
    if not documents:
        raise EvaluationError(f"{folder / 'corpus.jsonl'}: has no documents")
    if not queries:
        raise EvaluationError(f"{qrels_path}: no query of queries.jsonl has a relevant document")
    judged = {q: qrels[q] for q in queries}
    return BeirDataset(folder.resolve().name, documents, queries, judged)


def _jsonl(path: Path) -> Iterable[tuple[int, dict[str, object]]]:
    try:
        with path.open(encoding="utf-8") as lines:
            for n, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise EvaluationError(f"{path}, line {n}: not valid JSON ({exc.msg})") from exc
                if not isinstance(row, dict):
                    raise EvaluationError(f"{path}, line {n}: expected a JSON object")
                yield n, row
    except (OSError, UnicodeDecodeError) as exc:
        raise EvaluationError(f"{path}: cannot be read ({exc})") from exc


def _qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    try:
        with path.open(encoding="utf-8", newline="") as file:
            for n, row in enumerate(csv.reader(file, delimiter="\t"), 1):
                if not row or (n == 1 and row[0] == "query-id"):
                    continue
                if len(row) != 3:
                    raise EvaluationError(
                        f"{path}, line {n}: expected query-id, corpus-id and score"
                    )
                try:
                    score = int(row[2])
                except ValueError as exc:
                    raise EvaluationError(
                        f"{path}, line {n}: score {row[2]!r} is not a number"
                    ) from exc
                qrels.setdefault(row[0], {})[row[1]] = score
    except (OSError, UnicodeDecodeError) as exc:
        raise EvaluationError(f"{path}: cannot be read ({exc})") from exc
    if not qrels:
        raise EvaluationError(f"{path}: has no relevance judgements")
    return qrels


def file_name(doc_id: str) -> str:
    """Return the file name (without .txt) a BEIR document is written under."""
    if _SAFE_NAME.match(doc_id):
        return doc_id
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", doc_id).strip("._")[:60] or "doc"
    return f"{safe}-{zlib.crc32(doc_id.encode('utf-8')):08x}"


def write_corpus(dataset: BeirDataset, folder: Path) -> dict[str, str]:
    """Write each document as `<id>.txt` (title line, blank line, text); map names to ids."""
    names: dict[str, str] = {}
    for doc_id, (title, text) in dataset.documents.items():
        name = file_name(doc_id)
        names[name] = doc_id
        body = "\n\n".join(part.strip() for part in (title, text) if part.strip())
        (folder / f"{name}.txt").write_text(body + "\n", encoding="utf-8")
    return names


@dataclass(frozen=True)
class BeirReport:
    """The figures of a BEIR run."""

    dataset: str
    split: str
    queries: int
    documents: int
    passages: int
    ndcg_at_10: float
    recall_at_100: float
    mrr_at_10: float
    build_seconds: float
    queries_per_second: float
    settings: dict[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """Return the JSON form."""
        return {
            "dataset": self.dataset,
            "split": self.split,
            "queries": self.queries,
            "documents": self.documents,
            "passages": self.passages,
            "ndcg@10": round(self.ndcg_at_10, 4),
            "recall@100": round(self.recall_at_100, 4),
            "mrr@10": round(self.mrr_at_10, 4),
            "build_seconds": round(self.build_seconds, 2),
            "queries_per_second": round(self.queries_per_second, 1),
            "settings": self.settings,
        }


def rank_queries(
    searcher: Searcher,
    queries: dict[str, str],
    names: dict[str, str] | None = None,
    progress: Progress | None = None,
    depth: int = BEIR_DEPTH,
) -> dict[str, list[str]]:
    """Return each query's ranked document ids from the top `depth` passages."""
    names = names or {}
    runs: dict[str, list[str]] = {}
    for done, (query_id, text) in enumerate(queries.items(), 1):
        answer = searcher.search(text, depth)
        runs[query_id] = [names.get(doc, doc) for doc in ranked_documents(answer)]
        if progress:
            progress(done, len(queries))
    return runs


def score_runs(
    runs: dict[str, list[str]], qrels: dict[str, dict[str, int]]
) -> tuple[float, float, float]:
    """Return mean nDCG@10, Recall@100 and MRR@10 over the judged queries."""
    if not qrels:
        return 0.0, 0.0, 0.0
    n = len(qrels)
    ndcg = sum(ndcg_at(runs.get(q, []), rel, 10) for q, rel in qrels.items()) / n
    recall = sum(recall_at(runs.get(q, []), rel, 100) for q, rel in qrels.items()) / n
    mrr = sum(reciprocal_rank(runs.get(q, []), rel, 10) for q, rel in qrels.items()) / n
    return ndcg, recall, mrr


def run_beir(
    dataset: BeirDataset,
    settings: Settings,
    split: str = "test",
    progress: Progress | None = None,
    build_progress: Progress | None = None,
) -> BeirReport:
    """Index a BEIR dataset as a corpus folder of .txt files, ask its queries, score them."""
    with tempfile.TemporaryDirectory(prefix="citebot-beir-") as tmp:
        folder = Path(tmp)
        names = write_corpus(dataset, folder)
        started = time.perf_counter()
        searcher = open_index(folder, None, settings, progress=build_progress)
        build_seconds = time.perf_counter() - started
        started = time.perf_counter()
        runs = rank_queries(searcher, dataset.queries, names, progress)
        elapsed = time.perf_counter() - started
        stats = searcher.stats()
    ndcg, recall, mrr = score_runs(runs, dataset.qrels)
    return BeirReport(
        dataset=dataset.name,
        split=split,
        queries=len(dataset.queries),
        documents=len(dataset.documents),
        passages=stats.passages,
        ndcg_at_10=ndcg,
        recall_at_100=recall,
        mrr_at_10=mrr,
        build_seconds=build_seconds,
        queries_per_second=len(dataset.queries) / elapsed if elapsed else 0.0,
        settings={
            "variant": settings.variant,
            "k1": settings.k1,
            "b": settings.b,
            "section_weight": settings.section_weight,
            "title_weight": settings.title_weight,
            "max_chars": settings.chunk.max_chars,
        },
    )
