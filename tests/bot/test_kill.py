"""A build killed with SIGKILL leaves no partial index: the previous one keeps serving."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

WORDS = "river stone market winter signal harbour council bridge ferry lantern orchard".split()


def _corpus(folder: Path, files: int, paragraphs: int) -> None:
    rng = random.Random(7)
    folder.mkdir()
    for i in range(files):
        body = "\n\n".join(
            " ".join(rng.choice(WORDS) for _ in range(60)).capitalize() + "."
            for _ in range(paragraphs)
        )
        (folder / f"doc{i:04}.txt").write_text(f"Report {i}\n\n{body}\n", encoding="utf-8")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_kill_during_rebuild_keeps_the_previous_index(tmp_path: Path) -> None:
    corpus = tmp_path / "docs"
    _corpus(corpus, files=1500, paragraphs=12)
    config = tmp_path / "citebot.yaml"
    config.write_text("corpus: docs\nindex: state/index.cbi\n", encoding="utf-8")
    base = [sys.executable, "-m", "bot"]
    env = dict(os.environ)
    subprocess.run([*base, "index", "build", "--config", str(config)], check=True, env=env)
    index = tmp_path / "state" / "index.cbi"
    before = index.read_bytes()

    killed = False
    for delay in (0.8, 0.4, 0.2):
        proc = subprocess.Popen(
            [*base, "index", "build", "--config", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        time.sleep(delay)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            killed = True
            break
        proc.wait()
    if not killed:
        pytest.skip("the build finished before it could be killed")

    assert index.read_bytes() == before  # the old file was never touched
    result = subprocess.run(
        [*base, "ask", "--json", "river harbour", "--config", str(config)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0
    assert "Building" not in result.stderr  # the previous index is still valid and fresh
    assert json.loads(result.stdout)["passages"]
