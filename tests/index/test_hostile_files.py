"""Hostile corpus and index files: each is refused, skipped or survived, never a crash.

Every case is met first as a user meets it (through `citebot`), then as the general rule.
"""

from __future__ import annotations

import io
import json
import os
import sys
import zlib
from pathlib import Path

import pytest

from bot.cli import run
from index.errors import IndexFormatError
from index.html import html_blocks
from index.load import list_files
from index.store import _PREAMBLE, FORMAT_VERSION, MAGIC, IndexData, load, save


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


# -- Deeply nested HTML -------------------------------------------------------------------


def test_a_page_of_a_thousand_unclosed_paragraphs_is_indexed(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    paragraphs = "".join(f"<p>Note {i} on the harbour lighthouse keeper." for i in range(1500))
    (corpus / "old.html").write_text(
        f"<html><head><title>Old page</title></head><body>{paragraphs}"
        "<p>The quokka festival happens every spring on Rottnest Island.</body></html>",
        encoding="utf-8",
    )
    (corpus / "plain.txt").write_text("Lighthouses guide ships into the harbour.\n")
    code, out, err = cli(
        "ask", "--json", "When is the quokka festival?", "--corpus", str(corpus),
        "--index", str(tmp_path / "i.cbi"),
    )  # fmt: skip
    assert code == 0, err
    answer = json.loads(out)
    assert answer["answered"]
    assert answer["passages"][0]["text"] == (
        "The quokka festival happens every spring on Rottnest Island."
    )
    assert "skipped" not in err


def test_nesting_far_beyond_the_recursion_limit_is_walked() -> None:
    depth = 100_000
    assert depth > sys.getrecursionlimit()
    divs = "<div><span>" * (depth // 2) + "deep text" + "</span></div>" * (depth // 2)
    _, blocks = html_blocks(f"<html><body>{divs}<p>after</p></body></html>")
    assert [text for _, _, text in blocks] == ["deep text", "after"]
    _, blocks = html_blocks("<body>" + "<li>item " * 5000 + "</body>")  # unclosed, nested
    assert len(blocks) == 5000 and blocks[-1] == (1, "item", "item")


def test_the_walk_keeps_kinds_and_order_around_nested_blocks() -> None:
    _, blocks = html_blocks(
        "<body><h2>Head <b>bold</b></h2><div>a <ul><li>one<li>two</ul> b</div>"
        "<nav>menu</nav><p hidden>gone</p><section>c</section></body>"
    )
    assert [(kind, text) for _, kind, text in blocks] == [
        ("heading", "Head bold"),
        ("text", "a"),
        ("item", "one"),
        ("item", "two"),
        ("text", "b"),
        ("text", "c"),
    ]


# -- File names that are not UTF-8 ----------------------------------------------------------


def bytes_named(folder: Path, name: bytes, text: str) -> None:
    """Write a file whose name is raw bytes (skip the test where the file system refuses)."""
    try:
        with open(os.path.join(os.fsencode(folder), name), "w", encoding="utf-8") as f:
            f.write(text)
    except (OSError, ValueError):
        pytest.skip("this file system does not take file names that are not UTF-8")


def test_a_file_named_in_latin_1_is_skipped_with_a_warning_naming_it(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "notes").mkdir(parents=True)
    bytes_named(corpus, b"caf\xe9.txt", "The cafe serves espresso every morning.\n")
    os.mkdir(os.path.join(os.fsencode(corpus), b"d\xffir"))
    bytes_named(corpus / os.fsdecode(b"d\xffir"), b"tea.txt", "Tea is served at noon.\n")
    (corpus / "notes" / "harbour.txt").write_text("The harbour lighthouse guides ships.\n")
    common = ("--corpus", str(corpus), "--index", str(tmp_path / "i.cbi"))
    code, out, err = cli("ask", "--json", "What guides ships?", *common)
    assert code == 0, err
    assert json.loads(out)["passages"][0]["id"] == "notes/harbour#1"
    assert "skipped caf\\xe9.txt: has a name that is not valid UTF-8" in err
    assert "skipped d\\xffir/tea.txt: has a name that is not valid UTF-8" in err
    assert "Traceback" not in err
    code, out, err = cli("sources", "--json", *common)  # saved and loaded: no rebuild
    assert code == 0 and err == ""
    assert [d["path"] for d in json.loads(out)["documents"]] == ["notes/harbour.txt"]
    code, out, _ = cli("index", "stats", "--json", *common)
    assert code == 0 and json.loads(out)["skipped"] == [
        "caf\\xe9.txt: has a name that is not valid UTF-8; rename it",
        "d\\xffir/tea.txt: has a name that is not valid UTF-8; rename it",
    ]


def test_every_listed_name_is_text_and_the_rest_are_skipped(tmp_path: Path) -> None:
    for name in (b"a\xe9.md", b"b\x80\x80.html", b"ok.txt", "gr\u00fc\u00df.txt".encode()):
        bytes_named(tmp_path, name, "Some text.\n")
    files, skipped = list_files(tmp_path)
    assert [f.relative for f in files] == ["grüß.txt", "ok.txt"]
    assert sorted(s.path for s in skipped) == ["a\\xe9.md", "b\\x80\\x80.html"]
    for item in [*(f.relative for f in files), *(s.path for s in skipped)]:
        item.encode("utf-8")  # never a lone surrogate


def test_a_corpus_folder_whose_own_path_is_not_utf8_still_works(tmp_path: Path) -> None:
    try:
        os.mkdir(os.path.join(os.fsencode(tmp_path), b"caf\xe9"))
    except OSError:
        pytest.skip("this file system does not take file names that are not UTF-8")
    corpus = tmp_path / os.fsdecode(b"caf\xe9")
    (corpus / "harbour.txt").write_text("The harbour lighthouse guides ships.\n")
    common = ("--corpus", str(corpus), "--index", str(tmp_path / "i.cbi"))
    code, out, err = cli("ask", "--json", "What guides ships?", *common)
    assert code == 0, err
    assert json.loads(out)["passages"][0]["id"] == "harbour#1"
    code, _, err = cli("ask", "What guides ships?", *common)
    assert code == 0 and err == ""  # the saved header kept the path: loaded, not rebuilt


def test_a_header_string_of_any_file_system_name_round_trips(tmp_path: Path) -> None:
    name = os.fsdecode(b"/srv/caf\xe9/\xff")
    save(tmp_path / "i.cbi", IndexData(header={"corpus": name, "title": "Erdoğan"}, arrays={}))
    header = load(tmp_path / "i.cbi").header
    assert header["corpus"] == name and header["title"] == "Erdoğan"


# -- A damaged index header -----------------------------------------------------------------


def flip(path: Path, bit: int) -> None:
    raw = bytearray(path.read_bytes())
    raw[bit // 8] ^= 1 << (bit % 8)
    path.write_bytes(bytes(raw))


def test_a_flipped_bit_in_the_header_length_rebuilds_with_a_notice(
    corpus_dir: Path, tmp_path: Path
) -> None:
    index = tmp_path / "i.cbi"
    common = ("--corpus", str(corpus_dir), "--index", str(index))
    question = "How many people were killed by the landmine explosions?"
    code, expected, _ = cli("ask", "--json", question, *common)
    assert code == 0
    flip(index, 8 * 12 + 40)  # bit 40 of the header length: it now reads about 2**40
    code, out, err = cli("ask", "--json", question, *common)
    assert code == 0, err
    assert out == expected
    assert err.count("\n") == 1 and "Building the index" in err and "damaged header" in err
    code, out, err = cli("ask", "--json", question, *common)  # and the rebuilt file is good
    assert code == 0 and err == "" and out == expected


def test_every_flipped_bit_of_the_preamble_is_a_format_error(
    corpus_dir: Path, tmp_path: Path
) -> None:
    index = tmp_path / "i.cbi"
    cli("index", "build", "--corpus", str(corpus_dir), "--index", str(index))
    good = index.read_bytes()
    damaged = tmp_path / "damaged.cbi"
    for bit in range(8 * _PREAMBLE.size):
        damaged.write_bytes(good)
        flip(damaged, bit)
        with pytest.raises(IndexFormatError):
            load(damaged)


def forged(path: Path, header: object, data: bytes = b"\0" * 256) -> Path:
    """Write an index file with a valid preamble and checksum around `header`."""
    raw = json.dumps(header).encode()
    preamble = _PREAMBLE.pack(MAGIC, FORMAT_VERSION, len(raw), zlib.crc32(raw))
    path.write_bytes(preamble + raw + data)
    return path


def array(**spec: object) -> dict[str, object]:
    return {"name": "a", "dtype": "<i8", "shape": [2], "offset": 0, "nbytes": 16, "crc": 0, **spec}


@pytest.mark.parametrize(
    "header",
    [
        [1, 2],
        {"data_bytes": "many", "arrays": []},
        {"data_bytes": 1 << 50, "arrays": []},
        {"data_bytes": 64, "arrays": [array(shape=[1 << 40], nbytes=8 << 40)]},
        {"data_bytes": 64, "arrays": [array(offset=1 << 40)]},
        {"data_bytes": 64, "arrays": [array(offset=-8)]},
        {"data_bytes": 64, "arrays": [array(nbytes=8)]},
        {"data_bytes": 64, "arrays": [array(dtype="|O", shape=[2], nbytes=16)]},
        {"data_bytes": 64, "arrays": [array(shape="2")]},
        {"data_bytes": 64, "arrays": "a"},
        {"data_bytes": 64},
    ],
)
def test_every_length_and_offset_is_checked_against_the_file(
    tmp_path: Path, header: object
) -> None:
    with pytest.raises(IndexFormatError):
        load(forged(tmp_path / "i.cbi", header))


def test_a_header_nested_too_deeply_to_parse_is_a_format_error(tmp_path: Path) -> None:
    path = tmp_path / "i.cbi"
    raw = b"[" * 100_000 + b"]" * 100_000
    path.write_bytes(_PREAMBLE.pack(MAGIC, FORMAT_VERSION, len(raw), zlib.crc32(raw)) + raw)
    with pytest.raises(IndexFormatError, match="damaged header"):
        load(path)
