"""Open an index for a corpus: load it when it is fresh, otherwise (re)build and save it."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
from collections.abc import Callable
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path

from index.analyze import ANALYZER_VERSION, Analyzer
from index.build import Progress, build
from index.calibrate import Structure, code_key
from index.errors import CitebotError, CorpusError, IndexFormatError, IndexSaveError
from index.fingerprint import file_digest, read_fingerprints
from index.load import SOURCES_FILE, CorpusFile, list_files, sources_file
from index.search import Searcher
from index.settings import Settings
from index.store import IndexData, check_replaceable, load, save

log = logging.getLogger(__name__)

Notice = Callable[[str], None]

ISOLATE_BYTES = 16 << 20  # a corpus this large is built in a process of its own


def _log_notice(message: str) -> None:
    log.info("%s", message)


def staleness(data: IndexData, corpus: Path, settings: Settings) -> str | None:
    """Return why a loaded index no longer matches the corpus and settings, or None if fresh."""
    header = data.header
    if header.get("analyzer") != ANALYZER_VERSION:
        return "it was built by an older analyzer"
    if header.get("settings_key") != settings.index_key():
        return "the retrieval settings changed"
    if Structure.from_header(header) is None:
        # Measured at build (index.calibrate); rebuilding re-reads no file, only measures it.
        return "it predates the measure of how its documents divide their subjects"
    if header.get("measured_by") != code_key():
        return "another version of citebot measured how its documents divide their subjects"
    stored = read_fingerprints(header.get("files", []))
    files, _ = list_files(corpus)
    current: dict[str, tuple[Path, int, int]] = {
        f.relative: (f.path, f.size, f.mtime_ns) for f in files
    }
    listing = sources_file(corpus)
    if isinstance(listing, CorpusFile):  # the rule the build fingerprinted it by
        current[SOURCES_FILE] = (listing.path, listing.size, listing.mtime_ns)
    if set(current) != set(stored):
        added = len(set(current) - set(stored))
        removed = len(set(stored) - set(current))
        return " and ".join(
            f"{_files(n)} {'was' if n == 1 else 'were'} {what}"
            for n, what in ((added, "added"), (removed, "removed"))
            if n
        )
    for relative, (path, size, mtime_ns) in current.items():
        try:
            if stored[relative].changed(size, mtime_ns, partial(file_digest, path)):
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
    isolate: bool | None = None,
    must_save: bool = False,
) -> Searcher:
    """Return a Searcher over `corpus`, loading `index_path` or rebuilding it when stale.

    A stale index is updated: only the files that changed are read again. `force` rebuilds
    from scratch. A large corpus (or any, with `isolate=True`) is built in a process of its
    own, which writes the index file: the calling process keeps its memory small and its
    threads responsive (a bot's event loop goes on while the index is rebuilt).

    An index that cannot be saved is used from memory, with a notice; with `must_save`,
    IndexSaveError is raised instead.
    """
    analyzer = Analyzer()
    previous: IndexData | None = None
    if index_path is not None:
        check_replaceable(index_path)  # before building: never replace someone's file
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
    if index_path is not None and (isolate if isolate is not None else _large(corpus)):
        if previous is not None:
            previous.close()
            previous = None
        if _build_apart(
            corpus, index_path, settings, progress, incremental=not force, must_save=must_save
        ):
            try:
                data = load(index_path)
            except IndexFormatError:
                pass
            else:
                for path, reason in data.header.get("skipped", []):
                    log.warning("skipped %s: %s", path, reason)
                return Searcher(data, settings, analyzer)
        if not force:
            with contextlib.suppress(IndexFormatError):
                previous = load(index_path)
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
        if must_save:
            raise IndexSaveError(_unsaved(index_path, exc)) from None
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


def _unsaved(index_path: Path, exc: OSError) -> str:
    return f"cannot write the index to {index_path} ({exc.strerror or exc}); nothing was saved"


def _large(corpus: Path) -> bool:
    try:
        files, _ = list_files(corpus)
    except CorpusError:
        return False
    return sum(f.size for f in files) >= ISOLATE_BYTES


def _build_apart(
    corpus: Path,
    index_path: Path,
    settings: Settings,
    progress: Progress | None,
    *,
    incremental: bool,
    must_save: bool = False,
) -> bool:
    """Build and save the index in a child process; return False when that cannot be done.

    The library's own errors (an empty corpus, say) are raised here as they would be in
    this process, and with `must_save` so is IndexSaveError when the index cannot be saved.
    """
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_build_child,
        args=(send, corpus, index_path, settings, incremental),
        name="citebot-build",
    )
    try:
        child.start()
    except (OSError, RuntimeError) as exc:
        log.warning("building in this process: cannot start a build process (%s)", exc)
        return False
    send.close()
    try:
        while True:
            try:
                message = receive.recv()
            except EOFError:
                log.warning("building in this process: the build process stopped")
                return False
            if message[0] == "progress":
                if progress:
                    progress(message[1], message[2])
            elif message[0] == "done":
                return True
            elif message[0] == "unsaved":
                if must_save:
                    raise IndexSaveError(message[1])
                log.warning("building in this process: %s", message[1])
                return False
            else:
                raise message[1]
    finally:
        receive.close()
        if child.is_alive() and child.exitcode is None:
            child.join(timeout=5)
            if child.is_alive():
                child.terminate()
        child.join()


def _build_child(
    send: Connection, corpus: Path, index_path: Path, settings: Settings, incremental: bool
) -> None:
    """Build and save an index, reporting progress and the outcome through `send`."""
    logging.getLogger().setLevel(logging.ERROR)  # the parent reports what was skipped
    try:
        previous = None
        if incremental:
            with contextlib.suppress(IndexFormatError):
                previous = load(index_path)
        try:
            data = build(
                corpus,
                settings,
                Analyzer(),
                lambda done, total: send.send(("progress", done, total)),
                previous=previous,
            )
        finally:
            if previous is not None:
                previous.close()
        try:
            save(index_path, data)
        except OSError as exc:
            send.send(("unsaved", _unsaved(index_path, exc)))
            return
        send.send(("done",))
    except CitebotError as exc:
        send.send(("error", exc))
    except BaseException as exc:
        send.send(("error", RuntimeError(f"the index build failed: {exc!r}")))
        raise
    finally:
        send.close()


def _files(n: int) -> str:
    """Return "1 file" or "N files"."""
    return f"{n} file" if n == 1 else f"{n} files"
