"""Near-duplicate folding: copies of one report fold, passages that differ in a figure, a date or
a name never do."""

from __future__ import annotations

from pathlib import Path

from index.api import open_index
from index.search import Searcher
from index.settings import Settings

REPORT = (
    "Officials in the northern province said on Tuesday that the flooding of the river had "
    "killed {n} people and destroyed hundreds of homes in the valley villages."
)


def _searcher(tmp_path: Path, files: dict[str, str]) -> Searcher:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    return open_index(corpus, tmp_path / "i.cbi", Settings(), notice=lambda m: None)


def test_copies_of_one_report_fold_into_one_hit(tmp_path: Path) -> None:
    searcher = _searcher(tmp_path, {f"{o}.txt": REPORT.format(n=12) for o in ("wire", "daily")})
    answer = searcher.search("How many people did the flooding kill?", 3)
    assert len(answer.hits) == 1
    assert [d.doc for d in answer.hits[0].also_in] == ["wire"]


def test_reports_that_differ_in_a_figure_are_both_shown_and_said_to_differ(tmp_path: Path) -> None:
    searcher = _searcher(
        tmp_path, {"daily.txt": REPORT.format(n=12), "wire.txt": REPORT.format(n=72)}
    )
    answer = searcher.search("How many people did the flooding kill?", 3)
    shown = {h.passage.doc for h in answer.hits}
    assert shown == {"daily", "wire"}
    assert all(not h.also_in for h in answer.hits)
    assert answer.conflicts, "the two figures are reported as differing"


def test_one_document_giving_three_years_shows_all_three(tmp_path: Path) -> None:
    text = "Annual figures\n\n" + "\n\n".join(
        f"The company reported a revenue of {m} million dollars in {y}, its annual report said."
        for m, y in ((5, 2021), (9, 2022), (14, 2023))
    )
    answer = _searcher(tmp_path, {"report.txt": text}).search("What was the revenue?", 3)
    quotes = " ".join(h.quote for h in answer.hits)
    assert all(f"{m} million" in quotes for m in (5, 9, 14))


def test_many_notes_alike_but_for_their_numbers_are_not_folded(tmp_path: Path) -> None:
    notes = "\n\n".join(f"Quokka number {n} lives on island {n % 97}." for n in range(3000))
    searcher = _searcher(tmp_path, {"notes.txt": notes})
    answer = searcher.search("Which island does quokka 7 live on?", 3)
    assert len(answer.hits) == 3
    assert all(len(h.also_in) == 0 for h in answer.hits)
    assert any("number 7 " in h.quote for h in answer.hits)
