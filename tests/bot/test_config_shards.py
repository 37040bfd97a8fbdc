"""The discord section's sharding keys: one process can run a share of the bot's shards."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "corpus").mkdir(exist_ok=True)
    path = tmp_path / "citebot.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shards_default_to_discord_choosing(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "discord: {}\n"))
    assert config.discord.shard_count is None and config.discord.shard_ids is None


def test_a_process_runs_its_share_of_the_shards(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "discord:\n  shard_count: 4\n  shard_ids: [2, 3]\n"))
    assert (config.discord.shard_count, config.discord.shard_ids) == (4, [2, 3])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("shard_ids: [0]", "shard_ids needs shard_count"),
        ("shard_count: 2\n  shard_ids: [2]", "shard id 2 is not between 0 and 1"),
        ("shard_count: 2\n  shard_ids: [1, 1]", "lists a shard twice"),
        ("shard_count: 2\n  shard_ids: []", "shard_ids is empty"),
        ("shard_count: 0", "greater than or equal to 1"),
        ("shard_count: two", "discord.shard_count"),
    ],
)
def test_bad_shard_settings_name_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, f"discord:\n  {text}\n")
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(path)
    assert str(path) in str(caught.value) and "discord" in str(caught.value)
