"""Reading a corpus folder: unusable files are skipped with a reason, the rest is read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from index.errors import CorpusError
from index.load import read_corpus


def test_unusable_files_are_skipped_with_a_reason(tmp_path: Path) -> None:
    good = "A paragraph that is long enough to be a real passage of prose in the notes here.\n"
    (tmp_path / "good.txt").write_text(good, encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 au lait".encode("latin-1"))
    (tmp_path / "empty.md").write_text("  \n\n", encoding="utf-8")
    (tmp_path / "utf16.txt").write_text("Notes written in UTF-16 with a byte order mark.", "utf-16")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")  # not a source type: ignored silently
    outside = tmp_path.parent / f"{tmp_path.name}-outside.txt"
    outside.write_text("secret", encoding="utf-8")
    (tmp_path / "link.txt").symlink_to(outside)
    (tmp_path / "loop").symlink_to(tmp_path)  # a folder link loop is not followed

    docs, skipped = read_corpus(tmp_path)
    reasons = {s.path: s.reason for s in skipped}
    assert sorted(d.path for d in docs) == ["good.txt", "utf16.txt"]
    assert reasons["binary.txt"] == "looks binary"
    assert reasons["latin1.txt"].startswith("is not valid UTF-8")
    assert reasons["empty.md"] == "is empty"
    assert reasons["link.txt"] == "links outside the corpus folder"
    assert "image.png" not in reasons


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_file_is_skipped(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("text", encoding="utf-8")
    secret.chmod(0)
    _, skipped = read_corpus(tmp_path)
    assert skipped[0].path == "secret.txt"


def test_missing_folder_is_a_corpus_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        read_corpus(tmp_path / "nope")


def test_bad_sources_yaml_names_the_file_and_key(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text("a.txt:\n  titel: Oops\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"sources\.yaml: a\.txt\.titel: unknown key"):
        read_corpus(tmp_path)
