"""Which quoted files changed since the index was built: only a real change counts."""

from __future__ import annotations

import os
from pathlib import Path

from index.api import open_index
from index.freshness import Freshness
from index.settings import Settings

TEXT = "The ferry to the island leaves the harbour at seven every morning in summer.\n"


def index_of(corpus: Path) -> Freshness:
    searcher = open_index(corpus, corpus.parent / "index.cbi", Settings(), notice=lambda m: None)
    return Freshness(searcher.data, corpus)


def corpus_with(tmp_path: Path, **files: str) -> Path:
    corpus = tmp_path / "docs"
    corpus.mkdir()
    for name, text in files.items():
        (corpus / f"{name}.txt").write_text(text, encoding="utf-8")
    return corpus


def test_unchanged_files_are_fresh(tmp_path: Path) -> None:
    corpus = corpus_with(tmp_path, a=TEXT, b=TEXT.upper())
    assert index_of(corpus).changed(["a.txt", "b.txt"]) == set()


def test_an_edit_a_deletion_and_an_unknown_file_are_changes(tmp_path: Path) -> None:
    corpus = corpus_with(tmp_path, a=TEXT, b=TEXT, c=TEXT)
    fresh = index_of(corpus)
    (corpus / "a.txt").write_text(TEXT.replace("seven", "eight"), encoding="utf-8")  # same size
    (corpus / "b.txt").unlink()
    assert fresh.changed(["a.txt", "b.txt", "c.txt", "new.txt"]) == {"a.txt", "b.txt", "new.txt"}


def test_a_touched_file_with_the_same_content_is_fresh(tmp_path: Path) -> None:
    corpus = corpus_with(tmp_path, a=TEXT)
    fresh = index_of(corpus)
    stat = (corpus / "a.txt").stat()
    os.utime(corpus / "a.txt", ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    assert fresh.changed(["a.txt"]) == set()
    (corpus / "a.txt").write_text(TEXT + "More.\n", encoding="utf-8")
    assert fresh.changed(["a.txt"]) == {"a.txt"}
