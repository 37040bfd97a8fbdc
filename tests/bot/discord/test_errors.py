"""`errors.reply_for`: the private sentence each expected failure gets, and None for a bug."""

from __future__ import annotations

import discord
import pytest
from discord import app_commands

from bot.discord.errors import NotAllowed, NotHere, reply_for
from bot.session import RebuildRefused, RebuildRunning
from index.errors import UnknownPassageError


async def _noop(interaction: discord.Interaction) -> None:
    """Do nothing."""


def _invoke_error(error: Exception) -> app_commands.CommandInvokeError:
    command = app_commands.Command(name="frage", description="Ask", callback=_noop)
    return app_commands.CommandInvokeError(command, error)


@pytest.mark.parametrize(
    ("error", "reply"),
    [
        (NotHere([10, 11]), "I don't answer here. Ask me in <#10>, <#11>."),
        (NotHere([]), "I don't answer in any channel yet: my config lists none."),
        (
            NotAllowed(["Maintainers", 5]),
            "Only members with Manage Server or one of these roles can do that: "
            "Maintainers, <@&5>.",
        ),
        (NotAllowed([]), "Only members with the Manage Server permission can do that."),
        (
            app_commands.CommandOnCooldown(app_commands.Cooldown(5, 60), 12.2),
            "You're asking quickly: try again in 13 s.",
        ),
        (
            UnknownPassageError("there is no passage 4"),
            "there is no passage 4",
        ),
        (
            RebuildRunning(),
            "A rebuild is already running; its report will appear when it is done.",
        ),
        (
            RebuildRefused("citebot.yaml: corpus: folder x does not exist"),
            "Not rebuilt; I keep serving the current index. citebot.yaml: corpus: folder x does "
            "not exist",
        ),
    ],
)
def test_expected_failures_get_their_sentence(error: Exception, reply: str) -> None:
    assert reply_for(error) == reply
    assert reply_for(_invoke_error(error)) == reply  # as raised inside a callback


def test_markdown_in_a_passage_reference_is_escaped() -> None:
    assert reply_for(UnknownPassageError("*not* a passage id")) == "\\*not\\* a passage id"


def test_a_bug_gets_no_sentence_of_its_own() -> None:
    assert reply_for(ZeroDivisionError()) is None
    assert reply_for(_invoke_error(KeyError("x"))) is None
