"""Measure answer quality: question files with accepted answers, and BEIR datasets.

Two kinds of evaluation, both driven through `Searcher.search`, the same call every renderer
uses, so what is measured is exactly what a user gets:

- a question file (YAML): answerable questions with accepted answer strings, and out-of-scope
  questions that should be abstained on. A passage "has the answer" when one of the strings is
  in its text (case-insensitive). Reports hit@1, hit@3, MRR@10, abstentions.
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
from pathlib import Path

from index.api import open_index
from index.errors import CitebotError
from index.model import Answer, Hit
from index.search import Searcher
from index.settings import Settings
from index.yamlfile import YamlError, load_file

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
class QuestionSet:
    """The questions of a question file."""

    answerable: tuple[Question, ...]
    unanswerable: tuple[Question, ...]


def load_questions(path: Path) -> QuestionSet:
    """Read a question file; raise EvaluationError naming the file and the entry."""
    try:
        data = load_file(path, "question file").data
    except YamlError as exc:
        raise EvaluationError(str(exc)) from exc
    if not isinstance(data, dict):
        raise EvaluationError(
            f"{path}: expected a mapping with `answerable` and `unanswerable` lists"
        )
    unknown = sorted(set(map(str, data)) - {"answerable", "unanswerable"})
    if unknown:
        raise EvaluationError(
            f"{path}: {unknown[0]}: unknown key (expected answerable, unanswerable)"
        )
    answerable = tuple(
        _question(path, "answerable", i, entry, need_answers=True)
        for i, entry in enumerate(_list(path, data, "answerable"), 1)
    )
    unanswerable = tuple(
        _question(path, "unanswerable", i, entry, need_answers=False)
        for i, entry in enumerate(_list(path, data, "unanswerable"), 1)
    )
    if not answerable and not unanswerable:
        raise EvaluationError(f"{path}: has no questions")
    return QuestionSet(answerable, unanswerable)


def _list(path: Path, data: dict[str, object], key: str) -> list[object]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise EvaluationError(f"{path}: {key}: expected a list of questions")
    return value


def _question(path: Path, key: str, n: int, entry: object, need_answers: bool) -> Question:
    where = f"{path}: {key}[{n}]"
    if isinstance(entry, str):
        entry = {"q": entry}
    if not isinstance(entry, dict):
        raise EvaluationError(f"{where}: expected a question (text, or a mapping with q)")
    unknown = sorted(set(map(str, entry)) - {"q", "answers"})
    if unknown:
        raise EvaluationError(f"{where}: {unknown[0]}: unknown key (expected q, answers)")
    text = entry.get("q")
    if not isinstance(text, str) or not text.strip():
        raise EvaluationError(f"{where}: q: expected the question text")
    answers = entry.get("answers", [])
    if isinstance(answers, str | int | float):
        answers = [answers]
    if not isinstance(answers, list) or not all(
        isinstance(a, str | int | float) and str(a).strip() for a in answers
    ):
        raise EvaluationError(f"{where}: answers: expected a list of answer strings")
    if need_answers and not answers:
        raise EvaluationError(f"{where}: answers: an answerable question needs answers")
    return Question(text.strip(), tuple(str(a) for a in answers))


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
class QuestionReport:
    """The results of a question file and their summary."""

    results: tuple[QuestionResult, ...]
    seconds: float = 0.0

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

    def summary(self) -> dict[str, object]:
        """Return the figures of the report."""
        n = len(self.answerable)
        return {
            "answerable": n,
            "unanswerable": len(self.unanswerable),
            "hit@1": self.hits_at(1),
            "hit@3": self.hits_at(3),
            "hit@1_rate": round(self.hits_at(1) / n, 4) if n else None,
            "hit@3_rate": round(self.hits_at(3) / n, 4) if n else None,
            "mrr@10": round(self.mrr, 4),
            "abstained": self.abstained,
            "wrong_abstentions": len(self.wrong_abstentions),
            "seconds": round(self.seconds, 3),
        }

    def to_dict(self) -> dict[str, object]:
        """Return the JSON form: the summary and every question's result."""
        return {**self.summary(), "results": [r.to_dict() for r in self.results]}


def run_questions(
    searcher: Searcher, questions: QuestionSet, progress: Progress | None = None
) -> QuestionReport:
    """Ask every question of a set and record where the answer was found."""
    started = time.perf_counter()
    everything = [*questions.answerable, *questions.unanswerable]
    results: list[QuestionResult] = []
    for done, question in enumerate(everything, 1):
        answer = searcher.search(question.text, QUESTION_DEPTH)
        rank = answer_rank(question, answer.hits) if question.answers else None
        results.append(QuestionResult(question, answer, rank))
        if progress:
            progress(done, len(everything))
    return QuestionReport(tuple(results), time.perf_counter() - started)


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
