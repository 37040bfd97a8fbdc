"""`sources.yaml` follows the rules of every corpus file.

It is read only when it is a regular file inside the corpus folder, and at most
SOURCES_MAX_BYTES of it: a pipe does not block the build, a link to `/dev/zero` does not fill
memory, and a link to a file outside the corpus is not read, so no message can quote it. When it
cannot be used the corpus is indexed without it, with a warning, and the index stays fresh.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from index.api import open_index
from index.build import build
from index.load import SOURCES_MAX_BYTES
from index.settings import Settings

PROSE = "The harbour lighthouse guides the ferries home through the winter fog every night.\n"
SECRET = "password: hunter2 [unclosed"


def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "a.txt").write_text(PROSE, encoding="utf-8")
    return root


def build_within(root: Path, seconds: float = 30) -> tuple[dict[str, dict], dict[str, str]]:
    """Build an index of `root` in a thread; fail if it does not end within `seconds`."""
    found: list[dict] = []
    worker = threading.Thread(target=lambda: found.append(build(root, Settings()).header))
    worker.daemon = True
    worker.start()
    worker.join(seconds)
    assert found, "the build did not finish"
    [header] = found
    return {d["path"]: d for d in header["documents"]}, dict(header["skipped"])


def make_fifo(root: Path) -> None:
    os.mkfifo(root / "sources.yaml")


def link_to_dev_zero(root: Path) -> None:
    (root / "sources.yaml").symlink_to("/dev/zero")


def link_outside(root: Path) -> None:
    outside = root.parent / "private.yaml"
    outside.write_text(f"a.txt:\n  title: Secret\n{SECRET}\n", encoding="utf-8")
    (root / "sources.yaml").symlink_to(outside)


def make_folder(root: Path) -> None:
    (root / "sources.yaml").mkdir()


def too_large(root: Path) -> None:
    with (root / "sources.yaml").open("wb") as file:
        file.truncate(SOURCES_MAX_BYTES + 1)  # sparse: no disk used


def dangling(root: Path) -> None:
    (root / "sources.yaml").symlink_to(root / "nowhere.yaml")


def binary(root: Path) -> None:
    (root / "sources.yaml").write_bytes(b"a.txt:\x00\x01\x02 title")


UNUSABLE = {
    "fifo": (make_fifo, "is not a regular file"),
    "/dev/zero": (link_to_dev_zero, "links outside the corpus folder"),
    "outside": (link_outside, "links outside the corpus folder"),
    "folder": (make_folder, "is not a regular file"),
    "too large": (too_large, f"is larger than {SOURCES_MAX_BYTES >> 20} MB"),
    "dangling link": (dangling, "cannot be read (No such file or directory)"),
    "binary": (binary, "looks binary"),
}


@pytest.mark.parametrize(("make", "reason"), UNUSABLE.values(), ids=UNUSABLE)
def test_an_unusable_sources_yaml_is_skipped_and_the_corpus_indexed(
    tmp_path: Path, make, reason: str
) -> None:
    root = corpus(tmp_path)
    make(root)
    docs, skipped = build_within(root)
    assert list(docs) == ["a.txt"] and docs["a.txt"]["title"] != "Secret"
    assert skipped == {"sources.yaml": reason}


@pytest.mark.parametrize(("make", "reason"), UNUSABLE.values(), ids=UNUSABLE)
def test_the_index_stays_fresh_with_an_unusable_sources_yaml(
    tmp_path: Path, make, reason: str
) -> None:
    root = corpus(tmp_path)
    make(root)
    index = tmp_path / "i.cbi"
    notices: list[str] = []
    open_index(root, index, Settings(), notice=notices.append).data.close()
    open_index(root, index, Settings(), notice=notices.append).data.close()
    assert len(notices) == 1, notices  # built once, then loaded as it is


def test_a_sources_yaml_linked_inside_the_corpus_is_read(tmp_path: Path) -> None:
    root = corpus(tmp_path)
    (root / "meta").mkdir()
    (root / "meta" / "listing.yaml").write_text("a.txt: {title: Harbour}\n", encoding="utf-8")
    (root / "sources.yaml").symlink_to(Path("meta") / "listing.yaml")
    docs, skipped = build_within(root)
    assert docs["a.txt"]["title"] == "Harbour" and not skipped


def test_a_utf16_sources_yaml_is_read_as_corpus_files_are(tmp_path: Path) -> None:
    root = corpus(tmp_path)
    (root / "sources.yaml").write_text("a.txt: {title: Harbour}\n", encoding="utf-16")
    docs, _ = build_within(root)
    assert docs["a.txt"]["title"] == "Harbour"
