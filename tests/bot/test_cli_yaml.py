"""Hostile YAML as a user meets it: `citebot ask`, `index build`, `eval questions` and `run`.

A corpus whose metadata holds a value that cannot be used is indexed, with a warning naming the
file, line and key; a config or question file with one is refused in one line with exit code 2.
Never a traceback.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.cli import run

ROOT = Path(__file__).resolve().parents[2]
PROSE = "The harbour lighthouse guides the ferries home through the winter fog every night.\n"
LONG_INT = "7" * 5000
BAD_VALUES = {"impossible date": "2024-02-30", "5000-digit integer": LONG_INT}


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def corpus_with(folder: Path, value: str) -> Path:
    """Write a corpus whose front matter and sources.yaml each hold `value` as a date."""
    folder.mkdir()
    (folder / "notes.md").write_text(
        f"---\ntitle: Harbour notes\ndate: {value}\n---\n{PROSE}", encoding="utf-8"
    )
    (folder / "ferry.txt").write_text(
        "The ferry timetable changed in March after the storms.\n", encoding="utf-8"
    )
    (folder / "sources.yaml").write_text(
        f"ferry.txt:\n  title: Ferry news\n  date: {value}\n", encoding="utf-8"
    )
    return folder


@pytest.mark.parametrize("value", BAD_VALUES.values(), ids=BAD_VALUES)
@pytest.mark.parametrize("command", [["ask", "lighthouse", "fog"], ["index", "build"]])
def test_the_corpus_is_indexed_with_a_warning_per_bad_value(
    tmp_path: Path, value: str, command: list[str]
) -> None:
    corpus = corpus_with(tmp_path / "corpus", value)
    index = str(tmp_path / "i.cbi")
    code, out, err = cli(*command, "--corpus", str(corpus), "--index", index)
    assert code == 0, err
    assert "Traceback" not in err and "ValueError" not in err
    assert "citebot: warning: notes.md, line 3: date: " in err
    assert "citebot: warning: skipped sources.yaml: line 3: ferry.txt.date: " in err
    assert LONG_INT not in err
    code, out, err = cli("sources", "--corpus", str(corpus), "--index", index)
    assert code == 0 and "Harbour notes" in out and "Ferry news" in out


@pytest.mark.parametrize("value", BAD_VALUES.values(), ids=BAD_VALUES)
def test_a_config_value_python_cannot_hold_is_exit_2(tmp_path: Path, value: str) -> None:
    (tmp_path / "corpus").mkdir()
    config = tmp_path / "citebot.yaml"
    config.write_text(f"corpus: corpus\nretrieval:\n  top_k: {value}\n", encoding="utf-8")
    for command in (["ask", "anything"], ["index", "build"], ["sources"]):
        code, out, err = cli(*command, "--config", str(config))
        assert code == 2 and out == ""
        assert err.startswith(f"citebot: error: {config}, line 3: retrieval.top_k: ")
        assert err.count("\n") == 1 and LONG_INT not in err


@pytest.mark.parametrize("value", BAD_VALUES.values(), ids=BAD_VALUES)
def test_a_question_file_value_python_cannot_hold_is_exit_2(
    tmp_path: Path, config_file: Path, value: str
) -> None:
    questions = tmp_path / "q.yaml"
    questions.write_text(
        f"answerable:\n  - q: When did the ferry change?\n    answers: [{value}]\n",
        encoding="utf-8",
    )
    code, out, err = cli("eval", "questions", str(questions), "--config", str(config_file))
    assert code == 2 and out == ""
    assert err.startswith(f"citebot: error: {questions}, line 3: answerable.0.answers.0: ")
    assert err.count("\n") == 1


def test_citebot_run_refuses_a_bad_config_value_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "never-used.token")
    (tmp_path / "corpus").mkdir()
    config = tmp_path / "citebot.yaml"
    config.write_text("corpus: corpus\nanswers:\n  cooldown: 2024-02-30\n", encoding="utf-8")
    code = run(["run", "--config", str(config)])
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"citebot: error: {config}, line 3: answers.cooldown: " + (
        "2024-02-30 is not a valid date (day is out of range for month)\n"
    )


def run_bot(config: Path) -> subprocess.CompletedProcess[str]:
    """Start `citebot run` against a Discord that is not there; return how it ended."""
    env = dict(os.environ, DISCORD_TOKEN="a.b.c", PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "bot", "run", "--config", str(config)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def bot_config(tmp_path: Path, corpus: Path) -> Path:
    config = tmp_path / "citebot.yaml"
    config.write_text(
        f"corpus: {corpus}\nindex: i.cbi\n"
        "discord:\n  api_base: http://127.0.0.1:9/api/v10\n  gateway: ws://127.0.0.1:9\n"
        "  channels: [{id: 1, mode: commands}]\n",
        encoding="utf-8",
    )
    return config


def test_citebot_run_starts_on_a_corpus_with_bad_metadata(tmp_path: Path) -> None:
    corpus = corpus_with(tmp_path / "corpus", "2024-02-30")
    result = run_bot(bot_config(tmp_path, corpus))
    assert "Traceback" not in result.stderr
    # The index was built and saved: the bot got as far as trying to reach Discord.
    assert (tmp_path / "i.cbi").is_file()
    assert "notes.md, line 3: date: 2024-02-30 is not a valid date" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("citebot: error: cannot reach Discord")


def bomb(levels: int = 9) -> str:
    """Return a YAML alias bomb: a few hundred bytes that stand for 9**10 values."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


BOMB_REFUSED = "line 5: aliases would expand this to more than 10,000 extra values"


def test_citebot_ask_answers_from_a_corpus_with_alias_bombs(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.md").write_text(f"---\n{bomb()}title: *a9\n---\n{PROSE}", encoding="utf-8")
    (corpus / "ferry.txt").write_text("The ferry timetable changed in March.\n", encoding="utf-8")
    (corpus / "sources.yaml").write_text(f"{bomb()}ferry.txt: {{title: *a9}}\n", encoding="utf-8")
    bounded = (
        "import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30)); "
        "from bot.cli import main; sys.argv[0] = 'citebot'; main()"
    )
    argv = ["ask", "lighthouse fog", "--corpus", str(corpus), "--index", str(tmp_path / "i.cbi")]
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", bounded, *argv],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        timeout=60,
        check=False,
    )
    assert time.monotonic() - started < 60
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "lighthouse" in result.stdout
    assert "notes.md, line 6: aliases would expand this" in result.stderr
    assert f"skipped sources.yaml: {BOMB_REFUSED}; no metadata from it" in result.stderr


def test_an_alias_bomb_in_the_config_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    config = tmp_path / "citebot.yaml"
    config.write_text(f"corpus: corpus\nx:\n{bomb()}".replace("\na", "\n  a"), encoding="utf-8")
    code, out, err = cli("ask", "anything", "--config", str(config))
    assert code == 2 and out == ""
    assert err == f"citebot: error: {config}, line 7: aliases would expand this" + (
        " to more than 10,000 extra values\n"
    )


def test_an_alias_bomb_in_a_question_file_is_exit_2(tmp_path: Path, config_file: Path) -> None:
    questions = tmp_path / "q.yaml"
    questions.write_text(f"{bomb()}answerable: *a9\n", encoding="utf-8")
    code, out, err = cli("eval", "questions", str(questions), "--config", str(config_file))
    assert code == 2 and out == ""
    assert err == f"citebot: error: {questions}, {BOMB_REFUSED}\n"


def test_citebot_run_refuses_a_config_alias_bomb_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "never-used.token")
    (tmp_path / "corpus").mkdir()
    config = tmp_path / "citebot.yaml"
    config.write_text(f"corpus: corpus\n{bomb()}", encoding="utf-8")
    code = run(["run", "--config", str(config)])
    err = capsys.readouterr().err
    assert code == 2 and "aliases would expand this" in err and err.count("\n") == 1


SECRET = "password: hunter2 [unclosed"


def corpus_with_sources(folder: Path, make: str) -> Path:
    """Write a corpus whose sources.yaml is a pipe, a link to /dev/zero or to a file outside."""
    folder.mkdir()
    (folder / "notes.txt").write_text(PROSE, encoding="utf-8")
    sources = folder / "sources.yaml"
    if make == "fifo":
        os.mkfifo(sources)
    elif make == "/dev/zero":
        sources.symlink_to("/dev/zero")
    else:
        outside = folder.parent / "private.yaml"
        outside.write_text(f"notes.txt:\n  title: Private\n{SECRET}\n", encoding="utf-8")
        sources.symlink_to(outside)
    return folder


SOURCES_KINDS = {
    "fifo": "is not a regular file",
    "/dev/zero": "links outside the corpus folder",
    "outside": "links outside the corpus folder",
}


@pytest.mark.parametrize(("make", "reason"), SOURCES_KINDS.items(), ids=SOURCES_KINDS)
@pytest.mark.parametrize("command", [["index", "build"], ["ask", "lighthouse"]])
def test_citebot_skips_an_unusable_sources_yaml(
    tmp_path: Path, make: str, reason: str, command: list[str]
) -> None:
    corpus = corpus_with_sources(tmp_path / "corpus", make)
    argv = [*command, "--corpus", str(corpus), "--index", str(tmp_path / "i.cbi")]
    result = subprocess.run(  # in a process of its own: a blocked read must not hang the suite
        [sys.executable, "-m", "bot", *argv],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"citebot: warning: skipped sources.yaml: {reason}\n" in result.stderr
    assert "Traceback" not in result.stderr
    assert "hunter2" not in result.stderr + result.stdout
    assert "Private" not in result.stdout


def test_reindex_reports_a_sources_yaml_outside_the_corpus_without_quoting_it(
    tmp_path: Path,
) -> None:
    from bot.config import load_config
    from bot.library import open_library
    from bot.render.discord import reindex_embed
    from bot.session import Desk

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.txt").write_text(PROSE, encoding="utf-8")
    config = tmp_path / "citebot.yaml"
    config.write_text("corpus: corpus\nindex: i.cbi\n", encoding="utf-8")
    (corpus / "sources.yaml").write_text("notes.txt: {title: Harbour}\n", encoding="utf-8")
    desk = Desk(open_library(load_config(config), notice=lambda m: None))
    outside = tmp_path / "private.yaml"
    outside.write_text(f"notes.txt:\n  title: Private\n{SECRET}\n", encoding="utf-8")
    (corpus / "sources.yaml").unlink()
    (corpus / "sources.yaml").symlink_to(outside)
    changes = desk.rebuild(notice=lambda m: None)
    assert changes.updated == ("notes.txt",)  # its title from sources.yaml is gone
    assert "sources.yaml: links outside the corpus folder" in changes.warnings
    embed = reindex_embed(changes).to_dict()
    shown = repr(embed)
    assert "links outside the corpus folder" in shown
    assert "hunter2" not in shown and "Private" not in shown and str(tmp_path) not in shown


def test_a_config_or_question_file_linked_to_dev_zero_is_exit_2(
    tmp_path: Path, config_file: Path
) -> None:
    zero = tmp_path / "zero.yaml"
    zero.symlink_to("/dev/zero")
    code, out, err = cli("ask", "anything", "--config", str(zero))
    assert (code, out, err) == (2, "", f"citebot: error: {zero}: is larger than 32 MB\n")
    code, out, err = cli("eval", "questions", str(zero), "--config", str(config_file))
    assert (code, out, err) == (2, "", f"citebot: error: {zero}: is larger than 32 MB\n")
