"""Huge files of one line (a scraped page without line breaks, a pasted blob): indexed in time
proportional to their size, split into passages that quote the file verbatim.
"""

from __future__ import annotations

import base64
import json
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.api import open_index
from index.settings import Settings

WORDS = (
    "river stone market winter signal harbour council bridge ferry lantern orchard people said "
    "that the of and with from after before during".split()
)
NEEDLE = "The lighthouse keeper Ottoline Varga counted fourteen herons on the northern pier."


def one_line(size: int, seed: int = 3) -> str:
    """Return about `size` characters of prose on a single line, NEEDLE in the middle."""
    rng = random.Random(seed)
    sentences = [
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 25))).capitalize() + "."
        for _ in range(2000)
    ]
    half = " ".join(rng.choice(sentences) for _ in range(size // 220))
    return f"{half} {NEEDLE} {half}"


def test_a_5_mb_file_of_one_line_is_split_and_indexed_quickly(tmp_path: Path) -> None:
    corpus = tmp_path / "docs"
    corpus.mkdir()
    text = one_line(5_000_000)
    (corpus / "scraped.txt").write_text(text, encoding="utf-8")
    started = time.monotonic()
    searcher = open_index(corpus, tmp_path / "idx.cbi", Settings(), notice=lambda m: None)
    assert time.monotonic() - started < 20  # linear: about a second; quadratic: minutes
    assert searcher.n > 2000
    for i in range(0, searcher.n, 97):
        passage = searcher.passage(i)
        assert passage.lines == (1, 1) and passage.text in text
        assert len(passage.text) <= Settings().chunk.max_chars + 400
    answer = searcher.search("How many herons did the lighthouse keeper count?", 3)
    assert answer.answered and NEEDLE in answer.hits[0].passage.text


def test_a_blob_without_spaces_or_sentences_does_not_stall_the_build(tmp_path: Path) -> None:
    corpus = tmp_path / "docs"
    corpus.mkdir()
    blob = base64.b64encode(random.Random(5).randbytes(2_000_000)).decode()
    (corpus / "blob.txt").write_text(blob, encoding="utf-8")
    (corpus / "note.txt").write_text(NEEDLE + "\n", encoding="utf-8")
    started = time.monotonic()
    searcher = open_index(corpus, tmp_path / "idx.cbi", Settings(), notice=lambda m: None)
    assert time.monotonic() - started < 20
    answer = searcher.search("How many herons did the lighthouse keeper count?", 3)
    assert answer.answered and answer.hits[0].passage.text == NEEDLE


@pytest.mark.slow
def test_a_50_mb_file_of_one_line_is_indexed_by_the_command_in_reasonable_time(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "scraped.txt").write_text(one_line(50_000_000), encoding="utf-8")
    config = tmp_path / "citebot.yaml"
    config.write_text("corpus: docs\nindex: idx.cbi\n", encoding="utf-8")
    command = [sys.executable, "-m", "bot"]
    started = time.monotonic()
    build = subprocess.run(
        [*command, "index", "build", "--config", str(config)],
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )
    seconds = time.monotonic() - started
    assert build.returncode == 0, build.stderr
    assert seconds < 90, f"50 MB took {seconds:.1f} s"
    ask = subprocess.run(
        [
            *command,
            "ask",
            "--json",
            "herons counted by the lighthouse keeper",
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert ask.returncode == 0 and "Building" not in ask.stderr, ask.stderr
    assert NEEDLE in json.loads(ask.stdout)["passages"][0]["text"]
