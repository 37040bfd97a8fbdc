"""The invite link `citebot run` prints asks for the permissions the config needs."""

from __future__ import annotations

from pathlib import Path

import discord

from bot.config import load_config
from bot.discord.client import permissions_for


def permissions(tmp_path: Path, text: str) -> discord.Permissions:
    (tmp_path / "corpus").mkdir(exist_ok=True)
    path = tmp_path / "citebot.yaml"
    path.write_text("corpus: corpus\n" + text, encoding="utf-8")
    return permissions_for(load_config(path))


def test_the_invite_link_asks_to_create_threads_only_with_threads(tmp_path: Path) -> None:
    off = permissions(tmp_path, "")
    on = permissions(tmp_path, "answers: {threads: true}\n")
    assert off.value == 274877991936  # the link the README gives without threads
    assert not off.create_public_threads and off.send_messages_in_threads
    assert on.create_public_threads and on.send_messages_in_threads
    assert on.value == off.value | discord.Permissions(create_public_threads=True).value
    assert on.value == 309237730304  # the link the README gives with threads
