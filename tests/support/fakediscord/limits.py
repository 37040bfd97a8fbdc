"""Rate limits and injected faults: how the fake says no.

Buckets count requests per route and major parameter as Discord does, send the
``X-RateLimit-*`` headers discord.py paces itself by, and answer 429 when a client sends more
than a bucket allows. :meth:`LimitsMixin.fail_next` makes the next matching requests fail
(429 with ``Retry-After``, 5xx, or any status and body) to test the bot's retries.
"""

from __future__ import annotations

import math
import re
import secrets
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .protocol import Reply

if TYPE_CHECKING:
    from .rest import Route

# Rate-limit buckets as Discord sets them: (requests, seconds) per route and major parameter.
# Posting in a channel is the tight one (5 per 5 s per channel); other routes get
# DEFAULT_RATE_LIMIT. Tests that measure the bot rather than Discord's limits pass bigger ones.
DISCORD_RATE_LIMITS: Mapping[str, tuple[int, float]] = {
    "POST /channels/{channel_id}/messages": (5, 5.0),
}
DEFAULT_RATE_LIMIT = (50, 1.0)
# The parameters that give a route its own bucket, as Discord documents them.
_MAJOR_PARAMETERS = ("channel_id", "guild_id", "token")


@dataclass
class Bucket:
    """One rate-limit bucket: ``limit`` requests per window of ``per`` seconds."""

    name: str
    limit: int
    per: float
    remaining: int = 0
    resets_at: float = 0.0  # time.monotonic() at which the window ends

    def take(self, now: float) -> bool:
        """Count a request; return False (and count nothing) when the window is used up."""
        if now >= self.resets_at:
            self.remaining = self.limit
            self.resets_at = now + self.per
        if self.remaining <= 0:
            return False
        self.remaining -= 1
        return True

    def headers(self, now: float) -> dict[str, str]:
        """Return the X-RateLimit headers Discord sends with a response from this bucket."""
        after = max(self.resets_at - now, 0.0)
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": f"{time.time() + after:.3f}",
            "X-RateLimit-Reset-After": f"{after:.3f}",
            "X-RateLimit-Bucket": self.name,
        }


@dataclass
class Fault:
    """An injected failure: the next ``times`` requests matching method and path get ``status``."""

    method: str
    pattern: re.Pattern[str]
    status: int
    retry_after: float
    times: int
    body: Any


class LimitsMixin:
    """Rate-limit buckets and fault injection of :class:`~fakediscord.FakeDiscord`."""

    def _init_limits(self, rate_limits: Mapping[str, tuple[int, float]] | None) -> None:
        self.rate_limits = {**DISCORD_RATE_LIMITS, **(rate_limits or {})}
        self._buckets: dict[tuple[str, str], Bucket] = {}
        self._faults: list[Fault] = []

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int = 429,
        retry_after: float = 0.2,
        times: int = 1,
        *,
        body: Any = None,
    ) -> None:
        """Answer the next ``times`` matching requests with an error status (429: rate limited).

        ``method`` may be "*"; ``path_regex`` must match the whole path,
        e.g. r"/channels/\\d+/messages".
        A 500/502/503 makes discord.py sleep 1 s (then 3 s, ...) before retrying.
        """
        self._faults.append(
            Fault(method.upper(), re.compile(path_regex), status, retry_after, times, body)
        )

    def _take_fault(self, method: str, path: str) -> Reply | None:
        for fault in self._faults:
            if fault.method not in ("*", method) or not fault.pattern.fullmatch(path):
                continue
            fault.times -= 1
            if fault.times <= 0:
                self._faults.remove(fault)
            if fault.status == 429:
                body = fault.body or {
                    "message": "You are being rate limited.",
                    "retry_after": fault.retry_after,
                    "global": False,
                    "code": 0,
                }
                headers = {
                    "Retry-After": str(max(1, math.ceil(fault.retry_after))),
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": f"{time.time() + fault.retry_after:.3f}",
                    "X-RateLimit-Reset-After": f"{fault.retry_after:.3f}",
                    "X-RateLimit-Bucket": "fake" + secrets.token_hex(8),
                    "X-RateLimit-Scope": "shared",
                    # discord.py treats a 429 without "Via" as a Cloudflare ban and gives up.
                    "Via": "1.1 google",
                }
                return Reply(429, body, headers)
            if fault.body is not None:
                return Reply(fault.status, fault.body)
            reason = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
            text = reason.get(fault.status, "Error")
            return Reply(fault.status, {"message": f"{fault.status}: {text}", "code": 0})
        return None

    def _bucket(self, route: Route, params: Mapping[str, str]) -> Bucket | None:
        """Return the rate-limit bucket of a request (per route and major parameter)."""
        if not self.ratelimit_headers:
            return None
        key = f"{route.method} {route.template}"
        major = next((params[p] for p in _MAJOR_PARAMETERS if p in params), "")
        bucket = self._buckets.get((key, major))
        if bucket is None:
            limit, per = self.rate_limits.get(key) or self.rate_limits.get("*", DEFAULT_RATE_LIMIT)
            name = f"{zlib.crc32(key.encode()):08x}"
            bucket = self._buckets[(key, major)] = Bucket(name, limit, per)
        return bucket

    def _rate_limited(self, bucket: Bucket) -> Reply:
        """Answer a request over its bucket's limit as Discord does."""
        after = max(bucket.resets_at - time.monotonic(), 0.001)
        body = {"message": "You are being rate limited.", "retry_after": after, "global": False}
        headers = {
            **bucket.headers(time.monotonic()),
            "Retry-After": str(max(1, math.ceil(after))),
            "X-RateLimit-Scope": "user",
            "Via": "1.1 google",  # discord.py treats a 429 without it as a Cloudflare ban
        }
        return Reply(429, body, headers)
