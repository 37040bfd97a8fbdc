"""Reading a corpus folder: unusable files are skipped with a reason, the rest is read."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from index.build import build
from index.errors import CorpusError
from index.settings import Settings


def indexed(root: Path) -> tuple[list[str], dict[str, str]]:
    """Build an index of `root`; return its documents' paths and the skipped files' reasons."""
    header = build(root, Settings()).header
    return [d["path"] for d in header["documents"]], dict(header["skipped"])


GOOD = "A paragraph that is long enough to be a real passage of prose in the notes here.\n"


def test_unusable_files_are_skipped_with_a_reason(tmp_path: Path) -> None:
    good = "A paragraph that is long enough to be a real passage of prose in the notes here.\n"
    (tmp_path / "good.txt").write_text(good, encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 au lait".encode("latin-1"))
    (tmp_path / "empty.md").write_text("  \n\n", encoding="utf-8")
    (tmp_path / "utf16.txt").write_text("Notes written in UTF-16 with a byte order mark.", "utf-16")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")  # not a source type: named as skipped
    outside = tmp_path.parent / f"{tmp_path.name}-outside.txt"
    outside.write_text("secret", encoding="utf-8")
    (tmp_path / "link.txt").symlink_to(outside)
    (tmp_path / "loop").symlink_to(tmp_path)  # a folder link loop is not followed

    docs, reasons = indexed(tmp_path)
    assert sorted(docs) == ["good.txt", "latin1.txt", "utf16.txt"]  # Latin-1 is detected
    assert reasons["binary.txt"] == "looks binary"
    assert reasons["empty.md"] == "is empty"
    assert reasons["link.txt"] == "links outside the corpus folder"
    assert reasons["image.png"].startswith("is a .png file, not a format citebot reads (.txt,")


def _without_root_privileges(command: list[str]) -> list[str]:
    """Return `command` run so that file permissions apply (root reads anything otherwise)."""
    if os.geteuid() != 0:
        return command
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root, and setpriv (util-linux) is not there to drop its rights")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search", "--", *command]


def test_unreadable_file_is_skipped_and_the_rest_indexed(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text(GOOD, encoding="utf-8")
    secret = docs / "secret.txt"
    secret.write_text("text", encoding="utf-8")
    secret.chmod(0)
    locked = docs / "locked"
    locked.mkdir()
    (locked / "inside.txt").write_text(GOOD, encoding="utf-8")
    locked.chmod(0)
    command = [sys.executable, "-m", "bot", "index", "build", "--corpus", str(docs)]
    result = subprocess.run(
        _without_root_privileges([*command, "--index", str(tmp_path / "idx.cbi")]),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    locked.chmod(0o755)
    assert result.returncode == 0, result.stderr
    assert "skipped secret.txt: cannot be read (Permission denied)" in result.stderr
    assert "skipped locked: folder cannot be read (Permission denied)" in result.stderr
    assert "indexed 1 documents" in result.stderr and "Traceback" not in result.stderr


def test_pipes_devices_and_link_loops_are_skipped_without_waiting(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.txt")  # reading it would wait for a writer forever
    (tmp_path / "a.txt").symlink_to("b.txt")
    (tmp_path / "b.txt").symlink_to("a.txt")
    (tmp_path / "gone.md").symlink_to(tmp_path / "nowhere.md")
    (tmp_path / "notes.txt").mkdir()  # a folder named like a file is a folder
    (tmp_path / "notes.txt" / "inner.txt").write_text(GOOD, encoding="utf-8")
    if os.geteuid() == 0:  # a device that never ends, like /dev/zero
        os.mknod(tmp_path / "zero.txt", stat.S_IFCHR | 0o600, os.makedev(1, 5))
    found: list[tuple[list[str], dict[str, str]]] = []

    def read() -> None:
        found.append(indexed(tmp_path))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(20)
    assert found, "reading the corpus did not finish"
    [(docs, reasons)] = found
    assert docs == ["good.txt", "notes.txt/inner.txt"]
    assert reasons["pipe.txt"] == "is not a regular file"
    assert reasons["a.txt"].startswith("cannot be read") and reasons["b.txt"].startswith("cannot")
    assert reasons["gone.md"] == "cannot be read (No such file or directory)"
    if os.geteuid() == 0:
        assert reasons["zero.txt"] == "is not a regular file"


def test_missing_folder_is_a_corpus_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        indexed(tmp_path / "nope")


def test_bad_sources_yaml_names_the_file_line_and_key_and_the_corpus_is_indexed(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "sources.yaml").write_text("a.txt:\n  titel: Oops\n", encoding="utf-8")
    docs, reasons = indexed(tmp_path)
    assert docs == ["a.txt"]
    assert reasons["sources.yaml"].startswith("line 2: a.txt.titel: unknown key")
