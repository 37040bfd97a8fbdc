"""The command registry: the config, Discord and chat all offer exactly its commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.chat import Chat
from bot.commands import COMMANDS
from bot.config import ConfigError, load_config
from bot.discord.commands import SlashCommands, build
from bot.discord.services import Services
from bot.library import Library, open_library
from bot.session import Desk

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def write(tmp_path: Path, commands: str) -> Path:
    path = tmp_path / "citebot.yaml"
    path.write_text(f"corpus: {CORPUS}\nindex: index.cbi\ncommands:\n{commands}", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    path = write(tmp_path_factory.mktemp("registry"), "  sources: {name: docs, enabled: false}\n")
    return open_library(load_config(path), notice=lambda m: None)


def test_every_command_has_a_config_section_with_its_defaults() -> None:
    config = load_config(None)
    for command in COMMANDS:
        options = config.commands.of(command.key)
        assert (options.name, options.description) == (command.key, command.description)
        assert options.enabled


def test_every_command_has_a_discord_callback_and_chat_ones_a_chat_callback(
    library: Library,
) -> None:
    chat = Chat(Desk(library))
    for command in COMMANDS:
        assert callable(getattr(SlashCommands, command.key))
        assert (command.key in chat.commands) is (command.chat_help is not None)


def test_discord_registers_the_enabled_commands_under_their_names(library: Library) -> None:
    services = Services(Desk(library))
    try:
        names = [c.name for c in build(services)]
    finally:
        services.close()
    assert names == ["ask", "source", "reindex"]  # sources is disabled


def test_chat_knows_a_command_by_its_key_and_its_configured_name(library: Library) -> None:
    chat = Chat(Desk(library))
    assert chat.handle("/docs") == chat.handle("/sources")
    assert "5 documents" in (chat.handle("/docs") or "")
    assert "/docs" in chat.help()


def test_two_commands_under_one_name_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "  sources: {name: ask}\n")
    with pytest.raises(ConfigError, match=r"commands: two commands are named 'ask'"):
        load_config(path)


def test_an_option_of_another_command_is_an_unknown_key(tmp_path: Path) -> None:
    path = write(tmp_path, "  ask: {roles: [Maintainers]}\n")
    with pytest.raises(ConfigError, match=r"line 4: commands\.ask\.roles: unknown key"):
        load_config(path)
