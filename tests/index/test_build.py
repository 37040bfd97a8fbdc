"""The build pipeline: bulk analysis equals the analyzer, and batching never changes the index."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import index.build
from index.analyze import Analyzer
from index.api import open_index
from index.build import build
from index.bulk import BulkAnalyzer
from index.settings import Settings
from index.store import IndexData

AWKWARD = [
    "",
    "   \n\t ",
    "Erdoğan’s “anti-terrorist” 2,000-member force — U.S. covid-19, the 3rd time",
    "non\u00a0breaking\u2009spaces and\u3000ideographic ones; tab\tseparated\x1cfields",
    "supercalifragilisticexpialidocious internationalization's counter-counter-revolutionaries",
    "exactly-sixteen!! sixteen-bytes-ok seventeen-bytes-ok 12345678901234567 1.234.567,89",
    "naïve café résumé ΑΘΗΝΑ Ölçüm 東京タワー e-mail x y z a I",
    '‘quoted’ "double" (parenthesised) [bracketed] {braced} <angled> ¿qué? ¡sí!',
    "a" * 40 + " " + "b-" * 20 + " " + "é" * 9,
    "The the THE tHe; Theirs, their's; rock'n'roll o'clock ’90s '90s",
]


def test_bulk_analysis_equals_the_analyzer(corpus_dir: Path) -> None:
    analyzer = Analyzer()
    bulk = BulkAnalyzer(analyzer)
    searcher = open_index(corpus_dir, None, Settings())
    texts = AWKWARD + [searcher.passage(i).text for i in range(searcher.n)] + AWKWARD
    for batch in (texts, texts[::-1], texts[:3]):  # the piece cache must not change results
        ids, counts = bulk.analyze(batch)
        offsets = np.concatenate(([0], np.cumsum(counts)))
        for i, text in enumerate(batch):
            got = [bulk.terms[t] for t in ids[offsets[i] : offsets[i + 1]]]
            assert got == analyzer.terms(text), text


def test_bulk_analysis_of_nothing() -> None:
    ids, counts = BulkAnalyzer().analyze([])
    assert len(ids) == 0 and len(counts) == 0


@pytest.fixture
def corpus(tmp_path: Path, corpus_dir: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(corpus_dir, folder)
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(300)] + AWKWARD[2].split()
    for n in range(6):
        paragraphs = [
            " ".join(words[i] for i in rng.integers(0, len(words), 30)) + "." for _ in range(40)
        ]
        (folder / f"extra{n}.md").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return folder


def same(a: IndexData, b: IndexData) -> None:
    assert a.header["documents"] == b.header["documents"]
    assert a.header["files"] == b.header["files"]
    for name in a.arrays:
        np.testing.assert_array_equal(a.arrays[name], b.arrays[name], err_msg=name)


def test_batching_does_not_change_the_index(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = build(corpus, Settings())
    monkeypatch.setattr(index.build, "BATCH_BYTES", 1)  # one file per batch
    same(build(corpus, Settings()), whole)


def test_worker_processes_build_the_same_index(
    corpus: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    whole = build(corpus, Settings())
    monkeypatch.setattr(index.build, "BATCH_BYTES", 20_000)
    monkeypatch.setattr(index.build, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(index.build, "workers", lambda: 2)
    progress: list[tuple[int, int]] = []
    same(
        build(corpus, Settings(), progress=lambda done, total: progress.append((done, total))),
        whole,
    )
    assert progress[-1][0] == progress[-1][1] and len(progress) > 1
    assert "one process" not in caplog.text  # the workers did run


def test_the_rebuild_notice_counts_files_in_words(tmp_path: Path) -> None:
    from index.api import open_index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("a", "b"):
        (corpus / f"{name}.txt").write_text(f"Paragraph about {name} and the harbour.\n")
    notices: list[str] = []
    open_index(corpus, tmp_path / "i.cbi", Settings(), notice=notices.append)
    (corpus / "b.txt").unlink()
    open_index(corpus, tmp_path / "i.cbi", Settings(), notice=notices.append)
    assert "1 file was removed" in notices[-1]
    for name in ("c", "d"):
        (corpus / f"{name}.txt").write_text(f"Paragraph about {name} and the harbour.\n")
    open_index(corpus, tmp_path / "i.cbi", Settings(), notice=notices.append)
    assert "2 files were added" in notices[-1] and "removed" not in notices[-1]
