"""`citebot eval`: question files and BEIR folders, figures, JSON, and bad input."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import run

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "bench" / "questions.yaml"


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def conf(config_file: Path) -> list[str]:
    return ["--config", str(config_file)]


def test_eval_questions_prints_the_figures(conf: list[str]) -> None:
    code, out, err = cli("eval", "questions", str(EXAMPLES), *conf)
    assert code == 0, err
    for label in ("hit@1", "hit@3", "MRR@10", "abstained", "wrong abstentions"):
        assert label in out
    assert "answerable and" in out and "out-of-scope questions" in out


def test_eval_questions_lists_misses_with_the_passage_that_won(
    conf: list[str], tmp_path: Path
) -> None:
    questions = tmp_path / "q.yaml"
    questions.write_text(
        "answerable:\n  - q: Who visited Kyiv?\n    answers: [a phrase no source has]\n",
        encoding="utf-8",
    )
    code, out, _ = cli("eval", "questions", str(questions), *conf)
    assert code == 0
    assert "hit@1               0/1" in out
    misses = out.split("Misses")[1]
    assert "Who visited Kyiv?" in misses
    assert "first passage " in misses and "#" in misses


def test_eval_questions_json(conf: list[str]) -> None:
    code, out, _ = cli("eval", "questions", str(EXAMPLES), "--json", *conf)
    assert code == 0
    data = json.loads(out)
    for key in ("hit@1", "hit@3", "mrr@10", "abstained", "wrong_abstentions", "results"):
        assert key in data
    assert data["answerable"] == len([r for r in data["results"] if r["answerable"]])
    first = data["results"][0]
    assert set(first) == {"question", "answerable", "answered", "rank", "top"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "question file not found"),
        ("answerable: [\n", "not valid YAML"),
        ("[1, 2]\n", "expected a mapping"),
        ("answerable:\n  - q: Who?\n", "needs answers"),
    ],
)
def test_bad_question_files_exit_2_with_a_message(
    conf: list[str], tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "q.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code, out, err = cli("eval", "questions", str(path), *conf)
    assert code == 2 and out == ""
    assert err.startswith("citebot: error: ") and message in err and str(path) in err
    assert "Traceback" not in err


DIALOGUES = ROOT / "bench" / "dialogues" / "bundled.yaml"


def test_eval_questions_reports_dialogues(conf: list[str], tmp_path: Path) -> None:
    questions = tmp_path / "q.yaml"
    questions.write_text(
        "answerable:\n"
        "  - q: Who visited Kyiv?\n"
        "    answers: [Anna Hakobyan]\n"
        "  - q: Who is the prime minister of Armenia?\n"
        "    answers: [Nikol Pashinyan]\n"
        "dialogues:\n"
        "  - q: What did the Kremlin say about the escalation?\n"
        "    answers: [concerned]\n"
        "    followups:\n"
        "      - q: who said it?\n"
        "        answers: [Dmitry Peskov]\n"
        "      - q: and where did he drink his tea?\n"
        "        answers: [a phrase no source has]\n",
        encoding="utf-8",
    )
    code, out, err = cli("eval", "questions", str(questions), *conf)
    assert code == 0, err
    assert "2 answerable and 0 out-of-scope questions, 1 dialogues with 2 follow-ups" in out
    assert "first question      hit@1 1/1" in out
    assert "follow-up           hit@1 1/2  (50.0 %) in context" in out
    assert "follow-up alone     hit@1 " in out
    assert "recognised          2/2  (100.0 %) follow-ups taken in context" in out
    assert "standalone changed  0 of 2 standalone questions asked after another" in out
    misses = out.split("Follow-ups whose first passage")[1]
    assert "and where did he drink his tea?  (follow-up, taken in context)" in misses
    assert "asked after: What did the Kremlin say about the escalation?" in misses


def test_eval_questions_json_reports_dialogues(conf: list[str]) -> None:
    code, out, err = cli("eval", "questions", str(DIALOGUES), "--json", *conf)
    assert code == 0, err
    data = json.loads(out)
    figures = data["dialogues"]
    assert figures["followups"] >= 30
    for key in ("first_hit@1", "followup_hit@1", "followup_hit@3", "alone_hit@1", "recognised"):
        assert isinstance(figures[key], int)
    assert data["standalone"]["checked"] == figures["dialogues"] - 1
    assert isinstance(data["standalone_changed"], list)
    first = data["dialogue_results"][0]
    assert set(first) == {"question", "rank", "top", "followups"}
    assert set(first["followups"][0]) == {
        "question",
        "standalone",
        "asked_after",
        "context",
        "rank",
        "top",
        "alone_rank",
    }


def test_eval_questions_checks_standalone_questions_when_asked(conf: list[str]) -> None:
    code, out, _ = cli("eval", "questions", str(EXAMPLES), *conf)
    assert code == 0 and "standalone changed" not in out
    code, out, _ = cli("eval", "questions", str(EXAMPLES), "--standalone-check", *conf)
    assert code == 0 and "standalone changed  0 of " in out
    code, out, _ = cli("eval", "questions", str(DIALOGUES), "--no-standalone-check", *conf)
    assert code == 0 and "standalone changed" not in out


def test_a_bad_dialogue_names_the_line_and_the_key(conf: list[str], tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    path.write_text(
        "dialogues:\n  - q: Who?\n    answers: [x]\n    followups:\n      - q: and?\n",
        encoding="utf-8",
    )
    code, out, err = cli("eval", "questions", str(path), *conf)
    assert code == 2 and out == ""
    assert err == (
        f"citebot: error: {path}, line 5: dialogues[1].followups[1]: answers: "
        "an answerable question needs answers\n"
    )


def make_beir(folder: Path) -> Path:
    folder.mkdir()
    docs = [
        ("d1", "Aspirin and stroke", "Aspirin lowered the risk of stroke in older adults."),
        ("d2", "Statins and muscles", "Statin users reported muscle pain in a small trial."),
        ("d3", "Sleep", "Deep sleep helps memory consolidation."),
    ]
    (folder / "corpus.jsonl").write_text(
        "".join(json.dumps({"_id": i, "title": t, "text": x}) + "\n" for i, t, x in docs),
        encoding="utf-8",
    )
    (folder / "queries.jsonl").write_text(
        json.dumps({"_id": "q1", "text": "aspirin prevents stroke"})
        + "\n"
        + json.dumps({"_id": "q2", "text": "statins cause muscle pain"})
        + "\n",
        encoding="utf-8",
    )
    (folder / "qrels").mkdir()
    (folder / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n", encoding="utf-8"
    )
    return folder


def test_eval_beir_prints_the_figures(conf: list[str], tmp_path: Path) -> None:
    folder = make_beir(tmp_path / "tiny")
    code, out, err = cli("eval", "beir", str(folder), *conf[:2])
    assert code == 0, err
    assert out.startswith("tiny (test): 2 queries, 3 documents")
    for label in ("nDCG@10       1.0000", "Recall@100", "MRR@10", "index build", "queries/s"):
        assert label in out


def test_eval_beir_json(tmp_path: Path) -> None:
    folder = make_beir(tmp_path / "tiny")
    code, out, _ = cli("eval", "beir", str(folder), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["ndcg@10"] == 1.0 and data["queries"] == 2 and data["split"] == "test"
    assert {"recall@100", "mrr@10", "build_seconds", "queries_per_second", "settings"} <= set(data)


def test_eval_beir_without_qrels_or_folder_exits_2(tmp_path: Path) -> None:
    folder = make_beir(tmp_path / "tiny")
    code, _, err = cli("eval", "beir", str(folder), "--split", "dev")
    assert code == 2 and "no qrels/dev.tsv" in err and "Traceback" not in err
    code, _, err = cli("eval", "beir", str(tmp_path / "missing"))
    assert code == 2 and "dataset folder not found" in err
