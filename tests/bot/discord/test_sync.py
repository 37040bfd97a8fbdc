"""`sync.shape`: the commands are registered again only when what we set differs."""

from __future__ import annotations

import copy
from typing import Any

import discord
from discord import app_commands

from bot.discord.commands import build
from bot.discord.services import Services
from bot.discord.sync import shape


def local(services: Services) -> list[dict[str, Any]]:
    tree = app_commands.CommandTree(discord.Client(intents=discord.Intents.none()))
    return [c.to_dict(tree) for c in build(services)]


def as_discord_returns(commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the commands as Discord lists them: ids, versions, defaults filled, other order."""
    remote = []
    for n, command in enumerate(reversed(copy.deepcopy(commands))):
        command.update(id=str(1000 + n), application_id="9", version="1", dm_permission=True)
        command.setdefault("nsfw", False)
        for option in command.get("options", []):
            option.setdefault("autocomplete", False)
            if not option.get("required"):
                option.pop("required", None)
        remote.append(command)
    return remote


def test_the_commands_discord_already_has_compare_equal(services: Services) -> None:
    mine = local(services)
    assert {c["name"] for c in mine} == {"frage", "quelle", "sources", "reindex"}
    assert shape(mine) == shape(as_discord_returns(mine))


def test_a_changed_description_option_or_permission_is_a_difference(services: Services) -> None:
    mine = local(services)
    for change in (
        lambda c: c.update(description="Something else"),
        lambda c: c["options"][0].update(autocomplete=not c["options"][0]["autocomplete"]),
        lambda c: c.update(default_member_permissions="8"),
        lambda c: c.update(name="ask"),
    ):
        remote = as_discord_returns(mine)
        change(next(c for c in remote if c["name"] in ("frage", "quelle")))
        assert shape(mine) != shape(remote)


def test_a_missing_or_extra_command_is_a_difference(services: Services) -> None:
    mine = local(services)
    assert shape(mine) != shape(as_discord_returns(mine)[1:])
    assert shape(mine[1:]) != shape(as_discord_returns(mine))
