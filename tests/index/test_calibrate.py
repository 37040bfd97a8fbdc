"""How a corpus's documents divide its subjects, and what that changes in the abstention rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import abstain, calibrate
from index.api import open_index
from index.search import Searcher
from index.settings import Settings
from index.store import load, save

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"

# Four documents, each on a subject of its own: a question's passages keep to one of them.
SUBJECTS = {
    "volcanoes.md": [
        "A volcano forms where molten rock, called magma, rises through the crust and erupts.",
        "Shield volcanoes such as Mauna Loa build broad slopes from runny basalt lava flows.",
        "Stratovolcanoes erupt explosively because their sticky magma traps volcanic gases.",
        "Volcanic ash clouds ground aircraft, since the glassy ash melts inside jet engines.",
    ],
    "chess.md": [
        "Chess is played by two players on a board of sixty-four squares, white moving first.",
        "The bishop moves diagonally and the rook along ranks and files of the chessboard.",
        "Castling moves the king two squares toward a rook, which jumps over the king.",
        "A checkmate ends the game: the king is attacked and no legal move escapes the check.",
    ],
    "bread.md": [
        "Bread dough rises because yeast ferments sugars and releases carbon dioxide gas.",
        "Kneading develops gluten, the elastic protein network that holds the loaf's shape.",
        "Sourdough starter keeps wild yeast and lactic bacteria alive with flour and water.",
        "A hot oven and steam give the crust its colour while the crumb sets inside the loaf.",
    ],
    "tides.md": [
        "Ocean tides rise and fall twice a day, pulled mainly by the gravity of the Moon.",
        "Spring tides come at new and full moon, when the Sun and Moon pull in one line.",
        "Neap tides are the weakest, when the Sun and the Moon pull at right angles.",
        "The Bay of Fundy in Canada has the largest tidal range, over sixteen metres.",
    ],
}


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Searcher, Path]:
    index = tmp_path_factory.mktemp("bundled") / "index.cbi"
    return open_index(CORPUS, index, Settings()), index


@pytest.fixture(scope="module")
def subjects(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    folder = tmp_path_factory.mktemp("subjects")
    for name, paragraphs in SUBJECTS.items():
        title = name.removesuffix(".md").title()
        (folder / name).write_text(f"# {title}\n\n" + "\n\n".join(paragraphs) + "\n")
    return open_index(folder, None, Settings())


def test_the_build_stores_how_the_documents_divide_the_subjects(
    bundled: tuple[Searcher, Path],
) -> None:
    searcher, index = bundled
    stored = calibrate.Structure.from_header(load(index).header)
    assert stored is not None
    assert stored.probes == searcher.n  # fewer passages than PROBES: every one is asked
    assert stored == calibrate.measure(searcher)  # the same questions, the same figures


def test_documents_sharing_one_subject_lift_the_confidence(
    bundled: tuple[Searcher, Path],
) -> None:
    # Five outlets report the same event: an answered question's passages come from all.
    searcher, _ = bundled
    structure = calibrate.Structure.from_header(searcher.data.header)
    assert structure is not None
    assert structure.together < calibrate.REFERENCE.together
    assert searcher.lift > 0.5


def test_documents_on_subjects_of_their_own_change_nothing(subjects: Searcher) -> None:
    structure = calibrate.Structure.from_header(subjects.data.header)
    assert structure is not None
    assert structure.together > calibrate.REFERENCE.together
    assert subjects.lift == 0.0


@pytest.mark.parametrize(
    "question",
    ["death toll?", "turkey is on whose side", "is karabakh legally part of azerbijan"],
)
def test_questions_the_first_passage_answers_are_no_longer_refused(
    bundled: tuple[Searcher, Path], question: str
) -> None:
    searcher, _ = bundled
    answer = searcher.search(question, 3)
    assert answer.answered, question
    # Read as on SQuAD's articles, the scattered passages would have refused it.
    query = searcher.parse(question)
    found = searcher.ranker.ranked(query, abstain.DEPTH)
    assert not abstain.answers(query, found, searcher.settings.min_coverage)


def test_the_lift_never_lowers_the_confidence() -> None:
    concentrated = calibrate.Structure(together=0.95, documents=0.1, probes=200)
    assert calibrate.lift(concentrated) == 0.0
    assert calibrate.lift(calibrate.REFERENCE) == 0.0
    scattered = calibrate.Structure(together=0.2, documents=0.8, probes=200)
    assert calibrate.lift(scattered) > calibrate.lift(calibrate.Structure(0.4, 0.5, 200)) > 0
    # A corpus of distinct articles a little larger than SQuAD's spreads a little more.
    near = calibrate.Structure(together=0.63, documents=0.37, probes=200)
    assert calibrate.lift(near) == 0.0


def test_an_index_built_without_the_structure_is_measured_at_its_first_question(
    bundled: tuple[Searcher, Path],
) -> None:
    searcher, index = bundled
    data = load(index)
    del data.header["structure"]
    older = Searcher(data, Settings())
    assert older.lift == pytest.approx(searcher.lift)


@pytest.mark.parametrize(
    "stored",
    [
        "0.3",
        {"together": "nan", "documents": 0.4, "probes": 95},
        {"together": 0.3, "documents": 1e400, "probes": 95},
        {"together": -1, "documents": 0.4, "probes": 95},
        {"together": 0.3, "documents": 0.4},
        {"together": [0.3], "documents": 0.4, "probes": 95},
        {"together": 0.3, "documents": 0.4, "probes": "many"},
    ],
)
def test_a_damaged_structure_in_the_header_is_measured_again(
    bundled: tuple[Searcher, Path], stored: object
) -> None:
    searcher, index = bundled
    assert calibrate.Structure.from_header({"structure": stored}) is None
    data = load(index)
    data.header["structure"] = stored
    assert Searcher(data, Settings()).lift == pytest.approx(searcher.lift)


def test_an_index_saved_without_the_structure_is_rebuilt_once_without_reading_a_file(
    tmp_path: Path,
) -> None:
    index = tmp_path / "index.cbi"
    open_index(CORPUS, index, Settings())
    data = load(index)
    del data.header["structure"]
    save(index, data)
    notices: list[str] = []
    searcher = open_index(CORPUS, index, Settings(), notice=notices.append)
    assert len(notices) == 1 and "divide their subjects" in notices[0]
    assert searcher.data.header["reread"] == 0  # every file's passages reused
    assert calibrate.Structure.from_header(load(index).header) is not None
    notices.clear()
    open_index(CORPUS, index, Settings(), notice=notices.append)
    assert notices == []  # fresh from now on


def test_an_index_measured_by_another_version_is_measured_again(tmp_path: Path) -> None:
    index = tmp_path / "index.cbi"
    open_index(CORPUS, index, Settings())
    data = load(index)
    assert data.header["measured_by"] == calibrate.code_key()
    data.header["measured_by"] = "0" * 16
    data.header["structure"] = {"together": 0.01, "documents": 0.99, "probes": 3}
    save(index, data)
    notices: list[str] = []
    searcher = open_index(CORPUS, index, Settings(), notice=notices.append)
    assert len(notices) == 1 and "another version of citebot" in notices[0]
    assert searcher.data.header["reread"] == 0  # the files are not read again
    assert calibrate.Structure.from_header(load(index).header) == calibrate.measure(searcher)
