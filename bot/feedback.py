"""The feedback log: votes on answers and unanswered questions, appended as JSON Lines.

User ids are never stored: each is replaced by a keyed hash (HMAC-SHA256 with a random key kept
next to the log), so votes by one person can be counted together but not traced back to them.

The log is only ever appended to, one whole line per write: a crash never costs earlier records,
and the file can be read (or tailed) while the bot writes. So one vote per user per answer is
kept by not writing, not by rewriting: the desk remembers each answer's votes and writes a line
only for a new vote or a change of mind, which carries `"replaces"` (the earlier vote) and the
answer's id, so a reader keeps the last line per (`user`, `answer`). Rewriting the file instead
would cost a copy of the whole log per click and race with other writers.

Past `max_bytes` the log is rotated: `feedback.jsonl` becomes `feedback.jsonl.1` (the older ones
move up to `.3`; the oldest is deleted), so the disk it takes stays bounded. Writers in several
processes take an advisory lock on the file, and a writer that finds the file rotated while it
waited reopens it, so no record goes to a file already rotated away.
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

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: one process per log
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024  # the default size past which the log is rotated
KEEP = 3  # rotated files kept: feedback.jsonl.1 … .3


class FeedbackLog:
    """Append feedback records to a JSON Lines file, one complete line per write."""

    def __init__(self, path: Path, *, max_bytes: int = MAX_BYTES, keep: int = KEEP) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.keep = keep
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
        answer: str | None = None,
        replaces: str | None = None,
    ) -> None:
        """Record a 👍 ("up") or 👎 ("down") on an answer, or a change of mind about it."""
        record: dict[str, object] = {
            "kind": "vote",
            "vote": vote,
            "question": question,
            "passages": list(passages),
            "user": self.user_hash(user_id),
            "channel": channel,
        }
        if answer is not None:
            record["answer"] = answer
        if replaces is not None:
            record["replaces"] = replaces
        self._append(record)

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
            fd = self._open()
            try:
                size = os.fstat(fd).st_size
                if size and size + len(line) > self.max_bytes:
                    self._rotate()
                    os.close(fd)
                    fd = self._open()
                    size = os.fstat(fd).st_size
                # A line cut short by a crash must not swallow the next record.
                if size and not _ends_with_newline(fd, size):
                    line = b"\n" + line
                os.write(fd, line)
            finally:
                os.close(fd)

    def _open(self) -> int:
        """Open the current log for appending, locked against writers in other processes."""
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            if fcntl is None:
                return fd
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                current = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                current = False
            if current:
                return fd
            os.close(fd)  # rotated by another process while we waited: open the new file

    def _rotate(self) -> None:
        """Move the log to `.1` (and older ones one up), dropping the oldest."""
        for n in range(self.keep - 1, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{n}")
            if older.exists():
                os.replace(older, self.path.with_name(f"{self.path.name}.{n + 1}"))
        if self.keep > 0:
            os.replace(self.path, self.path.with_name(f"{self.path.name}.1"))
        else:
            self.path.unlink()
        log.info("rotated the feedback log %s", self.path)

    def _secret(self) -> bytes:
        if self._key is None:
            with self._lock:
                self._key = _load_or_create_key(self.key_path)
        return self._key


def feedback_log(path: Path | None, *, max_mb: float | None = None) -> FeedbackLog | None:
    """Return the feedback log kept at `path` (rotated past `max_mb`), or None to keep none."""
    if path is None:
        return None
    max_bytes = MAX_BYTES if max_mb is None else max(1, int(max_mb * 1024 * 1024))
    return FeedbackLog(path, max_bytes=max_bytes)


def _ends_with_newline(fd: int, size: int) -> bool:
    """Return whether the open file ends with a newline (appends still go to its end)."""
    os.lseek(fd, size - 1, os.SEEK_SET)
    return os.read(fd, 1) == b"\n"


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
