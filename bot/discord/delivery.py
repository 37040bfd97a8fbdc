"""Answers that Discord did not take are sent again later, a bounded number of times.

discord.py retries a rate-limited (429) or failed (5xx) request itself, five times over a few
seconds; a longer burst of 429s outlasts that and the answer would be dropped with a warning.
`Deliveries.send` tries once (with discord.py's own retries) and, when the failure is one that
passes (a 429, a 5xx, a dropped connection), tries again in the background after each of
`delays` (about a minute in all, well within the 15 minutes an interaction's followups stay
valid). An answer that still cannot be sent, or is still waiting when the bot stops, is logged
as lost in one line that names where it was going and why, never a token or a URL. Other
failures (a 403, a message deleted meanwhile) are the caller's to report, as before.

At most `MAX_PENDING` answers wait at once: during an outage longer than that, the newest are
given up at once rather than piling up in memory.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import aiohttp
import discord

log = logging.getLogger("citebot.discord")

RETRY_DELAYS = (2.0, 5.0, 15.0, 30.0)  # seconds before each later attempt
MAX_PENDING = 200


def passing(error: BaseException) -> bool:
    """Return whether a failed send is worth trying again later (rate limit, outage)."""
    if isinstance(error, discord.RateLimited):
        return True
    if isinstance(error, discord.HTTPException):
        return error.status == 429 or error.status >= 500
    return isinstance(error, (aiohttp.ClientError, OSError, asyncio.TimeoutError))


def describe(error: BaseException) -> str:
    """Return why a send failed, without anything a URL or a token could bring along."""
    if isinstance(error, discord.HTTPException):
        return f"Discord answered {error.status} {error.response.reason or ''}".rstrip()
    if isinstance(error, discord.RateLimited):
        return f"rate limited for {error.retry_after:.0f} s"
    return type(error).__name__


@dataclass
class _Waiting:
    """An answer waiting for a later attempt: where it goes, the tries so far, the last error."""

    what: str
    attempts: int
    error: BaseException


class Deliveries:
    """Send answers, and send again later those Discord did not take for a passing reason."""

    def __init__(self, delays: Sequence[float] = RETRY_DELAYS, pending: int = MAX_PENDING) -> None:
        self.delays = tuple(delays)
        self.max_pending = pending
        self._waiting: dict[asyncio.Task[None], _Waiting] = {}

    @property
    def pending(self) -> int:
        """Return how many answers wait for a later attempt."""
        return len(self._waiting)

    async def send(self, send: Callable[[], Awaitable[object]], *, what: str) -> None:
        """Send now; on a passing failure, try again in the background (other errors raise)."""
        try:
            await send()
        except Exception as exc:
            if not passing(exc):
                raise
            waiting = _Waiting(what, 1, exc)
            if not self.delays or len(self._waiting) >= self.max_pending:
                _lost(waiting, "too many answers are waiting" if self.delays else "")
                return
            log.info("Discord did not take %s (%s); trying again later", what, describe(exc))
            task = asyncio.create_task(self._again(send, waiting), name="citebot-redeliver")
            self._waiting[task] = waiting
            task.add_done_callback(self._waiting.pop)

    async def _again(self, send: Callable[[], Awaitable[object]], waiting: _Waiting) -> None:
        for delay in self.delays:
            await asyncio.sleep(max(delay, getattr(waiting.error, "retry_after", 0.0) or 0.0))
            waiting.attempts += 1
            try:
                await send()
            except Exception as exc:
                waiting.error = exc
                if not passing(exc):
                    break
            else:
                log.info("delivered %s on attempt %d", waiting.what, waiting.attempts)
                return
        _lost(waiting)

    async def stop(self) -> None:
        """Give up the answers still waiting, logging each as lost."""
        waiting = list(self._waiting.items())
        for task, _ in waiting:
            task.cancel()
        await asyncio.gather(*(task for task, _ in waiting), return_exceptions=True)
        for _, lost in waiting:
            _lost(lost, "the bot stopped")


def _lost(waiting: _Waiting, note: str = "") -> None:
    """Log, in one line, an answer that will not be delivered."""
    n = waiting.attempts
    log.warning(
        "lost %s after %d attempt%s: %s%s",
        waiting.what,
        n,
        "" if n == 1 else "s",
        describe(waiting.error),
        f" ({note})" if note else "",
    )
