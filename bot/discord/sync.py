"""Register the slash commands with Discord only when they differ from what Discord has.

Syncing on every start spends a rate-limited call and, for global commands, makes clients
refetch them; comparing first costs one GET per scope.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import discord
from discord import app_commands

log = logging.getLogger("citebot.discord")

_OPTION_KEYS = (
    "min_value",
    "max_value",
    "min_length",
    "max_length",
)


def shape(commands: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Return commands reduced to what we set, with Discord's defaults filled in, sorted."""
    return sorted(
        (
            {
                "type": int(c.get("type", 1)),
                "name": c["name"],
                "description": c.get("description", ""),
                "options": [_option(o) for o in c.get("options") or []],
                "default_member_permissions": _str_or_none(c.get("default_member_permissions")),
                "nsfw": bool(c.get("nsfw", False)),
            }
            for c in commands
        ),
        key=lambda c: (c["type"], c["name"]),
    )


def _option(option: Mapping[str, Any]) -> dict[str, Any]:
    shaped: dict[str, Any] = {
        "type": int(option["type"]),
        "name": option["name"],
        "description": option.get("description", ""),
        "required": bool(option.get("required", False)),
        "autocomplete": bool(option.get("autocomplete", False)),
        "choices": [
            {"name": ch["name"], "value": ch["value"]} for ch in option.get("choices") or []
        ],
        "channel_types": sorted(option.get("channel_types") or []),
        "options": [_option(o) for o in option.get("options") or []],
    }
    for key in _OPTION_KEYS:
        if option.get(key) is not None:
            shaped[key] = option[key]
    return shaped


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


async def sync_commands(tree: app_commands.CommandTree, guilds: Sequence[discord.Object]) -> None:
    """Sync the tree's commands to each guild (or globally without guilds) when they changed."""
    client = tree.client
    application_id = client.application_id
    if application_id is None:  # pragma: no cover - set by login before setup_hook
        raise RuntimeError("the application id is unknown before login")
    for guild in guilds or [None]:
        where = f"server {guild.id}" if guild else "all servers (global)"
        local = [c.to_dict(tree) for c in tree.get_commands(guild=guild)]
        try:
            if guild is None:
                remote = await client.http.get_global_commands(application_id)
            else:
                remote = await client.http.get_guild_commands(application_id, guild.id)
            if shape(local) == shape(remote):
                log.info("commands in %s are up to date", where)
                continue
        except discord.Forbidden as exc:
            _cannot_register(where, exc)
            continue
        except (discord.HTTPException, KeyError, TypeError, ValueError) as exc:
            log.info("cannot compare the commands in %s (%s); registering them", where, exc)
        try:
            await tree.sync(guild=guild)
        except discord.Forbidden as exc:
            _cannot_register(where, exc)
            continue
        except discord.HTTPException as exc:
            log.error("cannot register commands in %s: %s", where, exc)
            continue
        names = ", ".join(f"/{c['name']}" for c in local) or "none"
        log.info("registered commands in %s: %s", where, names)


def _cannot_register(where: str, exc: discord.HTTPException) -> None:
    log.error(
        "cannot register commands in %s: Discord says %s (invite the bot to that server with "
        "the applications.commands scope, or fix discord.guilds)",
        where,
        exc.text or exc.status,
    )
