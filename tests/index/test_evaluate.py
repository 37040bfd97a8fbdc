"""Evaluation: metrics, question files, BEIR folders, and runs through the real search."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from index import evaluate as ev
from index.api import open_index
from index.evaluate import EvaluationError
from index.settings import Settings

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


# -- Metrics ----------------------------------------------------------------------------------


def test_ndcg_is_one_for_the_ideal_ranking_and_discounts_lower_ranks() -> None:
    rel = {"a": 1, "b": 1}
    assert ev.ndcg_at(["a", "b", "x"], rel, 10) == pytest.approx(1.0)
    ideal = 1 + 1 / math.log2(3)
    assert ev.ndcg_at(["x", "a", "b"], rel, 10) == pytest.approx(
        (1 / math.log2(3) + 1 / math.log2(4)) / ideal
    )
    assert ev.ndcg_at(["x", "y"], rel, 10) == 0.0
    assert ev.ndcg_at(["x", "a"], rel, 1) == 0.0  # only the first k count


def test_ndcg_uses_graded_relevance_and_ignores_non_relevant_judgements() -> None:
    rel = {"a": 2, "b": 1, "c": 0}
    best = 2 + 1 / math.log2(3)
    assert ev.ndcg_at(["b", "a"], rel, 10) == pytest.approx((1 + 2 / math.log2(3)) / best)
    assert ev.ndcg_at(["c"], {"c": 0}, 10) == 0.0


def test_recall_and_reciprocal_rank() -> None:
    rel = {"a": 1, "b": 1, "c": 0}
    assert ev.recall_at(["a", "x", "b"], rel, 2) == 0.5
    assert ev.recall_at(["a", "x", "b"], rel, 100) == 1.0
    assert ev.reciprocal_rank(["x", "y", "b"], rel, 10) == pytest.approx(1 / 3)
    assert ev.reciprocal_rank(["x", "y", "b"], rel, 2) == 0.0
    assert ev.reciprocal_rank(["c", "a"], rel, 10) == 0.5


def test_scores_average_over_judged_queries_and_count_missing_runs_as_zero() -> None:
    qrels = {"q1": {"a": 1}, "q2": {"b": 1}}
    ndcg, recall, mrr = ev.score_runs({"q1": ["a"]}, qrels)
    assert (ndcg, recall, mrr) == (0.5, 0.5, 0.5)


# -- Question files ---------------------------------------------------------------------------


def write(tmp_path: Path, text: str, name: str = "questions.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_question_file_takes_mappings_and_plain_strings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "answerable:\n"
        "  - q: Who visited Kyiv?\n"
        "    answers: [Anna Hakobyan]\n"
        "  - {q: 'When does the mandate end?', answers: 2025}\n"
        "unanswerable:\n"
        "  - Who wrote Hamlet?\n"
        "  - q: What is the boiling point of water?\n",
    )
    questions = ev.load_questions(path)
    assert [q.text for q in questions.answerable] == [
        "Who visited Kyiv?",
        "When does the mandate end?",
    ]
    assert questions.answerable[1].answers == ("2025",)
    assert [q.answers for q in questions.unanswerable] == [(), ()]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("answerable: [", "not valid YAML"),
        ("- just a list\n", "expected a mapping with `answerable`, `unanswerable` or `dialogues`"),
        ("questions: []\n", "questions: unknown key"),
        ("answerable: {q: x}\n", "answerable: expected a list of questions"),
        ("answerable:\n  - q: Who?\n", "answerable[1]: answers: an answerable question needs"),
        ("answerable:\n  - answers: [x]\n", "answerable[1]: q: expected the question text"),
        ("answerable:\n  - q: Who?\n    answer: [x]\n", "answerable[1]: answer: unknown key"),
        ("unanswerable:\n  - [a, b]\n", "unanswerable[1]: expected a question"),
        ("answerable: []\nunanswerable: []\n", "has no questions"),
        ("dialogues: {q: x}\n", "dialogues: expected a list of dialogues"),
        ("dialogues:\n  - Who?\n", "line 2: dialogues[1]: expected a dialogue"),
        (
            "dialogues:\n  - q: Who?\n    answers: [x]\n",
            "line 2: dialogues[1]: followups: expected",
        ),
        (
            "dialogues:\n  - q: Who?\n    answers: [x]\n    followups: [and then]\n",
            "line 4: dialogues[1].followups[1]: answers: an answerable question needs answers",
        ),
        (
            "dialogues:\n  - q: Who?\n    answers: [x]\n    followups:\n      - q: and?\n"
            "        answers: [y]\n        standalone: maybe\n",
            "line 7: dialogues[1].followups[1]: standalone: expected true or false",
        ),
        (
            "dialogues:\n  - q: Who?\n    answers: [x]\n    followups:\n      - q: and?\n"
            "        answer: [y]\n",
            "line 6: dialogues[1].followups[1]: answer: unknown key"
            " (expected q, answers, standalone)",
        ),
        (
            "dialogues:\n  - q: Who?\n    follow: []\n",
            "line 3: dialogues[1]: follow: unknown key (expected q, answers, followups)",
        ),
        (
            "answerable:\n  - q: a\n    answers: [b]\n    q: c\n",
            "line 4: answerable.0.q: set twice",
        ),
    ],
)
def test_bad_question_files_name_the_file_and_the_entry(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(EvaluationError) as caught:
        ev.load_questions(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_a_question_file_holds_dialogues_beside_questions(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "answerable:\n"
        "  - q: Who visited Kyiv?\n"
        "    answers: [Anna Hakobyan]\n"
        "dialogues:\n"
        "  - q: Who is the prime minister of Armenia?\n"
        "    answers: [Nikol Pashinyan]\n"
        "    followups:\n"
        "      - q: and his wife?\n"
        "        answers: Anna Hakobyan\n"
        "      - q: Who is the EU's foreign policy chief?\n"
        "        standalone: true\n"
        "        answers: [Josep Borrell]\n",
    )
    questions = ev.load_questions(path)
    assert [q.text for q in questions.answerable] == ["Who visited Kyiv?"]
    (dialogue,) = questions.dialogues
    assert dialogue.opening == ev.Question(
        "Who is the prime minister of Armenia?", ("Nikol Pashinyan",)
    )
    assert [(f.question.text, f.question.answers, f.standalone) for f in dialogue.followups] == [
        ("and his wife?", ("Anna Hakobyan",), False),
        ("Who is the EU's foreign policy chief?", ("Josep Borrell",), True),
    ]


DIALOGUES = (
    "answerable:\n"
    "  - q: Who visited Kyiv?\n"
    "    answers: [Anna Hakobyan]\n"
    "  - q: Who is the prime minister of Armenia?\n"
    "    answers: [Nikol Pashinyan]\n"
    "dialogues:\n"
    "  - q: How many people were killed in the Azerbaijani military operations?\n"
    "    answers: [5 persons were killed, 27 deaths]\n"
    "    followups:\n"
    "      - q: and how many were injured?\n"
    "        answers: [80 were injured, many injuries]\n"
    "      - q: Who is the EU's foreign policy chief?\n"
    "        standalone: true\n"
    "        answers: [Josep Borrell]\n"
    "  - q: What did the Kremlin say about the escalation?\n"
    "    answers: [concerned]\n"
    "    followups:\n"
    "      - q: who said it?\n"
    "        answers: [Dmitry Peskov]\n"
)


def test_dialogues_are_asked_in_context_and_alone(tmp_path: Path) -> None:
    searcher = open_index(CORPUS, None, Settings())
    report = ev.run_questions(searcher, ev.load_questions(write(tmp_path, DIALOGUES)))
    first, second = report.dialogues
    injured, chief = first.followups
    killed = "How many people were killed in the Azerbaijani military operations?"
    assert injured.context == killed and injured.answer.context == killed
    assert injured.recognised and injured.rank == 1
    assert injured.alone.context is None
    assert injured.alone_rank == ev.answer_rank(injured.followup.question, injured.alone.hits)
    # A standalone follow-up is asked after the first question, and taken alone.
    assert chief.context == killed and not chief.recognised and chief.right_reading
    assert chief.answer.hits == chief.alone.hits
    # The next follow-up reads after the question the last one stood on: its own.
    (said,) = second.followups
    assert said.recognised and said.rank == 1
    summary = report.summary()["dialogues"]
    assert summary == {
        **summary,
        "dialogues": 2,
        "followups": 3,
        "leaning": 2,
        "recognised": 2,
        "standalone_followups": 1,
        "standalone_mixed": 0,
        "followup_hit@1": 3,
    }
    assert summary["alone_hit@1"] < 3  # "who said it?" alone does not find the speaker
    data = json.loads(json.dumps(report.to_dict()))
    followup = data["dialogue_results"][0]["followups"][0]
    assert followup["asked_after"] == killed and followup["context"] == killed
    assert followup["rank"] == 1 and "alone_rank" in followup


def test_standalone_questions_are_asked_after_another_and_compared(tmp_path: Path) -> None:
    searcher = open_index(CORPUS, None, Settings())
    questions = ev.load_questions(write(tmp_path, DIALOGUES))
    report = ev.run_questions(searcher, questions)
    checked = report.standalone or ()
    # Each answerable question after the one before it (the first after the last), and the
    # second dialogue's first question after the end of the first dialogue.
    assert [(r.question.text, r.after) for r in checked] == [
        ("Who visited Kyiv?", "Who is the prime minister of Armenia?"),
        ("Who is the prime minister of Armenia?", "Who visited Kyiv?"),
        ("What did the Kremlin say about the escalation?", "Who is the EU's foreign policy chief?"),
    ]
    assert report.changed == []
    assert report.summary()["standalone"] == {"checked": 3, "changed": 0}
    # Only asked for without dialogues.
    plain = ev.QuestionSet(questions.answerable, ())
    assert ev.run_questions(searcher, plain).standalone is None
    assert len(ev.run_questions(searcher, plain, standalone=True).standalone or ()) == 2
    assert "standalone" not in ev.run_questions(searcher, questions, standalone=False).summary()


def test_a_missing_question_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(EvaluationError, match="question file not found"):
        ev.load_questions(tmp_path / "nope.yaml")
    with pytest.raises(EvaluationError, match="is a folder"):
        ev.load_questions(tmp_path)


def test_question_run_finds_answers_where_search_puts_them(tmp_path: Path) -> None:
    searcher = open_index(CORPUS, None, Settings())
    path = write(
        tmp_path,
        "answerable:\n"
        "  - q: Who visited Kyiv?\n"
        "    answers: [anna hakobyan]\n"  # case does not matter
        "  - q: Who visited Kyiv?\n"
        "    answers: [no passage says this]\n"
        "unanswerable:\n"
        "  - Who wrote Hamlet?\n",
    )
    report = ev.run_questions(searcher, ev.load_questions(path))
    found, missed, outside = report.results
    expected = searcher.search("Who visited Kyiv?", ev.QUESTION_DEPTH)
    rank = next(
        n for n, h in enumerate(expected.hits, 1) if "anna hakobyan" in h.passage.text.lower()
    )
    assert found.rank == rank
    assert missed.rank is None
    assert report.hits_at(3) == (1 if rank <= 3 else 0)
    assert report.misses[-1] is missed
    assert report.abstained == (0 if outside.answer.answered else 1)
    summary = report.to_dict()
    assert summary["answerable"] == 2 and summary["unanswerable"] == 1
    assert [r["question"] for r in summary["results"]] == [  # type: ignore[index]
        "Who visited Kyiv?",
        "Who visited Kyiv?",
        "Who wrote Hamlet?",
    ]
    json.dumps(summary)


# -- BEIR -------------------------------------------------------------------------------------

DOCS = [
    ("d1", "Aspirin lowers the risk of stroke.", "A trial of aspirin in adults over sixty."),
    ("d2", "Statins and muscle pain.", "Muscle pain was reported by a few statin users."),
    ("d3", "Sleep and memory.", "Memory consolidation happens during deep sleep."),
    ("x/4", "", "Coffee intake and heart rhythm in a cohort of nurses."),
]
QUERIES = [
    ("q1", "aspirin reduces stroke risk"),
    ("q2", "statin users report muscle pain"),
    ("q3", "deep sleep consolidates memory"),
    ("q4", "an unjudged query about coffee"),
]


def make_beir(folder: Path, qrels: str | None = "query-id\tcorpus-id\tscore\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "corpus.jsonl").write_text(
        "".join(json.dumps({"_id": i, "title": t, "text": x}) + "\n" for i, t, x in DOCS),
        encoding="utf-8",
    )
    (folder / "queries.jsonl").write_text(
        "".join(json.dumps({"_id": i, "text": t}) + "\n" for i, t in QUERIES), encoding="utf-8"
    )
    if qrels is not None:
        (folder / "qrels").mkdir(exist_ok=True)
        rows = qrels + "q1\td1\t1\nq2\td2\t1\nq3\td3\t1\nq3\tx/4\t0\n"
        (folder / "qrels" / "test.tsv").write_text(rows, encoding="utf-8")
    return folder


def test_beir_loading_keeps_only_judged_queries(tmp_path: Path) -> None:
    dataset = ev.load_beir(make_beir(tmp_path / "tiny"))
    assert dataset.name == "tiny"
    assert set(dataset.queries) == {"q1", "q2", "q3"}
    assert dataset.documents["x/4"] == ("", DOCS[3][2])
    assert dataset.qrels["q3"] == {"d3": 1, "x/4": 0}


def test_beir_documents_become_text_files_with_the_title_on_the_first_line(
    tmp_path: Path,
) -> None:
    dataset = ev.load_beir(make_beir(tmp_path / "tiny"))
    out = tmp_path / "files"
    out.mkdir()
    names = ev.write_corpus(dataset, out)
    assert (out / "d1.txt").read_text(encoding="utf-8") == f"{DOCS[0][1]}\n\n{DOCS[0][2]}\n"
    unsafe = next(name for name, doc_id in names.items() if doc_id == "x/4")
    assert "/" not in unsafe and (out / f"{unsafe}.txt").is_file()
    assert (out / f"{unsafe}.txt").read_text(encoding="utf-8") == DOCS[3][2] + "\n"


def test_beir_run_ranks_documents_by_their_best_passage(tmp_path: Path) -> None:
    dataset = ev.load_beir(make_beir(tmp_path / "tiny"))
    report = ev.run_beir(dataset, Settings())
    assert report.queries == 3 and report.documents == 4
    assert report.ndcg_at_10 == pytest.approx(1.0)
    assert report.recall_at_100 == pytest.approx(1.0)
    assert report.mrr_at_10 == pytest.approx(1.0)
    assert report.build_seconds > 0 and report.queries_per_second > 0
    data = report.to_dict()
    assert {"ndcg@10", "recall@100", "mrr@10", "build_seconds", "queries_per_second"} <= set(data)


def test_beir_counts_documents_folded_into_also_in_right_after_their_passage(
    tmp_path: Path,
) -> None:
    report_text = (
        "The river flooded the lower town after three days of rain, and the council opened the "
        "school as a shelter for the families who had to leave their homes."
    )
    folder = tmp_path / "copies"
    folder.mkdir()
    docs = [("a", "River Times", report_text), ("b", "Valley Post", report_text)]
    docs.append(("c", "Orchard", "Apple trees flower in spring and fruit in autumn."))
    (folder / "corpus.jsonl").write_text(
        "".join(json.dumps({"_id": i, "title": t, "text": x}) + "\n" for i, t, x in docs),
        encoding="utf-8",
    )
    (folder / "queries.jsonl").write_text(
        json.dumps({"_id": "q", "text": "Where did the families of the flooded town go?"}) + "\n",
        encoding="utf-8",
    )
    (folder / "qrels").mkdir()
    (folder / "qrels" / "test.tsv").write_text("q\ta\t1\nq\tb\t1\n", encoding="utf-8")
    dataset = ev.load_beir(folder)
    report = ev.run_beir(dataset, Settings(title_weight=0))
    # One passage is shown with the other document in `also_in`; both count as retrieved.
    assert report.recall_at_100 == pytest.approx(1.0)
    assert report.ndcg_at_10 == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: (d / "qrels" / "test.tsv").unlink(), "no qrels/test.tsv"),
        (lambda d: (d / "corpus.jsonl").unlink(), "no corpus.jsonl"),
        (lambda d: (d / "queries.jsonl").write_text("{not json\n"), "queries.jsonl, line 1"),
        (lambda d: (d / "corpus.jsonl").write_text('["a list"]\n'), "expected a JSON object"),
        (
            lambda d: (d / "qrels" / "test.tsv").write_text("q1\td1\n"),
            "expected query-id, corpus-id and score",
        ),
        (
            lambda d: (d / "qrels" / "test.tsv").write_text("q1\td1\tyes\n"),
            "score 'yes' is not a number",
        ),
        (lambda d: (d / "qrels" / "test.tsv").write_text("q9\td1\t1\n"), "no query"),
    ],
)
def test_bad_beir_folders_say_what_is_wrong(tmp_path: Path, damage, message: str) -> None:
    folder = make_beir(tmp_path / "tiny")
    damage(folder)
    with pytest.raises(EvaluationError, match=message):
        ev.load_beir(folder)


def test_a_missing_beir_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(EvaluationError, match="dataset folder not found"):
        ev.load_beir(tmp_path / "nowhere")
    with pytest.raises(EvaluationError, match=r"no qrels/dev\.tsv"):
        ev.load_beir(make_beir(tmp_path / "tiny"), split="dev")


SHIPPED_DIALOGUES = sorted((CORPUS.parent / "bench" / "dialogues").glob("*.yaml"))


@pytest.mark.parametrize("path", SHIPPED_DIALOGUES, ids=lambda p: p.name)
def test_the_shipped_dialogue_files_load_and_hold_enough_follow_ups(path: Path) -> None:
    questions = ev.load_questions(path)
    followups = [f for d in questions.dialogues for f in d.followups]
    assert len(followups) >= 30
    assert any(f.standalone for f in followups)


def test_every_answer_of_the_bundled_dialogues_is_in_the_corpus() -> None:
    searcher = open_index(CORPUS, None, Settings())
    texts = [
        searcher.source(f"{doc.doc}#{n}").passage.text.casefold()
        for doc in searcher.documents()
        for n in range(1, doc.passages + 1)
    ]
    questions = ev.load_questions(CORPUS.parent / "bench" / "dialogues" / "bundled.yaml")
    for dialogue in questions.dialogues:
        for question in (dialogue.opening, *(f.question for f in dialogue.followups)):
            found = [a for a in question.answers if any(a.casefold() in t for t in texts)]
            assert found, question.text
