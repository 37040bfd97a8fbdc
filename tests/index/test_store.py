"""The index file: round trip, damage detection, rebuilds, and incremental updates."""

from __future__ import annotations

import os
import shutil
import struct
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import index.build
from index.api import open_index
from index.build import build
from index.errors import EmptyCorpusError, IndexFormatError
from index.fingerprint import read_fingerprints
from index.settings import Settings
from index.store import FORMAT_VERSION, QUICK_CHECK_BYTES, IndexData, load, read_header, save


def sample() -> IndexData:
    return IndexData(
        header={"note": "héllo", "files": [["a.txt", 3, 4, "ab", None]]},
        arrays={
            "ints": np.arange(10, dtype=np.int32),
            "floats": np.linspace(0, 1, 7),
            "pairs": np.arange(12, dtype=np.int32).reshape(-1, 2),
            "bytes": np.frombuffer("naïve text".encode(), dtype=np.uint8).copy(),
            "empty": np.zeros(0, dtype=np.int64),
        },
    )


def test_round_trip_keeps_header_and_arrays(tmp_path: Path) -> None:
    path = tmp_path / "i.cbi"
    data = sample()
    save(path, data)
    loaded = load(path)
    assert loaded.header["note"] == "héllo"
    assert loaded.header["format"] == FORMAT_VERSION
    for name, array in data.arrays.items():
        assert loaded.arrays[name].dtype == array.dtype
        np.testing.assert_array_equal(loaded.arrays[name], array)
    assert not loaded.arrays["ints"].flags.writeable  # mapped read-only, not copied
    assert read_header(path)["files"] == [["a.txt", 3, 4, "ab", None]]
    assert [p.name for p in tmp_path.iterdir()] == ["i.cbi"]  # no temporary file left


def test_failed_save_leaves_the_old_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "i.cbi"
    save(path, sample())
    before = path.read_bytes()

    def fail(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        save(path, IndexData(header={}, arrays={"x": np.ones(5)}))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["i.cbi"]


def damaged(tmp_path: Path, how: str) -> Path:
    path = tmp_path / "i.cbi"
    save(path, sample())
    raw = bytearray(path.read_bytes())
    if how == "truncated":
        raw = raw[: len(raw) - 40]
    elif how == "empty":
        raw = bytearray()
    elif how == "header":
        raw[30] ^= 0xFF
    elif how == "array":
        raw[-64] ^= 0xFF  # inside the last array's bytes
    elif how == "version":
        raw[8:12] = struct.pack("<I", FORMAT_VERSION + 1)
    elif how == "other file":
        raw = bytearray(b"just some text\n" * 20)
    path.write_bytes(bytes(raw))
    return path


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("truncated", "truncated"),
        ("empty", "not a citebot index"),
        ("header", "damaged header"),
        ("array", "corrupt"),
        ("version", "index format"),
        ("other file", "not a citebot index"),
    ],
)
def test_damage_is_detected(tmp_path: Path, how: str, message: str) -> None:
    path = damaged(tmp_path, how)
    with pytest.raises(IndexFormatError, match=message):
        load(path)


def test_missing_file_is_a_format_error(tmp_path: Path) -> None:
    with pytest.raises(IndexFormatError, match="does not exist"):
        load(tmp_path / "nothing.cbi")


def test_large_arrays_are_checked_on_request(tmp_path: Path) -> None:
    path = tmp_path / "big.cbi"
    big = np.arange(QUICK_CHECK_BYTES // 8 + 1000, dtype=np.int64)
    save(path, IndexData(header={}, arrays={"small": np.arange(3), "big": big}))
    raw = bytearray(path.read_bytes())
    raw[-200] ^= 0x01
    path.write_bytes(bytes(raw))
    assert load(path).arrays["big"].shape == big.shape  # a start does not read it all
    with pytest.raises(IndexFormatError, match="array big"):
        load(path, verify_all=True)


@pytest.mark.parametrize("how", ["truncated", "header", "array", "version", "empty"])
def test_open_index_rebuilds_a_damaged_index_with_a_notice(
    corpus_dir: Path, tmp_path: Path, how: str
) -> None:
    path = tmp_path / "index.cbi"
    good = open_index(corpus_dir, path, Settings())
    expected = [(h.passage.id, h.score) for h in good.search("Lachin corridor", 3).hits]
    raw = bytearray(path.read_bytes())
    if how == "truncated":
        raw = raw[: len(raw) // 2]
    elif how == "header":
        raw[40] ^= 0xFF
    elif how == "array":
        raw[-100] ^= 0xFF
    elif how == "version":
        raw[8:12] = struct.pack("<I", FORMAT_VERSION - 1)
    else:
        raw = bytearray()  # an empty file holds nothing to lose (a file that is not an
        # index is never replaced: tests/index/test_hostile_files.py)
    path.write_bytes(bytes(raw))
    notices: list[str] = []
    rebuilt = open_index(corpus_dir, path, Settings(), notice=notices.append)
    assert len(notices) == 1 and "Building the index" in notices[0]
    assert [(h.passage.id, h.score) for h in rebuilt.search("Lachin corridor", 3).hits] == expected
    load(path, verify_all=True)  # the rebuilt file is whole


# -- Incremental rebuilds ------------------------------------------------------------------


def paragraphs(seed: int, count: int) -> str:
    rng = np.random.default_rng(seed)
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india"]
    words += [f"term{i}" for i in range(200)]
    out = []
    for _ in range(count):
        picked = rng.choice(len(words), size=int(rng.integers(12, 40)))
        out.append("The " + " ".join(words[i] for i in picked) + ".")
    return "\n\n".join(out) + "\n"


@pytest.fixture
def corpus(tmp_path: Path, corpus_dir: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(corpus_dir, folder)
    (folder / "notes").mkdir()
    for i in range(4):
        (folder / "notes" / f"n{i}.txt").write_text(paragraphs(i, 30), encoding="utf-8")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    return folder


def assert_same_index(a: IndexData, b: IndexData) -> None:
    assert a.header["documents"] == b.header["documents"]
    assert a.header["skipped"] == b.header["skipped"]
    # The same files with the same content and listing; only modification times may differ.
    files = [read_fingerprints(x.header["files"]).values() for x in (a, b)]
    assert [replace(f, mtime_ns=0) for f in files[0]] == [replace(f, mtime_ns=0) for f in files[1]]
    assert set(a.arrays) == set(b.arrays)
    for name in a.arrays:
        np.testing.assert_array_equal(a.arrays[name], b.arrays[name], err_msg=name)


def reading(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record which corpus files the build reads."""
    read: list[str] = []
    real = index.build.read_bytes

    def record(file):
        read.append(file.relative)
        return real(file)

    monkeypatch.setattr(index.build, "read_bytes", record)
    return read


def edit(corpus: Path) -> None:
    """Change one file, add one, remove one, and change one file's listed title."""
    (corpus / "notes" / "n1.txt").write_text(paragraphs(11, 25), encoding="utf-8")
    (corpus / "notes" / "n9.txt").write_text(paragraphs(9, 5), encoding="utf-8")
    (corpus / "notes" / "n2.txt").unlink()
    sources = corpus / "sources.yaml"
    text = sources.read_text(encoding="utf-8")
    first = next(line for line in text.splitlines() if line.strip().startswith("title:"))
    sources.write_text(text.replace(first, first + " (updated)", 1), encoding="utf-8")


def test_rebuild_reads_only_changed_files_and_equals_a_full_build(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "index.cbi"
    settings = Settings()
    open_index(corpus, path, settings)
    edit(corpus)
    read = reading(monkeypatch)
    notices: list[str] = []
    searcher = open_index(corpus, path, settings, notice=notices.append)
    assert len(notices) == 1
    files = read_fingerprints(searcher.data.header["files"]).values()
    listed = next(f for f in files if f.listed is not None and f.path in read)
    assert sorted(read) == sorted(["notes/n1.txt", "notes/n9.txt", listed.path])
    assert searcher.data.header["reread"] == 3
    assert_same_index(load(path), build(corpus, settings))
    # Nothing changed since: the index is loaded, nothing read.
    read.clear()
    open_index(corpus, path, settings, notice=notices.append)
    assert read == [] and len(notices) == 1


def test_rebuild_after_only_removing_files(corpus: Path, tmp_path: Path) -> None:
    path = tmp_path / "index.cbi"
    open_index(corpus, path, Settings())
    (corpus / "notes" / "n0.txt").unlink()
    (corpus / "notes" / "n3.txt").unlink()
    searcher = open_index(corpus, path, Settings())
    assert searcher.data.header["reread"] == 0
    assert_same_index(load(path), build(corpus, Settings()))


def test_touched_file_with_same_content_is_not_rebuilt(corpus: Path, tmp_path: Path) -> None:
    path = tmp_path / "index.cbi"
    open_index(corpus, path, Settings())
    target = corpus / "notes" / "n0.txt"
    stat = target.stat()
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    notices: list[str] = []
    open_index(corpus, path, Settings(), notice=notices.append)
    assert notices == []


def test_changed_settings_rebuild_everything(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "index.cbi"
    open_index(corpus, path, Settings())
    read = reading(monkeypatch)
    notices: list[str] = []
    searcher = open_index(corpus, path, Settings(section_weight=1), notice=notices.append)
    assert "settings changed" in notices[0]
    assert len(read) == len(searcher.data.header["files"]) - 1  # all but sources.yaml
    assert_same_index(load(path), build(corpus, Settings(section_weight=1)))


# -- Building in a process of its own ------------------------------------------------------


def test_isolated_build_gives_the_same_index_and_reports_progress(
    corpus: Path, tmp_path: Path
) -> None:
    path = tmp_path / "index.cbi"
    progress: list[tuple[int, int]] = []
    searcher = open_index(
        corpus,
        path,
        Settings(),
        isolate=True,
        progress=lambda done, total: progress.append((done, total)),
    )
    assert progress[-1][0] == progress[-1][1] > 1
    assert searcher.data.header["skipped"] == [["empty.txt", "is empty"]]
    assert_same_index(load(path), build(corpus, Settings()))
    # An update in its own process reads only the changed files too.
    edit(corpus)
    searcher = open_index(corpus, path, Settings(), isolate=True)
    assert searcher.data.header["reread"] == 3
    assert_same_index(load(path), build(corpus, Settings()))


def test_isolated_build_raises_the_library_error(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "blank.txt").write_text("\n\n", encoding="utf-8")
    with pytest.raises(EmptyCorpusError):
        open_index(tmp_path / "corpus", tmp_path / "i.cbi", Settings(), isolate=True)


@pytest.mark.parametrize("change", ["append", "last", "first"])
def test_rebuild_at_either_end_of_the_corpus(corpus: Path, tmp_path: Path, change: str) -> None:
    path = tmp_path / "index.cbi"
    open_index(corpus, path, Settings())
    if change == "append":  # a new file after every other one
        (corpus / "notes" / "zz.txt").write_text(paragraphs(20, 7), encoding="utf-8")
    elif change == "last":
        (corpus / "notes" / "n3.txt").write_text(paragraphs(21, 9), encoding="utf-8")
    else:
        first = sorted(p for p in corpus.iterdir() if p.suffix in (".txt", ".md", ".html"))[0]
        first.write_text(paragraphs(22, 3), encoding="utf-8")
    searcher = open_index(corpus, path, Settings())
    assert searcher.data.header["reread"] == 1
    assert_same_index(load(path), build(corpus, Settings()))
