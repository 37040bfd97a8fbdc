"""Cleaning and chunking of the bundled seed articles and of made-up pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import readers
from index.chunk import chunk
from index.clean import clean
from index.load import list_files, read_document, read_sources
from index.model import Document, Metadata
from index.settings import ChunkSettings

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
SEEDS = sorted(p.name for p in CORPUS.glob("*.txt"))

# Page furniture seen on scraped pages; none of it may end up in a passage.
FURNITURE = [
    "Start / Publikationer",
    "Quick Comment",
    "Om författarna",
    "Relaterade inlägg",
    "105 shares",
    "3 min",
    "What's Your Reaction?",
    "Like it? Share",
    "Cute Cute",
    "Choose A Format",
    "Personality quiz",
    "Source: Financial Times",
    "Additional reporting by",
    "HomeSecurity",
    "Sunday 16 June, 2024",
    "News Desk",
    "Send press releases",
    "related articles",
    "read more",
    "gtag",
    "IMAGE SOURCE",
]


def _passages(name: str):
    files, _ = list_files(CORPUS)
    file = next(f for f in files if f.relative == name)
    document = read_document(file, read_sources(CORPUS))
    cleaned = clean(document)
    return document, cleaned, chunk(document, cleaned, ChunkSettings())


@pytest.mark.parametrize("name", SEEDS)
def test_seed_passages_are_verbatim_and_free_of_furniture(name: str) -> None:
    document, _, passages = _passages(name)
    lines = (CORPUS / name).read_text(encoding="utf-8").split("\n")
    assert passages, f"{name} produced no passages"
    for p in passages:
        first, last = p.lines
        assert p.text == "\n".join(lines[first - 1 : last]).strip()
        for junk in FURNITURE:
            assert junk.lower() not in p.text.lower(), f"{p.id} keeps furniture {junk!r}"
        assert p.id == f"{document.doc}#{passages.index(p) + 1}"
        assert len(p.text.split()) >= 5


@pytest.mark.parametrize("name", SEEDS)
def test_headings_are_sections_not_passages(name: str) -> None:
    _, cleaned, passages = _passages(name)
    sections = {p.section for p in passages if p.section}
    texts = {p.text for p in passages}
    assert not sections & texts
    numbers = [p.number for p in cleaned.paragraphs]
    assert numbers == list(range(1, len(numbers) + 1))


def test_question_headings_become_sections() -> None:
    _, _, passages = _passages("000_06e4a3d4349daa13.txt")
    assert passages[0].section == "What has Happened?"
    assert passages[0].text.startswith("On September 19, Azerbaijan announced")
    assert [p.section for p in passages[1:3]] == ["What is the Context?"] * 2


def test_article_headings_cover_the_paragraphs_under_them() -> None:
    _, _, passages = _passages("003_a723c924b9b358b3.txt")

    def section_of(start: str) -> str | None:
        return next(p.section for p in passages if p.text.startswith(start))

    assert section_of("Azerbaijan launched an") == "Azerbaijan’s ‘Anti-Terrorist’ Operation"
    assert section_of("President Recep Tayyip") == "Turkey Supports Azerbaijan’s Military Operation"
    assert section_of("A 2,000-member Russian") == "Russia’s Role as a Mediator"


def test_table_of_contents_is_dropped_and_not_a_heading() -> None:
    # 004 opens with three bulleted headlines and has no blank lines: one paragraph per line.
    _, cleaned, passages = _passages("004_00bdb56021c742e6.txt")
    assert all(p.section is None for p in passages)
    assert all(not p.text.startswith("- ") for p in passages)
    assert passages[0].lines == (4, 4)
    assert len(cleaned.paragraphs) == 30


def test_sentence_repeated_later_on_the_page_is_dropped() -> None:
    _, _, passages = _passages("004_00bdb56021c742e6.txt")
    repeated = "two landmine blasts killed six people, including four police officers"
    assert sum(repeated in p.text for p in passages) == 1


def documents(root: Path) -> list[Document]:
    """Read every file of a corpus folder the way the build does (all must be readable)."""
    files, skipped = list_files(root)
    assert not skipped
    sources = read_sources(root)
    return [read_document(file, sources) for file in files]


def test_metadata_comes_from_sources_then_text() -> None:
    docs = documents(CORPUS)
    meta = {d.doc: clean(d).meta for d in docs}
    assert meta["001_139456bd9fc0844c"].publisher == "Financial Times"
    assert meta["003_a723c924b9b358b3"].date == "2023-09-20"
    # sources.yaml says the date of 002 is not stated: its capture date is not used.
    assert meta["002_95f8cc32a9bf2268"].date is None


def _doc(text: str, kind: str = "text", path: str = "page.txt") -> Document:
    reader = {"text": readers.text, "markdown": readers.markdown}[kind]
    found = reader.read(text.encode("utf-8"), path, lambda lines, name: ({}, 0))
    return Document(
        doc=path.rsplit(".", 1)[0],
        path=path,
        meta=Metadata(),
        kind=kind,
        blocks=found.blocks,
        first_line_title=found.first_line_title,
    )


def test_rules_hold_for_other_scraped_pages() -> None:
    page = "\n".join(
        [
            "Home › World › Europe › Storm hits the coast",
            "",
            "Storm hits the coast",
            "",
            "By Jane Doe",
            "12 comments, 4 min read",
            "",
            "A storm with winds of 120 km/h hit the northern coast on Monday, cutting power to "
            "thousands of homes and closing the main port for the day.",
            "",
            "What happens next",
            "",
            "Forecasters expect the wind to ease by Wednesday, when repairs to the power lines can "
            "start in the worst hit villages along the shore.",
            "",
            "Share this article",
            "Facebook Facebook",
            "Twitter Twitter",
            "Read more",
        ]
    )
    cleaned = clean(_doc(page))
    assert cleaned.meta.title == "Storm hits the coast"
    assert [p.text[:20] for p in cleaned.paragraphs] == [
        "A storm with winds o",
        "Forecasters expect t",
    ]
    assert [p.section for p in cleaned.paragraphs] == [None, "What happens next"]


def test_markdown_headings_lists_and_front_matter(tmp_path: Path) -> None:
    (tmp_path / "rules.md").write_text(
        "---\ntitle: Server rules\nurl: https://example.org/rules\n---\n"
        "# Server rules\n\n## Behaviour\n\n"
        "- Be kind to other members.\n- No spam or advertising.\n\n"
        "## Moderation\n\nModerators may remove messages that break these rules and warn the "
        "member who posted them.\n",
        encoding="utf-8",
    )
    docs = documents(tmp_path)
    cleaned = clean(docs[0])
    assert cleaned.meta.title == "Server rules"
    assert cleaned.meta.url == "https://example.org/rules"
    texts = [(p.section, p.text) for p in cleaned.paragraphs]
    assert ("Behaviour", "- Be kind to other members.") in texts
    assert ("Behaviour", "- No spam or advertising.") in texts
    assert texts[-1][0] == "Moderation"


def test_html_visible_text_only(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(
        "<html><head><title>Release notes</title><style>p{color:red}</style>"
        '<meta property="og:site_name" content="Example"></head><body>'
        "<nav><a href='/'>Home</a> <a href='/docs'>Docs</a></nav>"
        "<script>alert('never shown')</script>"
        "<h2>Version 2.0</h2>\n<p>Version 2.0 adds offline search across every folder of notes and "
        "keeps the old index format readable.</p>"
        "<footer>Copyright</footer></body></html>",
        encoding="utf-8",
    )
    docs = documents(tmp_path)
    cleaned = clean(docs[0])
    assert cleaned.meta.title == "Release notes"
    assert cleaned.meta.publisher == "Example"
    [paragraph] = cleaned.paragraphs
    assert paragraph.section == "Version 2.0"
    assert "alert" not in paragraph.text and "Home" not in paragraph.text


def test_long_paragraph_splits_at_sentences_and_keeps_lines(tmp_path: Path) -> None:
    sentence = "The committee met again to review the budget for the coming year in detail. "
    text = "Budget review\n\n" + sentence * 60 + "\n"
    (tmp_path / "minutes.txt").write_text(text, encoding="utf-8")
    docs = documents(tmp_path)
    cleaned = clean(docs[0])
    passages = chunk(docs[0], cleaned, ChunkSettings(max_chars=600, min_chars=200))
    assert len(passages) > 1
    assert all(len(p.text) <= 600 for p in passages)
    assert all(p.text.endswith(".") for p in passages)
    assert {p.paragraph for p in passages} == {1}
    assert all(p.lines == (3, 3) and p.text in text for p in passages)
