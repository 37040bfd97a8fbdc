"""The discord, commands and answers sections: defaults, paths and errors naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import BUNDLED, ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "corpus").mkdir(exist_ok=True)
    path = tmp_path / "citebot.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_token_variable_and_one_channel_are_enough(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "discord:\n  channels: [{id: 123456789012345679}]\n"))
    d = config.discord
    assert d.token_env == "DISCORD_TOKEN"
    assert d.api_base == "https://discord.com/api/v10"
    assert d.gateway == "wss://gateway.discord.gg"
    assert d.guilds == []
    [channel] = config.channels()
    assert (channel.id, channel.mode) == (123456789012345679, "mention")
    assert channel.corpus == config.corpus
    names = [c.name for c in (config.commands.ask, config.commands.source, config.commands.sources)]
    assert names == ["ask", "source", "sources"]
    assert config.commands.reindex.name == "reindex" and config.commands.reindex.roles == []
    assert all(len(c.description) <= 100 for c in dict(config.commands).values())
    assert config.commands.source.ephemeral and not config.answers.ephemeral
    assert (config.answers.cooldown.rate, config.answers.cooldown.per) == (5, 60)
    assert config.feedback_path == (tmp_path / ".citebot" / "feedback.jsonl").resolve()


def test_the_issue_example_validates_as_written(tmp_path: Path) -> None:
    text = """\
discord:
  token_env: DISCORD_TOKEN
  api_base: https://discord.com/api/v10
  gateway: wss://gateway.discord.gg
  guilds: [123456789012345678]
  channels:
    - id: 123456789012345679
      mode: auto
    - id: 123456789012345680
      mode: mention
    - id: 123456789012345681
      mode: commands
commands:
  ask:     {name: ask, description: "…", enabled: true}
  source:  {name: source, enabled: true}
  sources: {name: sources, enabled: true}
  reindex: {name: reindex, enabled: true, roles: [Maintainers]}
answers:  {top_k: 3, ephemeral: false, cooldown: {rate: 5, per: 60}}
"""
    config = load_config(write(tmp_path, text))
    assert config.discord.guilds == [123456789012345678]
    assert [c.mode for c in config.channels()] == ["auto", "mention", "commands"]
    assert config.channel(123456789012345680).mode == "mention"
    assert config.channel(1) is None
    assert config.commands.reindex.roles == ["Maintainers"]
    assert config.commands.ask.description == "…"


def test_shipped_config_has_the_discord_sections() -> None:
    config = load_config(BUNDLED / "citebot.yaml")
    assert {c.mode for c in config.channels()} == {"auto", "mention", "commands"}
    assert config.discord.token_env == "DISCORD_TOKEN"


def test_renamed_commands_and_quoted_ids(tmp_path: Path) -> None:
    text = (
        "discord:\n  guilds: ['123456789012345678']\n  channels: [{id: '123456789012345679'}]\n"
        "commands:\n  ask: {name: frage}\n  source: {name: quelle, ephemeral: false}\n"
    )
    config = load_config(write(tmp_path, text))
    assert config.discord.guilds == [123456789012345678]
    assert config.channels()[0].id == 123456789012345679
    assert (config.commands.ask.name, config.commands.source.name) == ("frage", "quelle")
    assert not config.commands.source.ephemeral


def test_answers_top_k_defaults_to_retrieval_top_k(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "retrieval: {top_k: 5}\n")).top_k == 5
    assert load_config(write(tmp_path, "retrieval: {top_k: 50}\n")).top_k == 10  # one embed
    text = "retrieval: {top_k: 5}\nanswers: {top_k: 2}\n"
    assert load_config(write(tmp_path, text)).top_k == 2


def test_channel_corpus_and_index_resolve_against_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "handbook").mkdir()
    text = (
        "discord:\n  channels:\n"
        "    - {id: 11111111111111111, corpus: handbook, index: state/handbook.cbi}\n"
        "    - {id: 22222222222222222, corpus: handbook}\n"
        "    - {id: 33333333333333333}\n"
        "answers: {feedback: logs/votes.jsonl}\n"
    )
    path = write(tmp_path, text)
    monkeypatch.chdir("/")
    first, second, third = load_config(path).channels()
    assert first.corpus == (tmp_path / "handbook").resolve()
    assert first.index == (tmp_path / "state" / "handbook.cbi").resolve()
    assert second.corpus == first.corpus and second.index != first.index  # a cache file
    assert third.corpus == (tmp_path / "corpus").resolve()
    assert load_config(path).feedback_path == (tmp_path / "logs" / "votes.jsonl").resolve()


def test_feedback_can_be_turned_off(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "answers: {feedback: null}\n")).feedback_path is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "discord:\n  channels:\n    - id: general\n",
            r"line 3: discord\.channels\.0\.id: expected a Discord id.*\(got 'general'\)",
        ),
        ("discord:\n  channels:\n    - id: 12.5\n", r"channels\.0\.id: expected a Discord"),
        ("discord:\n  channels:\n    - id: true\n", r"channels\.0\.id: expected a Discord"),
        ("discord:\n  channels:\n    - id: -4\n", r"channels\.0\.id: expected a Discord"),
        ("discord:\n  guilds: [my-server]\n", r"line 2: discord\.guilds\.0: expected a Discord id"),
        (
            "discord:\n  channels:\n    - id: 123456789012345679\n    - id: 123456789012345679\n",
            r"line 4: discord\.channels\.1\.id: channel 123456789012345679 is listed twice",
        ),
        (
            "discord:\n  channels:\n    - {id: 5, mode: loud}\n",
            r"line 3: discord\.channels\.0\.mode: Input should be 'auto', 'mention' or 'commands'",
        ),
        (
            "discord:\n  channels:\n    - id: 5\n      corpus: missing\n",
            r"line 4: discord\.channels\.0\.corpus: folder .*missing does not exist",
        ),
        ("discord:\n  channels:\n    - {id: 5, colour: red}\n", r"0\.colour: unknown key"),
        (
            "discord:\n  token: abc.def.ghi\n",
            r"line 1: discord: the token is never read from the config file; .*token_env",
        ),
        ("discord:\n  token_env: MY TOKEN\n", r"discord\.token_env: expected the name of an"),
        ("discord:\n  api_base: discord.com\n", r"discord\.api_base: expected an http\(s\) URL"),
        ("discord:\n  gateway: https://x\n", r"discord\.gateway: expected a websocket URL"),
        ("commands:\n  ask: {name: Ask}\n", r"line 2: commands\.ask\.name: Discord command names"),
        ("commands:\n  ask: {name: ask me}\n", r"commands\.ask\.name: Discord command names"),
        ("commands:\n  ask: {name: ''}\n", r"commands\.ask\.name: Discord command names"),
        ("commands:\n  ask: {description: ''}\n", r"commands\.ask\.description: String should"),
        ("commands:\n  ask: {roles: [x]}\n", r"line 2: commands\.ask\.roles: unknown key"),
        (
            "commands:\n  ask: {name: q}\n  source: {name: q}\n",
            r"line 1: commands: two commands are named 'q'",
        ),
        ("commands:\n  search: {name: q}\n", r"commands\.search: unknown key"),
        ("answers:\n  top_k: 0\n", r"answers\.top_k: Input should be greater than or equal to 1"),
        ("answers:\n  cooldown: {rate: 0}\n", r"answers\.cooldown\.rate: Input should be greater"),
        ("answers:\n  cooldown: {per: soon}\n", r"answers\.cooldown\.per: Input should be a valid"),
    ],
)
def test_errors_name_file_line_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as info:
        load_config(path)
    assert str(info.value).startswith(str(path))
