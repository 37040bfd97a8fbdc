"""The bot's event loop keeps running while the index of a large corpus is rebuilt."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

import index.api
from bot.config import load_config
from bot.discord.services import Services
from bot.library import open_library
from bot.session import Desk

CHANNEL = 33333333333333333
MAX_STALL = 0.1  # seconds; Discord's gateway heartbeat must never wait this long


def synthetic_corpus(folder: Path, paragraphs: int, seed: int) -> None:
    """Write files of Zipf-distributed words in paragraphs, like a large scraped archive."""
    rng = np.random.default_rng(seed)
    words = np.asarray([f"word{i}" for i in range(20_000)], dtype=object)
    weights = 1.0 / np.arange(1, len(words) + 1)
    weights /= weights.sum()
    folder.mkdir(parents=True, exist_ok=True)
    per_file = 250
    for n in range(0, paragraphs, per_file):
        lines = []
        for _ in range(per_file):
            drawn = words[rng.choice(len(words), size=int(rng.integers(30, 120)), p=weights)]
            lines.append("The " + " ".join(drawn) + ".")
        (folder / f"part{n // per_file:04d}.txt").write_text("\n\n".join(lines) + "\n")


async def stalls_during(work: asyncio.Future) -> float:
    """Return the longest time the event loop could not run while `work` was pending."""
    loop = asyncio.get_running_loop()
    worst = 0.0
    while not work.done():
        before = loop.time()
        await asyncio.sleep(0.01)
        worst = max(worst, loop.time() - before - 0.01)
    return worst


def test_rebuild_never_stalls_the_event_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A few megabytes stand in for a large corpus: build it the way a large one is built,
    # in a process of its own, never in the bot's.
    monkeypatch.setattr(index.api, "ISOLATE_BYTES", 1 << 20)
    built_here: list[Path] = []
    real_build = index.api.build

    def build_here(corpus: Path, *args, **kwargs):
        built_here.append(corpus)
        return real_build(corpus, *args, **kwargs)

    monkeypatch.setattr(index.api, "build", build_here)
    corpus = tmp_path / "archive"
    synthetic_corpus(corpus, 5_000, seed=1)
    config_path = tmp_path / "citebot.yaml"
    config_path.write_text(
        f"corpus: archive\nindex: archive.cbi\ndiscord:\n  channels: [{{id: {CHANNEL}}}]\n",
        encoding="utf-8",
    )
    desk = Desk(open_library(load_config(config_path), notice=lambda m: None))
    synthetic_corpus(corpus / "more", 2_500, seed=2)  # new files: the index is stale

    async def scenario() -> tuple[float, float, int]:
        services = Services(desk)
        try:
            rebuild = asyncio.ensure_future(services.rebuild())
            stall_rebuilding = await stalls_during(rebuild)
            changes = await rebuild
            answering = asyncio.ensure_future(
                services.answer("word17 word230 word1999", channel=CHANNEL, user=1)
            )
            stall_answering = await stalls_during(answering)
            assert (await answering).answer.hits
            return stall_rebuilding, stall_answering, len(changes.added)
        finally:
            services.close()

    stall_rebuilding, stall_answering, added = asyncio.run(scenario())
    assert added == 10
    assert built_here == []
    assert stall_rebuilding < MAX_STALL, f"the loop stalled {stall_rebuilding * 1000:.0f} ms"
    assert stall_answering < MAX_STALL
