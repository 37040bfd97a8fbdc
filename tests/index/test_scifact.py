"""SciFact (BEIR test split): retrieval quality at the level of published BM25 figures.

Runs with the default settings (those of the shipped citebot.yaml). Deselect locally with
`pytest -m "not slow"`; CI runs it.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from bot.cli import run
from index import evaluate as ev
from index.settings import Settings

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "scifact"
MIN_NDCG = 0.68


@pytest.fixture(scope="module")
def dataset() -> ev.BeirDataset:
    if not (DATA / "qrels" / "test.tsv").is_file():
        pytest.skip(f"the SciFact dataset is not here ({DATA})")
    return ev.load_beir(DATA)


@pytest.fixture(scope="module")
def report(dataset: ev.BeirDataset) -> ev.BeirReport:
    return ev.run_beir(dataset, Settings())


def test_scifact_ndcg_at_10(report: ev.BeirReport) -> None:
    assert report.queries == 300
    assert report.ndcg_at_10 >= MIN_NDCG, report.to_dict()
    assert report.recall_at_100 >= 0.85, report.to_dict()


def test_a_folder_of_text_files_asked_through_the_cli_gets_the_same_figure(
    dataset: ev.BeirDataset, report: ev.BeirReport, tmp_path: Path
) -> None:
    folder = tmp_path / "scifact"
    folder.mkdir()
    names = ev.write_corpus(dataset, folder)
    index = tmp_path / "scifact.cbi"
    config = ["--config", str(ROOT / "citebot.yaml")]
    out, err = io.StringIO(), io.StringIO()
    argv = ["index", "build", "--corpus", str(folder), "--index", str(index)]
    assert run([*argv, *config], out, err) == 0, err.getvalue()

    ids = list(dataset.queries)
    old = sys.stdin
    sys.stdin = io.StringIO("".join(dataset.queries[q] + "\n" for q in ids))
    try:
        code = run(
            [
                "ask",
                "--json",
                "--top-k",
                "100",
                "-",
                "--corpus",
                str(folder),
                "--index",
                str(index),
                *config,
            ],
            out,
            err,
        )
    finally:
        sys.stdin = old
    assert code == 0, err.getvalue()
    answers = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(answers) == len(ids)
    runs = {
        q: list(
            dict.fromkeys(
                names.get(doc, doc)
                for p in a["passages"]
                for doc in (p["doc"], *(other["doc"] for other in p["also_in"]))
            )
        )
        for q, a in zip(ids, answers, strict=True)
    }
    ndcg, _, _ = ev.score_runs(runs, dataset.qrels)
    assert ndcg == pytest.approx(report.ndcg_at_10, abs=1e-9)
