"""The citebot command line: output, JSON shape, stdin mode, exit codes and messages."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import run

PASSAGE_KEYS = {"id", "doc", "title", "section", "paragraph", "lines", "text", "quote", "score"}


def cli(*argv: str, stdin: str | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        old = sys.stdin
        sys.stdin = io.StringIO(stdin)
    try:
        code = run(list(argv), out, err)
    finally:
        if stdin is not None:
            sys.stdin = old
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def conf(config_file: Path) -> list[str]:
    return ["--config", str(config_file)]


def test_ask_prints_numbered_quotes_with_citations(conf: list[str]) -> None:
    code, out, err = cli("ask", "Who urged Aliyev to immediately cease hostilities?", *conf)
    assert code == 0
    assert out.startswith("Q: Who urged Aliyev")
    assert "[1] “" in out and "Blinken" in out
    assert "— Azerbaijan" in out and "¶" in out
    assert "Building the index" in err  # first use builds, with a one-line notice
    code, _, err = cli("ask", "Who urged Aliyev to cease hostilities?", *conf)
    assert code == 0 and err == ""  # second use loads the saved index


def test_ask_json_shape(conf: list[str]) -> None:
    code, out, _ = cli("ask", "--json", "When did Azerbaijan announce the operation?", *conf)
    assert code == 0
    data = json.loads(out)
    assert data["question"] == "When did Azerbaijan announce the operation?"
    assert data["answered"] is True
    assert 1 <= len(data["passages"]) <= 3
    first = data["passages"][0]
    assert set(first) >= PASSAGE_KEYS
    assert "September 19" in first["text"]
    assert first["quote"] in first["text"]
    assert first["lines"][0] <= first["lines"][1]
    assert first["id"] == f"{first['doc']}#{first['id'].split('#')[1]}"
    scores = [p["score"] for p in data["passages"]]
    assert scores == sorted(scores, reverse=True)


def test_misspelled_names_are_corrected_and_the_answer_says_what_was_searched(
    conf: list[str],
) -> None:
    code, out, _ = cli("ask", "what did blinkin say to aliev", *conf)
    assert code == 0
    assert "Searched for Blinken, Aliyev" in out
    assert "Not found" not in out
    _, out, _ = cli("ask", "--json", "what did blinkin say to aliev", *conf)
    data = json.loads(out)
    assert data["answered"] is True
    assert data["corrected"] == [
        {"asked": "blinkin", "searched": "Blinken"},
        {"asked": "aliev", "searched": "Aliyev"},
    ]
    _, out, _ = cli("ask", "--json", "When did Azerbaijan announce the operation?", *conf)
    assert json.loads(out)["corrected"] == []


def test_top_k_option(conf: list[str]) -> None:
    _, out, _ = cli("ask", "--json", "--top-k", "7", "Russian peacekeepers", *conf)
    assert len(json.loads(out)["passages"]) == 7


def test_out_of_scope_question_is_not_answered(conf: list[str]) -> None:
    _, out, _ = cli("ask", "--json", "How do I reset my router?", *conf)
    data = json.loads(out)
    assert data["answered"] is False
    _, text, _ = cli("ask", "How do I reset my router?", *conf)
    assert "Not found in the sources" in text


def test_stdin_mode_one_object_per_line(conf: list[str]) -> None:
    questions = "Who is Toivo Klaar?\n\nWhat is the Zangezur corridor?\n"
    code, out, _ = cli("ask", "--json", "-", *conf, stdin=questions)
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [d["question"] for d in lines] == [
        "Who is Toivo Klaar?",
        "",
        "What is the Zangezur corridor?",
    ]
    assert lines[1]["answered"] is False and lines[1]["passages"] == []
    assert lines[2]["answered"] is True


def test_only_stopwords_is_not_answered(conf: list[str]) -> None:
    _, out, _ = cli("ask", "What is it and who are they?", *conf)
    assert "more specific" in out


def test_empty_question_is_a_usage_error(conf: list[str]) -> None:
    code, out, err = cli("ask", "   ", *conf)
    assert code == 2 and out == ""
    assert "question is empty" in err


def test_source_shows_the_full_paragraph_and_neighbours(conf: list[str]) -> None:
    code, out, _ = cli("source", "003_a723c924b9b358b3#5", *conf)
    assert code == 0
    assert "Section:   Azerbaijan’s ‘Anti-Terrorist’ Operation" in out
    assert "File:      003_a723c924b9b358b3.txt" in out
    assert "Before (003_a723c924b9b358b3#4" in out and "After (003_a723c924b9b358b3#6" in out
    code, out, _ = cli("source", "--json", "003_a723c924b9b358b3#1", *conf)
    data = json.loads(out)
    assert data["before"] is None and data["after"]["id"] == "003_a723c924b9b358b3#2"
    assert data["date"] == "2023-09-20" and data["file"] == "003_a723c924b9b358b3.txt"


@pytest.mark.parametrize(
    ("passage_id", "message"),
    [
        ("../../etc/passwd", "is not a passage id"),
        ("nope#1", "no document 'nope'"),
        ("003_a723c924b9b358b3#999", "there is no #999"),
        ("003_a723c924b9b358b3#-1", "is not a passage id"),
        ("003_a723c924b9b358b3#99999999999999", "is not a passage id"),
        ("003_a723c924b9b358b3#0", "is not a passage id"),
    ],
)
def test_unknown_or_malformed_id_is_refused(conf: list[str], passage_id: str, message: str) -> None:
    code, out, err = cli("source", passage_id, *conf)
    assert code == 1 and out == ""
    assert message in err and "Traceback" not in err


def test_sources_lists_documents_with_counts(conf: list[str]) -> None:
    code, out, _ = cli("sources", "--json", *conf)
    docs = json.loads(out)["documents"]
    assert code == 0 and len(docs) == 5
    ft = next(d for d in docs if d["doc"] == "001_139456bd9fc0844c")
    assert ft["publisher"] == "Financial Times" and ft["passages"] > 10
    _, text, _ = cli("sources", *conf)
    assert "5 documents" in text


def test_index_build_and_stats(conf: list[str], config_file: Path) -> None:
    code, _, err = cli("index", "build", *conf)
    assert code == 0 and "indexed 5 documents" in err
    assert (config_file.parent / "index.cbi").is_file()
    code, out, _ = cli("index", "stats", "--json", *conf)
    stats = json.loads(out)
    assert stats["documents"] == 5 and stats["passages"] > 50
    # Five outlets on one event: the abstention rule reads their passages' spread leniently.
    assert stats["abstain_lift"] > 0.5


def test_corpus_option_uses_its_own_cached_index(tmp_path: Path, conf: list[str]) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "faq.md").write_text(
        "# Refunds\n\nRefunds are paid within fourteen days of a written request to the office.\n",
        encoding="utf-8",
    )
    code, out, _ = cli("ask", "--json", "--corpus", str(tmp_path / "notes"), "refund", *conf)
    data = json.loads(out)
    assert code == 0 and data["passages"][0]["doc"] == "faq"
    # A short `#` heading that opens the file is its title, not a section.
    assert data["passages"][0]["title"] == "Refunds"
    assert data["passages"][0]["section"] is None


def test_corrupt_index_is_rebuilt_with_a_notice(conf: list[str], config_file: Path) -> None:
    cli("index", "build", *conf)
    index = config_file.parent / "index.cbi"
    data = bytearray(index.read_bytes())
    data[-100:] = b"\xff" * 100
    index.write_bytes(bytes(data))
    code, out, err = cli("ask", "Who is Toivo Klaar?", *conf)
    assert code == 0 and "Klaar" in out
    assert "Building the index" in err and "corrupt" in err
    index.write_bytes(b"garbage")  # not an index at all: someone's file, never replaced
    code, _, err = cli("ask", "Who is Toivo Klaar?", *conf)
    assert code == 2 and "is not a citebot index" in err and index.read_bytes() == b"garbage"


def test_corpus_change_triggers_rebuild(tmp_path: Path) -> None:
    corpus = tmp_path / "docs"
    corpus.mkdir()
    page = corpus / "a.txt"
    page.write_text("The library opens at nine every weekday morning for all readers.\n", "utf-8")
    config = tmp_path / "c.yaml"
    config.write_text("corpus: docs\nindex: idx.cbi\n", encoding="utf-8")
    conf = ["--config", str(config)]
    assert cli("ask", "library opens", *conf)[0] == 0
    page.write_text("The library opens at ten every weekday morning for all readers.\n", "utf-8")
    _, out, err = cli("ask", "--json", "library opens", *conf)
    assert "a.txt changed" in err
    assert "ten every weekday" in json.loads(out)["passages"][0]["text"]


def test_usage_errors_exit_2(conf: list[str]) -> None:
    assert cli()[0] == 2
    assert cli("ask", "x", "--top-k", "zero", *conf)[0] == 2
    assert cli("ask", "x", "--top-k", "0", *conf)[0] == 2
    code, _, err = cli("ask", "x", "--corpus", "/no/such/folder")
    assert code == 2 and "/no/such/folder" in err


def test_console_entry_point_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "ask" in result.stdout


def test_an_unquoted_question_is_taken_word_by_word(conf: list[str]) -> None:
    code, out, err = cli("ask", "who", "is", "the", "prime", "minister", "of", "armenia", *conf)
    assert code == 0, err
    assert "Q: who is the prime minister of armenia" in out
    assert "Pashinyan" in out
    _, quoted, _ = cli("ask", "who is the prime minister of armenia", *conf)
    assert quoted == out


def test_corpus_may_be_one_file_which_alone_is_indexed(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CITEBOT_CACHE", str(tmp_path / "cache"))
    corpus = Path(__file__).resolve().parents[2] / "corpus"
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "report.txt").write_bytes((corpus / "004_00bdb56021c742e6.txt").read_bytes())
    (folder / "other.txt").write_bytes((corpus / "001_139456bd9fc0844c.txt").read_bytes())
    file = str(folder / "report.txt")
    code, out, err = cli("sources", "--json", "--corpus", file)
    assert code == 0, err
    assert [d["doc"] for d in json.loads(out)["documents"]] == ["report"]
    code, out, _ = cli("ask", "--json", "--corpus", file, "Who is the prime minister of Armenia?")
    assert code == 0 and json.loads(out)["passages"][0]["doc"] == "report"
    code, out, _ = cli("source", "--corpus", file, "report#10")
    assert code == 0 and "Pashinyan" in out
    with (folder / "report.txt").open("a", encoding="utf-8") as f:
        f.write("\nA new closing paragraph about the harbour of Baku and its ferries.\n")
    code, out, err = cli("ask", "--corpus", file, "What about the harbour of Baku?")
    assert code == 0 and "report.txt changed" in err and "ferries" in out


def test_corpus_that_does_not_exist_is_named(tmp_path: Path) -> None:
    code, _, err = cli("ask", "--corpus", str(tmp_path / "nowhere"), "anything")
    assert code == 2 and "nowhere does not exist" in err


KILLED = "How many people were killed in the Azerbaijani attack?"


def test_conversation_reads_each_line_after_the_ones_before(conf: list[str]) -> None:
    dialogue = f"{KILLED}\nand how many were injured?\nWho is Toivo Klaar?\n\nand when?\n"
    code, out, _ = cli("ask", "--json", "-", "--conversation", *conf, stdin=dialogue)
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [d["context"] for d in lines] == [None, KILLED, None, None, None]
    assert "injured" in lines[1]["passages"][0]["quote"]


def test_conversation_is_printed_as_taken(conf: list[str]) -> None:
    code, out, _ = cli(
        "ask", "-", "--conversation", *conf, stdin=f"{KILLED}\nand how many were injured?\n"
    )
    assert code == 0
    assert f"Taking this as: and how many were injured? (after: {KILLED})" in " ".join(out.split())


PM_DIALOGUE = [
    "Who is the prime minister of Armenia?",
    "what did he call after the attack?",
    "and his wife?",
    "where did she go?",
]


def test_a_conversation_reads_each_follow_up_after_the_last_answer(conf: list[str]) -> None:
    stdin = "\n".join(PM_DIALOGUE) + "\n"
    code, out, _ = cli("ask", "-", "--conversation", *conf, stdin=stdin)
    assert code == 0
    text = " ".join(out.split())
    # "he" is the prime minister the first answer named; "she" the wife the third named.
    assert "Nikol Pashinyan called an emergency meeting" in text
    after = " ".join(PM_DIALOGUE[:3])
    assert f"Taking this as: where did she go? (after: {after})" in text
    assert text.rindex("visited Kyiv") > text.index("Taking this as: where did she go?")
    code, out, _ = cli("ask", "--json", "-", "--conversation", *conf, stdin=stdin)
    lines = [json.loads(line) for line in out.splitlines()]
    assert [d["context"] for d in lines] == [None, *(" ".join(PM_DIALOGUE[:n]) for n in (1, 2, 3))]
    firsts = [d["passages"][0]["id"] for d in lines]
    assert [d["context_passage"] for d in lines] == [None, *firsts[:3]]
    assert "visited Kyiv" in lines[3]["passages"][0]["quote"]


def test_without_conversation_lines_are_taken_alone(conf: list[str]) -> None:
    code, out, _ = cli("ask", "--json", "-", *conf, stdin=f"{KILLED}\nand how many were injured?\n")
    assert code == 0
    assert [json.loads(line)["context"] for line in out.splitlines()] == [None, None]


def test_conversation_needs_stdin(conf: list[str]) -> None:
    code, _, err = cli("ask", "--conversation", "Who is Toivo Klaar?", *conf)
    assert code != 0 and "citebot ask -" in err
