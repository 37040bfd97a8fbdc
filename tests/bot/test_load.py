"""Load: 200 questions within a second, to a real `citebot run` process in asyncio debug mode.

Every `/ask` must be acknowledged (deferred) within Discord's 3 seconds of its dispatch and every
question answered; the event loop must never be blocked for 100 ms or more (asyncio's debug mode
logs "Executing … took …" for any callback that takes longer), judged when other processes did
not keep more than half a core busy during the run and the load average is under twice the cores
(otherwise a callback's wall time measures the other processes). The fake's rate-limit bucket for
channel messages is raised so that the numbers measure the bot, not Discord's limits.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from botworld import AUTO, COMMANDS, LANDMINES, TOKEN, bot_process, make_fake, run, write_config
from fakediscord import Call, FakeMember, FakeUser

QUESTIONS = 200
DISPATCH_SECONDS = 1.0
ACK_LIMIT = 3.0  # Discord drops an interaction not acknowledged within 3 s
MESSAGE_BUCKET = (300, 1.0)  # posts per channel per second the fake allows (Discord: 5 per 5 s)
USERS = [1_400_000_000_000_010_000 + i for i in range(QUESTIONS)]
ASKED = [
    LANDMINES,
    "Who is Toivo Klaar?",
    "What did the Kremlin say about the hostilities?",
    "When did Azerbaijan launch the operation?",
    "What is the population of Tokyo?",  # not in the sources: the abstention path
]
DEBUG_ENV = {"PYTHONASYNCIODEBUG": "1"}  # asyncio logs callbacks that take 100 ms or more


def crowd() -> list[FakeMember]:
    """Members who each ask once, so the per-user cooldown is not what is measured."""
    return [FakeMember(FakeUser(u, f"user{i}")) for i, u in enumerate(USERS)]


async def until(condition: Callable[[], bool], timeout: float) -> None:
    """Poll `condition` until it holds (a waiter per question would cost more than the bot)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not done within {timeout} s")
        await asyncio.sleep(0.05)


def slow_callbacks(log: str) -> list[str]:
    """Lines where asyncio's debug mode reports a callback that blocked the event loop."""
    return [line for line in log.splitlines() if re.search(r"Executing .* took \d", line)]


OTHERS_LIMIT = 0.5  # cores other processes may keep busy while the event loop is judged


def oversubscribed() -> bool:
    """Tell whether the machine ran more than twice as many processes as it has cores."""
    return os.getloadavg()[0] > 2 * (os.cpu_count() or 1)


def _busy_ticks() -> int | None:
    """Return the machine's busy CPU time in clock ticks (Linux), or None."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return user + nice + system + irq + softirq + steal


def _process_ticks(pid: int) -> int:
    """Return a process's user and system CPU time in clock ticks (0 once it has exited)."""
    try:
        after_name = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(after_name[11]) + int(after_name[12])  # utime, stime


class Contention:
    """How many cores processes other than the test and the bot kept busy while the bot ran.

    The load average lags by a minute and counts waiting processes, not CPU taken: a benchmark
    started elsewhere during the run can stall the event loop's thread for 100 ms while the load
    average still reads low. This reads the CPU time itself, from /proc (no figure elsewhere).
    """

    def __init__(self, bot_pid: int) -> None:
        self.bot_pid = bot_pid
        self._start = self._read()

    def _read(self) -> tuple[float, int | None, float]:
        own = os.times()
        ticks = os.sysconf("SC_CLK_TCK")
        mine = (own.user + own.system) * ticks + _process_ticks(self.bot_pid)
        return time.monotonic(), _busy_ticks(), mine

    def others(self) -> float:
        """Return the cores other processes kept busy, on average, since this was made."""
        (t0, busy0, mine0), (t1, busy1, mine1) = self._start, self._read()
        if busy0 is None or busy1 is None or t1 <= t0:
            return 0.0
        other = (busy1 - busy0) - (mine1 - mine0)
        return max(other, 0) / os.sysconf("SC_CLK_TCK") / (t1 - t0)


def judge_event_loop(log: str, others: float, capsys: pytest.CaptureFixture[str]) -> None:
    """Fail on a callback that blocked the event loop, unless other processes held the cores."""
    slow = slow_callbacks(log)
    if slow and (oversubscribed() or others > OTHERS_LIMIT):
        # A callback's wall time then measures the other processes, not the bot.
        show(
            capsys,
            f"{len(slow)} slow callbacks while other processes kept {others:.2f} cores busy"
            " (or the load average was above twice the cores), not judged",
        )
        return
    assert slow == [], "\n".join(slow)


def report(
    request: pytest.FixtureRequest,
    name: str,
    slowest: float,
    answers: list[float],
    started: float,
    last_asked: float,
) -> str:
    """Record the numbers on the test and return the line printed in the test output.

    `answers` are the times the answers arrived; the rate is bounded by the pace of the
    questions (200 in a second), so the delay after the last question is given too.
    """
    seconds = max(answers) - started
    rate = len(answers) / seconds
    behind = max(answers) - last_asked
    request.node.user_properties.extend(
        [
            (f"{name}_slowest_s", round(slowest, 3)),
            (f"{name}_answers_per_s", round(rate, 1)),
            (f"{name}_done_after_last_question_s", round(behind, 3)),
        ]
    )
    return (
        f"{name}: slowest {slowest:.3f} s; {len(answers)} answers in {seconds:.2f} s = "
        f"{rate:.1f}/s, the last {behind:.3f} s after the last question"
    )


def show(capsys: pytest.CaptureFixture[str], line: str) -> None:
    with capsys.disabled():
        print(f"\n[load] {line}")


def test_200_slash_questions_are_each_deferred_within_3_s_and_answered(
    world: Path, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    result: dict[str, str] = {}

    async def scenario() -> None:
        async with make_fake(members=crowd()) as fake:
            config = write_config(world, fake)
            async with bot_process(config, fake, env=DEBUG_ENV) as bot:
                contention = Contention(bot.process.pid)
                mark = len(fake.calls)
                dispatched: list[tuple[float, str, str]] = []
                started = time.monotonic()
                for i, user in enumerate(USERS):
                    at = time.monotonic()
                    ix = await fake.dispatch_interaction(
                        "frage",
                        {"question": ASKED[i % len(ASKED)]},
                        user=user,
                        channel_id=COMMANDS,
                    )
                    dispatched.append((at, ix.callback_path, ix.webhook_path))
                    await asyncio.sleep(
                        max(
                            0.0, started + (i + 1) * DISPATCH_SECONDS / QUESTIONS - time.monotonic()
                        )
                    )
                assert time.monotonic() - started < DISPATCH_SECONDS + 0.5

                def by_path() -> dict[str, Call]:
                    return {
                        c.path: c
                        for c in fake.calls[mark:]
                        if c.method == "POST" and c.status in (200, 204)
                    }

                await until(lambda: all(w in by_path() for _, _, w in dispatched), timeout=60)
                done = by_path()
                acks = [done[cb].time - at for at, cb, _ in dispatched]
                assert all(done[cb].json == {"type": 5} for _, cb, _ in dispatched)
                assert max(acks) < ACK_LIMIT, sorted(acks)[-5:]
                for _, _, webhook in dispatched:
                    assert done[webhook].json["embeds"], done[webhook].json
                answers = [done[w].time for _, _, w in dispatched]
                last_asked = dispatched[-1][0]
                result["line"] = report(request, "ask", max(acks), answers, started, last_asked)
                others = contention.others()
                result["line"] += f"; other processes kept {others:.2f} cores busy"
                assert await bot.stop() == 0, bot.log
            judge_event_loop(bot.log, others, capsys)
            assert "Traceback" not in bot.log and "ERROR" not in bot.log, bot.log
            assert TOKEN not in bot.log
            fake.assert_no_unknown_calls()

    run(scenario())
    show(capsys, result["line"])


def test_200_messages_in_an_auto_channel_are_each_answered(
    world: Path, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    result: dict[str, str] = {}

    async def scenario() -> None:
        limits = {"POST /channels/{channel_id}/messages": MESSAGE_BUCKET}
        async with make_fake(members=crowd(), rate_limits=limits) as fake:
            config = write_config(world, fake)
            async with bot_process(config, fake, env=DEBUG_ENV) as bot:
                contention = Contention(bot.process.pid)
                mark = len(fake.calls)
                sent: dict[str, float] = {}
                started = time.monotonic()
                for i, user in enumerate(USERS):
                    at = time.monotonic()
                    message = await fake.dispatch_message(AUTO, ASKED[i % len(ASKED)], author=user)
                    sent[message["id"]] = at
                    await asyncio.sleep(
                        max(
                            0.0, started + (i + 1) * DISPATCH_SECONDS / QUESTIONS - time.monotonic()
                        )
                    )

                def replies() -> dict[str, Call]:
                    return {
                        str(c.json["message_reference"]["message_id"]): c
                        for c in fake.calls[mark:]
                        if c.method == "POST"
                        and c.path == f"/channels/{AUTO}/messages"
                        and c.status == 200
                    }

                await until(lambda: len(replies()) >= QUESTIONS, timeout=60)
                done = replies()
                assert set(done) == set(sent)
                assert all(c.json["embeds"] for c in done.values())
                latency = [done[m].time - at for m, at in sent.items()]
                answers = [c.time for c in done.values()]
                last_asked = max(sent.values())
                result["line"] = report(request, "auto", max(latency), answers, started, last_asked)
                others = contention.others()
                result["line"] += f"; other processes kept {others:.2f} cores busy"
                assert await bot.stop() == 0, bot.log
            judge_event_loop(bot.log, others, capsys)
            assert "Traceback" not in bot.log and "ERROR" not in bot.log, bot.log
            rate_limited = fake.calls_for("POST", rf"/channels/{AUTO}/messages", status=429)
            assert rate_limited == []  # the bot kept within the bucket on its own
            fake.assert_no_unknown_calls()

    run(scenario())
    show(capsys, result["line"])
