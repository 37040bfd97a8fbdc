"""What an index remembers of each source file, and the one rule for "did it change?".

Three places ask whether a file is still the one that was indexed: the incremental build (may
it reuse the file's passages?), `open_index` (is the saved index stale?) and `Freshness` (may
an answer quote the file?). They all call `changed`, so they cannot come to disagree. The rule
is cheap first and exact when it must be: another size is a change; the same modification time
is no change; otherwise the content's digest decides, and it is only computed then (`digest` is
called lazily), because reading every file of a large corpus is what the check is there to
avoid. A touched but unedited file is therefore not a change, while an edit that keeps the size
and the time (rare: a tool that restores mtimes) is missed; hashing every file on every check
would be the price of catching it.

On disk a fingerprint stays the positional list `[path, size, mtime_ns, sha256, listed]` in
the index header (format version 2), so indexes written before this module existed load as
they are; `Fingerprint` is how the code reads and writes that list.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Fingerprint:
    """One file as it was indexed: size, modification time, content digest, listing digest."""

    path: str  # relative to the corpus folder, with forward slashes
    size: int
    mtime_ns: int
    sha256: str | None  # None when the file could not be read
    listed: str | None = None  # digest of the file's sources.yaml entry, None when it has none

    @classmethod
    def of(
        cls, path: str, size: int, mtime_ns: int, raw: bytes | None, listed: str | None = None
    ) -> Fingerprint:
        """Return the fingerprint of a file with this content (None: it could not be read)."""
        return cls(path, size, mtime_ns, content_digest(raw) if raw is not None else None, listed)

    def to_json(self) -> list[object]:
        """Return the record as the index header stores it."""
        return [self.path, self.size, self.mtime_ns, self.sha256, self.listed]

    @classmethod
    def from_json(cls, entry: object) -> Fingerprint | None:
        """Return the fingerprint a header record holds, or None when it is malformed."""
        if not isinstance(entry, list) or len(entry) != 5:
            return None
        path, size, mtime_ns, sha256, listed = entry
        if not isinstance(path, str) or not isinstance(size, int) or not isinstance(mtime_ns, int):
            return None
        if not (sha256 is None or isinstance(sha256, str)):
            return None
        if not (listed is None or isinstance(listed, str)):
            return None
        return cls(path, size, mtime_ns, sha256, listed)

    def changed(self, size: int, mtime_ns: int, digest: Callable[[], str | None]) -> bool:
        """Return whether a file of this size and time is not the one fingerprinted.

        `digest` gives the file's current content digest (None: unknown, which counts as a
        change); it is called only when the size matches and the time does not.
        """
        if size != self.size:
            return True
        if mtime_ns == self.mtime_ns:
            return False
        if self.sha256 is None:
            return True
        return digest() != self.sha256


def content_digest(raw: bytes) -> str:
    """Return the digest a fingerprint keeps of a file's content."""
    return hashlib.sha256(raw).hexdigest()


def file_digest(path: Path) -> str:
    """Return the content digest of the file at `path`; raise OSError when it cannot be read."""
    return content_digest(path.read_bytes())


def listing_digest(sources: Mapping[str, Mapping[str, str | None]], relative: str) -> str | None:
    """Return a digest of a file's entry in sources.yaml, or None when it has none."""
    entry = sources.get(relative)
    if entry is None:
        return None
    return hashlib.sha256(json.dumps(entry, sort_keys=True).encode()).hexdigest()[:16]


def read_fingerprints(records: Iterable[object]) -> dict[str, Fingerprint]:
    """Return the fingerprints of an index header's `files` list by path, skipping bad ones."""
    found: dict[str, Fingerprint] = {}
    for record in records:
        fingerprint = Fingerprint.from_json(record)
        if fingerprint is not None:
            found[fingerprint.path] = fingerprint
    return found
