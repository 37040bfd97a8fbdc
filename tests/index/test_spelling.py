"""Misspelled question words: possessive endings, slips of common words, misspelled names."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.api import open_index
from index.model import Correction
from index.search import Searcher
from index.settings import Settings
from index.spelling import english_slips, looks_misspelled, max_edits, slip_kind, without_possessive

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@pytest.fixture(scope="module")
def searcher() -> Searcher:
    return open_index(CORPUS, None, Settings())


def test_a_possessive_is_checked_without_its_ending() -> None:
    assert without_possessive("pashinian's") == "pashinian"
    assert without_possessive("pashinian’s") == "pashinian"
    assert without_possessive("armenians'") == "armenians"
    assert without_possessive("o'neil") == "o'neil"
    assert looks_misspelled("pashinian's")
    assert max_edits("pashinian's") == max_edits("pashinian")
    assert not looks_misspelled("ab's")  # too short, with or without the ending


def test_a_misspelled_name_with_a_possessive_is_corrected(searcher: Searcher) -> None:
    answer = searcher.search("pashinian's wife went where", 3)
    # Shown as the passages write it, possessive included.
    assert answer.corrected == (Correction("pashinian's", "Pashinyan’s"),)
    assert answer.answered
    assert "Kyiv" in answer.hits[0].passage.text


def test_the_likeliest_slip_of_a_common_word_comes_first() -> None:
    assert slip_kind("thier", "their") == 0  # two neighbours swapped
    assert slip_kind("lovd", "loved") == 1  # a letter missing
    assert slip_kind("lovd", "lord") == 2  # a wrong letter
    assert english_slips("lovd")[0] == "loved"
    assert english_slips("poit")[0] == "point"
    assert english_slips("beame")[0] == "became"
    assert english_slips("Goverment's")[0] == "government"
    assert english_slips("zqxv") == []
    assert english_slips("impertinent") == []  # an English word, however rare: no slip


def test_a_slip_of_a_common_word_the_sources_use_is_corrected_to_it(tmp_path: Path) -> None:
    # The index holds "lord" in many passages and "loved" in one: a stem-only guess took "lord".
    passages = [f"The lord of the manor number {i} kept the lands and the mill." for i in range(6)]
    passages.append("The villagers loved the old miller, who baked bread for the whole valley.")
    (tmp_path / "manor.md").write_text("# The manor\n\n" + "\n\n".join(passages) + "\n")
    searcher = open_index(tmp_path, None, Settings())
    answer = searcher.search("who was lovd by the villagers", 3)
    assert answer.corrected == (Correction("lovd", "loved"),)
    assert "miller" in answer.hits[0].passage.text


def test_names_are_still_corrected_against_the_sources(searcher: Searcher) -> None:
    # "blinking" and "alive" are English words one slip away, but no source uses them.
    answer = searcher.search("what did blinkin say to aliev", 3)
    assert answer.corrected == (Correction("blinkin", "Blinken"), Correction("aliev", "Aliyev"))
    assert answer.answered


def test_a_slip_of_a_common_word_the_sources_lack_is_not_made_another_word(
    searcher: Searcher,
) -> None:
    # "definitely" is one slip away; the closest index stem ("defence") is two.
    answer = searcher.search("is it definately over", 3)
    assert answer.corrected == ()
    assert answer.unmatched_terms == ("definately",)


def test_such_a_slip_weighs_as_the_common_word_it_stands_for(searcher: Searcher) -> None:
    slipped = {t.word: t for t in searcher.parse("is it definately over").terms}["definately"]
    written = {t.word: t for t in searcher.parse("is it definitely over").terms}["definitely"]
    assert slipped.meant == "definitely"
    assert slipped.weight == written.weight  # not the weight of a rare word no source uses


def test_an_english_word_spelled_as_meant_is_not_corrected(tmp_path: Path) -> None:
    # "dorms" is rare enough to be checked, but it is an English word: not "doom".
    text = "# Doom\n\nThe doom of the old college was foretold by its students in every hall.\n"
    (tmp_path / "college.md").write_text(text)
    searcher = open_index(tmp_path, None, Settings())
    answer = searcher.search("where were the dorms of the college", 3)
    assert answer.corrected == ()
    assert answer.unmatched_terms == ("dorms",)
