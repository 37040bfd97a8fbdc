"""YAML that parses but cannot be used: every file citebot reads gives values or one clear error.

Values that YAML accepts and Python cannot hold (an impossible date, an integer longer than
Python converts from text) are errors at their line and key. In a corpus, the metadata of one
file (its front matter, its `sources.yaml` entry) loses only the bad value, with a warning, and
the rest of the corpus is indexed.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.build import build
from index.settings import Settings
from index.yamlfile import YamlError, parse

ROOT = Path(__file__).resolve().parents[2]
PROSE = "The harbour lighthouse guides the ferries home through the winter fog every night.\n"
LONG_INT = "7" * 5000

# A value YAML accepts that no Python value can hold, and what the error says of it.
UNCONVERTIBLE = {
    "impossible date": ("2024-02-30", "2024-02-30 is not a valid date"),
    "impossible time": ("2024-01-01 25:00:00", "is not a valid date"),
    "5000-digit integer": (LONG_INT, "an integer of 5,000 digits is too long"),
    "tagged integer": ("!!int twelve", "twelve is not a valid integer"),
}


def indexed(root: Path) -> tuple[dict[str, dict], dict[str, str]]:
    """Build an index of `root`; return its documents by path and the skipped reasons."""
    header = build(root, Settings()).header
    return {d["path"]: d for d in header["documents"]}, dict(header["skipped"])


@pytest.mark.parametrize(("value", "problem"), UNCONVERTIBLE.values(), ids=UNCONVERTIBLE)
def test_a_value_python_cannot_hold_is_an_error_at_its_line_and_key(
    value: str, problem: str
) -> None:
    text = f"name: fine\nretrieval:\n  settings:\n    - first\n    - {value}\n"
    with pytest.raises(YamlError) as info:
        parse(text, "f.yaml")
    error = info.value
    assert (error.line, error.key) == (5, "retrieval.settings.1")
    assert str(error) == f"f.yaml, line 5: retrieval.settings.1: {error.problem}"
    assert problem in error.problem
    assert len(str(error)) < 200  # the 5,000 digits are not repeated


def test_yaml_nested_deeper_than_python_recurses_is_an_error() -> None:
    with pytest.raises(YamlError, match="nested too deeply"):
        parse("a: " + "[" * 5000, "f.yaml")


@pytest.mark.parametrize(("value", "problem"), UNCONVERTIBLE.values(), ids=UNCONVERTIBLE)
def test_front_matter_loses_only_the_bad_value(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, value: str, problem: str
) -> None:
    (tmp_path / "notes.md").write_text(
        f"---\ntitle: Harbour notes\ndate: {value}\npublisher: Gazette\n---\n{PROSE}",
        encoding="utf-8",
    )
    (tmp_path / "other.txt").write_text(PROSE, encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        docs, skipped = indexed(tmp_path)
    assert set(docs) == {"notes.md", "other.txt"} and not skipped
    notes = docs["notes.md"]
    assert (notes["title"], notes["publisher"], notes["date"]) == ("Harbour notes", "Gazette", None)
    [warning] = [r.getMessage() for r in caplog.records if "notes.md" in r.getMessage()]
    assert warning.startswith("notes.md, line 3: date: ") and problem in warning


def test_front_matter_keys_citebot_does_not_use_are_not_read(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text(
        f"---\ntitle: Notes\nupdated: 2024-02-30\nviews: {LONG_INT}\n---\n{PROSE}",
        encoding="utf-8",
    )
    docs, _ = indexed(tmp_path)
    assert docs["notes.md"]["title"] == "Notes"


@pytest.mark.parametrize(("value", "problem"), UNCONVERTIBLE.values(), ids=UNCONVERTIBLE)
def test_a_sources_yaml_entry_loses_only_the_bad_value(
    tmp_path: Path, value: str, problem: str
) -> None:
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(PROSE, encoding="utf-8")
    (tmp_path / "sources.yaml").write_text(
        f"a.txt:\n  title: Alpha\n  date: {value}\nb.txt:\n  title: Beta\n  date: 2024-02-28\n",
        encoding="utf-8",
    )
    docs, skipped = indexed(tmp_path)
    assert (docs["a.txt"]["title"], docs["a.txt"]["date"]) == ("Alpha", None)
    assert (docs["b.txt"]["title"], docs["b.txt"]["date"]) == ("Beta", "2024-02-28")
    reason = skipped["sources.yaml"]
    assert reason.startswith("line 3: a.txt.date: ") and problem in reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("a.txt: [unclosed\n", "line 2: not valid YAML"),
        ("- a.txt\n", "expected a mapping of file names to metadata"),
        ("a.txt: Alpha\n", "line 1: a.txt: expected a mapping"),
        ("a.txt:\n  <<: 3\n", "line 2: expected a mapping or list of mappings for merging"),
    ],
)
def test_a_broken_sources_yaml_never_stops_the_corpus(
    tmp_path: Path, text: str, reason: str
) -> None:
    (tmp_path / "a.txt").write_text(PROSE, encoding="utf-8")
    (tmp_path / "sources.yaml").write_text(text, encoding="utf-8")
    docs, skipped = indexed(tmp_path)
    assert list(docs) == ["a.txt"]
    assert skipped["sources.yaml"].startswith(reason)


def test_merge_keys_in_sources_yaml_still_apply(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(PROSE, encoding="utf-8")
    (tmp_path / "sources.yaml").write_text(
        "a.txt:\n  <<: {publisher: Gazette, date: 2024-03-01}\n  title: Alpha\n",
        encoding="utf-8",
    )
    docs, skipped = indexed(tmp_path)
    assert not skipped
    assert (docs["a.txt"]["publisher"], docs["a.txt"]["date"]) == ("Gazette", "2024-03-01")


def bomb(indent: str = "", levels: int = 9) -> str:
    """Return a YAML alias bomb: a few hundred bytes that stand for 9**10 values."""
    lines = [f"{indent}a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels + 1):
        lines.append(f"{indent}a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_before_it_is_built() -> None:
    assert len(bomb()) < 600
    with pytest.raises(YamlError) as info:
        parse(bomb(), "f.yaml")
    assert str(info.value) == (
        "f.yaml, line 5: aliases would expand this to more than 10,000 extra values"
    )


def test_a_collection_that_holds_itself_is_refused() -> None:
    with pytest.raises(YamlError, match="line 2: an alias refers to a collection that contains"):
        parse("a: 1\nb: &b [1, [2, *b]]\n", "f.yaml")


def test_aliases_used_as_people_use_them_still_load() -> None:
    text = (
        "defaults: &defaults {mode: commands, cooldown: 5}\n"
        "channels:\n"
        + "".join(f"  - {{<<: *defaults, id: {n}}}\n" for n in range(50))
        + "words: &words ["
        + ", ".join(["word"] * 100)
        + "]\n"
        "again: [" + ", ".join(["*words"] * 90) + "]\n"
    )
    data = parse(text, "f.yaml").data
    assert isinstance(data, dict)
    assert data["channels"][49] == {"mode": "commands", "cooldown": 5, "id": 49}
    assert len(data["again"]) == 90


BOUNDED = """
import json, resource, sys
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
from index.build import build
from index.settings import Settings
header = build(Path(sys.argv[1]), Settings()).header
print(json.dumps({"docs": {d["path"]: d for d in header["documents"]},
                  "skipped": dict(header["skipped"])}))
"""


def indexed_bounded(root: Path) -> tuple[dict[str, dict], dict[str, str], str]:
    """Index `root` in a process limited to 2 GB and 60 s; return documents, skipped, stderr."""
    result = subprocess.run(
        [sys.executable, "-c", BOUNDED, str(root)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    data = json.loads(result.stdout)
    return data["docs"], data["skipped"], result.stderr


def test_an_alias_bomb_in_front_matter_or_sources_yaml_is_refused_quickly(tmp_path: Path) -> None:
    (tmp_path / "bomb.md").write_text(
        f"---\ntitle: Bombed\n{bomb()}date: *a9\n---\n{PROSE}", encoding="utf-8"
    )
    (tmp_path / "a.txt").write_text(PROSE, encoding="utf-8")
    (tmp_path / "b.txt").write_text(PROSE, encoding="utf-8")
    (tmp_path / "sources.yaml").write_text(f"{bomb()}a.txt:\n  title: *a9\n", encoding="utf-8")
    started = time.monotonic()
    docs, skipped, err = indexed_bounded(tmp_path)
    assert time.monotonic() - started < 60
    assert set(docs) == {"a.txt", "b.txt", "bomb.md"}
    assert docs["bomb.md"]["title"] != "Bombed"  # the whole front matter is refused
    assert skipped["sources.yaml"] == (
        "line 5: aliases would expand this to more than 10,000 extra values; no metadata from it"
    )
    assert "bomb.md, line 7: aliases would expand this" in err


def test_a_small_alias_bomb_under_one_key_is_refused_as_not_a_single_value(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.txt").write_text(PROSE, encoding="utf-8")
    (tmp_path / "sources.yaml").write_text(
        f"{bomb(levels=2)}a.txt:\n  title: *a2\n  publisher: Gazette\n", encoding="utf-8"
    )
    docs, skipped = indexed(tmp_path)
    assert docs["a.txt"]["publisher"] == "Gazette"
    assert "[" not in (docs["a.txt"]["title"] or "")  # not the str() of the expanded list
    assert skipped["sources.yaml"] == (
        "line 5: a.txt.title: expected a single value, not a list; ignored"
    )


@pytest.mark.parametrize(
    ("value", "kind"), [("[Alpha, Beta]", "a list"), ("{text: Alpha}", "a mapping")]
)
def test_metadata_values_must_be_single_values(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, value: str, kind: str
) -> None:
    (tmp_path / "notes.md").write_text(
        f"---\ntitle: {value}\npublisher: Gazette\ntags: [harbour, fog]\n---\n{PROSE}",
        encoding="utf-8",
    )
    (tmp_path / "a.txt").write_text(PROSE, encoding="utf-8")
    (tmp_path / "sources.yaml").write_text(
        f"a.txt:\n  title: Alpha\n  date: {value}\n", encoding="utf-8"
    )
    with caplog.at_level(logging.WARNING):
        docs, skipped = indexed(tmp_path)
    assert docs["notes.md"]["publisher"] == "Gazette"
    assert docs["notes.md"]["title"] != value  # not the str() of a list or a mapping
    assert (docs["a.txt"]["title"], docs["a.txt"]["date"]) == ("Alpha", None)
    assert (
        skipped["sources.yaml"]
        == f"line 3: a.txt.date: expected a single value, not {kind}; ignored"
    )
    messages = [r.getMessage() for r in caplog.records]
    assert f"notes.md, line 2: title: expected a single value, not {kind}; ignored" in messages
    assert not any("tags" in m for m in messages)  # keys citebot does not use are not judged
