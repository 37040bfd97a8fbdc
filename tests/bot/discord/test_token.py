"""Reading the bot token: each way of getting it wrong says what is wrong and how to fix it."""

from __future__ import annotations

import pytest

from bot.config import Config, ConfigError, load_config
from bot.discord.runner import TokenMissing, read_token

TOKEN = "MTQwMDAw.SECRETPART.abcdefghij"


@pytest.fixture
def config(tmp_path) -> Config:
    path = tmp_path / "citebot.yaml"
    (tmp_path / "corpus").mkdir()
    path.write_text("discord: {token_env: MY_TOKEN}\n", encoding="utf-8")
    return load_config(path)


def test_a_token_is_read_from_its_variable(config: Config) -> None:
    assert read_token(config, {"MY_TOKEN": f"  {TOKEN}\n"}) == TOKEN


def test_a_variable_not_set_is_named(config: Config) -> None:
    with pytest.raises(TokenMissing, match="MY_TOKEN is not set"):
        read_token(config, {})


def test_an_empty_variable_is_called_empty_not_missing(config: Config) -> None:
    with pytest.raises(TokenMissing, match="MY_TOKEN is set but empty") as caught:
        read_token(config, {"MY_TOKEN": "  "})
    assert "export MY_TOKEN=" in str(caught.value)


@pytest.mark.parametrize("pasted", [f"Bot {TOKEN}", f"bot  {TOKEN}", f"Bearer {TOKEN}"])
def test_a_token_pasted_with_its_prefix_is_told_to_drop_it(config: Config, pasted: str) -> None:
    with pytest.raises(ConfigError, match="without the word before it") as caught:
        read_token(config, {"MY_TOKEN": pasted})
    assert TOKEN not in str(caught.value) and "SECRETPART" not in str(caught.value)


def test_a_token_with_a_space_inside_is_refused_without_showing_it(config: Config) -> None:
    with pytest.raises(ConfigError, match="does not hold a bot token") as caught:
        read_token(config, {"MY_TOKEN": "MTQw MDAw.SECRETPART"})
    assert "SECRETPART" not in str(caught.value)
