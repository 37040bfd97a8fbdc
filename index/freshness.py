"""Whether the files behind some passages changed since their index was built.

A long-running server answers from an index while people edit its sources. Before an answer
quotes a passage, `Freshness.changed` compares the quoted files (only those) with the
fingerprint the index keeps of each file, by the rule `Fingerprint.changed` holds for every
caller; a missing or unreadable file is a change too. Verdicts are kept per (file, size, time),
so a file is read at most once per edit.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from functools import partial
from pathlib import Path

from index.fingerprint import file_digest, read_fingerprints
from index.load import corpus_path
from index.store import IndexData


class Freshness:
    """Tell which of an index's files no longer match what was indexed."""

    def __init__(self, data: IndexData, corpus: Path) -> None:
        self._corpus = corpus
        self._indexed = read_fingerprints(data.header.get("files", []))
        self._verdicts: dict[tuple[str, int, int], bool] = {}
        self._lock = threading.Lock()

    def changed(self, paths: Iterable[str]) -> set[str]:
        """Return those of `paths` (relative to the corpus) whose file changed or is gone."""
        return {path for path in dict.fromkeys(paths) if self._changed(path)}

    def _changed(self, path: str) -> bool:
        indexed = self._indexed.get(path)
        if indexed is None:
            return True
        file = corpus_path(self._corpus, path)
        try:
            stat = file.stat()
        except OSError:
            return True
        key = (path, stat.st_size, stat.st_mtime_ns)
        with self._lock:
            known = self._verdicts.get(key)
        if known is None:
            try:
                known = indexed.changed(stat.st_size, stat.st_mtime_ns, partial(file_digest, file))
            except OSError:
                return True
            with self._lock:
                self._verdicts[key] = known
        return known
