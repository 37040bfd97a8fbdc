"""Discord's wire conventions shared by the fake's REST and gateway halves.

The API version, snowflake epoch, how JSON is written, and the error replies Discord answers
with (``{"message", "code", "errors"}`` bodies, ``Invalid Form Body`` field errors).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

API_VERSION = 10
DISCORD_EPOCH_MS = 1_420_070_400_000
REDACTED = "[redacted]"


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


@dataclass
class Reply:
    """A REST answer before it is written: status, JSON body and headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class HTTPError(Exception):
    """Raised by a route to answer with a Discord error body."""

    def __init__(self, status: int, message: str, code: int, errors: Any = None) -> None:
        super().__init__(message)
        body: dict[str, Any] = {"message": message, "code": code}
        if errors is not None:
            body["errors"] = errors
        self.reply = Reply(status, body)


def not_found(message: str, code: int) -> HTTPError:
    return HTTPError(404, message, code)


def form_error(errors: dict[str, Any]) -> HTTPError:
    return HTTPError(400, "Invalid Form Body", 50035, errors)


def field_error(code: str, message: str) -> dict[str, Any]:
    return {"_errors": [{"code": code, "message": message}]}
