"""Plain-text files in the shape of papers and notes: title line, prose, short files."""

from __future__ import annotations

from pathlib import Path

from index.chunk import chunk
from index.clean import clean
from index.load import CorpusFile, read_document
from index.settings import ChunkSettings

ABSTRACT = (
    "Myelodysplastic syndromes are age-dependent stem cell malignancies that share biological "
    "features of activated adaptive immune response and ineffective hematopoiesis. Here we "
    "report that myeloid-derived suppressor cells were markedly expanded in the bone marrow."
)


def _passages(text: str, name: str = "paper.txt"):
    raw = text.encode("utf-8")
    file = CorpusFile(Path(name), name, len(raw), 0)
    document = read_document(file, {}, raw)
    cleaned = clean(document)
    return cleaned.meta, chunk(document, cleaned, ChunkSettings())


def test_a_sentence_title_line_is_the_title_not_a_passage() -> None:
    title = "Induction of myelodysplasia by myeloid-derived suppressor cells."
    meta, passages = _passages(f"{title}\n\n{ABSTRACT}\n")
    assert meta.title == title
    assert [p.text for p in passages] == [ABSTRACT]
    assert passages[0].title == title
    assert passages[0].lines == (3, 3)


def test_a_long_sentence_title_without_a_blank_line_is_the_title() -> None:
    title = (
        "The human myelin basic protein gene is included within a 179-kilobase transcription "
        "unit: expression in the immune and central nervous systems."
    )
    meta, passages = _passages(f"{title}\n{ABSTRACT}\n")
    assert meta.title == title
    assert [p.text for p in passages] == [ABSTRACT]


def test_a_stated_title_keeps_an_opening_sentence_as_content(tmp_path: Path) -> None:
    lede = "Azerbaijan launched a military operation in the region on Tuesday morning."
    raw = f"---\ntitle: Operation\n---\n{lede}\n\n{ABSTRACT}\n".encode()
    file = CorpusFile(Path("news.md"), "news.md", len(raw), 0)
    document = read_document(file, {}, raw)
    passages = chunk(document, clean(document), ChunkSettings())
    assert [p.text for p in passages] == [lede, ABSTRACT]


def test_prose_with_comparison_signs_and_arrows_is_kept() -> None:
    prose = (
        "We surveyed subjects aged > or = 15 in Taipei > 2 years, and the Ser-752-->Pro "
        "mutation was found in two of them."
    )
    _, passages = _passages(f"Survey of headache\n\n{prose}\n\n{ABSTRACT}\n")
    assert [p.text for p in passages] == [prose, ABSTRACT]


def test_prose_starting_with_a_camel_case_name_is_kept() -> None:
    prose = (
        "SecDFyajC of Escherichia coli is required for efficient export of proteins in vivo, "
        "but its role in translocation is unclear."
    )
    meta, passages = _passages(
        f"SecDFyajC is not required for the maintenance of the proton motive force.\n\n{prose}\n"
    )
    assert meta.title is not None and meta.title.startswith("SecDFyajC")
    assert [p.text for p in passages] == [prose]


def test_a_document_that_is_only_its_title_keeps_it() -> None:
    _, passages = _passages("Hypertension in older adults: a review.\n")
    assert [p.text for p in passages] == ["Hypertension in older adults: a review."]


def test_a_file_of_short_lines_keeps_every_line() -> None:
    rules = ["Be kind.", "No spam.", "Ask in the right channel.", "Have fun."]
    _, passages = _passages("\n\n".join(rules) + "\n", name="rules.txt")
    assert [p.text for p in passages] == rules
