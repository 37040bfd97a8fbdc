"""Discord closing the gateway for good, and commands the bot does not take.

A gateway close 4004 (authentication failed) is the refused-token sentence and exit 2, as a
token refused at login is; the other final close codes get a sentence too, never "unexpected
error". A command the bot does not have, or options of other names or types than it
registered, get a polite private reply and one log line each: no traceback.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from botworld import (
    ALICE,
    COMMANDS,
    EPHEMERAL,
    GUILD,
    LANDMINES,
    TOKEN,
    Session,
    ask,
    make_fake,
    run,
    session,
    start_citebot_run,
    started,
    write_config,
)

from bot.config import ConfigError
from bot.discord.client import CitebotBot
from bot.discord.rules import option_problem
from bot.discord.runner import StartupError
from index.errors import CitebotError

NOT_FITTING = "That value doesn't fit this option; please check it and try again."
UNKNOWN = "I don't have that command (any more); type / to see the ones I offer."


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def discord_log() -> Iterator[list[logging.LogRecord]]:
    handler, root = Records(), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield handler.records
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


# -- Gateway close codes ----------------------------------------------------------------------


def test_a_token_the_gateway_refuses_is_the_token_sentence_and_exit_2(world: Path) -> None:
    async def scenario() -> tuple[int | None, str]:
        # Login (REST) takes the token; IDENTIFY is closed with 4004.
        async with make_fake(gateway_token="another-token") as fake:
            config = write_config(world, fake)
            process = await start_citebot_run(config, level=None)
            out, err = await asyncio.wait_for(process.communicate(), 60)
            return process.returncode, out.decode() + err.decode()

    code, output = asyncio.run(scenario())
    assert code == 2, output
    assert output.splitlines()[-1] == (
        "citebot: error: Discord refused the token in CITEBOT_E2E_TOKEN (the gateway said: "
        "authentication failed)"
    )
    assert "Traceback" not in output and "unexpected error" not in output
    assert TOKEN not in output


def test_a_token_revoked_while_running_stops_the_bot_with_the_token_sentence(
    world: Path,
) -> None:
    async def scenario() -> None:
        async with make_fake() as fake:
            with pytest.raises(ConfigError, match="Discord refused the token in CITEBOT_E2E"):
                async with started(world, fake) as (bot, _):
                    fake.gateway_token = "reset-in-the-portal"  # RESUME now fails with 4004
                    await fake.close_gateway(code=4000)
                    await closed(bot)

    run(scenario())


@pytest.mark.parametrize(
    ("code", "error", "sentence"),
    [
        (4011, ConfigError, r"\(4011, sharding: .*\); set discord\.shard_count"),
        (4010, ConfigError, r"\(4010, an invalid shard\); set discord\.shard_count"),
        (4013, StartupError, r"Discord closed the gateway connection \(close code 4013\)"),
    ],
)
def test_other_final_close_codes_get_a_sentence(
    world: Path, code: int, error: type[CitebotError], sentence: str
) -> None:
    async def scenario() -> None:
        async with make_fake() as fake:
            with pytest.raises(error, match=sentence):
                async with started(world, fake) as (bot, _):
                    await fake.close_gateway(code=code)
                    await closed(bot)

    run(scenario())


async def closed(bot: CitebotBot) -> None:
    """Wait until the bot has stopped."""
    async with asyncio.timeout(20):
        while not bot.is_closed():
            await asyncio.sleep(0.05)


# -- Commands the bot does not take -----------------------------------------------------------


def command_data(s: Session, name: str = "frage", options: Any = None) -> dict[str, Any]:
    data: dict[str, Any] = {"id": "1", "name": name, "type": 1, "guild_id": str(GUILD)}
    if name == "frage":
        data["id"] = s.fake.command("frage", GUILD)["id"]
    if options is not None:
        data["options"] = options
    return data


async def private_reply(s: Session, data: dict[str, Any]) -> str:
    ix = await s.fake.dispatch_raw_command(data, user=ALICE, channel_id=COMMANDS)
    reply = await s.fake.wait_for_call("POST", re.escape(ix.callback_path))
    assert reply.json["type"] == 4 and reply.json["data"]["flags"] & EPHEMERAL, reply.json
    return reply.json["data"]["content"]


def one_line_warnings(records: list[logging.LogRecord]) -> list[str]:
    ours = [r for r in records if r.name.startswith("citebot") and r.levelno >= logging.WARNING]
    assert all(r.exc_info is None and r.levelno == logging.WARNING for r in ours)
    lines = [r.getMessage() for r in ours]
    assert all("\n" not in line for line in lines)
    return lines


def test_an_unknown_command_gets_a_reply_and_one_log_line(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            assert await private_reply(s, command_data(s, "nosuch")) == UNKNOWN
            context_menu = {**command_data(s, "Translate"), "type": 3, "target_id": "5"}
            assert await private_reply(s, context_menu) == UNKNOWN

    with discord_log() as records:
        run(scenario())
    assert one_line_warnings(records) == [
        "ignored /nosuch: Application command 'nosuch' not found",
        "ignored /Translate: Application command 'Translate' not found",
    ]
    assert not [r for r in records if r.exc_info]


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ([{"name": "question", "type": 3, "value": 5}], "option question should be text, not int"),
        ([{"name": "question", "type": 3, "value": {"a": 1}}], "should be text, not dict"),
        ([{"name": "question", "type": 3, "value": None}], "should be text, not NoneType"),
        ([{"name": "question", "type": 4, "value": 5}], "option question has type 4, not 3"),
        ([], "option question is missing"),
        ([{"name": "sub", "type": 1, "options": []}], "there is no option 'sub'"),
        ([{"name": "question", "type": 3, "value": "a"}] * 2, "option question is given twice"),
        ("question", "the options are not a list"),
        (["question"], "an option has no name"),
    ],
)
def test_options_of_the_wrong_name_or_type_get_a_reply_and_one_log_line(
    world: Path, options: Any, problem: str
) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            assert await private_reply(s, command_data(s, options=options)) == NOT_FITTING
            # The bot goes on answering.
            right = [{"name": "question", "type": 3, "value": LANDMINES}]
            ix = await s.fake.dispatch_raw_command(
                command_data(s, options=right), user=ALICE, channel_id=COMMANDS
            )
            await s.fake.wait_for_call("POST", re.escape(ix.webhook_path), status=200)

    with discord_log() as records:
        run(scenario())
    [line] = one_line_warnings(records)
    assert line.startswith("ignored /frage: ") and problem in line


def test_an_autocomplete_with_wrong_options_gets_no_choices_and_one_log_line(
    world: Path,
) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            data = {
                "id": s.fake.command("quelle", GUILD)["id"],
                "name": "quelle",
                "type": 1,
                "guild_id": str(GUILD),
                "options": [{"name": "passage", "type": 3, "value": 7, "focused": True}],
            }
            ix = await s.fake.dispatch_raw_command(
                data, user=ALICE, channel_id=COMMANDS, autocomplete=True
            )
            await s.fake.wait_for_call("POST", re.escape(ix.callback_path))
            assert s.fake.interaction_choices(ix) == []
            unknown = {**data, "name": "nosuch", "id": "1"}
            ix = await s.fake.dispatch_raw_command(
                unknown, user=ALICE, channel_id=COMMANDS, autocomplete=True
            )
            await s.fake.wait_for_call("POST", re.escape(ix.callback_path))
            assert s.fake.interaction_choices(ix) == []
            await ask(s, LANDMINES)  # and goes on answering

    with discord_log() as records:
        run(scenario())
    assert one_line_warnings(records) == [
        "ignored /quelle: option passage is being typed but not text",
        "ignored /nosuch: Application command 'nosuch' not found",
    ]


def test_option_problem_checks_every_option_against_its_registered_type() -> None:
    """The general case, without Discord."""
    expected = {"q": 3, "n": 4, "x": 10, "b": 5}
    ok = [
        {"name": "q", "type": 3, "value": "text"},
        {"name": "n", "type": 4, "value": 3},
        {"name": "x", "type": 10, "value": 2.5},
        {"name": "b", "type": 5, "value": False},
    ]
    assert option_problem(ok, expected, ["q"]) is None
    assert option_problem(None, expected) is None
    assert option_problem([{"name": "n", "type": 4, "value": True}], expected) == (
        "option n should be a whole number, not bool"
    )
    assert option_problem([{"name": "b", "type": 5, "value": 1}], expected) == (
        "option b should be true or false, not int"
    )
    assert option_problem([], expected, ["q"]) == "option q is missing"
    assert option_problem([], expected, ["q"], autocomplete=True) is None
    typing = [{"name": "n", "type": 4, "value": "1", "focused": True}]
    assert option_problem(typing, expected, autocomplete=True) is None
