"""The feedback log: votes on answers and unanswered questions, appended as JSON Lines.

User ids are never stored: each is replaced by a keyed hash (HMAC-SHA256 with a random key kept
next to the log), so votes by one person can be counted together but not traced back to them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger(__name__)


class FeedbackLog:
    """Append feedback records to a JSON Lines file, one complete line per write."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.key_path = path.with_name(path.name + ".key")
        self._lock = threading.Lock()
        self._key: bytes | None = None

    def user_hash(self, user_id: int) -> str:
        """Return the keyed hash that stands for a user in the log."""
        return hmac.new(self._secret(), str(user_id).encode(), hashlib.sha256).hexdigest()[:16]

    def vote(
        self,
        *,
        question: str,
        passages: Sequence[str],
        user_id: int,
        vote: str,
        channel: int | None,
    ) -> None:
        """Record a 👍 ("up") or 👎 ("down") on an answer."""
        self._append(
            {
                "kind": "vote",
                "vote": vote,
                "question": question,
                "passages": list(passages),
                "user": self.user_hash(user_id),
                "channel": channel,
            }
        )

    def unanswered(
        self,
        *,
        question: str,
        reason: str | None,
        passages: Sequence[str],
        user_id: int,
        channel: int | None,
    ) -> None:
        """Record a question the sources did not answer, with the closest passages."""
        self._append(
            {
                "kind": "unanswered",
                "reason": reason,
                "question": question,
                "passages": list(passages),
                "user": self.user_hash(user_id),
                "channel": channel,
            }
        )

    def _append(self, record: dict[str, object]) -> None:
        record = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **record}
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                # A line cut short by a crash must not swallow the next record.
                size = os.fstat(fd).st_size
                if size and not _ends_with_newline(self.path, size):
                    line = b"\n" + line
                os.write(fd, line)
            finally:
                os.close(fd)

    def _secret(self) -> bytes:
        if self._key is None:
            with self._lock:
                self._key = _load_or_create_key(self.key_path)
        return self._key


def feedback_log(path: Path | None) -> FeedbackLog | None:
    """Return the feedback log kept at `path`, or None when the config keeps none."""
    return FeedbackLog(path) if path is not None else None


def _ends_with_newline(path: Path, size: int) -> bool:
    with path.open("rb") as f:
        f.seek(size - 1)
        return f.read(1) == b"\n"


def _load_or_create_key(path: Path) -> bytes:
    """Return the hashing key stored at `path`, creating it (readable by the owner only)."""
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
        if len(key) >= 16:
            return key
    except (OSError, ValueError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key.hex() + "\n")
    try:
        os.link(tmp, path)  # never replaces a key another process wrote meanwhile
    except FileExistsError:
        tmp.unlink()
        return _load_or_create_key(path)
    tmp.unlink()
    log.info("created the feedback hashing key %s", path)
    return key
