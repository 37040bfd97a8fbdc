"""A build killed with SIGKILL leaves no partial index: the previous one keeps serving."""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from botworld import ADMIN, ALICE, COMMANDS, bot_process, make_fake, run, write_config

from bot.config import load_config
from bot.discord.runner import prepare
from index.store import load

WORDS = "river stone market winter signal harbour council bridge ferry lantern orchard".split()
CITEBOT = [sys.executable, "-m", "bot"]
NEWS = (
    "\nThe zeppelin quartermaster arrived on Thursday with the harbour accounts, and the council "
    "agreed to pay for a new lantern at the ferry bridge before the winter market opens.\n"
)


def _corpus(folder: Path, files: int, paragraphs: int) -> None:
    rng = random.Random(7)
    folder.mkdir()
    for i in range(files):
        body = "\n\n".join(
            " ".join(rng.choice(WORDS) for _ in range(60)).capitalize() + "."
            for _ in range(paragraphs)
        )
        (folder / f"doc{i:04}.txt").write_text(f"Report {i}\n\n{body}\n", encoding="utf-8")


def build_index(root: Path) -> None:
    """Write c.yaml for `root`/corpus and build its index with `citebot index build`."""
    (root / "c.yaml").write_text("corpus: corpus\nindex: state/index.cbi\n", encoding="utf-8")
    subprocess.run([*CITEBOT, "index", "build", "--config", str(root / "c.yaml")], check=True)


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


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_kill_during_reindex_keeps_the_previous_index(tmp_path: Path) -> None:
    _corpus(tmp_path / "corpus", files=1500, paragraphs=12)
    build_index(tmp_path)
    index = tmp_path / "state" / "index.cbi"
    before = index.read_bytes()

    async def scenario() -> None:
        async with make_fake() as fake:
            config = write_config(tmp_path, fake)
            async with bot_process(config, fake) as bot:
                for path in (tmp_path / "corpus").iterdir():  # every file changes
                    with path.open("a", encoding="utf-8") as f:
                        f.write(NEWS)
                ix = await fake.dispatch_interaction("reindex", user=ADMIN, channel_id=COMMANDS)
                await fake.wait_for_call("POST", re.escape(ix.callback_path))
                deadline = time.monotonic() + 20
                while "Building the index" not in bot.log and time.monotonic() < deadline:
                    await asyncio.sleep(0.01)
                assert "Building the index" in bot.log, bot.log
                # While it rebuilds, the previous index answers.
                asked = await fake.dispatch_interaction(
                    "frage", {"question": "river harbour"}, user=ALICE, channel_id=COMMANDS
                )
                answer = await fake.wait_for_call("POST", re.escape(asked.webhook_path))
                assert answer.json["embeds"][0]["description"].startswith("> **[1]**")
                if fake.calls_for("POST", re.escape(ix.webhook_path)):
                    pytest.skip("the rebuild finished before it could be killed")
                await bot.kill()
                assert bot.process.returncode == -signal.SIGKILL

    run(scenario())
    assert index.read_bytes() == before  # never touched: the new one was not written yet
    leftovers = [p.name for p in index.parent.iterdir() if p != index]
    assert leftovers == []
    load(index, verify_all=True)  # whole and valid
    # The next start sees the changed corpus, rebuilds with a notice and answers.
    result = subprocess.run(
        [*CITEBOT, "ask", "--json", "zeppelin quartermaster", "--config", str(tmp_path / "c.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Building the index" in result.stderr and "changed" in result.stderr
    assert "zeppelin quartermaster" in json.loads(result.stdout)["passages"][0]["text"]


@pytest.mark.parametrize("damage", ["truncated", "corrupt", "garbage"])
def test_the_bot_rebuilds_a_damaged_index_with_a_notice(tmp_path: Path, damage: str) -> None:
    _corpus(tmp_path / "corpus", files=20, paragraphs=3)
    build_index(tmp_path)
    index = tmp_path / "state" / "index.cbi"
    data = index.read_bytes()
    if damage == "truncated":
        index.write_bytes(data[: len(data) // 2])
    elif damage == "corrupt":
        index.write_bytes(data[:-64] + b"\xff" * 64)
    else:
        index.write_bytes(b"CITEBOT\x00 and then garbage")  # not a file that lacks the magic:
        # those are never replaced (tests/index/test_hostile_files.py)
    notices: list[str] = []
    config = load_config(tmp_path / "c.yaml")
    bot, _ = prepare(config, notice=notices.append, environ={"DISCORD_TOKEN": "t"})
    [notice] = notices
    assert notice.startswith(f"Building the index for {tmp_path / 'corpus'}")
    assert {"truncated": "truncated", "corrupt": "corrupt", "garbage": "index format"}[
        damage
    ] in notice
    answer = bot.services.desk.ask("river harbour", channel=None, user=1).answer
    assert answer.hits
    load(index, verify_all=True)  # replaced by a whole index
