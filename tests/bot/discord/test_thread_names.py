"""`threads.thread_name`: a question as a thread name, whatever was typed."""

from __future__ import annotations

import re

import pytest

from bot.discord.threads import FALLBACK_NAME, NAME_MAX, thread_name

_PING = re.compile(r"@(everyone|here)\b|<@[!&]?\d+>|<#\d+>")


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def harmless(name: str) -> None:
    assert 1 <= units(name) <= NAME_MAX
    assert name == name.strip() and "\n" not in name and "\r" not in name
    assert not _PING.search(name), name


def test_a_question_is_its_own_name() -> None:
    assert thread_name("How many people were killed?") == "How many people were killed?"


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("<@123456789012345678> said so?", "@user said so?"),
        ("<@!123456789012345678> and <@&987654321098765432>?", "@user and @role?"),
        ("see <#123456789012345678>", "see #channel"),
        ("@everyone what happened?", "@\u200beveryone what happened?"),
        ("@HERE now", "@\u200bHERE now"),
        ("</ask:123456789012345678> <:blob:123456789012345678>", "/ask :blob:"),
    ],
)
def test_mentions_are_shown_as_plain_text(question: str, name: str) -> None:
    assert thread_name(question) == name
    harmless(thread_name(question))


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("How many were **killed**?", "How many were killed?"),
        ("__who__ ~~said~~ ||it|| `now`", "who said it now"),
        ("# Big\n> quoted\n- listed\n-# small", "Big quoted listed small"),
        ("[click here](https://example.com) please", "click here please"),
        ("what is snake_case?", "what is snake_case?"),
        ("```python\nprint(1)\n```", "python print(1)"),
    ],
)
def test_markdown_is_dropped(question: str, name: str) -> None:
    assert thread_name(question) == name


def test_a_long_question_is_cut_at_a_word_within_100_characters() -> None:
    name = thread_name("why " * 1250)  # 5,000 characters
    harmless(name)
    assert name.endswith("why…") and units(name) <= NAME_MAX
    one_word = thread_name("x" * 5000)
    assert units(one_word) == NAME_MAX and one_word.endswith("…")


def test_wide_characters_count_as_discord_counts_them() -> None:
    name = thread_name("😀" * 200)
    harmless(name)
    assert name.endswith("…") and units(name) <= NAME_MAX


@pytest.mark.parametrize(
    "question",
    [
        "",
        "   ",
        "\n\t\r\n",
        "\u200b\u200c\u200d\u2060\ufeff",
        "\u3164\u3164",
        "** __ ~~",
        "\x00\x07",
    ],
)
def test_nothing_printable_gets_a_name_still(question: str) -> None:
    assert thread_name(question) == FALLBACK_NAME


def test_zero_width_and_control_characters_are_dropped() -> None:
    assert thread_name("wh\u200bat\u200d is\u2066 it\x00?") == "what is it?"
    assert thread_name("@\u200beveryone") == "@\u200beveryone"  # not made a ping again
    assert thread_name("@\u200deveryone look") == "@\u200beveryone look"


def test_lines_become_one_line() -> None:
    assert thread_name("first line\r\nsecond\u2028third\x0bfourth") == (
        "first line second third fourth"
    )
