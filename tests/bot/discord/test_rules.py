"""`rules.py`: which messages are questions, who may rebuild, and the question limit."""

from __future__ import annotations

import pytest

from bot.discord.rules import Cooldowns, may_rebuild, question_of

BOT, ROLE = 42, 77


def ask(content: str, mode: str = "mention", **flags: bool) -> str | None:
    return question_of(
        content,
        mode=mode,  # type: ignore[arg-type]
        bot_id=BOT,
        mentioned=flags.get("mentioned", False),
        replied_to_bot=flags.get("replied", False),
        bot_role_ids=[ROLE],
    )


def test_every_message_in_an_auto_channel_is_a_question() -> None:
    assert ask("  Who is   the prime minister? ", "auto") == "Who is the prime minister?"


def test_a_mention_channel_answers_only_messages_addressed_to_the_bot() -> None:
    assert ask("Who is the prime minister?") is None
    assert ask(f"<@{BOT}> Who is it?", mentioned=True) == "Who is it?"
    assert ask(f"Who is it, <@!{BOT}>?", mentioned=True) == "Who is it, ?"
    assert ask(f"<@&{ROLE}> Who is it?", mentioned=True) == "Who is it?"
    assert ask("Who is it?", replied=True) == "Who is it?"


def test_other_mentions_stay_in_the_question() -> None:
    assert ask(f"<@{BOT}> ask <@123>", mentioned=True) == "ask <@123>"


def test_a_commands_channel_reads_no_message() -> None:
    assert ask(f"<@{BOT}> hello", "commands", mentioned=True) is None


def test_addressing_the_bot_without_a_question_gets_an_empty_question() -> None:
    assert ask(f"<@{BOT}>", mentioned=True) == ""
    assert ask(f"<@{BOT}>", "auto", mentioned=True) == ""
    assert ask("", "auto") is None  # an image or sticker alone: silence


@pytest.mark.parametrize(
    ("manage", "ids", "names", "allowed", "expected"),
    [
        (True, [], [], [], True),
        (False, [], [], [], False),
        (False, [], ["maintainers"], ["Maintainers"], True),  # names ignore case
        (False, [5], [], [5], True),
        (False, [5], [], ["5"], True),  # an id written as a string
        (False, [6], ["Other"], ["Maintainers", 5], False),
    ],
)
def test_who_may_rebuild(
    manage: bool, ids: list[int], names: list[str], allowed: list[str | int], expected: bool
) -> None:
    result = may_rebuild(manage_guild=manage, role_ids=ids, role_names=names, allowed=allowed)
    assert result is expected


def test_the_question_limit_counts_per_user_and_warns_once_per_wait() -> None:
    cooldowns = Cooldowns(2, 60)
    assert cooldowns.hit(1) is None and cooldowns.hit(1) is None
    over = cooldowns.hit(1)
    assert over is not None and 0 < over[1] <= 60
    assert cooldowns.hit(2) is None  # another user has their own limit
    assert cooldowns.first_warning(1, over[1]) is True
    assert cooldowns.first_warning(1, over[1]) is False
    assert cooldowns.first_warning(2, 5.0) is True
