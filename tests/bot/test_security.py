"""Security: the token never shows, admin commands are checked by the bot itself, YAML is read
safely, and the bot talks to no one but the Discord endpoints it is configured with.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from botworld import (
    ADMIN,
    ALICE,
    AUTO,
    COMMANDS,
    EPHEMERAL,
    LANDMINES,
    ROOT,
    TOKEN,
    ask,
    bot_process,
    citebot_run_to_end,
    make_fake,
    run,
    session,
    write_config,
)
from fakediscord import FakeMember, FakeRole, FakeUser, Perm

MODERATOR, LOOKALIKE = 1_400_000_000_000_000_120, 1_400_000_000_000_000_320


class Everything(logging.Handler):
    """Keeps every record, whatever its level."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def texts(self) -> Iterator[str]:
        """Each record as it could be shown: message, arguments, traceback."""
        for record in self.records:
            yield record.getMessage()
            yield repr(record.args)
            if record.exc_info:
                yield "".join(traceback.format_exception(*record.exc_info))


@contextmanager
def all_logs() -> Iterator[Everything]:
    root = logging.getLogger()
    handler = Everything()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def test_yaml_is_only_read_with_the_safe_loader() -> None:
    risky = re.compile(r"yaml\.(load|load_all|full_load|unsafe_load)\(|\b\w*Loader\b|[Uu]nsafe")
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for folder in ("bot", "index")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if risky.search(line)
    ]
    assert found == []


def test_the_token_is_in_no_log_record_even_at_debug_level(world: Path) -> None:
    async def scenario() -> None:
        async with session(world) as s:
            await ask(s, LANDMINES)
            s.fake.fail_next("POST", r"/webhooks/\d+/[^/]+", status=429, retry_after=0.1)
            await ask(s, LANDMINES)
            await s.fake.close_gateway(code=4000)  # the RESUME carries the token
            await s.fake.wait_until_connected()
            await s.fake.dispatch_message(AUTO, LANDMINES, author=ALICE)
            await s.fake.wait_for_call("POST", rf"/channels/{AUTO}/messages")
            ix = await s.fake.dispatch_interaction("reindex", user=ADMIN, channel_id=COMMANDS)
            await s.fake.wait_for_call("POST", re.escape(ix.webhook_path), timeout=30)

    with all_logs() as logs:
        run(scenario())
    assert len(logs.records) > 50  # debug records of discord.py were seen
    leaks = [text for text in logs.texts() if TOKEN in text or TOKEN.split(".")[1] in text]
    assert leaks == []


def test_citebot_run_at_debug_level_never_prints_the_token(world: Path) -> None:
    async def scenario() -> None:
        async with make_fake() as fake:
            config = write_config(world, fake)
            async with bot_process(config, fake, level="debug") as bot:
                ix = await fake.dispatch_interaction(
                    "frage", {"question": LANDMINES}, user=ALICE, channel_id=COMMANDS
                )
                await fake.wait_for_call("POST", re.escape(ix.webhook_path))
                await fake.close_gateway(code=4000)
                await fake.wait_until_connected(timeout=20)
                await fake.dispatch_message(AUTO, LANDMINES, author=ALICE)
                await fake.wait_for_call("POST", rf"/channels/{AUTO}/messages", timeout=10)
                assert await bot.stop() == 0
            output = bot.log + bytes(bot.stdout).decode()
            assert "[DEBUG   ]" in output and "RESUMED" in output
            assert TOKEN not in output and TOKEN.split(".")[1] not in output

    run(scenario())


@pytest.mark.parametrize(
    ("case", "code", "message"),
    [
        ("refused", 2, "Discord refused the token in CITEBOT_E2E_TOKEN"),
        ("unreachable", 1, "cannot reach Discord at http://127.0.0.1:"),
        ("control character", 2, "does not hold a bot token"),
    ],
)
def test_a_failing_start_never_prints_the_token(
    world: Path, case: str, code: int, message: str
) -> None:
    secret = "MTQwMDAw.SECRETPART.never-shown"
    token = {"control character": secret + "\x07"}.get(case, secret)

    async def scenario() -> str:
        async with make_fake() as fake:
            config = write_config(world, fake)
            if case == "unreachable":
                await fake.stop()  # nothing listens there any more
            returncode, output = await citebot_run_to_end(config, token=token)
            assert returncode == code, output
            return output

    output = asyncio.run(scenario())
    assert message in output.splitlines()[-1]
    assert "Traceback" not in output
    assert "SECRETPART" not in output


@contextmanager
def connections() -> Iterator[list[tuple[str, object]]]:
    seen: list[tuple[str, object]] = []

    def audit(event: str, args: tuple[object, ...]) -> None:
        if recording and event in ("socket.connect", "socket.getaddrinfo"):
            seen.append((event, args[1] if event == "socket.connect" else args[:2]))

    recording = True
    sys.addaudithook(audit)  # stays for the process; records nothing after the block
    try:
        yield seen
    finally:
        recording = False


def test_the_bot_connects_only_to_the_configured_endpoints(world: Path) -> None:
    ports: list[int] = []

    async def scenario() -> None:
        async with session(world) as s:
            ports.append(s.fake.port)
            await ask(s, LANDMINES)
            await s.fake.close_gateway(code=4000)
            await s.fake.wait_until_connected()
            await ask(s, LANDMINES)

    with connections() as seen:
        run(scenario())
    assert seen, "no connection was recorded"
    for event, address in seen:
        host, port = address[0], address[1]
        assert host == "127.0.0.1" and port == ports[0], (event, address)


def test_reindex_is_refused_to_members_without_manage_server_or_the_role(world: Path) -> None:
    # A moderator with other rights, and a role whose name only looks like the allowed one.
    members = [FakeMember(FakeUser(MODERATOR, "moderator"), roles=[LOOKALIKE])]
    roles = [FakeRole(LOOKALIKE, "Maintainers-old", int(Perm.MANAGE_MESSAGES | Perm.KICK_MEMBERS))]

    async def scenario() -> None:
        async with session(world, members=members, roles=roles) as s:
            for user in (ALICE, MODERATOR):
                ix = await s.fake.dispatch_interaction("reindex", user=user, channel_id=COMMANDS)
                refused = await s.fake.wait_for_call("POST", re.escape(ix.callback_path))
                data = refused.json["data"]
                assert refused.json["type"] == 4 and data["flags"] & EPHEMERAL
                assert data["content"].startswith("Only members with Manage Server")
            assert s.fake.calls_for("POST", r"/webhooks/.*") == []  # nothing was rebuilt

    run(scenario())
