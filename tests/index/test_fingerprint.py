"""The fingerprint record and the one "did this file change?" rule every caller uses."""

from __future__ import annotations

import pytest

from index.fingerprint import Fingerprint, content_digest, read_fingerprints

SHA = content_digest(b"abc")


def test_the_header_record_is_the_positional_list_of_format_2() -> None:
    fingerprint = Fingerprint.of("a.txt", 3, 4, b"abc", "l1")
    assert fingerprint.to_json() == ["a.txt", 3, 4, SHA, "l1"]
    assert Fingerprint.from_json(fingerprint.to_json()) == fingerprint
    assert Fingerprint.of("b.txt", 3, 4, None).to_json() == ["b.txt", 3, 4, None, None]


@pytest.mark.parametrize("record", [["a.txt", 3, 4, SHA], "a.txt", ["a.txt", "3", 4, SHA, None]])
def test_a_malformed_record_is_left_out(record: object) -> None:
    assert Fingerprint.from_json(record) is None
    assert read_fingerprints([record, ["b.txt", 1, 2, None, None]]).keys() == {"b.txt"}


def never() -> str:
    raise AssertionError("the content was read although size or time decide")


def test_size_decides_first_then_time_then_content() -> None:
    old = Fingerprint.of("a.txt", 3, 4, b"abc")
    assert old.changed(5, 4, never)  # another size
    assert not old.changed(3, 4, never)  # same size and time: not read
    assert not old.changed(3, 9, lambda: SHA)  # touched, same content
    assert old.changed(3, 9, lambda: content_digest(b"xyz"))
    assert old.changed(3, 9, lambda: None)  # content unknown


def test_a_file_that_could_not_be_read_changed_once_its_time_moves() -> None:
    unread = Fingerprint.of("a.txt", 3, 4, None)
    assert not unread.changed(3, 4, never)
    assert unread.changed(3, 9, never)
