"""The question sets of bench/sets: they parse, and every accepted answer is in the corpus."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from index import evaluate as ev
from index.api import open_index
from index.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
SETS = {name: ROOT / "bench" / "sets" / f"{name}.yaml" for name in ("paraphrase", "chat")}
MIN_ANSWERABLE = 45
MIN_UNANSWERABLE = 12


@pytest.fixture(scope="module")
def passages() -> list[str]:
    searcher = open_index(CORPUS, None, Settings())
    return [searcher.passage(i).text.casefold() for i in range(searcher.catalog.n)]


def quality(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    spec = importlib.util.spec_from_file_location("quality", ROOT / "bench" / "quality.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Its worker processes find their job function by module name.
    monkeypatch.setitem(sys.modules, "quality", module)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", SETS)
def test_a_set_parses_and_holds_enough_questions(name: str) -> None:
    questions = ev.load_questions(SETS[name])
    assert len(questions.answerable) >= MIN_ANSWERABLE
    assert len(questions.unanswerable) >= MIN_UNANSWERABLE
    texts = [q.text.casefold() for q in (*questions.answerable, *questions.unanswerable)]
    assert len(texts) == len(set(texts)), "a question is asked twice"


@pytest.mark.parametrize("name", SETS)
def test_every_accepted_answer_is_in_a_passage(name: str, passages: list[str]) -> None:
    missing = [
        f"{q.text!r}: {answer!r}"
        for q in ev.load_questions(SETS[name]).answerable
        for answer in q.answers
        if not any(answer.casefold() in text for text in passages)
    ]
    assert not missing, "answers no passage of corpus/ holds:\n" + "\n".join(missing)


def test_the_sets_share_no_question() -> None:
    paraphrase, chat = (ev.load_questions(path) for path in SETS.values())
    asked = {q.text.casefold() for q in (*paraphrase.answerable, *paraphrase.unanswerable)}
    again = [q.text for q in (*chat.answerable, *chat.unanswerable) if q.text.casefold() in asked]
    assert not again


def test_the_quality_benchmark_reports_both_sets(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    module = quality(monkeypatch)
    assert module.main(["--sets", *SETS, "--no-peers", "--workers", "1"]) == 0
    table = capsys.readouterr().out
    for label, path in (("paraphrases", SETS["paraphrase"]), ("chat-style", SETS["chat"])):
        questions = ev.load_questions(path)
        counts = f"({len(questions.answerable)} + {len(questions.unanswerable)})"
        row = next(line for line in table.splitlines() if line.startswith(f"| {label}"))
        assert counts in row
        assert f"/{len(questions.answerable)} |" in row  # hit@1 as a count, like the dev seeds
