"""Open an index for a corpus: load it when it is fresh, otherwise (re)build and save it."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

from index.analyze import ANALYZER_VERSION, Analyzer
from index.build import Progress, build
from index.errors import IndexFormatError
from index.load import SOURCES_FILE, list_files
from index.search import Searcher
from index.settings import Settings
from index.store import IndexData, load, save

log = logging.getLogger(__name__)

Notice = Callable[[str], None]


def _log_notice(message: str) -> None:
    log.info("%s", message)


def staleness(data: IndexData, corpus: Path, settings: Settings) -> str | None:
    """Return why a loaded index no longer matches the corpus and settings, or None if fresh."""
    header = data.header
    if header.get("analyzer") != ANALYZER_VERSION:
        return "it was built by an older analyzer"
    if header.get("settings_key") != settings.index_key():
        return "the retrieval settings changed"
    stored = {entry[0]: entry for entry in header.get("files", [])}
    files, _ = list_files(corpus)
    current: dict[str, tuple[Path, int, int]] = {
        f.relative: (f.path, f.size, f.mtime_ns) for f in files
    }
    sources = corpus / SOURCES_FILE
    if sources.is_file():
        stat = sources.stat()
        current[SOURCES_FILE] = (sources, stat.st_size, stat.st_mtime_ns)
    if set(current) != set(stored):
        added = len(set(current) - set(stored))
        removed = len(set(stored) - set(current))
        return f"files were added ({added}) or removed ({removed})"
    for relative, (path, size, mtime_ns) in current.items():
        old_size, old_mtime, digest = stored[relative][1:4]
        if size != old_size:
            return f"{relative} changed"
        if mtime_ns != old_mtime:
            if digest is None:
                return f"{relative} changed"
            try:
                if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
                    return f"{relative} changed"
            except OSError:
                return f"{relative} cannot be read"
    return None


def open_index(
    corpus: Path,
    index_path: Path | None,
    settings: Settings,
    *,
    notice: Notice = _log_notice,
    progress: Progress | None = None,
    force: bool = False,
) -> Searcher:
    """Return a Searcher over `corpus`, loading `index_path` or rebuilding it when stale.

    A stale index is updated: only the files that changed are read again. `force` rebuilds
    from scratch.
    """
    analyzer = Analyzer()
    previous: IndexData | None = None
    if index_path is not None and not force:
        reason = None
        try:
            data = load(index_path)
        except IndexFormatError as exc:
            reason = str(exc) if index_path.exists() else "no index yet"
        else:
            reason = staleness(data, corpus, settings)
            if reason is None:
                return Searcher(data, settings, analyzer)
            previous = data
        notice(f"Building the index for {corpus} ({reason})…")
    try:
        data = build(corpus, settings, analyzer, progress, previous=previous)
    finally:
        if previous is not None:
            previous.close()
    if index_path is None:
        return Searcher(data, settings, analyzer)
    try:
        save(index_path, data)
    except OSError as exc:
        notice(
            f"Could not save the index to {index_path} ({exc.strerror or exc}); using it in memory."
        )
        return Searcher(data, settings, analyzer)
    # Serve from the saved file: its pages are mapped on demand and shared between
    # processes, and the memory the build used is given back.
    try:
        saved = load(index_path)
    except IndexFormatError:
        return Searcher(data, settings, analyzer)
    data.close()
    return Searcher(saved, settings, analyzer)
