"""What replies and threads are read after, kept across a restart of the bot.

A reply to one of the bot's answers is read after that answer, and a message in a thread the
bot started after the thread's last answer (`Desk.conversations`). That memory is small — a
message or thread id, a channel id and the last questions with the ids of the passages that
answered them per entry, no user, at most the desk's `memory` entries of each — so the bot
writes it when it stops and reads it when it starts: a restart does not make people repeat
themselves. It lives next to the index, as
`conversations.json`, readable by its owner only (questions are what people typed).

The file is written to a temporary file in the same folder, then renamed over the old one, so a
crash leaves the old file or the new one, never half of one. A file that cannot be read — missing,
not JSON, written by something else — is ignored with a warning: the bot starts with no memory
of earlier conversations, as it would without the file. Written every KEEP_SECONDS when it
changed, and on a clean stop (Ctrl-C, SIGTERM, `close`): a killed bot forgets at most the last
KEEP_SECONDS of what it learnt.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from pathlib import Path

from bot.library import Library
from bot.session import Desk

log = logging.getLogger("citebot.discord")

NAME = "conversations.json"
VERSION = 1
MAX_BYTES = 16 * 1024 * 1024  # far above what 2 × 5,000 entries take; a bigger file is not ours
KEEP_SECONDS = 60  # how often a running bot writes its conversations when they changed


def memory_path(library: Library) -> Path:
    """Return where the bot keeps its conversations: next to the index of its main corpus."""
    return library.index.parent / NAME


def load(desk: Desk, path: Path) -> int:
    """Give the desk the conversations saved at `path`; return the entries taken (0 if none)."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ValueError(f"larger than {MAX_BYTES // (1024 * 1024)} MB")
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return 0
    except (OSError, ValueError) as exc:  # UnicodeDecodeError and JSONDecodeError too
        log.warning("not reading the saved conversations %s: %s", path, exc)
        return 0
    if not isinstance(data, dict) or data.get("version") != VERSION:
        log.warning("not reading the saved conversations %s: not a file citebot wrote", path)
        return 0
    taken = desk.restore(data)
    log.info("remembered %d reply and thread contexts from %s", taken, path)
    return taken


def dump(desk: Desk) -> str:
    """Return the desk's conversations as the file holds them."""
    return json.dumps({"version": VERSION, **desk.conversations()}, ensure_ascii=False)


def save(desk: Desk, path: Path) -> bool:
    """Write the desk's conversations to `path` atomically; False (with a warning) on failure."""
    return write(dump(desk), path)


def write(text: str, path: Path) -> bool:
    """Write conversations as `dump` returned them to `path` atomically; False on failure."""
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{NAME}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:  # mkstemp: readable by its owner only
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        log.warning("could not save the conversations to %s: %s", path, exc)
        return False
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return True
