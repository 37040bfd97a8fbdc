"""What the fake records for tests to inspect: REST calls and dispatched interactions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Call:
    """One REST request received by the fake (path is relative to ``/api/v10``)."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    status: int = 0
    response: Any = None
    route: str | None = None
    index: int = 0
    time: float = 0.0
    delivered: bool = False


@dataclass
class DispatchedInteraction:
    """An interaction sent to the bot; use its paths to find the bot's REST answers."""

    id: int
    token: str
    type: int
    application_id: int
    channel_id: int | None
    guild_id: int | None
    user_id: int
    payload: dict[str, Any]

    @property
    def callback_path(self) -> str:
        """Path of the initial response (``POST``)."""
        return f"/interactions/{self.id}/{self.token}/callback"

    @property
    def webhook_path(self) -> str:
        """Path of the followup webhook (``POST`` creates followups)."""
        return f"/webhooks/{self.application_id}/{self.token}"


@dataclass
class InteractionState:
    """What the fake knows of an interaction: how it was answered and which messages it made."""

    record: DispatchedInteraction
    response_type: int | None = None
    original_id: int | None = None
    expired: bool = False
    message_id: int | None = None
    choices: list[dict[str, Any]] | None = None
