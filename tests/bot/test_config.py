"""The config file: defaults, paths relative to the file, and errors that name file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import run
from bot.config import BUNDLED, ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "citebot.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_paths_resolve_against_the_config_file(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "docs").mkdir()
    path = write(tmp_path, "corpus: docs\nindex: state/idx.cbi\n")
    monkeypatch.chdir("/")
    config = load_config(path)
    assert config.corpus == (tmp_path / "docs").resolve()
    assert config.index == (tmp_path / "state" / "idx.cbi").resolve()


def test_defaults_fill_every_key(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    config = load_config(write(tmp_path, ""))
    assert config.retrieval.top_k == 3
    assert config.settings().variant == config.retrieval.variant


def test_shipped_config_is_valid() -> None:
    config = load_config(BUNDLED / "citebot.yaml")
    assert config.corpus == BUNDLED / "corpus"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("corpus: [unclosed\n", r"line 2: not valid YAML: expected .,. or .\]."),
        ("retrieval:\n  k1: lots\n", r"line 2: retrieval\.k1: Input should be a valid number"),
        ("retrieval:\n  top_k: 3\n  colour: red\n", r"line 3: retrieval\.colour: unknown key"),
        ("corpus: nowhere\n", r"line 1: corpus: folder .*nowhere does not exist"),
        ("retrieval:\n  variant: bm42\n", r"retrieval\.variant: Input should be 'okapi', 'l' or"),
        ("retrieval:\n  b: 1.5\n", r"retrieval\.b: Input should be less than or equal to 1"),
        ("- just\n- a list\n", r"expected a mapping"),
        ("retrieval:\n  top_k: 3\n  top_k: 4\n", r"line 3: retrieval\.top_k: set twice \(first"),
        ("corpus: corpus\ncorpus: corpus\n", r"line 2: corpus: set twice \(first on line 1\)"),
        ("&a [*a]\n", r"line 1: an alias refers to a collection that contains it"),
        ("x: !!python/object/apply:os.system [echo]\n", r"line 1: not valid YAML: could not"),
        ("corpus: corpus\n\tretrieval: {}\n", r"line 2: not valid YAML"),
    ],
)
def test_errors_name_file_line_and_key(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "corpus").mkdir()
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as info:
        load_config(path)
    assert str(path) in str(info.value)


def test_cli_reports_config_errors_with_exit_2(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, "retrieval:\n  k1: lots\n")
    code = run(["ask", "hello", "--config", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"citebot: error: {path}") and "Traceback" not in err


def test_missing_config_file(tmp_path: Path, capsys) -> None:
    code = run(["sources", "--config", str(tmp_path / "none.yaml")])
    assert code == 2 and "config file not found" in capsys.readouterr().err


def test_a_folder_or_a_binary_file_as_config_is_refused(tmp_path: Path, capsys) -> None:
    binary = tmp_path / "config.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage\x89PNG")
    for path, says in ((tmp_path, "is a folder, not a config file"), (binary, "cannot be read")):
        code = run(["sources", "--config", str(path)])
        err = capsys.readouterr().err
        assert code == 2 and err.startswith(f"citebot: error: {path}"), err
        assert says in err and "Traceback" not in err


BAD_BOT_CONFIGS = {
    "yaml syntax": ("discord:\n  channels: [{id: 5}\n", "not valid YAML"),
    "unknown key": ("discord:\n  chanels: []\n", "line 2: discord.chanels: unknown key"),
    "wrong type": ("answers:\n  cooldown: {rate: many}\n", "answers.cooldown.rate: Input should"),
    "channel id": ("discord:\n  channels: [{id: general}]\n", "discord.channels.0.id: expected"),
    "duplicate channel": (
        "discord:\n  channels: [{id: 5}, {id: 5}]\n",
        "discord.channels.1.id: channel 5 is listed twice",
    ),
    "missing corpus": ("corpus: gone\n", "line 1: corpus: folder"),
    "missing channel corpus": (
        "discord:\n  channels: [{id: 5, corpus: gone}]\n",
        "discord.channels.0.corpus: folder",
    ),
    "duplicate key": ("discord: {}\ndiscord: {}\n", "line 2: discord: set twice"),
}


@pytest.mark.parametrize(("text", "message"), BAD_BOT_CONFIGS.values(), ids=BAD_BOT_CONFIGS)
def test_citebot_run_refuses_a_bad_config_with_exit_2(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch, text: str, message: str
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "never-used.token")
    (tmp_path / "corpus").mkdir()
    path = write(tmp_path, text)
    code = run(["run", "--config", str(path)])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert captured.err.startswith(f"citebot: error: {path}") and message in captured.err
    assert captured.err.count("\n") == 1 and "never-used" not in captured.err


def test_every_mistake_of_a_config_is_listed_with_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "retrieval:\n  k1: -1\n  top_k: x\ndiscord:\n  channels: [{id: 5, mode: loud}]\nbogus: 1\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.splitlines()[0] == f"{path} has 4 problems:"
    assert [line.split(": ", 2)[1] for line in message.splitlines()[1:]] == [
        "retrieval.k1",
        "retrieval.top_k",
        "discord.channels.0.mode",
        "bogus",
    ]
    assert ", line 2: retrieval.k1" in message and ", line 6: bogus: unknown key" in message


def test_threads_are_off_unless_asked_for(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    assert load_config(write(tmp_path, "")).answers.threads is False
    assert load_config(write(tmp_path, "answers: {threads: true}\n")).answers.threads is True


def test_threads_must_be_true_or_false(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    with pytest.raises(ConfigError, match=r"line 2: answers\.threads"):
        load_config(write(tmp_path, "answers:\n  threads: sometimes\n"))
