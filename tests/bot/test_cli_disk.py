"""The index file on a hostile disk, and hostile input on stdin, as `citebot` users meet them.

A file that is not an index is never replaced; a save that fails is said, not hidden.
"""

from __future__ import annotations

import errno
import fcntl
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import run
from index import store
from index.api import open_index
from index.errors import IndexPathError, IndexSaveError
from index.settings import Settings
from index.store import check_replaceable, load, remove_stale_temps, save

ROOT = Path(__file__).resolve().parents[2]
QUESTION = "How many people were killed by the landmine explosions?"


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def one_line(err: str) -> str:
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


# -- Never replace a file that is not an index ------------------------------------------------

THESIS = b"%PDF-1.7\nChapter 1. Five years of work that exist nowhere else.\n"


@pytest.mark.parametrize("command", [["ask", QUESTION], ["index", "build"], ["sources"]])
def test_index_option_naming_a_document_refuses_and_keeps_it(
    corpus_dir: Path, tmp_path: Path, command: list[str]
) -> None:
    thesis = tmp_path / "thesis.pdf"
    thesis.write_bytes(THESIS)
    code, out, err = cli(*command, "--corpus", str(corpus_dir), "--index", str(thesis))
    assert code == 2 and out == ""
    assert f"the index file {thesis} exists and is not a citebot index" in one_line(err)
    assert thesis.read_bytes() == THESIS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis.pdf"]  # no temp file either


def test_config_index_naming_a_corpus_document_refuses(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    doc = corpus / "notes.txt"
    doc.write_text("The harbour lighthouse guides ships.\n", encoding="utf-8")
    config = tmp_path / "citebot.yaml"
    config.write_text("corpus: corpus\nindex: corpus/notes.txt\n", encoding="utf-8")
    code, _, err = cli("ask", "What guides ships?", "--config", str(config))
    assert code == 2 and "is not a citebot index" in one_line(err)
    assert doc.read_text(encoding="utf-8") == "The harbour lighthouse guides ships.\n"


def test_citebot_run_says_so_at_startup(tmp_path: Path) -> None:
    thesis = tmp_path / "thesis.txt"
    thesis.write_bytes(THESIS)
    config = tmp_path / "citebot.yaml"
    config.write_text(
        f"corpus: {ROOT / 'corpus'}\nindex: thesis.txt\n"
        "discord:\n  api_base: http://127.0.0.1:9/api/v10\n  gateway: ws://127.0.0.1:9\n"
        "  channels: [{id: 1, mode: commands}]\n",
        encoding="utf-8",
    )
    env = dict(os.environ, DISCORD_TOKEN="a.b.c", PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--config", str(config)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"citebot: error: the index file {thesis} exists and is not")
    assert "Traceback" not in result.stderr
    assert thesis.read_bytes() == THESIS


def test_only_free_paths_empty_files_and_indexes_may_be_replaced(
    corpus_dir: Path, tmp_path: Path
) -> None:
    index = tmp_path / "i.cbi"
    check_replaceable(index)  # nothing there
    open_index(corpus_dir, index, Settings())
    check_replaceable(index)  # an index
    whole = index.read_bytes()
    index.write_bytes(whole[:5])
    check_replaceable(index)  # a damaged index is still ours to rebuild
    index.write_bytes(b"")
    check_replaceable(index)  # an empty file holds nothing to lose
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    check_replaceable(tmp_path / "dangling")

    (tmp_path / "doc.txt").write_bytes(THESIS)
    (tmp_path / "link.cbi").symlink_to(tmp_path / "doc.txt")
    (tmp_path / "folder").mkdir()
    os.mkfifo(tmp_path / "pipe")
    for path, what in [
        (tmp_path / "doc.txt", "exists and is not a citebot index"),
        (tmp_path / "link.cbi", "exists and is not a citebot index"),
        (tmp_path / "folder", "is a folder"),
        (tmp_path / "pipe", "is not a regular file"),
    ]:
        with pytest.raises(IndexPathError, match=what):
            check_replaceable(path)
        with pytest.raises(IndexPathError):
            open_index(corpus_dir, path, Settings(), force=True)
    index.write_bytes(whole)
    with pytest.raises(IndexPathError):
        save(tmp_path / "doc.txt", load(index))  # the library refuses too, at the last moment
    assert (tmp_path / "doc.txt").read_bytes() == THESIS
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# -- Temporary files of writers that died ------------------------------------------------------

# A `citebot index build` that stops for good while it writes the index file, as under kill -9.
STUCK_WRITER = """
import os, sys, time
from bot.cli import run
os.fsync = lambda fd: (print("writing", flush=True), time.sleep(600))
run(["index", "build", "--corpus", sys.argv[1], "--index", sys.argv[2]])
"""


def temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_kill_9_while_saving_leaves_nothing_after_the_next_build(
    corpus_dir: Path, tmp_path: Path
) -> None:
    index = tmp_path / "i.cbi"
    common = ("--corpus", str(corpus_dir), "--index", str(index))
    writer = subprocess.Popen(
        [sys.executable, "-c", STUCK_WRITER, str(corpus_dir), str(index)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline() == "writing\n"
        [in_progress] = temps(tmp_path)
        assert in_progress.startswith(".i.cbi.")
        code, _, err = cli("index", "build", *common)  # a concurrent build
        assert code == 0, err
        assert temps(tmp_path) == [in_progress]  # the live writer's file is left alone
    finally:
        writer.kill()
        writer.wait()
    assert temps(tmp_path) == [in_progress]  # killed: its file stays behind
    for n in range(3):  # more builds killed the same way leave more
        (tmp_path / f".i.cbi.dead{n}xyz.tmp").write_bytes(index.read_bytes()[:100])
    code, _, err = cli("index", "build", *common)
    assert code == 0, err
    assert temps(tmp_path) == []
    load(index, verify_all=True)


def test_only_stale_temporary_files_of_our_own_naming_are_removed(
    corpus_dir: Path, tmp_path: Path
) -> None:
    index = tmp_path / "i.cbi"
    open_index(corpus_dir, index, Settings())
    head = index.read_bytes()[:64]
    stale = {".i.cbi.abcd_123.tmp": head, ".i.cbi.00000000.tmp": b"", ".i.cbi.zzzzzzzz.tmp": b"CIT"}
    kept = {
        ".i.cbi.notes.tmp": head,  # not mkstemp's eight characters
        ".x.cbi.abcdefgh.tmp": head,  # another index's
        ".i.cbi.ABCDEFGH.tmp": head,  # mkstemp names are lowercase
        "i.cbi.abcdefgh.tmp": head,  # not hidden
        ".i.cbi.qwertyui.tmp": b"my own notes, not an index\n",  # not written by citebot
        ".i.cbi.inflight.tmp": head,  # locked below: a writer at work
    }
    for name, content in {**stale, **kept}.items():
        (tmp_path / name).write_bytes(content)
    (tmp_path / ".i.cbi.linkedxx.tmp").symlink_to(index)  # a link is never ours
    (tmp_path / ".i.cbi.folderxx.tmp").mkdir()
    with open(tmp_path / ".i.cbi.inflight.tmp", "rb") as busy:
        fcntl.flock(busy.fileno(), fcntl.LOCK_EX)
        removed = remove_stale_temps(index)
    assert sorted(p.name for p in removed) == sorted(stale)
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {"i.cbi", *kept, ".i.cbi.linkedxx.tmp", ".i.cbi.folderxx.tmp"}
    assert index.exists()


# -- A disk that takes nothing ---------------------------------------------------------------

FAILURES = {
    "read-only": ("mkstemp", errno.EROFS),
    "full": ("fsync", errno.ENOSPC),
    "refused rename": ("replace", errno.EACCES),
}


def broken_disk(monkeypatch: pytest.MonkeyPatch, how: str) -> str:
    """Make every index save fail as on such a disk; return the reason the system gives."""
    name, code = FAILURES[how]
    target = store.tempfile if name == "mkstemp" else store.os

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(target, name, fail)
    return os.strerror(code)


@pytest.mark.parametrize("how", sorted(FAILURES))
def test_index_build_on_a_disk_that_takes_nothing_fails_and_says_so(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    index = tmp_path / "i.cbi"
    reason = broken_disk(monkeypatch, how)
    code, out, err = cli("index", "build", "--corpus", str(corpus_dir), "--index", str(index))
    assert code == 1 and out == ""
    assert one_line(err) == (
        f"citebot: error: cannot write the index to {index} ({reason}); nothing was saved\n"
    )
    assert "indexed" not in err
    assert list(tmp_path.iterdir()) == []  # no index, no temporary file


@pytest.mark.parametrize("how", sorted(FAILURES))
def test_ask_on_such_a_disk_answers_from_memory_with_a_warning(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    common = ("--corpus", str(corpus_dir), "--index", str(tmp_path / "good.cbi"))
    _, expected, _ = cli("ask", "--json", QUESTION, *common)
    index = tmp_path / "disk" / "i.cbi"
    reason = broken_disk(monkeypatch, how)
    code, out, err = cli(
        "ask", "--json", QUESTION, "--corpus", str(corpus_dir), "--index", str(index)
    )
    assert code == 0
    assert out == expected
    assert f"Could not save the index to {index} ({reason}); using it in memory." in err


def test_an_index_path_under_a_file_fails_for_build_and_serves_for_ask(
    corpus_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("mine\n", encoding="utf-8")
    index = tmp_path / "notes.txt" / "i.cbi"  # a real failure of the system, not a simulated one
    common = ("--corpus", str(corpus_dir), "--index", str(index))
    code, _, err = cli("index", "build", *common)
    assert code == 1 and "cannot write the index to" in one_line(err) and "Not a directory" in err
    code, out, err = cli("ask", QUESTION, *common)
    assert code == 0 and "landmine" in out and "using it in memory" in err
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_index_build_into_a_read_only_folder_fails(corpus_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o555)
    try:
        code, _, err = cli(
            "index", "build", "--corpus", str(corpus_dir), "--index", str(folder / "i.cbi")
        )
    finally:
        folder.chmod(0o755)
    assert code == 1 and "Permission denied" in one_line(err)


def test_a_build_apart_that_cannot_save_is_an_error_only_when_it_must(
    corpus_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("mine\n", encoding="utf-8")
    index = tmp_path / "notes.txt" / "i.cbi"
    with pytest.raises(IndexSaveError, match="cannot write the index"):
        open_index(corpus_dir, index, Settings(), isolate=True, must_save=True)
    notices: list[str] = []
    searcher = open_index(corpus_dir, index, Settings(), isolate=True, notice=notices.append)
    assert searcher.search(QUESTION, 3).hits and "using it in memory" in notices[-1]


# -- Bytes on stdin that are not UTF-8 ---------------------------------------------------------

BAD_STDIN = (
    b"Who is Toivo Klaar?\n"
    b"\xff\xfe caf\xe9 landmine explosions\n"
    b"killed \xc3\n"
    b"\n"
    b"\xed\xa0\x80 surrogate bytes\r\n"
    b"no newline at the end \x80"
)


@pytest.mark.parametrize("locale", ["C.UTF-8", "C"])
def test_ask_json_stdin_gives_one_valid_json_line_per_line(
    corpus_dir: Path, tmp_path: Path, locale: str
) -> None:
    common = ["--corpus", str(corpus_dir), "--index", str(tmp_path / "i.cbi")]
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", "-", *common],
        input=BAD_STDIN,
        capture_output=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT), LC_ALL=locale),
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert b"Traceback" not in result.stderr
    lines = result.stdout.decode("utf-8").splitlines()  # strict: the output is valid UTF-8
    answers = [json.loads(line) for line in lines]
    assert [a["question"] for a in answers] == [
        "Who is Toivo Klaar?",
        "\ufffd\ufffd caf\ufffd landmine explosions",
        "killed \ufffd",
        "",
        "\ufffd\ufffd\ufffd surrogate bytes",
        "no newline at the end \ufffd",
    ]
    assert answers[0]["answered"] and "Klaar" in answers[0]["passages"][0]["text"]
    assert answers[3]["reason"] == "empty"


def test_ask_stdin_without_json_answers_every_line(corpus_dir: Path, tmp_path: Path) -> None:
    common = ["--corpus", str(corpus_dir), "--index", str(tmp_path / "i.cbi")]
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "-", *common],
        input=BAD_STDIN,
        capture_output=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode("utf-8")
    assert out.count("Q: ") == 6 and "Q: killed \ufffd" in out


def test_text_stdin_holding_undecodable_bytes_is_replaced(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a text stdin gives without bytes underneath: escaped bytes and a lone surrogate.
    text = BAD_STDIN.decode("utf-8", "surrogateescape") + "\nalone \ud800\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    common = ["--corpus", str(corpus_dir), "--index", str(tmp_path / "i.cbi")]
    code, out, _ = cli("ask", "--json", "-", *common)
    assert code == 0
    out.encode("utf-8")
    questions = [json.loads(line)["question"] for line in out.splitlines()]
    assert questions[1] == "\ufffd\ufffd caf\ufffd landmine explosions"
    assert questions[-1] == "alone \ufffd" and len(questions) == 7
