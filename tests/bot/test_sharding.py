"""Sharding: `discord.shard_count`/`shard_ids` run the bot as those gateway shards."""

from __future__ import annotations

from pathlib import Path

from botworld import LANDMINES, LANDMINES_QUOTE, ask, embed_of, run, session

from bot.discord.client import CitebotBot, ShardedCitebotBot


def _identified_shards(s) -> list[list[int] | None]:
    return [m["d"].get("shard") for m in s.fake.gateway_received if m.get("op") == 2]


def test_one_process_runs_the_shards_it_is_given(world: Path) -> None:
    async def scenario() -> None:
        shards = "  shard_count: 3\n  shard_ids: [0, 2]\n"
        async with session(world, channels=shards) as s:
            assert isinstance(s.bot, ShardedCitebotBot)
            assert sorted(_identified_shards(s)) == [[0, 3], [2, 3]]
            followup = await ask(s, LANDMINES)
            assert LANDMINES_QUOTE in embed_of(followup.json)["description"].replace("**", "")

    run(scenario())


def test_without_shard_keys_the_bot_is_a_single_connection(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            assert type(s.bot) is CitebotBot
            assert _identified_shards(s) in ([None], [[0, 1]])
            assert (await ask(s, LANDMINES)).json["embeds"]

    run(scenario())
