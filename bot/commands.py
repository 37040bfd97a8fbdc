"""The command registry: every command the bot offers, read by the config, Discord and chat.

A command is one `Command` entry here (its config key, default description, the config options
it takes besides name/description/enabled, and its line in chat's help when chat offers it), plus
a callback on each surface that has it (`bot/discord/commands.py`, `bot/chat.py`) and a renderer.
The config's `commands:` schema, the distinct-names rule, the commands registered with Discord and
the words chat accepts are all derived from `COMMANDS`; a test checks every surface has a callback
for every entry it should.

This module imports neither Discord nor the config, so both can read it without a cycle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator

DESCRIPTION_MAX = 100  # Discord's limit for a command description


class CommandOptions(BaseModel):
    """A command's section of the config: its registered name, description, on or off."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = Field(min_length=1, max_length=DESCRIPTION_MAX)
    enabled: bool = True

    @field_validator("name")
    @classmethod
    def _command_name(cls, value: str) -> str:
        if not re.fullmatch(r"[-_\w]{1,32}", value) or value != value.lower():
            raise ValueError("Discord command names are 1 to 32 lowercase letters, digits, - or _")
        return value


class PrivateReplyOptions(CommandOptions):
    """Options of a command whose reply may be shown to the caller only."""

    ephemeral: bool = True


class ReindexOptions(CommandOptions):
    """Options of the rebuild command: who may run it besides members with Manage Server."""

    roles: list[str | int] = []  # role names or ids


@dataclass(frozen=True)
class Command:
    """One command: its config key (also its default name) and what each surface needs."""

    key: str
    description: str  # the default description registered with Discord
    options: type[CommandOptions] = CommandOptions
    usage: str = ""  # chat: what follows the name, e.g. "QUESTION"
    chat_help: str | None = None  # chat's help line; None: the command is Discord-only

    @cached_property
    def schema(self) -> type[CommandOptions]:
        """Return the config model of this command, with its defaults filled in."""
        return create_model(
            f"{self.key.title()}Command",
            __base__=self.options,
            __doc__=f"The /{self.key} command.",
            name=(str, self.key),
            description=(
                str,
                Field(self.description, min_length=1, max_length=DESCRIPTION_MAX),
            ),
        )


COMMANDS: tuple[Command, ...] = (
    Command(
        "ask",
        "Answer a question from the sources, with quoted passages.",
        usage="QUESTION",
        chat_help="answer a question with quoted passages (a plain line does the same)",
    ),
    Command(
        "source",
        "Show a passage of your last answer in full, with its citation.",
        PrivateReplyOptions,
        usage="N",
        chat_help="passage N of the last answer in full, with its citation (or a passage id)",
    ),
    Command(
        "sources",
        "List the documents I answer from.",
        PrivateReplyOptions,
        chat_help="the documents",
    ),
    Command(
        "reindex",
        "Rebuild the index from the sources (Manage Server or a listed role).",
        ReindexOptions,
    ),
)
