"""Readers of every format: blocks with their location, metadata, kinds, and skip reasons."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from formatfiles import write_docx, write_pdf
from mixedcorpus import CHANNEL, write_mixed_corpus

from bot.cli import run
from index import readers
from index.build import build
from index.errors import CorpusError, EmptyCorpusError
from index.readers import docx, pdf, rst, text
from index.readers.base import decode
from index.settings import Settings

NO_FRONT = lambda lines, name: ({}, 0)  # noqa: E731


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_mixed_corpus(tmp_path_factory.mktemp("mixed") / "corpus")


def ask(corpus: Path, question: str, tmp_path: Path) -> dict:
    config = tmp_path / "citebot.yaml"
    config.write_text(f"corpus: {corpus}\nindex: index.cbi\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = run(["ask", "--json", question, "--config", str(config)], out, err)
    assert code == 0, err.getvalue()
    return json.loads(out.getvalue())


# -- The whole corpus, through the command line -------------------------------------------


def test_a_sentence_from_page_two_is_found_with_its_page_and_section(
    mixed: Path, tmp_path: Path
) -> None:
    answer = ask(mixed, "How deep was the northern channel dredged?", tmp_path)
    top = answer["passages"][0]
    assert top["doc"] == "harbour" and top["page"] == 2 and top["section"] == "Dredging"
    assert top["text"].replace("\n", " ") == CHANNEL  # one column's text, as extracted
    assert top["quote"] in top["text"] and top["kind"] == "prose"
    assert top["title"] == "Harbour Authority Annual Report 2024"
    assert top["publisher"] == "Harbour Authority"


@pytest.mark.parametrize(
    ("question", "doc", "words"),
    [
        ("Who coordinates on Tuesday?", "handbook", "Tomasz Wirth"),
        ("How long are the volunteer shifts at the food bank?", "handbook", "four-hour shifts"),
        ("How do I restore a snapshot?", "backup", "restore command"),
        ("When are old snapshots pruned?", "backup", "ninety days"),
        ("When does the marché de Noël open?", "marche", "premier samedi de décembre"),
        ("How much does the museum night tour cost?", "museum", "€12"),
        ("How fast are refunds paid?", "refunds", "fourteen days"),
    ],
)
def test_every_format_answers_from_its_file(
    mixed: Path, tmp_path: Path, question: str, doc: str, words: str
) -> None:
    top = ask(mixed, question, tmp_path)["passages"][0]
    assert top["doc"] == doc and words in top["text"]
    assert top["page"] is None


def test_kinds_titles_and_sections_of_the_other_formats(mixed: Path) -> None:
    data = build(mixed, Settings())
    docs = {d["doc"]: d for d in data.header["documents"]}
    assert docs["refunds"]["title"] == "Refund policy"  # a short `#` heading is the title
    assert docs["handbook"]["title"] == "Volunteer Handbook"
    assert docs["handbook"]["publisher"] == "Food Bank North"
    assert docs["handbook"]["date"] == "2024-03-05"
    assert docs["backup"]["title"] == "Backup Tool Guide"
    assert docs["marche"]["encoding"] == "latin-1" and docs["museum"]["encoding"] == "cp1252"
    assert docs["harbour"]["pages"] == 3
    from index.search import Searcher

    searcher = Searcher(data, Settings())
    passages = [searcher.passage(i) for i in range(searcher.n)]
    kinds = {(p.doc, p.kind) for p in passages}
    assert {("refunds", "list"), ("refunds", "code"), ("handbook", "table")} <= kinds
    assert ("backup", "code") in kinds
    code = next(p for p in passages if p.doc == "backup" and p.kind == "code")
    assert code.text == "backup restore --id 42 /srv/restore" and code.section == "Restoring"
    restore = next(p for p in passages if "snapshot identifier" in p.text)
    assert "the restore section explains" in " ".join(restore.text.split())  # role reduced
    stats = searcher.stats()
    assert stats.encodings == {"marche.txt": "latin-1", "museum.txt": "cp1252"}


def test_pdf_furniture_is_dropped_and_hyphenation_joined(mixed: Path) -> None:
    found = pdf.read((mixed / "harbour.pdf").read_bytes(), "harbour.pdf", NO_FRONT)
    texts = [" ".join(b.text.split()) for b in found.blocks]
    assert not any("Annual Report 2024" in t or t.startswith("Page ") for t in texts)
    assert any("reconstruction of the lighthouse" in t for t in texts)
    pages = {b.page for b in found.blocks}
    assert pages == {1, 2, 3} and found.pages == 3
    headings = [(b.text, b.level) for b in found.blocks if b.marked == "heading"]
    assert headings[0] == ("Harbour Authority Annual Report", 1)
    assert ("Dredging", 2) in headings
    # The two columns of page 2 are separate paragraphs, left column first.
    page2 = [b.text.replace("\n", " ") for b in found.blocks if b.page == 2]
    assert page2[1] == CHANNEL and page2[2].startswith("Work on the southern basin")


def test_skipped_files_are_named_once_with_their_reasons(
    mixed: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "c").mkdir()
    for name in ("locked.pdf", "scan.pdf"):
        (tmp_path / "c" / name).write_bytes((mixed / name).read_bytes())
    (tmp_path / "c" / "notes.txt").write_text(CHANNEL + "\n", encoding="utf-8")
    (tmp_path / "c" / "slides.pptx").write_bytes(b"PK\x03\x04")
    (tmp_path / "c" / "questions.yaml").write_text("- q: x\n", encoding="utf-8")
    with caplog.at_level("WARNING"):
        data = build(tmp_path / "c", Settings())
    reasons = dict(data.header["skipped"])
    assert reasons["locked.pdf"] == "is an encrypted PDF that needs a password"
    assert reasons["scan.pdf"].startswith("is a PDF without a text layer")
    assert reasons["slides.pptx"].startswith("is a .pptx file, not a format citebot reads")
    assert "questions.yaml" not in reasons  # YAML is metadata, never a document
    for name in ("locked.pdf", "scan.pdf", "slides.pptx"):
        assert sum(name in r.getMessage() for r in caplog.records) == 1
    config = tmp_path / "citebot.yaml"
    config.write_text(f"corpus: {tmp_path / 'c'}\nindex: index.cbi\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert run(["index", "stats", "--json", "--config", str(config)], out, err) == 0
    skipped = json.loads(out.getvalue())["skipped"]
    assert any(s.startswith("locked.pdf: is an encrypted PDF") for s in skipped)
    out = io.StringIO()
    assert run(["index", "stats", "--config", str(config)], out, io.StringIO()) == 0
    assert "scan.pdf: is a PDF without a text layer" in out.getvalue()


def test_index_stats_lists_detected_encodings(mixed: Path, tmp_path: Path) -> None:
    config = tmp_path / "citebot.yaml"
    config.write_text(f"corpus: {mixed}\nindex: index.cbi\n", encoding="utf-8")
    out = io.StringIO()
    assert run(["index", "stats", "--config", str(config)], out, io.StringIO()) == 0
    assert "marche.txt: latin-1" in out.getvalue() and "museum.txt: cp1252" in out.getvalue()


def test_nothing_to_index_lists_the_formats(mixed: Path, tmp_path: Path) -> None:
    (tmp_path / "only").mkdir()
    (tmp_path / "only" / "scan.pdf").write_bytes((mixed / "scan.pdf").read_bytes())
    with pytest.raises(EmptyCorpusError, match=r"citebot reads \.txt, .*\.pdf, \.docx, \.rst"):
        build(tmp_path / "only", Settings())


# -- Readers one by one -------------------------------------------------------------------


def test_text_encodings_are_detected_and_utf8_stays_as_it_was() -> None:
    assert decode("naïve café".encode()) == ("naïve café", None)
    assert decode("Straße über Brücke".encode("latin-1")) == ("Straße über Brücke", "latin-1")
    assert decode("“quoted” €5".encode("cp1252")) == ("“quoted” €5", "cp1252")
    cyrillic = "Сегодня хорошая погода в Москве, и все идут гулять в парк.".encode("cp1251")
    assert decode(cyrillic)[0].startswith("Сегодня")
    with pytest.raises(CorpusError, match="looks binary"):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00")


def test_broken_files_are_reasons_not_tracebacks() -> None:
    for reader, raw in (
        (pdf, b"%PDF-1.4 nothing else"),
        (pdf, b"not a pdf at all"),
        (docx, b"PK\x03\x04 broken zip"),
        (docx, b"plain text"),
    ):
        with pytest.raises(CorpusError, match="cannot be read as"):
            reader.read(raw, "x", NO_FRONT)
    found = rst.read(b"Title\n=\n\n.. unknown-directive:: x\n\n:bad:`role", "x.rst", NO_FRONT)
    assert isinstance(found.blocks, tuple)


def test_docx_headings_lists_and_tables(tmp_path: Path) -> None:
    path = write_docx(
        tmp_path / "d.docx",
        [
            ("h1", "Guide"),
            ("h2", "Setup"),
            ("p", "Install it first."),
            ("li", "Open the box."),
            ("table", [["A", "B"], ["1", "2"]]),
        ],
    )
    blocks = docx.read(path.read_bytes(), "d.docx", NO_FRONT).blocks
    assert [(b.text, b.marked, b.kind, b.level) for b in blocks] == [
        ("Guide", "heading", "prose", 1),
        ("Setup", "heading", "prose", 2),
        ("Install it first.", "", "prose", 0),
        ("Open the box.", "item", "list", 0),
        ("A | B", "", "table", 0),
        ("1 | 2", "", "table", 0),
    ]
    assert [b.first for b in blocks] == [1, 2, 3, 4, 5, 6]


def test_pdf_page_numbers_and_single_page_furniture(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "one.pdf", [[("p", CHANNEL)]])  # "Page 1" footer only
    found = pdf.read(path.read_bytes(), "one.pdf", NO_FRONT)
    assert [b.text.replace("\n", " ") for b in found.blocks] == [CHANNEL]
    assert found.blocks[0].page == 1 and found.blocks[0].first == 1


def test_every_reader_is_registered_once() -> None:
    assert readers.reader_for(".PDF") is pdf and readers.reader_for(".txt") is text
    assert readers.reader_for(".doc") is None
    suffixes = [s for r in readers.READERS for s in r.SUFFIXES]
    assert len(suffixes) == len(set(suffixes))


def test_pdf_list_items_and_chapter_running_heads(tmp_path: Path) -> None:
    pages = [
        [
            ("p", "Running head of a chapter"),
            ("p", f"Page {n} says: {CHANNEL}"),
            ("p", f"- First item of list {n}.\n- Second item of list {n}."),
            ("p", f"The closing words of page {n} come after its list of items."),
        ]
        for n in ("one", "two", "three")
    ]
    path = write_pdf(tmp_path / "list.pdf", pages, page_numbers=False)
    blocks = pdf.read(path.read_bytes(), "list.pdf", NO_FRONT).blocks
    assert not any(b.text == "Running head of a chapter" for b in blocks)  # on 3 of 3 pages
    items = [b for b in blocks if b.kind == "list"]
    assert [b.text for b in items[:2]] == [
        "- First item of list one.",
        "- Second item of list one.",
    ]
    assert all(b.marked == "item" for b in items) and len(items) == 6
