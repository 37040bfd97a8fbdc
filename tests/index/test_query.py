"""How a question is read: the words of a chat message that are not part of what is asked."""

from __future__ import annotations

import pytest

from index.query import opened


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("ok so who is the prime minister?", "who is the prime minister?"),
        ("um, what did he say", "what did he say"),
        ("Wait... who won", "who won"),
        ("so", "so"),
        ("Who is so tired", "Who is so tired"),
        ("Well-known writers of Warsaw?", "Well-known writers of Warsaw?"),
        ("hey, thanks. so um who won?", "who won?"),
    ],
)
def test_the_words_that_open_a_chat_message_are_left_out(text: str, question: str) -> None:
    assert opened(text) == question
