"""Whether the files behind some passages changed since their index was built.

A long-running server answers from an index while people edit its sources. Before an answer
quotes a passage, `Freshness.changed` compares the quoted files (only those) with the
fingerprint the index keeps of each file: a missing file or another size is a change; another
modification time is a change only when the content's digest differs too. Verdicts are kept per
(file, size, time), so a file is read at most once per edit.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from pathlib import Path

from index.store import IndexData


class Freshness:
    """Tell which of an index's files no longer match what was indexed."""

    def __init__(self, data: IndexData, corpus: Path) -> None:
        self._corpus = corpus
        # path -> (size, mtime_ns, sha256 of the content or None)
        self._indexed: dict[str, tuple[int, int, str | None]] = {
            str(entry[0]): (int(entry[1]), int(entry[2]), entry[3])
            for entry in data.header.get("files", [])
            if len(entry) >= 4
        }
        self._verdicts: dict[tuple[str, int, int], bool] = {}
        self._lock = threading.Lock()

    def changed(self, paths: Iterable[str]) -> set[str]:
        """Return those of `paths` (relative to the corpus) whose file changed or is gone."""
        return {path for path in dict.fromkeys(paths) if self._changed(path)}

    def _changed(self, path: str) -> bool:
        indexed = self._indexed.get(path)
        if indexed is None:
            return True
        try:
            stat = (self._corpus / path).stat()
        except OSError:
            return True
        size, mtime_ns, digest = indexed
        if stat.st_size != size:
            return True
        if stat.st_mtime_ns == mtime_ns:
            return False
        key = (path, stat.st_size, stat.st_mtime_ns)
        with self._lock:
            known = self._verdicts.get(key)
        if known is None:
            try:
                content = (self._corpus / path).read_bytes()
            except OSError:
                return True
            known = digest is None or hashlib.sha256(content).hexdigest() != digest
            with self._lock:
                self._verdicts[key] = known
        return known
